// The step loop: render templates, send, capture, assert, retry; results recorded, never thrown.
#include "tools/scenario/runner.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "core/time_format.hpp"
#include "core/url.hpp"
#include "emulator/alipay/protocol.hpp"
#include "emulator/wechatpay/protocol.hpp"
#include "emulator/wechatpay/protocol_v2.hpp"
#include "tools/scenario/capture.hpp"
#include "tools/scenario/check.hpp"
#include "tools/scenario/template.hpp"

namespace mpemu::scenario {

namespace {

using core::Json;
using core::OrderedJson;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::string join_url(const std::string& base, const std::string& url) {
    if (core::starts_with(url, "http://") || core::starts_with(url, "https://")) return url;
    std::string b = base;
    while (!b.empty() && b.back() == '/') b.pop_back();
    if (url.empty() || url[0] != '/') return b + "/" + url;
    return b + url;
}

// The URL as the HTTP client puts it on the wire: it writes ' ', '+' and bytes >= 0x80 of the
// request-target percent-encoded, so a signed step signs (and sends) that form.
std::string as_sent(const std::string& url) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    out.reserve(url.size());
    for (unsigned char c : url) {
        if (c == ' ' || c == '+' || c >= 0x80) {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

// Variables visible to a step: a chain of scopes (an include's parameters over its caller's), with
// the scenario's captures searched first so the latest value of a name wins.
struct Scope {
    Json vars = Json::object();
    const Scope* parent = nullptr;
};

struct RunState {
    Json captures = Json::object();
};

Lookup make_lookup(const Scope& scope, const RunState& state) {
    return [&scope, &state](std::string_view name) -> const Json* {
        std::string key(name);
        auto c = state.captures.find(key);
        if (c != state.captures.end()) return &*c;
        for (const Scope* s = &scope; s; s = s->parent) {
            auto it = s->vars.find(key);
            if (it != s->vars.end()) return &*it;
        }
        return nullptr;
    };
}

// A template error's message with its position inside the file.
void template_failure(StepResult& r, const core::Error& e, const Where& where) {
    r.status = StepStatus::kFailed;
    r.error = e.message;
    r.error_where = where;
}

}  // namespace

struct ScenarioRunner::Impl {
    RunOptions options;
    core::HttpClient client;
    core::IdGenerator ids;

    std::string emulator() const { return options.emulator.empty() ? options.target : options.emulator; }

    Exchange send(const core::HttpRequest& req) {
        Exchange ex;
        ex.method = req.method;
        ex.url = req.url;
        ex.request_headers = req.headers;
        ex.request_body = req.body;
        auto t0 = Clock::now();
        auto resp = client.send(req);
        if (!resp) {
            ex.elapsed_ms = ms_since(t0);
            ex.transport_error = resp.error().message;
            ex.transport_code = resp.error().code;
            return ex;
        }
        ex.status = resp->status;
        ex.response_headers = std::move(resp->headers);
        ex.response_body = std::move(resp->body);
        ex.elapsed_ms = std::chrono::duration<double, std::milli>(resp->elapsed).count();
        return ex;
    }

    // Builds the HTTP request of a request or admin step. Error: a template problem.
    core::Result<core::HttpRequest> build(const Step& step, const Lookup& lookup, Where* where) {
        core::HttpRequest req;
        *where = step.where;
        if (step.kind == StepKind::kRequest) {
            const RequestSpec& spec = step.request;
            auto url = render_string(spec.url, lookup);
            if (!url) return url.error();
            req.method = spec.method;
            req.url = join_url(options.target, *url);
            req.timeout = spec.timeout;
            if (auto st = append_query(spec.query, lookup, req.url); !st) return st.error();
            if (!spec.headers.empty()) {
                auto h = render_json(spec.headers, lookup);
                if (!h) return h.error();
                for (auto it = h->begin(); it != h->end(); ++it)
                    req.headers.emplace_back(it.key(), to_text(it.value()));
            }
            auto set_type = [&](const char* type) {
                if (!core::find_header(req.headers, "Content-Type")) req.headers.emplace_back("Content-Type", type);
            };
            switch (spec.body_kind) {
                case RequestSpec::Body::kNone:
                    break;
                case RequestSpec::Body::kJson: {
                    if (auto st = set_json_body(spec.body, lookup, req); !st) return st.error();
                    break;
                }
                case RequestSpec::Body::kForm: {
                    auto b = render_json(spec.body, lookup);
                    if (!b) return b.error();
                    core::Params params;
                    for (auto it = b->begin(); it != b->end(); ++it) params.emplace_back(it.key(), to_text(it.value()));
                    req.body = core::build_form(params);
                    set_type("application/x-www-form-urlencoded");
                    break;
                }
                case RequestSpec::Body::kRaw: {
                    auto b = render_string(spec.body.get<std::string>(), lookup);
                    if (!b) return b.error();
                    req.body = *b;
                    break;
                }
            }
            return req;
        }
        if (step.kind == StepKind::kWechatpayNotify) return build_wechatpay_notify(step.wechatpay_notify, lookup);
        if (step.kind == StepKind::kWechatpayRequest) return build_wechatpay_request(step.wechatpay_request, lookup);
        if (step.kind == StepKind::kAlipayNotify) return build_alipay_notify(step.alipay_notify, lookup);
        if (step.kind == StepKind::kAlipayRequest) return build_alipay_request(step.alipay_request, lookup);
        if (step.kind == StepKind::kAlipayV3Request) return build_alipay_v3_request(step.alipay_v3_request, lookup);
        if (step.kind == StepKind::kWechatpayV2Request)
            return build_wechatpay_v2_request(step.wechatpay_v2_request, lookup);
        // Admin step: the path comes from the admin catalog, placeholders filled from params.
        std::string path = step.admin_path;
        auto params = render_json(step.admin_params, lookup);
        if (!params) return params.error();
        for (auto it = params->begin(); it != params->end(); ++it) {
            path = core::replace_all(path, "{" + it.key() + "}", core::url_encode(to_text(it.value())));
        }
        req.method = step.admin_method;
        req.url = join_url(emulator(), path);
        if (auto st = append_query(step.admin_query, lookup, req.url); !st) return st.error();
        if (step.admin_body) {
            if (auto st = set_json_body(*step.admin_body, lookup, req); !st) return st.error();
        }
        if (!options.admin_token.empty()) req.headers.emplace_back("Authorization", "Bearer " + options.admin_token);
        return req;
    }

    // A notification as WeChat Pay sends it: resource encrypted with the APIv3 key (AEAD_AES_256_GCM),
    // envelope signed with the platform key, Wechatpay-* headers — using the emulator's own protocol code.
    core::Result<core::HttpRequest> build_wechatpay_notify(const WechatpayNotifySpec& spec, const Lookup& lookup) {
        namespace wp = wechatpay::protocol;
        auto url = render_string(spec.url, lookup);
        if (!url) return url.error();
        auto resource = render_json(spec.resource, lookup);
        if (!resource) return resource.error();
        auto key = core::crypto::load_private_key(spec.platform_private_key_pem);
        if (!key) return core::make_error("key", "the platform private key cannot be loaded: " + key.error().message);
        bool refund = core::starts_with(spec.event_type, "REFUND.");
        wp::Envelope e;
        e.id = ids.uuid();
        e.create_time = core::format_rfc3339(std::chrono::system_clock::now());
        e.event_type = spec.event_type;
        e.summary = wp::event_summary(spec.event_type);
        e.resource.original_type = refund ? "refund" : "transaction";
        e.resource.associated_data = e.resource.original_type;
        e.resource.nonce = ids.base62(12);
        auto ct = wp::encrypt(spec.apiv3_key, e.resource.nonce, e.resource.associated_data, core::dump(*resource));
        if (!ct) return core::make_error("crypto", "encrypting the notification failed: " + ct.error().message);
        e.resource.ciphertext = *ct;
        std::string body = wp::render_envelope(e);
        long long now = core::to_unix(std::chrono::system_clock::now());
        auto signed_headers = wp::sign_message_headers(*key, spec.platform_serial, body, now, ids.base62(32));
        if (!signed_headers)
            return core::make_error("crypto", "signing the notification failed: " + signed_headers.error().message);
        core::HttpRequest req;
        req.method = "POST";
        req.url = join_url(options.target, *url);
        req.body = body;
        req.headers = {
            {"Content-Type", "application/json"},         {"Wechatpay-Timestamp", signed_headers->timestamp},
            {"Wechatpay-Nonce", signed_headers->nonce},   {"Wechatpay-Signature", signed_headers->signature},
            {"Wechatpay-Serial", signed_headers->serial}, {"Wechatpay-Signature-Type", std::string(wp::kAuthScheme)}};
        if (auto st = add_headers(spec.headers, lookup, req); !st) return st.error();
        return req;
    }

    // A merchant API call signed as the WeChat Pay SDKs sign it: the message is method, the
    // request-target as sent, timestamp, nonce and body; the signature goes into Authorization.
    core::Result<core::HttpRequest> build_wechatpay_request(const WechatpayRequestSpec& spec, const Lookup& lookup) {
        namespace wp = wechatpay::protocol;
        auto mchid = render_string(spec.mchid, lookup);
        if (!mchid) return mchid.error();
        auto call = call_request(spec, OrderedJson::object(), lookup);
        if (!call) return call.error();
        core::HttpRequest& req = *call;
        auto parsed = core::parse_url(req.url);
        if (!parsed) return core::make_error("template", "bad URL " + req.url);
        const WechatpayMerchantKeys& keys = keys_for(spec.merchant_keys, *mchid, spec.keys);
        auto key = core::crypto::load_private_key(keys.merchant_private_key_pem);
        if (!key) return core::make_error("key", "the merchant private key cannot be loaded: " + key.error().message);
        auto auth = wp::sign_request(*key, *mchid, keys.merchant_serial, req.method, parsed->target, req.body,
                                     core::to_unix(std::chrono::system_clock::now()), ids.base62(32));
        if (!auth) return core::make_error("crypto", "signing the request failed: " + auth.error().message);
        req.headers.emplace_back("Authorization", *auth);
        req.headers.emplace_back("Accept", "application/json");
        if (auto st = add_headers(spec.headers, lookup, req); !st) return st.error();
        return req;
    }

    // Appends a query object (templates rendered, percent-encoded) to a URL.
    static core::Status append_query(const OrderedJson& query, const Lookup& lookup, std::string& url) {
        if (query.empty()) return {};
        auto q = render_json(query, lookup);
        if (!q) return q.error();
        core::Params params;
        for (auto it = q->begin(); it != q->end(); ++it) params.emplace_back(it.key(), to_text(it.value()));
        url += (url.find('?') == std::string::npos ? "?" : "&") + core::build_query(params);
        return {};
    }

    // A JSON body (templates rendered, compact) with its Content-Type.
    static core::Status set_json_body(const OrderedJson& json, const Lookup& lookup, core::HttpRequest& req) {
        auto b = render_json(json, lookup);
        if (!b) return b.error();
        req.body = core::dump(*b);
        if (!core::find_header(req.headers, "Content-Type"))
            req.headers.emplace_back("Content-Type", "application/json");
        return {};
    }

    // A signed call step's request before signing: method, URL with the query as it goes on the wire,
    // JSON body.
    template <class Spec>
    core::Result<core::HttpRequest> call_request(const Spec& spec, const OrderedJson& query, const Lookup& lookup) {
        auto url = render_string(spec.url, lookup);
        if (!url) return url.error();
        core::HttpRequest req;
        req.method = spec.method;
        req.url = join_url(options.target, *url);
        if (auto st = append_query(query, lookup, req.url); !st) return st.error();
        req.url = as_sent(req.url);
        if (spec.json) {
            if (auto st = set_json_body(*spec.json, lookup, req); !st) return st.error();
        }
        return req;
    }

    // The signature a step sends: its `sign` rendered when given (null: none), else `compute`'s.
    static core::Result<std::optional<std::string>> step_signature(
        const std::optional<OrderedJson>& given, const Lookup& lookup,
        const std::function<core::Result<std::string>()>& compute) {
        if (given) {
            auto s = render_json(*given, lookup);
            if (!s) return s.error();
            return s->is_null() ? std::nullopt : std::optional<std::string>(to_text(*s));
        }
        auto s = compute();
        if (!s && s.error().code == "key") return s.error();
        if (!s) return core::make_error("crypto", "signing the request failed: " + s.error().message);
        return std::optional<std::string>(*s);
    }

    // The app private key of an Alipay call for the rendered app_id.
    template <class Spec>
    static core::Result<core::crypto::Key> alipay_app_key(const Spec& spec, const std::string& app_id) {
        AlipayAppKeys fallback{spec.app_private_key_pem, {}};
        auto key = core::crypto::load_private_key(keys_for(spec.app_keys, app_id, fallback).private_key_pem);
        if (!key) return core::make_error("key", "the app private key cannot be loaded: " + key.error().message);
        return key;
    }

    // A WeChat Pay API v2 call as the v2 SDKs send it: the fields (mch_id and a 32-character nonce_str
    // added when missing, sign_type=HMAC-SHA256 for that algorithm) signed with the API v2 key and
    // POSTed as XML, by the emulator's own emulator/wechatpay/protocol_v2 code.
    core::Result<core::HttpRequest> build_wechatpay_v2_request(const WechatpayV2RequestSpec& spec,
                                                               const Lookup& lookup) {
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
        if (!fields->contains("nonce_str")) params.set("nonce_str", ids.base62(32));
        if (type == wechatpay::v2::SignType::kHmacSha256 && !fields->contains("sign_type")) {
            params.set("sign_type", wechatpay::v2::sign_type_name(type));
        }
        auto sign = step_signature(spec.sign, lookup, [&]() -> core::Result<std::string> {
            return wechatpay::v2::sign(params, keys_for(spec.merchant_keys, *mchid, spec.api_v2_key), type);
        });
        if (!sign) return sign.error();
        params.erase("sign");
        if (*sign) params.set("sign", **sign);
        core::HttpRequest req;
        req.method = "POST";
        req.url = as_sent(join_url(options.target, *url));
        req.body = wechatpay::v2::render_xml(params);
        req.headers = {{"Content-Type", "text/xml; charset=utf-8"}, {"Accept", "application/xml"}};
        if (auto st = add_headers(spec.headers, lookup, req); !st) return st.error();
        return req;
    }

    // A WeChat Pay v2 reply's top-level fields as a JSON object of strings (for JSONPath), or why not.
    static std::pair<std::optional<Json>, std::string> v2_reply_json(const std::string& body) {
        auto parsed = wechatpay::v2::parse_xml(body);
        if (!parsed.ok) return {std::nullopt, "the reply is not v2 XML (" + parsed.error.detail + ")"};
        Json out = Json::object();
        for (const auto& [k, v] : parsed.params.fields()) out[k] = v;
        return {std::move(out), {}};
    }

    // Whether a WeChat Pay v2 reply with return_code SUCCESS carries a valid `sign` (the algorithm
    // and API v2 key of the request). Protocol failures (return_code FAIL) are unsigned: not checked.
    std::optional<CheckResult> wechatpay_v2_sign_check(const Step& step, const Exchange& ex) {
        namespace v2 = wechatpay::v2;
        const auto& spec = step.wechatpay_v2_request;
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
        const std::string& key = keys_for(spec.merchant_keys, request.params.get_or("mch_id"), spec.api_v2_key);
        if (!reply.params.has("sign")) {
            cr.actual = "no sign in the reply";
            return cr;
        }
        cr.passed = v2::verify(reply.params, key, type);
        cr.actual = cr.passed ? std::string("valid ") + v2::sign_type_name(type) + " sign"
                              : std::string(v2::sign_type_name(type)) + " sign does not match";
        return cr;
    }

    // Extra headers of a signed step, appended after the ones the protocol needs.
    core::Status add_headers(const OrderedJson& headers, const Lookup& lookup, core::HttpRequest& req) {
        auto extra = render_json(headers, lookup);
        if (!extra) return extra.error();
        for (auto it = extra->begin(); it != extra->end(); ++it)
            req.headers.emplace_back(it.key(), to_text(it.value()));
        return {};
    }

    // `defaults` in order, each replaced by a rendered `given` value of the same name (null drops
    // it), then the other given values: the parameter list of an Alipay call or notification.
    static core::Params merge_params(core::Params defaults, const OrderedJson& given) {
        core::Params out;
        for (auto& [k, v] : defaults) {
            auto it = given.find(k);
            if (it == given.end()) {
                out.emplace_back(k, std::move(v));
            } else if (!it->is_null()) {
                out.emplace_back(k, to_text(*it));
            }
        }
        for (auto it = given.begin(); it != given.end(); ++it) {
            if (!it.value().is_null() && !core::find_param(out, it.key()))
                out.emplace_back(it.key(), to_text(it.value()));
        }
        return out;
    }

    // The keys of the rendered app (merchant) when the step holds several (a templated app_id or
    // mchid), else the default.
    template <class Keys>
    static const Keys& keys_for(const std::map<std::string, Keys>& by_id, const std::string& id, const Keys& fallback) {
        auto it = by_id.find(id);
        return it == by_id.end() ? fallback : it->second;
    }

    // A notification as Alipay sends it (alipay.md §4): form fields, signed over the sorted fields
    // without sign/sign_type by the emulator's own emulator/alipay/protocol code.
    core::Result<core::HttpRequest> build_alipay_notify(const AlipayNotifySpec& spec, const Lookup& lookup) {
        auto url = render_string(spec.url, lookup);
        if (!url) return url.error();
        auto app_id = render_string(spec.app_id, lookup);
        if (!app_id) return app_id.error();
        auto given = render_json(spec.params, lookup);
        if (!given) return given.error();
        AlipayAppKeys fallback{spec.alipay_private_key_pem, {}};
        auto key = core::crypto::load_private_key(keys_for(spec.app_keys, *app_id, fallback).private_key_pem);
        if (!key) return core::make_error("key", "the Alipay private key cannot be loaded: " + key.error().message);
        auto now = std::chrono::system_clock::now();
        core::Params params =
            merge_params({{"notify_time", core::format_datetime(now)},
                          {"notify_type", "trade_status_sync"},
                          {"notify_id", alipay::notify_id(core::format_compact(now).substr(0, 8), ids)},
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
        req.url = join_url(options.target, *url);
        req.body = std::move(*body);
        req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
        if (auto st = add_headers(spec.headers, lookup, req); !st) return st.error();
        return req;
    }

    // A v2 gateway call as alipay-sdk v4 sends it: common parameters (and notify_url, auth_token, ...)
    // in the query, the rest (biz_content, grant_type, code, ...) in a form body, RSA2-signed over all.
    core::Result<core::HttpRequest> build_alipay_request(const AlipayRequestSpec& spec, const Lookup& lookup) {
        static const std::vector<std::string> kQueryKeys = {"app_id",        "method",
                                                            "format",        "charset",
                                                            "sign_type",     "sign",
                                                            "timestamp",     "version",
                                                            "notify_url",    "return_url",
                                                            "auth_token",    "app_auth_token",
                                                            "app_cert_sn",   "alipay_root_cert_sn",
                                                            "ws_service_url"};
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
        if (spec.biz_content) {
            auto biz = render_json(*spec.biz_content, lookup);
            if (!biz) return biz.error();
            defaults.emplace_back("biz_content", core::dump(*biz));
        }
        core::Params params = merge_params(std::move(defaults), *given);
        auto sign = step_signature(spec.sign, lookup, [&]() -> core::Result<std::string> {
            auto key = alipay_app_key(spec, *app_id);
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
        req.url = join_url(options.target, *url);
        req.url += (req.url.find('?') == std::string::npos ? "?" : "&") + core::build_query(query);
        req.body = core::build_form(form);
        req.headers = {{"Content-Type", "application/x-www-form-urlencoded;charset=utf-8"},
                       {"Accept", "application/json"}};
        if (auto st = add_headers(spec.headers, lookup, req); !st) return st.error();
        return req;
    }

    // An OpenAPI v3 call as alipay-sdk v4's curl() sends it (alipay.md §5.2): the query percent-encoded,
    // a JSON body, and `Authorization: ALIPAY-SHA256withRSA app_id=..,nonce=..,timestamp=..,sign=..`
    // over the auth string, method, request-target, body (and app auth token), by emulator/alipay/protocol.
    core::Result<core::HttpRequest> build_alipay_v3_request(const AlipayV3RequestSpec& spec, const Lookup& lookup) {
        auto app_id = render_string(spec.app_id, lookup);
        if (!app_id) return app_id.error();
        auto call = call_request(spec, spec.query, lookup);
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
        std::string auth_string = "app_id=" + *app_id + ",nonce=" + ids.uuid() +
                                  ",timestamp=" + std::to_string(core::to_unix_ms(std::chrono::system_clock::now()));
        auto sign = step_signature(spec.sign, lookup, [&]() -> core::Result<std::string> {
            auto key = alipay_app_key(spec, *app_id);
            if (!key) return key.error();
            return alipay::sign(*key, alipay::SignType::kRSA2,
                                alipay::v3_request_sign_content(auth_string, req.method, parsed->target, req.body,
                                                                token ? &*token : nullptr));
        });
        if (!sign) return sign.error();
        if (*sign) req.headers.emplace_back("Authorization", alipay::build_v3_authorization(auth_string, **sign));
        req.headers.emplace_back("alipay-request-id", ids.hex(32));
        req.headers.emplace_back("Accept", "application/json");
        if (auto st = add_headers(spec.headers, lookup, req); !st) return st.error();
        return req;
    }

    // Whether an answer below 400 of a v3 call carries a valid alipay-signature over alipay-timestamp,
    // alipay-nonce and the body, by the app's Alipay public key — what curl() checks. None for errors
    // (curl() does not check them) and when the step has no key to check with.
    std::optional<CheckResult> alipay_v3_signature_check(const Step& step, const Exchange& ex) {
        const auto& spec = step.alipay_v3_request;
        if (ex.status >= 400 || (spec.alipay_public_key_pem.empty() && spec.app_keys.empty())) return std::nullopt;
        // The app the call was made for (app_id in its Authorization) picks the key.
        std::string app_id;
        if (const std::string* a = core::find_header(ex.request_headers, "Authorization")) {
            if (auto auth = alipay::parse_v3_authorization(*a)) app_id = auth->app_id;
        }
        AlipayAppKeys fallback{{}, spec.alipay_public_key_pem};
        const std::string& pem = keys_for(spec.app_keys, app_id, fallback).alipay_public_key_pem;
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

    // Whether an Alipay gateway reply carries a valid signature over its node (the first member),
    // extracted and verified the way the SDKs do.
    CheckResult alipay_signature_check(const Step& step, const Exchange& ex) {
        CheckResult cr;
        cr.label = "alipay signature";
        cr.predicate = "verifies";
        cr.expected = "the reply's node signed with the app's Alipay key (alipay_public_key.pem)";
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
        const auto& spec = step.alipay_request;
        AlipayAppKeys fallback{{}, spec.alipay_public_key_pem};
        auto pub = core::crypto::load_public_key(keys_for(spec.app_keys, app_id, fallback).alipay_public_key_pem);
        if (!node || !pub) {
            cr.actual = !node ? "node " + node_key + " not found" : "alipay_public_key.pem cannot be loaded";
            return cr;
        }
        auto type = alipay::parse_sign_type(step.alipay_request.sign_type).value_or(alipay::SignType::kRSA2);
        cr.passed = alipay::verify(*pub, type, *node, sign->get<std::string>());
        cr.actual = cr.passed ? "valid signature over " + node_key : "signature over " + node_key + " does not verify";
        return cr;
    }

    // Whether a 2xx WeChat Pay reply carries a valid Wechatpay-Signature (over timestamp, nonce and
    // body, within the 300 s window) by the platform key its Wechatpay-Serial names, checked the way
    // the SDKs do by the emulator's own protocol code.
    // None when the merchant's folder has no platform key (or "verify": false).
    std::optional<CheckResult> wechatpay_signature_check(const Step& step, const Exchange& ex) {
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
        const auto& spec = step.wechatpay_request;
        std::string mchid;
        if (const std::string* a = core::find_header(ex.request_headers, "Authorization")) {
            if (auto auth = wp::parse_authorization(*a)) mchid = auth->mchid;
        }
        const auto& platform_keys = keys_for(spec.merchant_keys, mchid, spec.keys).platform_keys;
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

    // The signed call steps check the reply's signature as the provider's SDKs do: an extra check
    // beside the step's own assertions. None for other steps, or when the step has no key to check with.
    std::optional<CheckResult> reply_signature_check(const Step& step, const Exchange& ex) {
        switch (step.kind) {
            case StepKind::kAlipayRequest:
                if (step.alipay_request.alipay_public_key_pem.empty()) return std::nullopt;
                return alipay_signature_check(step, ex);
            case StepKind::kAlipayV3Request:
                return alipay_v3_signature_check(step, ex);
            case StepKind::kWechatpayRequest:
                return wechatpay_signature_check(step, ex);
            case StepKind::kWechatpayV2Request:
                return wechatpay_v2_sign_check(step, ex);
            default:
                return std::nullopt;
        }
    }

    // One attempt: send, capture, assert. Returns true when everything passed.
    bool attempt(const Step& step, const core::HttpRequest& req, StepResult& r, RunState& state, const Scope& scope) {
        r.captures.clear();
        r.checks.clear();
        r.error.clear();
        r.unreachable = false;
        Exchange ex = send(req);
        if (options.on_exchange) options.on_exchange(step, ex);
        r.exchange = ex;
        if (!ex.transport_error.empty()) {
            r.error = ex.method + " " + ex.url + ": " + ex.transport_error;
            r.error_where = step.where;
            r.unreachable = ex.transport_code == "connect";
            return false;
        }
        ResponseView view(*r.exchange);
        if (step.kind == StepKind::kWechatpayV2Request) {
            auto [json, why] = v2_reply_json(ex.response_body);
            view.set_json(std::move(json), std::move(why));
        }
        bool ok = true;
        for (const auto& c : step.captures) {
            auto cr = run_capture(c, view);
            if (cr.ok) {
                state.captures[c.name] = cr.value;
            } else {
                ok = false;
            }
            r.captures.push_back(std::move(cr));
        }
        Lookup lookup = make_lookup(scope, state);
        bool has_status = false;
        for (const auto& check : step.checks) {
            if (check.subject == CheckSubject::kStatus) has_status = true;
            for (auto& cr : run_check(check, view, lookup)) {
                ok = ok && cr.passed;
                r.checks.push_back(std::move(cr));
            }
        }
        if (auto cr = reply_signature_check(step, ex)) {
            ok = ok && cr->passed;
            r.checks.push_back(std::move(*cr));
        }
        if (step.kind == StepKind::kAdmin && !has_status) {
            // An admin call that fails would make every later step fail obscurely: require a 2xx.
            CheckResult cr;
            cr.label = "status";
            cr.predicate = "2xx";
            cr.passed = ex.status >= 200 && ex.status < 300;
            cr.actual = std::to_string(ex.status);
            cr.expected = "2xx (admin call)";
            cr.where = step.where;
            if (!cr.passed) cr.message = ex.response_body.substr(0, 300);
            ok = ok && cr.passed;
            r.checks.push_back(std::move(cr));
        }
        return ok;
    }

    StepResult run_step(const Step& step, RunState& state, const Scope& scope, Clock::time_point scenario_start) {
        StepResult r;
        r.kind = step_kind_name(step.kind);
        r.where = step.where;
        r.started_ms = ms_since(scenario_start);
        Lookup lookup = make_lookup(scope, state);
        auto name = render_string(step.name, lookup);
        r.name = name ? *name : step.name;
        auto t0 = Clock::now();
        if (step.skip) {
            r.status = StepStatus::kSkipped;
            return r;
        }
        switch (step.kind) {
            case StepKind::kWait:
                std::this_thread::sleep_for(step.wait);
                r.status = StepStatus::kPassed;
                r.attempts = 1;
                break;
            case StepKind::kInclude: {
                Scope inner;
                inner.parent = &scope;
                auto params = render_json(step.include_vars, lookup);
                if (!params) {
                    template_failure(r, params.error(), step.where);
                    break;
                }
                for (auto it = params->begin(); it != params->end(); ++it) inner.vars[it.key()] = Json(it.value());
                Lookup inner_lookup = make_lookup(inner, state);
                bool ok = true;
                for (auto it = step.included->vars.begin(); it != step.included->vars.end(); ++it) {
                    if (inner.vars.contains(it.key())) continue;  // the include's parameter wins
                    auto v = render_json(it.value(), inner_lookup);
                    if (!v) {
                        template_failure(r, v.error(), step.included->where);
                        ok = false;
                        break;
                    }
                    inner.vars[it.key()] = Json(*v);
                }
                if (!ok) break;
                r.status = StepStatus::kPassed;
                r.attempts = 1;
                bool failed = false;
                for (const auto& child : step.included->steps) {
                    if (failed) {
                        StepResult skipped;
                        skipped.name = child.name;
                        skipped.kind = step_kind_name(child.kind);
                        skipped.where = child.where;
                        skipped.status = StepStatus::kNotRun;
                        r.children.push_back(std::move(skipped));
                        continue;
                    }
                    auto cr = run_step(child, state, inner, scenario_start);
                    if (cr.status == StepStatus::kFailed) {
                        failed = true;
                        r.status = StepStatus::kFailed;
                        r.unreachable = r.unreachable || cr.unreachable;
                    }
                    r.children.push_back(std::move(cr));
                }
                break;
            }
            case StepKind::kRequest:
            case StepKind::kAdmin:
            case StepKind::kWechatpayNotify:
            case StepKind::kWechatpayRequest:
            case StepKind::kAlipayNotify:
            case StepKind::kAlipayRequest:
            case StepKind::kAlipayV3Request:
            case StepKind::kWechatpayV2Request: {
                Where where;
                auto req = build(step, lookup, &where);
                if (!req) {
                    template_failure(r, req.error(), where);
                    break;
                }
                int attempts = step.retry ? step.retry->attempts : 1;
                bool ok = false;
                for (int i = 0; i < attempts; ++i) {
                    if (i > 0) std::this_thread::sleep_for(step.retry->interval);
                    r.attempts = i + 1;
                    ok = attempt(step, *req, r, state, scope);
                    if (ok || r.unreachable) break;
                }
                r.status = ok ? StepStatus::kPassed : StepStatus::kFailed;
                if (!ok && attempts > 1 && r.error.empty() && !r.unreachable) {
                    r.error = "still failing after " + std::to_string(r.attempts) + " attempts";
                    r.error_where = step.where;
                    // Keep the check results of the last attempt: they say what never became true.
                    r.error.clear();
                }
                break;
            }
            default:
                r.status = StepStatus::kFailed;
                r.error = std::string("step kind ") + step_kind_name(step.kind) + " is not available in this build";
                break;
        }
        r.duration_ms = ms_since(t0);
        return r;
    }

    // The fixture set of a scenario with an overlay, as a folder the emulator can load: the merged
    // fixture.json beside links to everything else of the base set (keys, OpenAPI document). The
    // folder is named by the content's hash, so runs and parallel runners share it.
    core::Result<std::string> materialise_overlay(const Scenario& sc) {
        namespace fs = std::filesystem;
        std::error_code ec;
        fs::path dir = fs::temp_directory_path(ec) / ("mpemu-" + sc.overlay_name);
        fs::create_directories(dir, ec);
        if (ec) return core::make_error("overlay", "cannot create " + dir.string() + ": " + ec.message());
        for (const auto& entry : fs::directory_iterator(sc.fixtures_dir, ec)) {
            std::string name = entry.path().filename().string();
            if (name == "fixture.json" || fs::exists(fs::symlink_status(dir / name))) continue;
            fs::create_symlink(fs::absolute(entry.path()), dir / name, ec);
            if (ec && !fs::exists(fs::symlink_status(dir / name))) {
                return core::make_error("overlay", "cannot link " + entry.path().string() + ": " + ec.message());
            }
        }
        std::string tmp = (dir / ("fixture.json." + ids.base62(8))).string();
        if (!core::write_file(tmp, sc.overlay_fixture)) return core::make_error("overlay", "cannot write " + tmp);
        fs::rename(tmp, dir / "fixture.json", ec);
        if (ec)
            return core::make_error("overlay", "cannot write " + (dir / "fixture.json").string() + ": " + ec.message());
        return dir.string();
    }

    // The setup step of a scenario that declares fixtures or reset: bring the emulator back to its
    // seeded state (loading another fixture set when the scenario names one that is not loaded).
    StepResult reset(const Scenario& sc, Clock::time_point start) {
        StepResult r;
        r.kind = "setup";
        r.name = sc.fixtures.empty() ? "reset the emulator" : "reset the emulator to fixtures \"" + sc.fixtures + "\"";
        r.where = sc.where;
        r.attempts = 1;
        auto t0 = Clock::now();
        core::HeaderList auth;
        if (!options.admin_token.empty()) auth.emplace_back("Authorization", "Bearer " + options.admin_token);
        Json body = Json::object();
        if (!sc.overlay_fixture.empty()) {
            auto dir = materialise_overlay(sc);
            if (!dir) {
                r.status = StepStatus::kFailed;
                r.error = dir.error().message;
                r.duration_ms = ms_since(t0);
                return r;
            }
            body["fixtures"] = *dir;
            r.name = "reset the emulator to fixtures \"" + sc.fixtures + "\" with the scenario's overlay";
        } else if (!sc.fixtures.empty()) {
            core::HttpRequest get{"GET", join_url(emulator(), "/__admin/fixtures"), auth, {}, std::chrono::seconds(10)};
            Exchange ex = send(get);
            r.exchange = ex;
            if (!ex.transport_error.empty()) {
                r.status = StepStatus::kFailed;
                r.error = "the emulator at " + emulator() + " cannot be reached: " + ex.transport_error;
                r.unreachable = ex.transport_code == "connect";
                r.duration_ms = ms_since(t0);
                return r;
            }
            auto summary = core::parse_json(ex.response_body);
            std::string loaded = summary && summary->is_object() ? summary->value("name", "") : "";
            std::string loaded_dir = summary && summary->is_object() ? summary->value("dir", "") : "";
            bool same = loaded == sc.fixtures || (!sc.fixtures_dir.empty() && loaded_dir == sc.fixtures_dir);
            if (!same) {
                if (sc.fixtures_dir.empty()) {
                    r.status = StepStatus::kFailed;
                    r.error = "the emulator has fixture set \"" + loaded + "\" loaded; this scenario needs \"" +
                              sc.fixtures + "\" and no folder of that name was found";
                    r.duration_ms = ms_since(t0);
                    return r;
                }
                body["fixtures"] = sc.fixtures_dir;
            }
        }
        core::HeaderList headers = auth;
        headers.emplace_back("Content-Type", "application/json");
        core::HttpRequest post{"POST", join_url(emulator(), "/__admin/reset"), headers, core::dump(body),
                               std::chrono::seconds(60)};
        Exchange ex = send(post);
        r.exchange = ex;
        if (!ex.transport_error.empty()) {
            r.status = StepStatus::kFailed;
            r.error = "the emulator at " + emulator() + " cannot be reached: " + ex.transport_error;
            r.unreachable = ex.transport_code == "connect";
        } else if (ex.status != 200) {
            r.status = StepStatus::kFailed;
            r.error = "reset refused with status " + std::to_string(ex.status) + ": " + ex.response_body.substr(0, 500);
        } else {
            r.status = StepStatus::kPassed;
        }
        (void)start;
        r.duration_ms = ms_since(t0);
        return r;
    }

    ScenarioResult run(const Scenario& sc) {
        ScenarioResult out;
        out.file = sc.file;
        out.name = sc.name;
        out.tags = sc.tags;
        out.started_at = core::format_rfc3339_ms_utc(std::chrono::system_clock::now());
        auto start = Clock::now();
        RunState state;
        Scope scope;
        scope.vars["target"] = options.target;
        scope.vars["emulator"] = emulator();
        scope.vars["scenario_name"] = sc.name;
        scope.vars["scenario_file"] = sc.file;
        for (auto it = options.cli_vars.begin(); it != options.cli_vars.end(); ++it)
            scope.vars[it.key()] = Json(it.value());
        bool ok = true;
        Lookup lookup = make_lookup(scope, state);
        for (auto it = sc.vars.begin(); it != sc.vars.end(); ++it) {
            if (options.cli_vars.contains(it.key())) continue;
            auto v = render_json(it.value(), lookup);
            if (!v) {
                StepResult r;
                r.kind = "setup";
                r.name = "variable " + it.key();
                r.where = sc.where;
                template_failure(r, v.error(), sc.where);
                out.steps.push_back(std::move(r));
                ok = false;
                break;
            }
            scope.vars[it.key()] = Json(*v);
        }
        if (ok && sc.reset) {
            auto r = reset(sc, start);
            ok = r.status == StepStatus::kPassed;
            out.unreachable = r.unreachable;
            out.steps.push_back(std::move(r));
        }
        for (const auto& step : sc.steps) {
            if (!ok) {
                StepResult r;
                r.name = step.name;
                r.kind = step_kind_name(step.kind);
                r.where = step.where;
                r.status = StepStatus::kNotRun;
                out.steps.push_back(std::move(r));
                continue;
            }
            auto r = run_step(step, state, scope, start);
            if (r.status == StepStatus::kFailed) {
                ok = false;
                out.unreachable = out.unreachable || r.unreachable;
            }
            out.steps.push_back(std::move(r));
        }
        out.passed = ok;
        out.duration_ms = ms_since(start);
        return out;
    }
};

ScenarioRunner::ScenarioRunner(const RunOptions& options) : impl_(std::make_unique<Impl>()) {
    impl_->options = options;
}
ScenarioRunner::~ScenarioRunner() = default;
ScenarioResult ScenarioRunner::run(const Scenario& scenario) {
    return impl_->run(scenario);
}

RunSummary run_all(const std::vector<std::shared_ptr<const Scenario>>& scenarios, const RunOptions& options) {
    RunSummary summary;
    summary.target = options.target;
    summary.emulator = options.emulator.empty() ? options.target : options.emulator;
    summary.started_at = core::format_rfc3339_ms_utc(std::chrono::system_clock::now());
    auto start = Clock::now();
    summary.scenarios.resize(scenarios.size());
    std::vector<bool> ran(scenarios.size(), false);
    std::atomic<size_t> next{0};
    std::atomic<bool> stop{false};
    std::mutex report_mu;
    // Scenarios that reset the emulator must not overlap anything else using it.
    std::shared_mutex emulator_mu;
    auto worker = [&] {
        ScenarioRunner runner(options);
        while (!stop) {
            size_t i = next++;
            if (i >= scenarios.size()) break;
            const Scenario& sc = *scenarios[i];
            ScenarioResult result;
            if (sc.reset) {
                std::unique_lock lock(emulator_mu);
                result = runner.run(sc);
            } else {
                std::shared_lock lock(emulator_mu);
                result = runner.run(sc);
            }
            std::lock_guard lock(report_mu);
            if (options.on_scenario) options.on_scenario(result);
            if (!result.passed && options.fail_fast) stop = true;
            summary.scenarios[i] = std::move(result);
            ran[i] = true;
        }
    };
    int n = std::max(1, std::min<int>(options.parallel, static_cast<int>(scenarios.size())));
    if (n == 1) {
        worker();
    } else {
        std::vector<std::thread> threads;
        for (int t = 0; t < n; ++t) threads.emplace_back(worker);
        for (auto& t : threads) t.join();
    }
    // Scenarios never started (--fail-fast) are dropped from the summary.
    std::vector<ScenarioResult> kept;
    for (size_t i = 0; i < scenarios.size(); ++i) {
        if (ran[i]) kept.push_back(std::move(summary.scenarios[i]));
    }
    summary.scenarios = std::move(kept);
    summary.duration_ms = ms_since(start);
    return summary;
}

}  // namespace mpemu::scenario
