// Alipay's HTTP binding (see routes.hpp): one method table serves both protocols.
#include "emulator/alipay/routes.hpp"

#include <array>

#include "core/text.hpp"
#include "emulator/admin/admin_http.hpp"
#include "emulator/alipay/errors.hpp"
#include "emulator/alipay/fixture.hpp"
#include "emulator/alipay/protocol.hpp"

namespace mpemu::alipay {

using core::Json;
using core::OrderedJson;
using emulator::Failure;
using emulator::Request;
using emulator::Response;

// Arguments of a method call, whichever protocol carried them.
struct Call {
    Json args = Json::object();  // biz_content, or the top-level parameters of oauth / user.info.share
    std::string notify_url;
    std::string origin;  // scheme://host the client reached, for URLs the reply hands out (qr_code)
};

struct Method {
    std::string_view name;     // "alipay.trade.query" (also the operation id)
    std::string_view v3_path;  // "/v3/alipay/trade/query"
    bool v3_get;               // also served with GET (query string arguments)
    Reply (*run)(AlipayService&, const AppConfig&, const Call&);
};

namespace {

const std::array kMethods{
    Method{"alipay.system.oauth.token", "/v3/alipay/system/oauth/token", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.oauth_token(a, c.args); }},
    Method{"alipay.user.info.share", "/v3/alipay/user/info/share", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) {
               auto it = c.args.find("auth_token");
               return s.user_info_share(a, it != c.args.end() && it->is_string() ? it->get<std::string>() : "");
           }},
    Method{"alipay.trade.create", "/v3/alipay/trade/create", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.trade_create(a, c.args, c.notify_url); }},
    Method{"alipay.trade.precreate", "/v3/alipay/trade/precreate", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) {
               return s.trade_precreate(a, c.args, c.notify_url, c.origin);
           }},
    // trade.pay: v2 only here (its 10003 has no v3 rendering in mpemu).
    Method{"alipay.trade.pay", "", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.trade_pay(a, c.args, c.notify_url); }},
    Method{"alipay.trade.cancel", "/v3/alipay/trade/cancel", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.trade_cancel(a, c.args); }},
    Method{"alipay.trade.query", "/v3/alipay/trade/query", true,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.trade_query(a, c.args); }},
    Method{"alipay.trade.refund", "/v3/alipay/trade/refund", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.trade_refund(a, c.args); }},
    Method{"alipay.trade.fastpay.refund.query", "/v3/alipay/trade/fastpay/refund/query", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.refund_query(a, c.args); }},
    Method{"alipay.trade.close", "/v3/alipay/trade/close", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.trade_close(a, c.args); }},
    // v2 only here: the v3 paths of these are not emulated.
    Method{"alipay.open.app.alipaycert.download", "", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.cert_download(a, c.args); }},
    Method{"alipay.fund.trans.uni.transfer", "/v3/alipay/fund/trans/uni/transfer", false,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.fund_transfer(a, c.args); }},
    Method{"alipay.fund.trans.common.query", "/v3/alipay/fund/trans/common/query", true,
           [](AlipayService& s, const AppConfig& a, const Call& c) { return s.fund_transfer_query(a, c.args); }},
};

// Page methods answer a browser: the cashier page, or an HTML error page (alipay-additions.md §1).
bool is_page_method(std::string_view name) {
    return name == "alipay.trade.page.pay" || name == "alipay.trade.wap.pay";
}

Response html(int status, std::string body) {
    return Response::text(status, std::move(body), "text/html;charset=utf-8");
}

// The gateway's error page for a page method: Alipay names the code without its isv./aop. prefix.
Response html_error(const Failure& f) {
    return html(200, render_error_page(v3_code(f), f.message, gateway_code(f)));
}

// A cashier failure (admin codes) as a page a person can read.
Response cashier_error(const Failure& f) {
    return html(admin::status_for(f.code), render_message_page("无法完成操作", f.message));
}

// Where the client reached us: the Host header; https for Alipay's own hostnames (the TLS front).
std::string origin_of(const Request& req) {
    std::string host = req.header_or("Host", "127.0.0.1");
    bool tls = core::ends_with(host, ".alipay.com") || host.find(".alipay.com:") != std::string::npos;
    return (tls ? "https://" : "http://") + host;
}

const Method* find_method(std::string_view name) {
    for (const auto& m : kMethods) {
        if (m.name == name) return &m;
    }
    return nullptr;
}

// The one rendering of an error on v3 (and of v3 refusals).
Response v3_error_response(int status, const Failure& f) {
    return Response::json(status, render_v3_error(v3_code(f), f.message), "application/json;charset=utf-8");
}

Response admin_result(const emulator::Outcome<Json>& r) {
    if (r) return admin::json_response(200, *r);
    return admin::error_response(r.error());
}

}  // namespace

