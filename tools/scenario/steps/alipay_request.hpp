// The `alipay_request` step: an Alipay v2 gateway call, signed at run time with the app private key
// (alipay.md §2); the reply's signature over its node is checked.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "tools/scenario/steps/fwd.hpp"
#include "tools/scenario/steps/keys.hpp"

namespace mpemu::scenario {

struct AlipayRequestSpec {
    std::string url = "/gateway.do";  // template
    std::string method;               // the gateway method, template
    std::string app_id;               // template
    std::string sign_type = "RSA2";
    std::optional<core::OrderedJson> biz_content;            // sent as a JSON string
    core::OrderedJson params = core::OrderedJson::object();  // other parameters; null removes a default
    std::optional<core::OrderedJson> sign;                   // replaces the signature (null: none sent)
    core::OrderedJson headers = core::OrderedJson::object();
    std::string app_private_key_pem;
    std::string alipay_public_key_pem;              // "" = the reply's signature is not checked
    std::map<std::string, AlipayAppKeys> app_keys;  // as in AlipayNotifySpec
    // Certificate mode: app_cert_sn and alipay_root_cert_sn sent by default (params may replace or null them).
    AlipayCertSns certs;
    std::map<std::string, AlipayCertSns> certs_by_app;  // with a templated app_id
};

bool parse_alipay_request(ParseContext& ctx, const std::string& pointer, Step& step);
core::Result<core::HttpRequest> build_alipay_request(const Step& step, const Lookup& lookup, const BuildContext& ctx);
std::optional<CheckResult> check_alipay_reply(const Step& step, const Exchange& exchange);

}  // namespace mpemu::scenario
