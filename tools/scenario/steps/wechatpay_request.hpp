// The `wechatpay_request` step: a WeChat Pay v3 merchant API call, signed with the merchant key; a
// 2xx reply's signature is checked with the platform key named by its Wechatpay-Serial.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "tools/scenario/steps/fwd.hpp"
#include "tools/scenario/steps/keys.hpp"

namespace mpemu::scenario {

struct WechatpayRequestSpec {
    std::string method = "GET";
    std::string url;  // template
    std::optional<core::OrderedJson> json;
    std::string mchid;  // template
    core::OrderedJson headers = core::OrderedJson::object();
    WechatpayMerchantKeys keys;
    // For a templated mchid without `keys`: every merchant folder's keys (keys/wechatpay/<mchid>/),
    // chosen once the mchid is rendered; `keys` is the default.
    std::map<std::string, WechatpayMerchantKeys> merchant_keys;
};

bool parse_wechatpay_request(ParseContext& ctx, const std::string& pointer, Step& step);
core::Result<core::HttpRequest> build_wechatpay_request(const Step& step, const Lookup& lookup,
                                                        const BuildContext& ctx);
std::optional<CheckResult> check_wechatpay_reply(const Step& step, const Exchange& exchange);

}  // namespace mpemu::scenario
