// WeChat Pay v3 outside input: the Authorization header of every request, and the notification
// envelope a replayed or hand-made callback carries. A parsed header must format back and re-parse
// to the same fields.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "emulator/wechatpay/protocol.hpp"

namespace wp = mpemu::wechatpay::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto auth = wp::parse_authorization(text)) {
        auto again = wp::parse_authorization(wp::format_authorization(*auth));
        if (again && (again->mchid != auth->mchid || again->serial_no != auth->serial_no)) __builtin_trap();
    }
    if (auto envelope = wp::parse_envelope(text)) (void)wp::render_envelope(*envelope);
    (void)wp::decrypt("0123456789abcdef0123456789abcdef", "nonce1234567", "transaction", text);
    return 0;
}
