// The `alipay_request` step: app keys read when parsed, the gateway call signed and the reply's
// signature over its node verified by emulator/alipay/protocol.
#include "tools/scenario/steps/alipay_request.hpp"

#include <algorithm>
#include <vector>

#include "core/text.hpp"
#include "core/time_format.hpp"
#include "emulator/alipay/protocol.hpp"
#include "tools/scenario/steps/common.hpp"

namespace mpemu::scenario {

using core::Json;

bool parse_alipay_request(ParseContext& ctx, const std::string& ptr, Step& step) {
    std::string np = core::pointer_append(ptr, "alipay_request");
    const Json& n = ctx.at(np);
    AlipayRequestSpec spec;
    if (n.contains("url")) spec.url = ctx.template_field(n, np, "url");
    spec.method = ctx.template_field(n, np, "method");
    spec.app_id = ctx.template_field(n, np, "app_id");
    if (n.contains("sign_type")) spec.sign_type = n["sign_type"].get<std::string>();
    if (n.contains("biz_content")) spec.biz_content = ctx.template_tree(np, "biz_content");
    if (n.contains("params")) spec.params = ctx.template_tree(np, "params");
    if (n.contains("sign")) spec.sign = ctx.template_tree(np, "sign");
    if (n.contains("headers")) spec.headers = ctx.template_tree(np, "headers");
    if (!steps::read_alipay_request_keys(ctx, n, np, spec.app_id, &spec.app_private_key_pem,
                                         &spec.alipay_public_key_pem, &spec.app_keys, &spec.certs,
                                         &spec.certs_by_app)) {
        return false;
    }
    if (step.name.empty()) step.name = "Alipay " + spec.method;
    step.spec = std::move(spec);
    return true;
}

// A v2 gateway call as alipay-sdk v4 sends it: common parameters (and notify_url, auth_token, ...)
// in the query, the rest (biz_content, grant_type, code, ...) in a form body, RSA2-signed over all.
core::Result<core::HttpRequest> build_alipay_request(const Step& step, const Lookup& lookup, const BuildContext& ctx) {
    static const std::vector<std::string> kQueryKeys = {"app_id",        "method",
                                                        "format",        "charset",
                                                        "sign_type",     "sign",
                                                        "timestamp",     "version",
                                                        "notify_url",    "return_url",
                                                        "auth_token",    "app_auth_token",
                                                        "app_cert_sn",   "alipay_root_cert_sn",
                                                        "ws_service_url"};
    const AlipayRequestSpec& spec = *step.as<AlipayRequestSpec>();
    auto url = render_string(spec.url, lookup);
    if (!url) return url.error();
    auto method = render_string(spec.method, lookup);
    if (!method) return method.error();
    auto app_id = render_string(spec.app_id, lookup);
    if (!app_id) return app_id.error();
    auto given = render_json(spec.params, lookup);
    if (!given) return given.error();
    core::Params defaults{{"app_id", *app_id},
                          {"method", *method},
                          {"charset", "utf-8"},
                          {"sign_type", spec.sign_type},
                          {"timestamp", core::format_datetime(std::chrono::system_clock::now())},
                          {"version", "1.0"}};
    // A certificate-mode app's SNs, as alipay-sdk adds them to every call.
    const AlipayCertSns& certs = steps::keys_for(spec.certs_by_app, *app_id, spec.certs);
    if (!certs.app_cert_sn.empty()) {
        defaults.emplace_back("app_cert_sn", certs.app_cert_sn);
        defaults.emplace_back("alipay_root_cert_sn", certs.alipay_root_cert_sn);
    }
    if (spec.biz_content) {
        auto biz = render_json(*spec.biz_content, lookup);
        if (!biz) return biz.error();
        defaults.emplace_back("biz_content", core::dump(*biz));
    }
    core::Params params = steps::merge_params(std::move(defaults), *given);
    auto sign = steps::step_signature(spec.sign, lookup, [&]() -> core::Result<std::string> {
        auto key = steps::alipay_app_key(spec, *app_id);
        if (!key) return key.error();
        auto type = alipay::parse_sign_type(spec.sign_type).value_or(alipay::SignType::kRSA2);
        return alipay::sign(*key, type, alipay::request_sign_content(params));
    });
    if (!sign) return sign.error();
    if (*sign) params.emplace_back("sign", **sign);
    core::Params query, form;
    for (auto& kv : params) {
        bool in_query = std::find(kQueryKeys.begin(), kQueryKeys.end(), kv.first) != kQueryKeys.end();
        (in_query ? query : form).push_back(std::move(kv));
    }
    core::HttpRequest req;
    req.method = "POST";
    req.url = steps::join_url(ctx.target, *url);
    req.url += (req.url.find('?') == std::string::npos ? "?" : "&") + core::build_query(query);
    req.body = core::build_form(form);
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded;charset=utf-8"}, {"Accept", "application/json"}};
    if (auto st = steps::add_headers(spec.headers, lookup, req); !st) return st.error();
    return req;
}

// Whether an Alipay gateway reply carries a valid signature over its node (the first member),
// extracted and verified the way the SDKs do. None when the step has no key to check with.
std::optional<CheckResult> check_alipay_reply(const Step& step, const Exchange& ex) {
    const auto& spec = *step.as<AlipayRequestSpec>();
    if (spec.alipay_public_key_pem.empty()) return std::nullopt;
    CheckResult cr;
    cr.label = "alipay signature";
    cr.predicate = "verifies";
    cr.expected = "the reply's node signed with the app's Alipay key (alipay_public_key.pem or alipay_cert.crt)";
    cr.where = step.where;
    auto body = core::parse_ordered_json(ex.response_body);
    if (!body || !body->is_object() || body->empty()) {
        cr.actual = "not a JSON object";
        return cr;
    }
    std::string node_key = body->begin().key();
    auto sign = body->find("sign");
    if (sign == body->end() || !sign->is_string()) {
        cr.actual = "no \"sign\" in the reply";
        return cr;
    }
    auto node = alipay::extract_signed_node(ex.response_body, node_key);
    // The app the call was made for (its app_id is in the query) picks the key.
    std::string app_id;
    if (auto u = core::parse_url(ex.url)) {
        auto params = core::parse_query(core::split_target(u->target).second);
        if (const std::string* a = core::find_param(params, "app_id")) app_id = *a;
    }
    AlipayAppKeys fallback{{}, spec.alipay_public_key_pem};
    auto pub = core::crypto::load_public_key(steps::keys_for(spec.app_keys, app_id, fallback).alipay_public_key_pem);
    if (!node || !pub) {
        cr.actual = !node ? "node " + node_key + " not found" : "the Alipay public key cannot be loaded";
        return cr;
    }
    auto type = alipay::parse_sign_type(spec.sign_type).value_or(alipay::SignType::kRSA2);
    cr.passed = alipay::verify(*pub, type, *node, sign->get<std::string>());
    cr.actual = cr.passed ? "valid signature over " + node_key : "signature over " + node_key + " does not verify";
    return cr;
}

}  // namespace mpemu::scenario
