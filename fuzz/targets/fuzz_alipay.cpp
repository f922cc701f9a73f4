// Alipay outside input: gateway requests (query string + form or multipart body, split from the
// input at the first two NUL bytes), the v3 Authorization header, amounts and signed reply nodes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "emulator/alipay/protocol.hpp"

namespace ap = mpemu::alipay;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string_view query = text, body, content_type = "application/x-www-form-urlencoded";
    if (size_t a = text.find('\0'); a != std::string_view::npos) {
        query = text.substr(0, a);
        body = text.substr(a + 1);
        if (size_t b = body.find('\0'); b != std::string_view::npos) {
            content_type = body.substr(b + 1);
            body = body.substr(0, b);
        }
    }
    auto merged = ap::merge_gateway_params(query, body, content_type);
    if (const std::string* st = ap::param(merged.params, "sign_type")) (void)ap::parse_sign_type(*st);
    if (const std::string* amount = ap::param(merged.params, "total_amount")) (void)ap::parse_amount_text(*amount);
    (void)ap::parse_v3_authorization(text);
    (void)ap::parse_amount_text(text);
    (void)ap::extract_signed_node(text, "alipay_trade_query_response");
    return 0;
}