std::optional<std::string> SignatureCache::get(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    return it->second;
}

void SignatureCache::put(const std::string& key, const std::string& sign) {
    std::lock_guard lock(mu_);
    if (map_.size() >= kCapacity) map_.clear();  // simple and bounded: start over when full
    map_.emplace(key, sign);
}

void SignatureCache::clear() {
    std::lock_guard lock(mu_);
    map_.clear();
}

void Routes::mount(emulator::Router& router) {
    emulator::RouteGroup group;
    group.name = "alipay";
    group.prefixes = {"/gateway.do", "/v3/alipay/", "/__alipay/"};
    group.suffixes = {"/gateway.do"};  // the gateway may sit under a path prefix (spec §2.1)
    group.refuse = [this](const Request& req, const emulator::RefusalInfo& info) { return refuse(req, info); };
    router.add_group(std::move(group));
    for (const char* verb : {"POST", "GET"}) {
        router.add("alipay", {verb, "/**/gateway.do", "alipay.gateway", [this](Request& req) { return gateway(req); }});
    }
    for (const auto& m : kMethods) {
        if (m.v3_path.empty()) continue;
        router.add("alipay", {"POST", std::string(m.v3_path), std::string(m.name),
                              [this, &m](Request& req) { return v3(req, m); }});
        if (m.v3_get) {
            router.add("alipay", {"GET", std::string(m.v3_path), std::string(m.name),
                                  [this, &m](Request& req) { return v3(req, m); }});
        }
    }

    for (const char* verb : {"GET", "POST"}) {
        router.add("alipay", {verb, std::string(kCashierPath) + "{trade_no}", "alipay.cashier",
                              [this](Request& req) { return cashier(req); }});
    }
    admin::add(router, "alipay.trades.cashier", [this](Request& req) {
        const std::string* app_id = req.query_param("app_id");
        auto r = service_.cashier_link(req.path_param("out_trade_no"), app_id ? *app_id : "");
        if (!r) return admin::error_response(r.error());
        Json j = *r;
        j["cashier_url"] = origin_of(req) + j["cashier_path"].get<std::string>();
        return admin::json_response(200, j);
    });
    admin::add(router, "alipay.auth_codes.create", [this](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return admin::error_response("bad_request", body.error().message);
        std::string app_id, user_id, scopes;
        Response err;
        if (!admin::require_string(*body, "app_id", &app_id, &err)) return err;
        if (!admin::require_string(*body, "user_id", &user_id, &err)) return err;
        if (!admin::optional_string(*body, "scopes", &scopes, &err)) return err;
        return admin_result(service_.mint_auth_code(app_id, user_id, scopes));
    });
    admin::add(router, "alipay.trades.list", [this](Request& req) {
        const std::string* app_id = req.query_param("app_id");
        return admin_result(service_.list_trades(app_id ? *app_id : ""));
    });
    admin::add(router, "alipay.trades.pay", [this](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return admin::error_response("bad_request", body.error().message);
        std::string result, app_id, buyer;
        Response err;
        if (!admin::optional_string(*body, "result", &result, &err)) return err;
        if (!admin::optional_string(*body, "app_id", &app_id, &err)) return err;
        if (!admin::optional_string(*body, "buyer_id", &buyer, &err)) return err;
        if (result.empty()) result = "TRADE_SUCCESS";
        return admin_result(service_.admin_pay(req.path_param("out_trade_no"), app_id, result, buyer));
    });
    admin::add(router, "alipay.payment_codes.create", [this](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return admin::error_response("bad_request", body.error().message);
        std::string user_id, result;
        Response err;
        if (!admin::require_string(*body, "user_id", &user_id, &err)) return err;
        if (!admin::optional_string(*body, "result", &result, &err)) return err;
        return admin_result(service_.mint_payment_code(user_id, result));
    });
    admin::add(router, "alipay.app_pay", [this](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return admin::error_response("bad_request", body.error().message);
        std::string order_string, buyer, action;
        Response err;
        if (!admin::require_string(*body, "order_string", &order_string, &err)) return err;
        if (!admin::optional_string(*body, "buyer_id", &buyer, &err)) return err;
        if (!admin::optional_string(*body, "action", &action, &err)) return err;
        return admin_result(service_.app_pay(order_string, buyer, action.empty() ? "pay" : action));
    });
    admin::add(router, "alipay.keys.get", [this](Request&) {
        auto cfg = service_.config();
        return admin::json_response(200, public_keys(cfg.get()));
    });
    admin::add(router, "alipay.transfers.list", [this](Request& req) {
        const std::string* app_id = req.query_param("app_id");
        return admin_result(service_.list_transfers(app_id ? *app_id : ""));
    });
    admin::add(router, "alipay.refunds.list", [this](Request& req) {
        const std::string* app_id = req.query_param("app_id");
        const std::string* out_trade_no = req.query_param("out_trade_no");
        return admin_result(service_.list_refunds(app_id ? *app_id : "", out_trade_no ? *out_trade_no : ""));
    });
}

