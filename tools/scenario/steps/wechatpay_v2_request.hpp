// The `wechatpay_v2_request` step: a WeChat Pay API v2 (XML) call: `fields` become the XML body
// (mch_id and nonce_str added when missing), signed at run time with the API v2 key by
// emulator/wechatpay/protocol_v2; the reply's fields are read as a JSON object and its `sign` checked.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "tools/scenario/steps/fwd.hpp"

namespace mpemu::scenario {

struct WechatpayV2RequestSpec {
    std::string url;                                         // template
    std::string mchid;                                       // template
    core::OrderedJson fields = core::OrderedJson::object();  // templates; null leaves a field out
    std::string sign_type = "MD5";                           // as the sign_type field names it
    std::optional<core::OrderedJson> sign;                   // replaces the signature (null: none sent)
    core::OrderedJson headers = core::OrderedJson::object();
    std::string api_v2_key;
    bool verify = true;
    // For a templated mchid without `keys`: each merchant folder's API v2 key, by mchid.
    std::map<std::string, std::string> merchant_keys;
};

bool parse_wechatpay_v2_request(ParseContext& ctx, const std::string& pointer, Step& step);
core::Result<core::HttpRequest> build_wechatpay_v2_request(const Step& step, const Lookup& lookup,
                                                           const BuildContext& ctx);
std::pair<std::optional<core::Json>, std::string> wechatpay_v2_reply_json(const std::string& body);
std::optional<CheckResult> check_wechatpay_v2_reply(const Step& step, const Exchange& exchange);

}  // namespace mpemu::scenario
