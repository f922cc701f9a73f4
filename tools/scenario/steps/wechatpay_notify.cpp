// The `wechatpay_notify` step: the platform keys read when parsed, the notification encrypted and
// signed by emulator/wechatpay/protocol when built.
#include "tools/scenario/steps/wechatpay_notify.hpp"

#include "core/text.hpp"
#include "core/time_format.hpp"
#include "emulator/wechatpay/protocol.hpp"
#include "tools/scenario/steps/common.hpp"

namespace mpemu::scenario {

using core::Json;

bool parse_wechatpay_notify(ParseContext& ctx, const std::string& ptr, Step& step) {
    std::string np = core::pointer_append(ptr, "wechatpay_notify");
    const Json& n = ctx.at(np);
    WechatpayNotifySpec spec;
    spec.url = ctx.template_field(n, np, "url");
    if (n.contains("event_type")) spec.event_type = n["event_type"].get<std::string>();
    spec.resource = ctx.template_tree(np, "resource");
    if (n.contains("headers")) spec.headers = ctx.template_tree(np, "headers");
    auto keys = steps::key_folder(ctx, n, np, "wechatpay", "a WeChat Pay notification");
    if (!keys || !steps::read_keys(ctx, n, np, *keys,
                                   {{"platform_private_key.pem", &spec.platform_private_key_pem},
                                    {"platform_serial.txt", &spec.platform_serial},
                                    {"apiv3_key.txt", &spec.apiv3_key}})) {
        return false;
    }
    if (step.name.empty()) step.name = "WeChat Pay notification " + spec.event_type + " to " + spec.url;
    step.spec = std::move(spec);
    return true;
}

// A notification as WeChat Pay sends it: resource encrypted with the APIv3 key (AEAD_AES_256_GCM),
// envelope signed with the platform key, Wechatpay-* headers — using the emulator's own protocol code.
core::Result<core::HttpRequest> build_wechatpay_notify(const Step& step, const Lookup& lookup,
                                                       const BuildContext& ctx) {
    namespace wp = wechatpay::protocol;
    const WechatpayNotifySpec& spec = *step.as<WechatpayNotifySpec>();
    auto url = render_string(spec.url, lookup);
    if (!url) return url.error();
    auto resource = render_json(spec.resource, lookup);
    if (!resource) return resource.error();
    auto key = core::crypto::load_private_key(spec.platform_private_key_pem);
    if (!key) return core::make_error("key", "the platform private key cannot be loaded: " + key.error().message);
    bool refund = core::starts_with(spec.event_type, "REFUND.");
    wp::Envelope e;
    e.id = ctx.ids.uuid();
    e.create_time = core::format_rfc3339(std::chrono::system_clock::now());
    e.event_type = spec.event_type;
    e.summary = wp::event_summary(spec.event_type);
    e.resource.original_type = refund ? "refund" : "transaction";
    e.resource.associated_data = e.resource.original_type;
    e.resource.nonce = ctx.ids.base62(12);
    auto ct = wp::encrypt(spec.apiv3_key, e.resource.nonce, e.resource.associated_data, core::dump(*resource));
    if (!ct) return core::make_error("crypto", "encrypting the notification failed: " + ct.error().message);
    e.resource.ciphertext = *ct;
    std::string body = wp::render_envelope(e);
    long long now = core::to_unix(std::chrono::system_clock::now());
    auto signed_headers = wp::sign_message_headers(*key, spec.platform_serial, body, now, ctx.ids.base62(32));
    if (!signed_headers)
        return core::make_error("crypto", "signing the notification failed: " + signed_headers.error().message);
    core::HttpRequest req;
    req.method = "POST";
    req.url = steps::join_url(ctx.target, *url);
    req.body = body;
    req.headers = {
        {"Content-Type", "application/json"},         {"Wechatpay-Timestamp", signed_headers->timestamp},
        {"Wechatpay-Nonce", signed_headers->nonce},   {"Wechatpay-Signature", signed_headers->signature},
        {"Wechatpay-Serial", signed_headers->serial}, {"Wechatpay-Signature-Type", std::string(wp::kAuthScheme)}};
    if (auto st = steps::add_headers(spec.headers, lookup, req); !st) return st.error();
    return req;
}

}  // namespace mpemu::scenario