void Routes::log_error(const Request& req, const Reply& reply) {
    if (reply) return;
    const Failure& f = reply.error();
    ctx_.log().info("alipay.error", {{"operation", req.operation_id}, {"sub_code", f.code}, {"detail", f.log}});
}

Response Routes::gateway(Request& req) {
    auto merged = merge_gateway_params(req.raw_query, req.body, req.header_or("Content-Type"));
    for (const auto& k : merged.conflicts) {
        ctx_.log().warn("alipay.param.conflict", {{"param", k}, {"note", "sent in query and body; the query wins"}});
    }
    const std::string* method = param(merged.params, "method");
    if (method && is_page_method(*method)) return page_gateway(req, merged.params, *method);
    const Method* m = method ? find_method(*method) : nullptr;
    if (m) req.operation_id = std::string(m->name);
    GatewayAuth auth;
    auto authenticated = service_.authenticate_gateway(merged.params, m != nullptr, &auth);
    Reply reply;
    if (!authenticated) {
        reply = authenticated.error();
    } else {
        Call call;
        bool parsed_ok = true;
        if (const std::string* n = param(merged.params, "notify_url")) call.notify_url = *n;
        call.origin = origin_of(req);
        if (m->name == "alipay.system.oauth.token") {
            for (const char* k : {"grant_type", "code", "refresh_token"}) {
                if (const std::string* v = param(merged.params, k)) call.args[k] = *v;
            }
        } else if (m->name == "alipay.user.info.share") {
            if (const std::string* v = param(merged.params, "auth_token")) call.args["auth_token"] = *v;
        } else if (const std::string* biz = param(merged.params, "biz_content"); biz && !biz->empty()) {
            auto parsed = core::parse_json(*biz);
            if (!parsed || !parsed->is_object()) {
                reply = biz_content_not_object();
                parsed_ok = false;
            } else {
                call.args = std::move(*parsed);
            }
        }
        if (parsed_ok) reply = m->run(service_, *auth.app, call);
    }
    log_error(req, reply);
    return render_v2(auth, m ? method : nullptr, reply);
}

Response Routes::page_gateway(Request& req, const core::Params& params, const std::string& method) {
    req.operation_id = method;
    GatewayAuth auth;
    auto authenticated = service_.authenticate_gateway(params, true, &auth);
    if (!authenticated) {
        log_error(req, Reply(authenticated.error()));
        return html_error(authenticated.error());
    }
    Json biz = Json::object();
    if (const std::string* text = param(params, "biz_content"); text && !text->empty()) {
        auto parsed = core::parse_json(*text);
        if (!parsed || !parsed->is_object()) return html_error(biz_content_not_object());
        biz = std::move(*parsed);
    }
    PagePayArgs args;
    args.method = method;
    args.sign_type = auth.sign_type;
    if (const std::string* n = param(params, "notify_url")) args.notify_url = *n;
    if (const std::string* r = param(params, "return_url")) args.return_url = *r;
    auto trade = service_.page_pay(*auth.app, biz, args);
    if (!trade) {
        log_error(req, Reply(trade.error()));
        return html_error(trade.error());
    }
    auto view = service_.cashier_view(trade->trade_no, std::string(kCashierPath) + trade->trade_no);
    if (!view) return cashier_error(view.error());
    return html(200, render_cashier_page(*view));
}

Response Routes::cashier(Request& req) {
    std::string trade_no = req.path_param("trade_no");
    std::string path = std::string(kCashierPath) + trade_no;
    if (req.method == "GET") {
        auto view = service_.cashier_view(trade_no, path);
        if (!view) return cashier_error(view.error());
        return html(200, render_cashier_page(*view));
    }
    // The cashier's own form (application/x-www-form-urlencoded); scripts may put the fields in the query.
    core::Params form = core::parse_query(req.body);
    auto field = [&](const char* k) -> std::string {
        if (const std::string* v = core::find_param(form, k)) return *v;
        if (const std::string* v = req.query_param(k)) return *v;
        return {};
    };
    auto out = service_.cashier_act(trade_no, field("action"), field("buyer_id"));
    if (!out) return cashier_error(out.error());
    if (!out->location.empty()) {
        Response r = Response::empty(302);
        r.set_header("Location", out->location);
        return r;
    }
    return html(200, render_message_page(out->title, out->message + " (resultCode " + out->result_code + ")",
                                         "返回收银台 Back to the cashier", path));
}

