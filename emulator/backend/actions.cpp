// Login and pay actions: the mimic talks to the emulated providers over loopback HTTP with their real
// wire protocols (code2Session, Alipay gateway signed with the app key, WeChat Pay v3 signed with the
// merchant key), and receives their notifications at its own notify routes.
#include <algorithm>

#include "core/crypto.hpp"
#include "core/http_client.hpp"
#include "core/text.hpp"
#include "core/time_format.hpp"
#include "core/url.hpp"
#include "emulator/alipay/protocol.hpp"
#include "emulator/backend/errors.hpp"
#include "emulator/backend/protocol.hpp"
#include "emulator/backend/service.hpp"
#include "emulator/backend/store.hpp"
#include "emulator/emulator.hpp"
#include "emulator/wechatpay/protocol.hpp"

namespace mpemu::backend {
namespace {

using core::Json;
using emulator::Response;
namespace crypto = core::crypto;

std::string body_string(const Call& call, std::initializer_list<const char*> keys) {
    if (!call.body_is_json || !call.body.is_object()) return {};
    for (const char* k : keys) {
        auto it = call.body.find(k);
        if (it != call.body.end() && it->is_string()) return it->get<std::string>();
    }
    return {};
}

Response provider_failed(const std::string& provider, const std::string& what, const Json& extra = Json::object()) {
    return problem(502, "provider-error", provider + " call failed", what, extra);
}

}  // namespace

std::string Backend::base_url() const {
    if (auto* emu = dynamic_cast<emulator::Emulator*>(ctx_)) return emu->base_url();
    return "http://127.0.0.1:" + std::to_string(ctx_->options().port);
}

Response Backend::run_action(Call& call, const Route& route) {
    const Action& a = route.action;
    if (!a.unavailable.empty())
        return problem(501, "action-unavailable", "Action not available in this build", a.unavailable,
                       {{"action", a.type_name}});
    const std::string base = base_url();
    core::HttpClient http;
    auto& clock = ctx_->clock();
    auto& ids = ctx_->ids();
    const auto& jwtc = call.cfg.jwt;

    auto issue_token = [&](const std::string& sub, Json extra) {
        long long now = clock.now_unix();
        Json claims = jwtc.claims;
        claims.update(extra);
        claims["sub"] = sub;
        claims["iss"] = jwtc.issuer;
        if (jwtc.audience) claims["aud"] = *jwtc.audience;
        claims["iat"] = now;
        claims["exp"] = now + jwtc.expires_in_s;
        return protocol::sign_jwt_hs256(claims, jwtc.secret);
    };

    if (a.type == ActionType::kWechatLogin) {
        std::string code = body_string(call, {"code"});
        if (code.empty())
            return problem(400, "invalid-body", "Invalid body", "send {\"code\": <the code from wx.login()>}");
        core::HttpRequest rq;
        rq.url =
            base + "/sns/jscode2session?" +
            core::build_query(
                {{"appid", a.appid}, {"secret", a.secret}, {"js_code", code}, {"grant_type", "authorization_code"}});
        rq.timeout = std::chrono::milliseconds(5000);
        auto rs = http.send(rq);
        if (!rs) return provider_failed("WeChat", "jscode2session: " + rs.error().message);
        auto j = core::parse_json(rs->body);
        if (!j || !j->is_object())
            return provider_failed("WeChat", "jscode2session answered " + std::to_string(rs->status) + ": " + rs->body);
        if (j->value("errcode", 0) != 0 || !j->contains("openid")) {
            return problem(401, "login-failed", "WeChat login failed", j->value("errmsg", std::string("no openid")),
                           {{"errcode", j->value("errcode", 0)}, {"errmsg", j->value("errmsg", "")}});
        }
        std::string openid = (*j)["openid"].get<std::string>();
        Json profile = {{"openid", openid}, {"appid", a.appid}};
        if (j->contains("unionid")) profile["unionid"] = (*j)["unionid"];
        std::string uid = "wechat:" + openid;
        Json user = ctx_->db().write([&](state::Conn& c) {
            return Store::upsert_user(c, uid, "wechat", a.appid, openid, profile, clock.now_unix_ms());
        });
        Json extra = {{"provider", "wechat"}, {"openid", openid}, {"appid", a.appid}};
        if (j->contains("unionid")) extra["unionid"] = (*j)["unionid"];
        return json_reply(
            200,
            {{"token", issue_token(uid, extra)},
             {"tokenType", "Bearer"},
             {"expiresIn", jwtc.expires_in_s},
             {"user", {{"id", uid}, {"provider", "wechat"}, {"openid", openid}, {"new", user.value("new", false)}}}});
    }

    auto alipay_call = [&](const std::string& method, core::Params extra, const std::string& node,
                           std::string* error) -> std::optional<Json> {
        core::Params params = {{"app_id", a.app_id},
                               {"method", method},
                               {"charset", "utf-8"},
                               {"sign_type", "RSA2"},
                               {"timestamp", core::format_datetime(clock.now())},
                               {"version", "1.0"}};
        params.insert(params.end(), extra.begin(), extra.end());
        auto sig = alipay::sign(a.app_private_key, alipay::SignType::kRSA2, alipay::request_sign_content(params));
        if (!sig) {
            *error = "signing: " + sig.error().message;
            return std::nullopt;
        }
        params.emplace_back("sign", *sig);
        core::HttpRequest rq;
        rq.method = "POST";
        rq.url = base + "/gateway.do";
        rq.headers = {{"Content-Type", "application/x-www-form-urlencoded;charset=utf-8"}};
        rq.body = core::build_form(params);
        rq.timeout = std::chrono::milliseconds(5000);
        auto rs = http.send(rq);
        if (!rs) {
            *error = "gateway.do: " + rs.error().message;
            return std::nullopt;
        }
        for (const std::string& n : {node, std::string("error_response")}) {
            auto text = alipay::extract_signed_node(rs->body, n);
            if (!text) continue;
            auto j = core::parse_json(rs->body);
            if (!j || !j->contains("sign")) break;
            if (!alipay::verify(a.alipay_public_key, alipay::SignType::kRSA2, *text, (*j)["sign"].get<std::string>())) {
                *error = "the gateway's reply signature does not verify with alipay_public_key.pem";
                return std::nullopt;
            }
            return (*j)[n];
        }
        *error = "unexpected gateway reply (" + std::to_string(rs->status) + "): " + rs->body.substr(0, 300);
        return std::nullopt;
    };

    if (a.type == ActionType::kAlipayLogin) {
        std::string code = body_string(call, {"authCode", "auth_code", "code"});
        if (code.empty())
            return problem(400, "invalid-body", "Invalid body",
                           "send {\"authCode\": <the code from my.getAuthCode()>}");
        std::string err;
        auto node = alipay_call("alipay.system.oauth.token", {{"grant_type", "authorization_code"}, {"code", code}},
                                "alipay_system_oauth_token_response", &err);
        if (!node) return provider_failed("Alipay", err);
        if (node->contains("sub_code") || (!node->contains("user_id") && !node->contains("open_id"))) {
            return problem(401, "login-failed", "Alipay login failed",
                           node->value("sub_msg", std::string("no user id")),
                           {{"code", node->value("code", "")}, {"sub_code", node->value("sub_code", "")}});
        }
        std::string user_id = node->value("user_id", "");
        std::string open_id = node->value("open_id", "");
        std::string subject = user_id.empty() ? open_id : user_id;
        std::string uid = "alipay:" + subject;
        Json profile = {{"app_id", a.app_id}};
        Json extra = {{"provider", "alipay"}, {"app_id", a.app_id}};
        if (!user_id.empty()) profile["user_id"] = extra["alipay_user_id"] = user_id;
        if (!open_id.empty()) profile["open_id"] = extra["alipay_open_id"] = open_id;
        Json user = ctx_->db().write([&](state::Conn& c) {
            return Store::upsert_user(c, uid, "alipay", a.app_id, subject, profile, clock.now_unix_ms());
        });
        return json_reply(
            200,
            {{"token", issue_token(uid, extra)},
             {"tokenType", "Bearer"},
             {"expiresIn", jwtc.expires_in_s},
             {"user", {{"id", uid}, {"provider", "alipay"}, {"userId", subject}, {"new", user.value("new", false)}}}});
    }

    const Collection* orders = call.cfg.collection(a.collection);
    if (a.type == ActionType::kWechatPayJsapi || a.type == ActionType::kAlipayTrade) {
        if (!call.claims) {
            auto r = problem(401, "unauthorized", "Unauthorized", "log in first: send Authorization: Bearer <token>");
            r.set_header("WWW-Authenticate", "Bearer");
            return r;
        }
        std::string order_id = call.params.count("id") ? call.params["id"] : body_string(call, {"orderId", "order_id"});
        if (order_id.empty())
            return problem(400, "invalid-request", "Invalid request",
                           "name the order: a {id} path parameter or body.orderId");
        auto row = ctx_->db().read([&](state::Conn& c) { return Store::get(c, orders->name, order_id); });
        if (!row) return problem(404, "not-found", "Not found", "no " + orders->name + " row with id " + order_id);
        std::string sub = call.claims->value("sub", "");
        if (orders->owned && row->owner != sub)
            return problem(403, "forbidden", "Forbidden", "the order belongs to another user");
        const Json* status = row->data.contains(a.status_field) ? &row->data[a.status_field] : nullptr;
        if (status && *status == a.paid_value)
            return problem(409, "already-paid", "Order already paid", "order " + order_id + " is paid");
        const Json* amount = row->data.contains(a.amount_field) ? &row->data[a.amount_field] : nullptr;
        if (!amount || !amount->is_number_integer() || amount->get<long long>() <= 0)
            return problem(409, "invalid-order", "Order cannot be paid",
                           "the order's \"" + a.amount_field + "\" must be a positive integer amount in fen");
        long long total = amount->get<long long>();
        std::string subject =
            row->data.contains(a.subject_field) ? to_text(row->data[a.subject_field]) : "Order " + order_id;
        std::string out_trade_no = core::format_compact(clock.now()) + ids.digits(8);
        std::string notify_url = base + a.notify_path;

        if (a.type == ActionType::kWechatPayJsapi) {
            std::string openid = call.claims->value("openid", "");
            if (openid.empty())
                return problem(409, "wrong-login", "WeChat login required",
                               "WeChat Pay needs the payer's openid: log in with WeChat");
            Json req = {{"appid", a.appid},
                        {"mchid", a.mchid},
                        {"description", subject},
                        {"out_trade_no", out_trade_no},
                        {"notify_url", notify_url},
                        {"amount", {{"total", total}, {"currency", "CNY"}}},
                        {"payer", {{"openid", openid}}}};
            std::string body = core::dump(req);
            std::string path = "/v3/pay/transactions/jsapi";
            long long ts = core::Clock::wall_unix();  // SDK-style real time for signatures
            std::string nonce = ids.base62(32);
            auto authorization = wechatpay::protocol::sign_request(a.merchant_key, a.mchid, a.merchant_serial, "POST",
                                                                   path, body, ts, nonce);
            if (!authorization) return provider_failed("WeChat Pay", "signing: " + authorization.error().message);
            core::HttpRequest rq;
            rq.method = "POST";
            rq.url = base + path;
            rq.body = body;
            rq.headers = {{"Content-Type", "application/json"},
                          {"Accept", "application/json"},
                          {"User-Agent", "mpemu-backend"},
                          {"Authorization", *authorization}};
            rq.timeout = std::chrono::milliseconds(5000);
            auto rs = http.send(rq);
            if (!rs) return provider_failed("WeChat Pay", "jsapi: " + rs.error().message);
            auto j = core::parse_json(rs->body);
            if (rs->status != 200 || !j || !j->contains("prepay_id")) {
                return provider_failed("WeChat Pay",
                                       "jsapi answered " + std::to_string(rs->status) + ": " + rs->body.substr(0, 300),
                                       {{"provider_status", rs->status}});
            }
            std::string prepay_id = (*j)["prepay_id"].get<std::string>();
            std::string pts = std::to_string(core::Clock::wall_unix());
            std::string pnonce = ids.base62(32);
            std::string package = "prepay_id=" + prepay_id;
            auto pay_sig = wechatpay::protocol::sign(
                a.merchant_key, wechatpay::protocol::pay_sign_message(a.appid, pts, pnonce, package));
            if (!pay_sig) return provider_failed("WeChat Pay", "paySign: " + pay_sig.error().message);
            ctx_->db().write([&](state::Conn& c) {
                Store::put_payment(c, {"wechatpay", out_trade_no, orders->name, order_id, "pending", ""},
                                   clock.now_unix_ms());
                if (auto r = Store::get(c, orders->name, order_id)) {
                    r->data["payment"] = {
                        {"provider", "wechatpay"}, {"outTradeNo", out_trade_no}, {"status", "pending"}};
                    Store::update(c, orders->name, order_id, r->data, clock.now_unix_ms());
                }
            });
            return json_reply(200, {{"orderId", row->data.value(orders->id_field, Json(order_id))},
                                    {"outTradeNo", out_trade_no},
                                    {"appId", a.appid},
                                    {"requestPayment",
                                     {{"timeStamp", pts},
                                      {"nonceStr", pnonce},
                                      {"package", package},
                                      {"signType", "RSA"},
                                      {"paySign", *pay_sig}}}});
        }
        // Alipay trade.create
        std::string buyer_id = call.claims->value("alipay_user_id", "");
        std::string buyer_open_id = call.claims->value("alipay_open_id", "");
        if (buyer_id.empty() && buyer_open_id.empty())
            return problem(409, "wrong-login", "Alipay login required",
                           "an Alipay trade needs the buyer: log in with Alipay");
        core::OrderedJson biz;
        biz["out_trade_no"] = out_trade_no;
        biz["total_amount"] = alipay::format_amount(total);
        biz["subject"] = subject;
        if (!buyer_id.empty())
            biz["buyer_id"] = buyer_id;
        else
            biz["buyer_open_id"] = buyer_open_id;
        biz["product_code"] = "JSAPI_PAY";
        std::string err;
        auto node = alipay_call("alipay.trade.create", {{"notify_url", notify_url}, {"biz_content", core::dump(biz)}},
                                "alipay_trade_create_response", &err);
        if (!node) return provider_failed("Alipay", err);
        if (node->value("code", "") != "10000" || !node->contains("trade_no")) {
            return provider_failed("Alipay",
                                   node->value("sub_msg", node->value("msg", std::string("trade.create failed"))),
                                   {{"code", node->value("code", "")}, {"sub_code", node->value("sub_code", "")}});
        }
        std::string trade_no = (*node)["trade_no"].get<std::string>();
        ctx_->db().write([&](state::Conn& c) {
            Store::put_payment(c, {"alipay", out_trade_no, orders->name, order_id, "pending", trade_no},
                               clock.now_unix_ms());
            if (auto r = Store::get(c, orders->name, order_id)) {
                r->data["payment"] = {
                    {"provider", "alipay"}, {"outTradeNo", out_trade_no}, {"tradeNo", trade_no}, {"status", "pending"}};
                Store::update(c, orders->name, order_id, r->data, clock.now_unix_ms());
            }
        });
        return json_reply(200, {{"orderId", row->data.value(orders->id_field, Json(order_id))},
                                {"outTradeNo", out_trade_no},
                                {"tradeNO", trade_no}});
    }

    // Notifications: verify, then mark the order paid once (re-checked inside the transaction).
    auto mark_paid = [&](const std::string& provider, const std::string& out_trade_no,
                         const std::string& transaction_id) {
        return ctx_->db().write([&](state::Conn& c) -> bool {
            auto p = Store::payment(c, provider, out_trade_no);
            if (!p) return false;
            if (p->status == "paid") return true;
            Store::mark_paid(c, provider, out_trade_no, transaction_id, clock.now_unix_ms());
            if (auto r = Store::get(c, p->collection, p->row_id)) {
                r->data[a.status_field] = a.paid_value;
                r->data["payment"] = {{"provider", provider},
                                      {"outTradeNo", out_trade_no},
                                      {"transactionId", transaction_id},
                                      {"status", "paid"},
                                      {"paidAt", core::format_rfc3339(clock.now())}};
                Store::update(c, p->collection, p->row_id, r->data, clock.now_unix_ms());
            }
            return true;
        });
    };

    if (a.type == ActionType::kWechatPayNotify) {
        auto fail = [](int status, const std::string& message) {
            return json_reply(status, {{"code", "FAIL"}, {"message", message}});
        };
        const std::string* ts = call.req.header("Wechatpay-Timestamp");
        const std::string* nonce = call.req.header("Wechatpay-Nonce");
        const std::string* sig = call.req.header("Wechatpay-Signature");
        const std::string* serial = call.req.header("Wechatpay-Serial");
        if (!ts || !nonce || !sig || !serial) return fail(401, "missing Wechatpay-* signature headers");
        const crypto::Key* key = nullptr;
        for (const auto& [s, k] : a.platform_keys) {
            if (core::iequals(s, *serial)) key = &k;
        }
        if (!key) return fail(401, "unknown Wechatpay-Serial " + *serial);
        if (!wechatpay::protocol::verify(*key, wechatpay::protocol::response_message(*ts, *nonce, call.req.body), *sig))
            return fail(401, "signature does not verify");
        if (!call.body_is_json || !call.body.contains("resource")) return fail(400, "no resource in the notification");
        const Json& res = call.body["resource"];
        const std::string ciphertext = res.value("ciphertext", "");
        // Checked first so that a malformed ciphertext is named as such even when the key is wrong too.
        if (!crypto::base64_decode(ciphertext)) return fail(400, "ciphertext is not base64");
        auto plain = wechatpay::protocol::decrypt(a.apiv3_key, res.value("nonce", ""), res.value("associated_data", ""),
                                                  ciphertext);
        if (!plain) return fail(400, "cannot decrypt the resource with the APIv3 key");
        auto tx = core::parse_json(*plain);
        if (!tx || !tx->is_object()) return fail(400, "the decrypted resource is not JSON");
        if (tx->value("trade_state", "") == "SUCCESS") {
            if (!mark_paid("wechatpay", tx->value("out_trade_no", ""), tx->value("transaction_id", "")))
                return fail(404, "unknown out_trade_no " + tx->value("out_trade_no", ""));
        }
        return Response::empty(204);
    }

    // Alipay notify: form-encoded, signed over every parameter but sign and sign_type.
    core::Params form = core::parse_query(call.req.body);
    const std::string* sign = core::find_param(form, "sign");
    auto text_reply = [](const std::string& t) { return Response::text(200, t); };
    if (!sign) return text_reply("failure");
    if (!alipay::verify(a.alipay_public_key, alipay::SignType::kRSA2, alipay::notify_sign_content(form), *sign)) {
        ctx_->log().warn("backend.alipay_notify.bad_signature", {{"route", route.name}});
        return text_reply("failure");
    }
    const std::string* st = core::find_param(form, "trade_status");
    const std::string* otn = core::find_param(form, "out_trade_no");
    const std::string* tn = core::find_param(form, "trade_no");
    if (st && otn && (*st == "TRADE_SUCCESS" || *st == "TRADE_FINISHED")) {
        if (!mark_paid("alipay", *otn, tn ? *tn : "")) return text_reply("failure");
    }
    return text_reply("success");
}

}  // namespace mpemu::backend
