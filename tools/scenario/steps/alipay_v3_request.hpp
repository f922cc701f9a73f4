// The `alipay_v3_request` step: an Alipay OpenAPI v3 call (`/v3/alipay/...`), signed at run time into
// the Authorization header as alipay-sdk v4's curl() signs it (alipay.md §5.2); the reply's
// alipay-signature is checked.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "tools/scenario/steps/fwd.hpp"
#include "tools/scenario/steps/keys.hpp"

namespace mpemu::scenario {

struct AlipayV3RequestSpec {
    std::string method = "GET";             // HTTP method
    std::string url;                        // template: a path on --target (or absolute), e.g. /v3/alipay/trade/query
    std::string app_id;                     // template
    std::optional<core::OrderedJson> json;  // the JSON body
    core::OrderedJson query = core::OrderedJson::object();  // appended percent-encoded
    std::optional<std::string> app_auth_token;              // template: alipay-app-auth-token, signed too
    std::optional<core::OrderedJson> sign;                  // replaces the signature (null: no Authorization)
    core::OrderedJson headers = core::OrderedJson::object();
    std::string app_private_key_pem;
    std::string alipay_public_key_pem;              // "" = the reply's signature is not checked
    std::map<std::string, AlipayAppKeys> app_keys;  // as in AlipayNotifySpec
    // Certificate mode: app_cert_sn in the auth string and the alipay-root-cert-sn header.
    AlipayCertSns certs;
    std::map<std::string, AlipayCertSns> certs_by_app;  // with a templated app_id
};

bool parse_alipay_v3_request(ParseContext& ctx, const std::string& pointer, Step& step);
core::Result<core::HttpRequest> build_alipay_v3_request(const Step& step, const Lookup& lookup,
                                                        const BuildContext& ctx);
std::optional<CheckResult> check_alipay_v3_reply(const Step& step, const Exchange& exchange);

}  // namespace mpemu::scenario
