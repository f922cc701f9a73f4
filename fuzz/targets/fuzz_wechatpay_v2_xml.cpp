// WeChat Pay v2 XML bodies: the flat-document reader, then what the handlers do with what it read
// (sign type, the string to sign and the signature check).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "emulator/wechatpay/protocol_v2.hpp"

namespace v2 = mpemu::wechatpay::v2;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto r = v2::parse_xml(text);
    if (!r.ok) return 0;
    v2::SignType type = v2::SignType::kMd5;
    if (const std::string* st = r.params.get("sign_type")) (void)v2::parse_sign_type(*st, &type);
    (void)v2::string_to_sign(r.params, "192006250b4c09247ec02edce69f6a2d");
    (void)v2::verify(r.params, "192006250b4c09247ec02edce69f6a2d", type);
    return 0;
}
