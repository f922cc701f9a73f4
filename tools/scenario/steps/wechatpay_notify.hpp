// The `wechatpay_notify` step: a WeChat Pay v3 notification to send: the resource is encrypted and
// the envelope signed at run time.
#pragma once

#include <string>

#include "tools/scenario/steps/fwd.hpp"

namespace mpemu::scenario {

struct WechatpayNotifySpec {
    std::string url;  // template
    std::string event_type = "TRANSACTION.SUCCESS";
    core::OrderedJson resource;  // templates inside
    core::OrderedJson headers = core::OrderedJson::object();
    std::string platform_private_key_pem;
    std::string platform_serial;
    std::string apiv3_key;
};

bool parse_wechatpay_notify(ParseContext& ctx, const std::string& pointer, Step& step);
core::Result<core::HttpRequest> build_wechatpay_notify(const Step& step, const Lookup& lookup, const BuildContext& ctx);

}  // namespace mpemu::scenario