Response Routes::render_v2(const GatewayAuth& auth, const std::string* method, const Reply& reply) {
    bool error_node = !reply && renders_in_error_response(reply.error());
    std::string key = (error_node || !method) ? std::string(kErrorNodeKey) : node_key(*method);
    std::string bytes = render_node(reply_node(reply));
    std::string body;
    if (auth.config && !auth.config->apps.empty()) {
        const AppConfig& app = auth.app ? *auth.app : service_.any_app(*auth.config);
        std::string cache_key = app.app_id + '\n' + std::string(sign_type_name(auth.sign_type)) + '\n' + bytes;
        std::optional<std::string> sig = signatures_.get(cache_key);
        if (!sig) {
            if (auto s = sign(app.alipay_private_key, auth.sign_type, bytes)) {
                sig = *s;
                signatures_.put(cache_key, *s);
            }
        }
        body = render_envelope(key, bytes, sig ? *sig : "", app.cert_mode ? app.alipay_cert_sn : "");
    } else {
        body = render_envelope(key, bytes, "");
    }
    auto res = Response::json(200, std::move(body), "application/json;charset=utf-8");
    res.set_header("trace_id", ctx_.ids().hex(32));
    return res;
}

Response Routes::v3(Request& req, const Method& m) {
    GatewayAuth auth;
    auto authenticated =
        service_.authenticate_v3(req.method, req.target, req.body, req.header("Authorization"),
                                 req.header("alipay-app-auth-token"), req.header("alipay-root-cert-sn"), &auth);
    Reply reply;
    if (!authenticated) {
        reply = authenticated.error();
    } else {
        Call call;
        bool parsed_ok = true;
        if (req.method == "GET") {
            for (const auto& [k, v] : req.query) {
                if (k == "query_options") {
                    Json arr = Json::array();
                    for (auto& part : core::split(v, ',')) arr.push_back(std::string(core::trim(part)));
                    call.args[k] = arr;
                } else {
                    call.args[k] = v;
                }
            }
        } else if (!core::trim(req.body).empty()) {
            auto parsed = core::parse_json(req.body);
            if (!parsed || !parsed->is_object()) {
                reply = body_not_object();
                parsed_ok = false;
            } else {
                call.args = std::move(*parsed);
            }
        }
        call.origin = origin_of(req);
        if (auto it = call.args.find("notify_url"); it != call.args.end() && it->is_string()) {
            call.notify_url = it->get<std::string>();
        }
        if (parsed_ok) reply = m.run(service_, *auth.app, call);
    }
    log_error(req, reply);
    return render_v3(auth, reply);
}

Response Routes::render_v3(const GatewayAuth& auth, const Reply& reply) {
    auto res = reply ? Response::json(200, core::dump(*reply), "application/json;charset=utf-8")
                     : v3_error_response(reply.error().status, reply.error());
    res.set_header("alipay-trace-id", ctx_.ids().hex(32));
    if (auth.config && !auth.config->apps.empty()) {
        const AppConfig& app = auth.app ? *auth.app : service_.any_app(*auth.config);
        std::string ts = std::to_string(ctx_.clock().now_unix_ms());
        std::string nonce = ctx_.ids().hex(32);
        if (auto s = sign_v3_response(app.alipay_private_key, ts, nonce, res.body)) {
            res.set_header("alipay-timestamp", s->timestamp);
            res.set_header("alipay-nonce", s->nonce);
            res.set_header("alipay-signature", s->signature);
            // Certificate mode: which Alipay certificate signed (alipay-sdk compares it with its own).
            if (app.cert_mode) res.set_header("alipay-sn", app.alipay_cert_sn);
        }
    }
    return res;
}

Response Routes::refuse(const Request& req, const emulator::RefusalInfo& info) {
    using emulator::Refusal;
    bool gateway = core::ends_with(req.path, "/gateway.do");
    Failure e;
    int status = 400;
    switch (info.kind) {
        case Refusal::kNotEmulated:
            e = unknown_method(req.method + " " + req.path + " (not emulated by mpemu)");
            status = 404;
            break;
        case Refusal::kMethodNotAllowed:
            e = unknown_method(req.method + " " + req.path + "; " + info.detail);
            status = 405;
            break;
        case Refusal::kInternal:
            e = failure("isp.unknow-error", {}, info.detail);
            status = 500;
            break;
        default:
            e = invalid_parameter(info.detail);
            status = info.kind == Refusal::kBodyTooLarge ? 413 : info.kind == Refusal::kHeadersTooLarge ? 431 : 400;
            break;
    }
    if (gateway) {
        GatewayAuth auth;
        auth.config = service_.config();
        return render_v2(auth, nullptr, Reply(in_error_response(std::move(e))));  // the gateway always answers 200
    }
    auto res = v3_error_response(status, e);
    if (info.kind == Refusal::kMethodNotAllowed) res.set_header("Allow", core::join(info.allowed, ", "));
    return res;
}

}  // namespace mpemu::alipay
