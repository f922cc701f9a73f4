// The `alipay_notify` step: an Alipay async notification (trade_status_sync) to send: the common
// fields are filled in, the form signed with the Alipay private key at run time (alipay.md §4).
#pragma once

#include <map>
#include <string>

#include "tools/scenario/steps/fwd.hpp"
#include "tools/scenario/steps/keys.hpp"

namespace mpemu::scenario {

struct AlipayNotifySpec {
    std::string url;     // template
    std::string app_id;  // template
    std::string sign_type = "RSA2";
    core::OrderedJson params = core::OrderedJson::object();  // business fields, templates inside
    core::OrderedJson headers = core::OrderedJson::object();
    std::string alipay_private_key_pem;
    // For a templated app_id without `keys`: the keys of every app folder of the fixture set
    // (keys/alipay/<app_id>/), chosen once the app_id is rendered; the fields above are the default.
    std::map<std::string, AlipayAppKeys> app_keys;
};

bool parse_alipay_notify(ParseContext& ctx, const std::string& pointer, Step& step);
core::Result<core::HttpRequest> build_alipay_notify(const Step& step, const Lookup& lookup, const BuildContext& ctx);

}  // namespace mpemu::scenario
