// The `alipay_notify` step: the Alipay private key read when parsed, the notification's common
// fields filled in and the form signed by emulator/alipay/protocol when built.
#include "tools/scenario/steps/alipay_notify.hpp"

#include "core/text.hpp"
#include "core/time_format.hpp"
#include "emulator/alipay/protocol.hpp"
#include "tools/scenario/steps/common.hpp"

namespace mpemu::scenario {

using core::Json;

bool parse_alipay_notify(ParseContext& ctx, const std::string& ptr, Step& step) {
    std::string np = core::pointer_append(ptr, "alipay_notify");
    const Json& n = ctx.at(np);
    AlipayNotifySpec spec;
    spec.url = ctx.template_field(n, np, "url");
    spec.app_id = ctx.template_field(n, np, "app_id");
    if (n.contains("sign_type")) spec.sign_type = n["sign_type"].get<std::string>();
    spec.params = ctx.template_tree(np, "params");
    if (n.contains("headers")) spec.headers = ctx.template_tree(np, "headers");
    auto keys = steps::key_folder(ctx, n, np, steps::key_subdir(ctx, "alipay", spec.app_id, "app_private_key.pem"),
                                  "an Alipay notification");
    if (!keys || !steps::read_keys(ctx, n, np, *keys, {{"alipay_private_key.pem", &spec.alipay_private_key_pem}})) {
        return false;
    }
    spec.app_keys = steps::alipay_app_keys(ctx, n, spec.app_id, "alipay_private_key.pem");
    if (step.name.empty()) {
        std::string status = n["params"].value("trade_status", std::string("trade_status_sync"));
        step.name = "Alipay notification " + status + " to " + spec.url;
    }
    step.spec = std::move(spec);
    return true;
}

// A notification as Alipay sends it (alipay.md §4): form fields, signed over the sorted fields
// without sign/sign_type by the emulator's own emulator/alipay/protocol code.
core::Result<core::HttpRequest> build_alipay_notify(const Step& step, const Lookup& lookup, const BuildContext& ctx) {
    const AlipayNotifySpec& spec = *step.as<AlipayNotifySpec>();
    auto url = render_string(spec.url, lookup);
    if (!url) return url.error();
    auto app_id = render_string(spec.app_id, lookup);
    if (!app_id) return app_id.error();
    auto given = render_json(spec.params, lookup);
    if (!given) return given.error();
    AlipayAppKeys fallback{spec.alipay_private_key_pem, {}};
    auto key = core::crypto::load_private_key(steps::keys_for(spec.app_keys, *app_id, fallback).private_key_pem);
    if (!key) return core::make_error("key", "the Alipay private key cannot be loaded: " + key.error().message);
    auto now = std::chrono::system_clock::now();
    core::Params params =
        steps::merge_params({{"notify_time", core::format_datetime(now)},
                             {"notify_type", "trade_status_sync"},
                             {"notify_id", alipay::notify_id(core::format_compact(now).substr(0, 8), ctx.ids)},
                             {"app_id", *app_id},
                             {"auth_app_id", *app_id},
                             {"charset", "utf-8"},
                             {"version", "1.0"}},
                            *given);
    auto type = alipay::parse_sign_type(spec.sign_type).value_or(alipay::SignType::kRSA2);
    auto body = alipay::render_notification(params, *key, type);
    if (!body) return core::make_error("crypto", "signing the notification failed: " + body.error().message);
    core::HttpRequest req;
    req.method = "POST";
    req.url = steps::join_url(ctx.target, *url);
    req.body = std::move(*body);
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    if (auto st = steps::add_headers(spec.headers, lookup, req); !st) return st.error();
    return req;
}

}  // namespace mpemu::scenario
