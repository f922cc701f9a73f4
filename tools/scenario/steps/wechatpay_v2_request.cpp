// The `wechatpay_v2_request` step: the API v2 key read when parsed, the XML call signed by
// emulator/wechatpay/protocol_v2, the reply read as JSON and its `sign` checked.
#include "tools/scenario/steps/wechatpay_v2_request.hpp"

#include "core/text.hpp"
#include "emulator/wechatpay/protocol_v2.hpp"
#include "tools/scenario/steps/common.hpp"

namespace fs = std::filesystem;

namespace mpemu::scenario {

using core::Json;

bool parse_wechatpay_v2_request(ParseContext& ctx, const std::string& ptr, Step& step) {
    std::string np = core::pointer_append(ptr, "wechatpay_v2_request");
    const Json& n = ctx.at(np);
    WechatpayV2RequestSpec spec;
    spec.url = ctx.template_field(n, np, "url");
    spec.mchid = ctx.template_field(n, np, "mchid");
    if (n.contains("fields")) spec.fields = ctx.template_tree(np, "fields");
    if (n.contains("sign_type")) spec.sign_type = n["sign_type"].get<std::string>();
    if (n.contains("sign")) spec.sign = ctx.template_tree(np, "sign");
    if (n.contains("headers")) spec.headers = ctx.template_tree(np, "headers");
    spec.verify = n.value("verify", true);
    auto keys = steps::key_folder(ctx, n, np, steps::key_subdir(ctx, "wechatpay", spec.mchid, "api_v2_key.txt"),
                                  "a WeChat Pay v2 request");
    if (!keys || !steps::read_keys(ctx, n, np, *keys, {{"api_v2_key.txt", &spec.api_v2_key}})) return false;
    spec.merchant_keys = steps::keys_by_id<std::string>(
        ctx, n, spec.mchid, "wechatpay", [](const fs::path& dir) -> std::optional<std::string> {
            auto key = core::read_file((dir / "api_v2_key.txt").string());
            if (!key) return std::nullopt;
            return std::string(core::trim(*key));
        });
    if (step.name.empty()) step.name = "WeChat Pay v2 " + spec.url;
    step.spec = std::move(spec);
    return true;
}

// A WeChat Pay API v2 call as the v2 SDKs send it: the fields (mch_id and a 32-character nonce_str
// added when missing, and sign_type unless it is MD5) signed with the API v2 key and
// POSTed as XML, by the emulator's own emulator/wechatpay/protocol_v2 code.
core::Result<core::HttpRequest> build_wechatpay_v2_request(const Step& step, const Lookup& lookup,
                                                           const BuildContext& ctx) {
    const WechatpayV2RequestSpec& spec = *step.as<WechatpayV2RequestSpec>();
    auto url = render_string(spec.url, lookup);
    if (!url) return url.error();
    auto mchid = render_string(spec.mchid, lookup);
    if (!mchid) return mchid.error();
    auto fields = render_json(spec.fields, lookup);
    if (!fields) return fields.error();
    wechatpay::v2::Params params;
    for (auto it = fields->begin(); it != fields->end(); ++it) {
        if (!it.value().is_null()) params.set(it.key(), to_text(it.value()));
    }
    wechatpay::v2::SignType type = wechatpay::v2::SignType::kMd5;
    wechatpay::v2::parse_sign_type(spec.sign_type, &type);
    if (!fields->contains("mch_id")) params.set("mch_id", *mchid);
    if (!fields->contains("nonce_str")) params.set("nonce_str", ctx.ids.base62(32));
    if (type == wechatpay::v2::SignType::kHmacSha256 && !fields->contains("sign_type")) {
        params.set("sign_type", wechatpay::v2::sign_type_name(type));
    }
    auto sign = steps::step_signature(spec.sign, lookup, [&]() -> core::Result<std::string> {
        return wechatpay::v2::sign(params, steps::keys_for(spec.merchant_keys, *mchid, spec.api_v2_key), type);
    });
    if (!sign) return sign.error();
    params.erase("sign");
    if (*sign) params.set("sign", **sign);
    core::HttpRequest req;
    req.method = "POST";
    req.url = steps::as_sent(steps::join_url(ctx.target, *url));
    req.body = wechatpay::v2::render_xml(params);
    req.headers = {{"Content-Type", "text/xml; charset=utf-8"}, {"Accept", "application/xml"}};
    if (auto st = steps::add_headers(spec.headers, lookup, req); !st) return st.error();
    return req;
}

// A WeChat Pay v2 reply's top-level fields as a JSON object of strings (for JSONPath), or why not.
std::pair<std::optional<Json>, std::string> wechatpay_v2_reply_json(const std::string& body) {
    auto parsed = wechatpay::v2::parse_xml(body);
    if (!parsed.ok) return {std::nullopt, "the reply is not v2 XML (" + parsed.error.detail + ")"};
    Json out = Json::object();
    for (const auto& [k, v] : parsed.params.fields()) out[k] = v;
    return {std::move(out), {}};
}

// Whether a WeChat Pay v2 reply with return_code SUCCESS carries a valid `sign` (the algorithm
// and API v2 key of the request). Protocol failures (return_code FAIL) are unsigned: not checked.
std::optional<CheckResult> check_wechatpay_v2_reply(const Step& step, const Exchange& ex) {
    namespace v2 = wechatpay::v2;
    const auto& spec = *step.as<WechatpayV2RequestSpec>();
    if (!spec.verify) return std::nullopt;
    CheckResult cr;
    cr.label = "wechatpay signature";
    cr.predicate = "verifies";
    cr.expected = "the reply's sign over its fields with the API v2 key (api_v2_key.txt)";
    cr.where = step.where;
    auto reply = v2::parse_xml(ex.response_body);
    if (!reply.ok) {
        cr.actual = "the reply is not v2 XML (" + reply.error.detail + ")";
        return cr;
    }
    if (reply.params.get_or("return_code") != "SUCCESS") return std::nullopt;
    auto request = v2::parse_xml(ex.request_body);
    v2::SignType type = v2::SignType::kMd5;
    v2::parse_sign_type(request.params.get_or("sign_type"), &type);
    const std::string& key = steps::keys_for(spec.merchant_keys, request.params.get_or("mch_id"), spec.api_v2_key);
    if (!reply.params.has("sign")) {
        cr.actual = "no sign in the reply";
        return cr;
    }
    cr.passed = v2::verify(reply.params, key, type);
    cr.actual = cr.passed ? std::string("valid ") + v2::sign_type_name(type) + " sign"
                          : std::string(v2::sign_type_name(type)) + " sign does not match";
    return cr;
}

}  // namespace mpemu::scenario
