// The `wechatpay_request` step: merchant keys read when parsed, the call signed as the WeChat Pay
// SDKs sign it, and a 2xx reply's Wechatpay-Signature verified, all by emulator/wechatpay/protocol.
#include "tools/scenario/steps/wechatpay_request.hpp"

#include "core/text.hpp"
#include "core/time_format.hpp"
#include "emulator/wechatpay/protocol.hpp"
#include "tools/scenario/steps/common.hpp"

namespace fs = std::filesystem;

namespace mpemu::scenario {

namespace {

using core::Json;

// The platform keys of a WeChat Pay merchant folder by the Wechatpay-Serial that names them: the
// certificate by platform_serial.txt, the public key by platform_public_key_id.txt.
std::map<std::string, std::string> wechatpay_platform_keys(const fs::path& dir) {
    std::map<std::string, std::string> out;
    for (auto [key_file, id_file] : {std::pair{"platform_cert.pem", "platform_serial.txt"},
                                     std::pair{"platform_public_key.pem", "platform_public_key_id.txt"}}) {
        auto pem = core::read_file((dir / key_file).string());
        auto id = core::read_file((dir / id_file).string());
        if (pem && id) out[core::to_upper(core::trim(*id))] = std::string(core::trim(*pem));
    }
    return out;
}

std::map<std::string, WechatpayMerchantKeys> wechatpay_merchant_keys(const ParseContext& ctx, const Json& obj,
                                                                     const std::string& mchid, bool verify) {
    return steps::keys_by_id<WechatpayMerchantKeys>(
        ctx, obj, mchid, "wechatpay", [&](const fs::path& dir) -> std::optional<WechatpayMerchantKeys> {
            auto priv = core::read_file((dir / "merchant_private_key.pem").string());
            auto serial = core::read_file((dir / "merchant_cert_serial.txt").string());
            if (!priv || !serial) return std::nullopt;
            WechatpayMerchantKeys k{std::string(core::trim(*priv)), std::string(core::trim(*serial)), {}};
            if (verify) k.platform_keys = wechatpay_platform_keys(dir);
            return k;
        });
}

}  // namespace

bool parse_wechatpay_request(ParseContext& ctx, const std::string& ptr, Step& step) {
    std::string np = core::pointer_append(ptr, "wechatpay_request");
    const Json& n = ctx.at(np);
    WechatpayRequestSpec spec;
    steps::parse_call(ctx, n, np, spec);
    spec.mchid = ctx.template_field(n, np, "mchid");
    auto keys =
        steps::key_folder(ctx, n, np, steps::key_subdir(ctx, "wechatpay", spec.mchid, "merchant_private_key.pem"),
                          "a WeChat Pay request");
    if (!keys || !steps::read_keys(ctx, n, np, *keys,
                                   {{"merchant_private_key.pem", &spec.keys.merchant_private_key_pem},
                                    {"merchant_cert_serial.txt", &spec.keys.merchant_serial}})) {
        return false;
    }
    // A 2xx reply's signature is checked when the folder has a platform key; asking for it
    // explicitly makes one required.
    bool verify = n.value("verify", true);
    if (verify) {
        spec.keys.platform_keys = wechatpay_platform_keys(*keys);
        if (n.contains("verify") && spec.keys.platform_keys.empty()) {
            ctx.error(core::pointer_append(np, "verify"), "no platform key in " + *keys,
                      "the folder needs platform_cert.pem + platform_serial.txt or platform_public_key.pem + "
                      "platform_public_key_id.txt",
                      true);
            return false;
        }
    }
    spec.merchant_keys = wechatpay_merchant_keys(ctx, n, spec.mchid, verify);
    if (step.name.empty()) step.name = spec.method + " " + spec.url;
    step.spec = std::move(spec);
    return true;
}

// A merchant API call signed as the WeChat Pay SDKs sign it: the message is method, the
// request-target as sent, timestamp, nonce and body; the signature goes into Authorization.
core::Result<core::HttpRequest> build_wechatpay_request(const Step& step, const Lookup& lookup,
                                                        const BuildContext& ctx) {
    namespace wp = wechatpay::protocol;
    const WechatpayRequestSpec& spec = *step.as<WechatpayRequestSpec>();
    auto mchid = render_string(spec.mchid, lookup);
    if (!mchid) return mchid.error();
    auto call = steps::call_request(spec, core::OrderedJson::object(), lookup, ctx);
    if (!call) return call.error();
    core::HttpRequest& req = *call;
    auto parsed = core::parse_url(req.url);
    if (!parsed) return core::make_error("template", "bad URL " + req.url);
    const WechatpayMerchantKeys& keys = steps::keys_for(spec.merchant_keys, *mchid, spec.keys);
    auto key = core::crypto::load_private_key(keys.merchant_private_key_pem);
    if (!key) return core::make_error("key", "the merchant private key cannot be loaded: " + key.error().message);
    auto auth = wp::sign_request(*key, *mchid, keys.merchant_serial, req.method, parsed->target, req.body,
                                 core::to_unix(std::chrono::system_clock::now()), ctx.ids.base62(32));
    if (!auth) return core::make_error("crypto", "signing the request failed: " + auth.error().message);
    req.headers.emplace_back("Authorization", *auth);
    req.headers.emplace_back("Accept", "application/json");
    if (auto st = steps::add_headers(spec.headers, lookup, req); !st) return st.error();
    return req;
}

// Whether a 2xx WeChat Pay reply carries a valid Wechatpay-Signature (over timestamp, nonce and
// body, within the 300 s window) by the platform key its Wechatpay-Serial names, checked the way
// the SDKs do by the emulator's own protocol code.
// None when the merchant's folder has no platform key (or "verify": false).
std::optional<CheckResult> check_wechatpay_reply(const Step& step, const Exchange& ex) {
    namespace wp = wechatpay::protocol;
    if (ex.status < 200 || ex.status >= 300) return std::nullopt;
    CheckResult cr;
    cr.label = "wechatpay signature";
    cr.predicate = "verifies";
    cr.expected =
        "Wechatpay-Signature by the platform key of Wechatpay-Serial (platform_cert.pem or "
        "platform_public_key.pem)";
    cr.where = step.where;
    // The merchant the call was made for (mchid in its Authorization) picks the keys.
    const auto& spec = *step.as<WechatpayRequestSpec>();
    std::string mchid;
    if (const std::string* a = core::find_header(ex.request_headers, "Authorization")) {
        if (auto auth = wp::parse_authorization(*a)) mchid = auth->mchid;
    }
    const auto& platform_keys = steps::keys_for(spec.merchant_keys, mchid, spec.keys).platform_keys;
    if (platform_keys.empty()) return std::nullopt;
    wp::SignedHeaders h;
    for (auto [name, out] :
         {std::pair{"Wechatpay-Timestamp", &h.timestamp}, std::pair{"Wechatpay-Nonce", &h.nonce},
          std::pair{"Wechatpay-Signature", &h.signature}, std::pair{"Wechatpay-Serial", &h.serial}}) {
        const std::string* v = core::find_header(ex.response_headers, name);
        if (!v) {
            cr.actual = std::string("no ") + name + " header";
            return cr;
        }
        *out = *v;
    }
    auto pem = platform_keys.find(core::to_upper(h.serial));
    if (pem == platform_keys.end()) {
        std::vector<std::string> known;
        known.reserve(platform_keys.size());
        for (const auto& [serial, key] : platform_keys) known.push_back(serial);
        cr.actual = "Wechatpay-Serial " + h.serial + " is none of the folder's (" + core::join(known, ", ") + ")";
        return cr;
    }
    auto pub = core::crypto::load_public_key(pem->second);
    if (!pub) {
        cr.actual = "the platform key of " + h.serial + " cannot be loaded: " + pub.error().message;
        return cr;
    }
    auto st = wp::verify_message(*pub, h, ex.response_body, core::to_unix(std::chrono::system_clock::now()));
    cr.passed = st.ok();
    cr.actual = cr.passed ? "valid signature by " + h.serial : st.error().message + " (serial " + h.serial + ")";
    return cr;
}

}  // namespace mpemu::scenario
