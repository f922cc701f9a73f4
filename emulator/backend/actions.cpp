// Login and pay actions: the mimic talks to the emulated providers over loopback HTTP with their real
// wire protocols (code2Session, Alipay gateway signed with the app key, WeChat Pay v3 signed with the
// merchant key), and receives their notifications at its own notify routes. Failures are errors.hpp's;
// routes.cpp renders them.
#include <algorithm>

#include "core/crypto.hpp"
#include "core/http_client.hpp"
#include "core/text.hpp"
#include "core/time_format.hpp"
#include "core/url.hpp"
#include "emulator/admission.hpp"
#include "emulator/alipay/protocol.hpp"
#include "emulator/backend/errors.hpp"
#include "emulator/backend/protocol.hpp"
#include "emulator/backend/routes.hpp"
#include "emulator/backend/store.hpp"
#include "emulator/emulator.hpp"
#include "emulator/wechatpay/protocol.hpp"

namespace mpemu::backend {
namespace {

using core::Json;
using emulator::Outcome;
namespace crypto = core::crypto;

// The providers are this same emulator: while a call waits on one, it leaves the admission gate, so the
// nested request can run even when every permit is taken by requests like this one.
core::Result<core::HttpResponse> send_unheld(core::HttpClient& http, const core::HttpRequest& rq) {
    emulator::AdmissionGate::Unheld unheld;
    return http.send(rq);
}

std::string body_string(const Call& call, std::initializer_list<const char*> keys) {
    if (!call.body.is_json || !call.body.value.is_object()) return {};
    for (const char* k : keys) {
        auto it = call.body.value.find(k);
        if (it != call.body.value.end() && it->is_string()) return it->get<std::string>();
    }
    return {};
}

}  // namespace

std::string Backend::base_url() const {
    if (auto* emu = dynamic_cast<emulator::Emulator*>(ctx_)) return emu->base_url();
    return "http://127.0.0.1:" + std::to_string(ctx_->options().port);
}

Outcome<Json> Backend::login_or_pay(Call& call, const Route& route) {
    const Action& a = route.action;
    const std::string base = base_url();
    core::HttpClient http;
    auto& clock = ctx_->clock();
    auto& ids = ctx_->ids();
    const auto& jwtc = call.cfg.jwt;

    auto issue_token = [&](const std::string& sub, const Json& extra) {
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
        if (code.empty()) return wechat_code_missing();
        core::HttpRequest rq;
        rq.url =
            base + "/sns/jscode2session?" +
            core::build_query(
                {{"appid", a.appid}, {"secret", a.secret}, {"js_code", code}, {"grant_type", "authorization_code"}});
        rq.timeout = std::chrono::milliseconds(5000);
        auto rs = send_unheld(http, rq);
        if (!rs) return wechat_unreachable(rs.error().message);
        auto j = core::parse_json(rs->body);
        if (!j || !j->is_object()) return wechat_bad_reply(rs->status, rs->body);
        if (j->value("errcode", 0) != 0 || !j->contains("openid")) return wechat_login_failed(*j);
        std::string openid = (*j)["openid"].get<std::string>();
        Json profile = {{"openid", openid}, {"appid", a.appid}};
        if (j->contains("unionid")) profile["unionid"] = (*j)["unionid"];
        std::string uid = "wechat:" + openid;
        Json user = ctx_->db().write([&](state::Conn& c) {
            return Users(c).upsert(uid, "wechat", a.appid, openid, profile, clock.now_unix_ms());
        });
        Json extra = {{"provider", "wechat"}, {"openid", openid}, {"appid", a.appid}};
        if (j->contains("unionid")) extra["unionid"] = (*j)["unionid"];
        return Json{
            {"token", issue_token(uid, extra)},
            {"tokenType", "Bearer"},
            {"expiresIn", jwtc.expires_in_s},
            {"user", {{"id", uid}, {"provider", "wechat"}, {"openid", openid}, {"new", user.value("new", false)}}}};
    }

    auto alipay_call = [&](const std::string& method, core::Params extra, const std::string& node) -> Outcome<Json> {
        core::Params params = {{"app_id", a.app_id},
                               {"method", method},
                               {"charset", "utf-8"},
                               {"sign_type", "RSA2"},
                               {"timestamp", core::format_datetime(clock.now())},
                               {"version", "1.0"}};
        params.insert(params.end(), extra.begin(), extra.end());
        auto sig = alipay::sign(a.app_private_key, alipay::SignType::kRSA2, alipay::request_sign_content(params));
        if (!sig) return alipay_signing_failed(sig.error().message);
        params.emplace_back("sign", *sig);
        core::HttpRequest rq;
        rq.method = "POST";
        rq.url = base + "/gateway.do";
        rq.headers = {{"Content-Type", "application/x-www-form-urlencoded;charset=utf-8"}};
        rq.body = core::build_form(params);
        rq.timeout = std::chrono::milliseconds(5000);
        auto rs = send_unheld(http, rq);
        if (!rs) return alipay_unreachable(rs.error().message);
        for (const std::string& n : {node, std::string("error_response")}) {
            auto text = alipay::extract_signed_node(rs->body, n);
            if (!text) continue;
            auto j = core::parse_json(rs->body);
            if (!j || !j->contains("sign")) break;
            if (!alipay::verify(a.alipay_public_key, alipay::SignType::kRSA2, *text, (*j)["sign"].get<std::string>()))
                return alipay_bad_signature();
            return Json((*j)[n]);
        }
        return alipay_unexpected_reply(rs->status, rs->body);
    };

    if (a.type == ActionType::kAlipayLogin) {
        std::string code = body_string(call, {"authCode", "auth_code", "code"});
        if (code.empty()) return alipay_code_missing();
        auto node = alipay_call("alipay.system.oauth.token", {{"grant_type", "authorization_code"}, {"code", code}},
                                "alipay_system_oauth_token_response");
        if (!node) return node.error();
        if (node->contains("sub_code") || (!node->contains("user_id") && !node->contains("open_id")))
            return alipay_login_failed(*node);
        std::string user_id = node->value("user_id", "");
        std::string open_id = node->value("open_id", "");
        std::string subject = user_id.empty() ? open_id : user_id;
        std::string uid = "alipay:" + subject;
        Json profile = {{"app_id", a.app_id}};
        Json extra = {{"provider", "alipay"}, {"app_id", a.app_id}};
        if (!user_id.empty()) profile["user_id"] = extra["alipay_user_id"] = user_id;
        if (!open_id.empty()) profile["open_id"] = extra["alipay_open_id"] = open_id;
        Json user = ctx_->db().write([&](state::Conn& c) {
            return Users(c).upsert(uid, "alipay", a.app_id, subject, profile, clock.now_unix_ms());
        });
        return Json{
            {"token", issue_token(uid, extra)},
            {"tokenType", "Bearer"},
            {"expiresIn", jwtc.expires_in_s},
            {"user", {{"id", uid}, {"provider", "alipay"}, {"userId", subject}, {"new", user.value("new", false)}}}};
    }

    const Collection* orders = call.cfg.collection(a.collection);
    if (a.type == ActionType::kWechatPayJsapi || a.type == ActionType::kAlipayTrade) {
        if (!call.claims) return login_required();
        std::string order_id = call.params.count("id") ? call.params["id"] : body_string(call, {"orderId", "order_id"});
        if (order_id.empty()) return order_not_named();
        auto row = ctx_->db().read([&](state::Conn& c) { return Store(c, orders->name).get(order_id); });
        if (!row) return no_row(orders->name, "id", order_id);
        std::string sub = call.claims->value("sub", "");
        if (orders->owned && row->owner != sub) return order_not_owned();
        const Json* status = row->data.contains(a.status_field) ? &row->data[a.status_field] : nullptr;
        if (status && *status == a.paid_value) return order_paid(order_id);
        const Json* amount = row->data.contains(a.amount_field) ? &row->data[a.amount_field] : nullptr;
        if (!amount || !amount->is_number_integer() || amount->get<long long>() <= 0)
            return order_not_payable(a.amount_field);
        long long total = amount->get<long long>();
        std::string subject =
            row->data.contains(a.subject_field) ? to_text(row->data[a.subject_field]) : "Order " + order_id;
        std::string out_trade_no = core::format_compact(clock.now()) + ids.digits(8);
        std::string notify_url = base + a.notify_path;

        if (a.type == ActionType::kWechatPayJsapi) {
            std::string openid = call.claims->value("openid", "");
            if (openid.empty()) return wechat_login_required();
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
            if (!authorization) return wechatpay_signing_failed(authorization.error().message);
            core::HttpRequest rq;
            rq.method = "POST";
            rq.url = base + path;
            rq.body = body;
            rq.headers = {{"Content-Type", "application/json"},
                          {"Accept", "application/json"},
                          {"User-Agent", "mpemu-backend"},
                          {"Authorization", *authorization}};
            rq.timeout = std::chrono::milliseconds(5000);
            auto rs = send_unheld(http, rq);
            if (!rs) return wechatpay_unreachable(rs.error().message);
            auto j = core::parse_json(rs->body);
            if (rs->status != 200 || !j || !j->contains("prepay_id")) return wechatpay_rejected(rs->status, rs->body);
            std::string prepay_id = (*j)["prepay_id"].get<std::string>();
            std::string pts = std::to_string(core::Clock::wall_unix());
            std::string pnonce = ids.base62(32);
            std::string package = "prepay_id=" + prepay_id;
            auto pay_sig = wechatpay::protocol::sign(
                a.merchant_key, wechatpay::protocol::pay_sign_message(a.appid, pts, pnonce, package));
            if (!pay_sig) return pay_sign_failed(pay_sig.error().message);
            ctx_->db().write([&](state::Conn& c) {
                Store store(c, orders->name);
                store.put_payment("wechatpay", out_trade_no, order_id, clock.now_unix_ms());
                if (auto r = store.get(order_id)) {
                    r->data["payment"] = {
                        {"provider", "wechatpay"}, {"outTradeNo", out_trade_no}, {"status", "pending"}};
                    store.update(order_id, r->data, clock.now_unix_ms());
                }
            });
            return Json{{"orderId", row->data.value(orders->id_field, Json(order_id))},
                        {"outTradeNo", out_trade_no},
                        {"appId", a.appid},
                        {"requestPayment",
                         {{"timeStamp", pts},
                          {"nonceStr", pnonce},
                          {"package", package},
                          {"signType", "RSA"},
                          {"paySign", *pay_sig}}}};
        }
        // Alipay trade.create
        std::string buyer_id = call.claims->value("alipay_user_id", "");
        std::string buyer_open_id = call.claims->value("alipay_open_id", "");
        if (buyer_id.empty() && buyer_open_id.empty()) return alipay_login_required();
        core::OrderedJson biz;
        biz["out_trade_no"] = out_trade_no;
        biz["total_amount"] = alipay::format_amount(total);
        biz["subject"] = subject;
        if (!buyer_id.empty())
            biz["buyer_id"] = buyer_id;
        else
            biz["buyer_open_id"] = buyer_open_id;
        biz["product_code"] = "JSAPI_PAY";
        auto node = alipay_call("alipay.trade.create", {{"notify_url", notify_url}, {"biz_content", core::dump(biz)}},
                                "alipay_trade_create_response");
        if (!node) return node.error();
        if (node->value("code", "") != "10000" || !node->contains("trade_no")) return alipay_trade_failed(*node);
        std::string trade_no = (*node)["trade_no"].get<std::string>();
        ctx_->db().write([&](state::Conn& c) {
            Store store(c, orders->name);
            store.put_payment("alipay", out_trade_no, order_id, clock.now_unix_ms());
            if (auto r = store.get(order_id)) {
                r->data["payment"] = {
                    {"provider", "alipay"}, {"outTradeNo", out_trade_no}, {"tradeNo", trade_no}, {"status", "pending"}};
                store.update(order_id, r->data, clock.now_unix_ms());
            }
        });
        return Json{{"orderId", row->data.value(orders->id_field, Json(order_id))},
                    {"outTradeNo", out_trade_no},
                    {"tradeNO", trade_no}};
    }
    // Notify actions are served by wechatpay_notify and alipay_notify: an unset Outcome is a failure.
    return Outcome<Json>{};
}

namespace {

// Marks the order paid once (re-checked inside the transaction); false when out_trade_no is unknown.
bool mark_paid(emulator::ServiceContext& ctx, const Action& a, const std::string& provider,
               const std::string& out_trade_no, const std::string& transaction_id) {
    auto& clock = ctx.clock();
    return ctx.db().write([&](state::Conn& c) -> bool {
        auto p = Store::payment(c, provider, out_trade_no);
        if (!p) return false;
        if (p->status == "paid") return true;
        Store store(c, p->collection);
        store.mark_paid(provider, out_trade_no, transaction_id, clock.now_unix_ms());
        if (auto r = store.get(p->row_id)) {
            r->data[a.status_field] = a.paid_value;
            r->data["payment"] = {{"provider", provider},
                                  {"outTradeNo", out_trade_no},
                                  {"transactionId", transaction_id},
                                  {"status", "paid"},
                                  {"paidAt", core::format_rfc3339(clock.now())}};
            store.update(p->row_id, r->data, clock.now_unix_ms());
        }
        return true;
    });
}

}  // namespace

Outcome<void> Backend::wechatpay_notify(Call& call, const Route& route) {
    const Action& a = route.action;
    const std::string* ts = call.req.header("Wechatpay-Timestamp");
    const std::string* nonce = call.req.header("Wechatpay-Nonce");
    const std::string* sig = call.req.header("Wechatpay-Signature");
    const std::string* serial = call.req.header("Wechatpay-Serial");
    if (!ts || !nonce || !sig || !serial) return notify_headers_missing();
    const crypto::Key* key = nullptr;
    for (const auto& [s, k] : a.platform_keys) {
        if (core::iequals(s, *serial)) key = &k;
    }
    if (!key) return notify_unknown_serial(*serial);
    if (!wechatpay::protocol::verify(*key, wechatpay::protocol::response_message(*ts, *nonce, call.req.body), *sig))
        return notify_bad_signature();
    if (!call.body.is_json || !call.body.value.contains("resource")) return notify_no_resource();
    const Json& res = call.body.value["resource"];
    const std::string ciphertext = res.value("ciphertext", "");
    // Checked first so that a malformed ciphertext is named as such even when the key is wrong too.
    if (!crypto::base64_decode(ciphertext)) return notify_bad_base64();
    auto plain =
        wechatpay::protocol::decrypt(a.apiv3_key, res.value("nonce", ""), res.value("associated_data", ""), ciphertext);
    if (!plain) return notify_undecryptable();
    auto tx = core::parse_json(*plain);
    if (!tx || !tx->is_object()) return notify_not_json();
    if (tx->value("trade_state", "") == "SUCCESS") {
        if (!mark_paid(*ctx_, a, "wechatpay", tx->value("out_trade_no", ""), tx->value("transaction_id", "")))
            return notify_unknown_trade(tx->value("out_trade_no", ""));
    }
    return Outcome<void>::success();
}

// Alipay notify: form-encoded, signed over every parameter but sign and sign_type.
Outcome<void> Backend::alipay_notify(Call& call, const Route& route) {
    const Action& a = route.action;
    core::Params form = core::parse_query(call.req.body);
    const std::string* sign = core::find_param(form, "sign");
    if (!sign) return alipay_notify_unsigned();
    if (!alipay::verify(a.alipay_public_key, alipay::SignType::kRSA2, alipay::notify_sign_content(form), *sign)) {
        ctx_->log().warn("backend.alipay_notify.bad_signature", {{"route", route.name}});
        return alipay_notify_bad_signature();
    }
    const std::string* st = core::find_param(form, "trade_status");
    const std::string* otn = core::find_param(form, "out_trade_no");
    const std::string* tn = core::find_param(form, "trade_no");
    if (st && otn && (*st == "TRADE_SUCCESS" || *st == "TRADE_FINISHED")) {
        if (!mark_paid(*ctx_, a, "alipay", *otn, tn ? *tn : "")) return alipay_notify_unknown_trade(*otn);
    }
    return Outcome<void>::success();
}

}  // namespace mpemu::backend
