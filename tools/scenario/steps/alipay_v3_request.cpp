// The `alipay_v3_request` step: app keys read when parsed, the OpenAPI v3 call signed into its
// Authorization header and the reply's alipay-signature verified by emulator/alipay/protocol.
#include "tools/scenario/steps/alipay_v3_request.hpp"

#include "core/text.hpp"
#include "core/time_format.hpp"
#include "emulator/alipay/protocol.hpp"
#include "tools/scenario/steps/common.hpp"

namespace mpemu::scenario {

using core::Json;

bool parse_alipay_v3_request(ParseContext& ctx, const std::string& ptr, Step& step) {
    std::string np = core::pointer_append(ptr, "alipay_v3_request");
    const Json& n = ctx.at(np);
    AlipayV3RequestSpec spec;
    steps::parse_call(ctx, n, np, spec);
    spec.app_id = ctx.template_field(n, np, "app_id");
    if (n.contains("query")) spec.query = ctx.template_tree(np, "query");
    if (n.contains("app_auth_token")) spec.app_auth_token = ctx.template_field(n, np, "app_auth_token");
    if (n.contains("sign")) spec.sign = ctx.template_tree(np, "sign");
    if (!steps::read_alipay_request_keys(ctx, n, np, spec.app_id, &spec.app_private_key_pem,
                                         &spec.alipay_public_key_pem, &spec.app_keys, &spec.certs,
                                         &spec.certs_by_app)) {
        return false;
    }
    if (step.name.empty()) step.name = "Alipay " + spec.method + " " + spec.url;
    step.spec = std::move(spec);
    return true;
}

// An OpenAPI v3 call as alipay-sdk v4's curl() sends it (alipay.md §5.2): the query percent-encoded,
// a JSON body, and `Authorization: ALIPAY-SHA256withRSA app_id=..[,app_cert_sn=..],nonce=..,timestamp=..,sign=..`
// over the auth string, method, request-target, body (and app auth token), by emulator/alipay/protocol.
core::Result<core::HttpRequest> build_alipay_v3_request(const Step& step, const Lookup& lookup,
                                                        const BuildContext& ctx) {
    const AlipayV3RequestSpec& spec = *step.as<AlipayV3RequestSpec>();
    auto app_id = render_string(spec.app_id, lookup);
    if (!app_id) return app_id.error();
    auto call = steps::call_request(spec, spec.query, lookup, ctx);
    if (!call) return call.error();
    core::HttpRequest& req = *call;
    std::optional<std::string> token;
    if (spec.app_auth_token) {
        auto t = render_string(*spec.app_auth_token, lookup);
        if (!t) return t.error();
        token = *t;
        req.headers.emplace_back("alipay-app-auth-token", *t);
    }
    auto parsed = core::parse_url(req.url);
    if (!parsed) return core::make_error("template", "bad URL " + req.url);
    // A certificate-mode app: app_cert_sn right after app_id, the root SN in a header (alipay-sdk curl()).
    const AlipayCertSns& certs = steps::keys_for(spec.certs_by_app, *app_id, spec.certs);
    std::string auth_string = "app_id=" + *app_id;
    if (!certs.app_cert_sn.empty()) {
        auth_string += ",app_cert_sn=" + certs.app_cert_sn;
        req.headers.emplace_back("alipay-root-cert-sn", certs.alipay_root_cert_sn);
    }
    auth_string +=
        ",nonce=" + ctx.ids.uuid() + ",timestamp=" + std::to_string(core::to_unix_ms(std::chrono::system_clock::now()));
    auto sign = steps::step_signature(spec.sign, lookup, [&]() -> core::Result<std::string> {
        auto key = steps::alipay_app_key(spec, *app_id);
        if (!key) return key.error();
        return alipay::sign(*key, alipay::SignType::kRSA2,
                            alipay::v3_request_sign_content(auth_string, req.method, parsed->target, req.body,
                                                            token ? &*token : nullptr));
    });
    if (!sign) return sign.error();
    if (*sign) req.headers.emplace_back("Authorization", alipay::build_v3_authorization(auth_string, **sign));
    req.headers.emplace_back("alipay-request-id", ctx.ids.hex(32));
    req.headers.emplace_back("Accept", "application/json");
    if (auto st = steps::add_headers(spec.headers, lookup, req); !st) return st.error();
    return req;
}

// Whether an answer below 400 of a v3 call carries a valid alipay-signature over alipay-timestamp,
// alipay-nonce and the body, by the app's Alipay public key — what curl() checks. None for errors
// (curl() does not check them) and when the step has no key to check with.
std::optional<CheckResult> check_alipay_v3_reply(const Step& step, const Exchange& ex) {
    const auto& spec = *step.as<AlipayV3RequestSpec>();
    if (ex.status >= 400 || (spec.alipay_public_key_pem.empty() && spec.app_keys.empty())) return std::nullopt;
    // The app the call was made for (app_id in its Authorization) picks the key.
    std::string app_id;
    if (const std::string* a = core::find_header(ex.request_headers, "Authorization")) {
        if (auto auth = alipay::parse_v3_authorization(*a)) app_id = auth->app_id;
    }
    AlipayAppKeys fallback{{}, spec.alipay_public_key_pem};
    const std::string& pem = steps::keys_for(spec.app_keys, app_id, fallback).alipay_public_key_pem;
    if (pem.empty()) return std::nullopt;
    CheckResult cr;
    cr.label = "alipay signature";
    cr.predicate = "verifies";
    cr.expected =
        "alipay-signature over alipay-timestamp, alipay-nonce and the body, by the app's Alipay key "
        "(alipay_public_key.pem)";
    cr.where = step.where;
    std::string values[3];
    const char* names[3] = {"alipay-timestamp", "alipay-nonce", "alipay-signature"};
    for (int i = 0; i < 3; ++i) {
        const std::string* v = core::find_header(ex.response_headers, names[i]);
        if (!v) {
            cr.actual = std::string("no ") + names[i] + " header";
            return cr;
        }
        values[i] = *v;
    }
    auto pub = core::crypto::load_public_key(pem);
    if (!pub) {
        cr.actual = "alipay_public_key.pem cannot be loaded";
        return cr;
    }
    cr.passed = alipay::verify(*pub, alipay::SignType::kRSA2,
                               alipay::v3_response_sign_content(values[0], values[1], ex.response_body), values[2]);
    cr.actual = cr.passed ? "valid signature" : "alipay-signature does not verify";
    return cr;
}

}  // namespace mpemu::scenario
