// WeChat Pay API v3 rules (see service.hpp). Every state change runs in one write transaction that
// re-reads the row it changes, so concurrent pay/close/refund calls cannot overtake each other.
#include "emulator/wechatpay/service.hpp"

#include <algorithm>

#include "core/time_format.hpp"
#include "core/url.hpp"
#include "emulator/wechatpay/notify.hpp"
#include "emulator/wechatpay/protocol.hpp"
#include "emulator/wechatpay/protocol_h5.hpp"

namespace mpemu::wechatpay {

using core::Json;
using core::OrderedJson;

namespace {

std::string rfc3339(long long ms) {
    return core::format_rfc3339(core::from_unix_ms(ms));
}

// Admin errors carry the admin code; the status is the one admin::status_for gives it.
Failure admin_error(int status, const char* code, std::string message) {
    return Failure{status, code, std::move(message), nullptr, {}};
}

// Field checks over a parsed body, producing the spec's PARAM_ERROR bodies.
struct Fields {
    const Json& body;
    errors::RequestBody request;  // names the fields' labels in PARAM_ERROR texts

    std::string label(const std::string& pointer) const { return errors::field_label(request, pointer); }

    const Json* at(const std::string& pointer) const { return core::pointer_get(body, pointer); }

    // A string field: required/optional, max characters. Sets *err on failure.
    bool str(const std::string& pointer, size_t max_chars, bool required, std::string* out,
             std::optional<Failure>* err) const {
        const Json* v = at(pointer);
        if (!v || v->is_null()) {
            if (required) *err = errors::param_missing(pointer, label(pointer));
            return !required;
        }
        if (!v->is_string()) {
            *err = errors::param_error(pointer, "must be a string", "body", *v);
            return false;
        }
        std::string s = v->get<std::string>();
        long long n = utf8_chars_bmp(s);
        if (n < 0) {
            *err = errors::param_error(pointer, "only 1-3 byte UTF-8 characters are supported", "body", s);
            return false;
        }
        if (required && s.empty()) {
            *err = errors::param_missing(pointer, label(pointer));
            return false;
        }
        if (static_cast<size_t>(n) > max_chars) {
            *err = errors::param_error(pointer, "longer than " + std::to_string(max_chars) + " characters", "body", s);
            return false;
        }
        *out = s;
        return true;
    }

    bool integer(const std::string& pointer, bool required, long long* out, std::optional<Failure>* err) const {
        const Json* v = at(pointer);
        if (!v || v->is_null()) {
            if (required) *err = errors::param_missing(pointer, label(pointer));
            return !required;
        }
        if (!v->is_number_integer()) {
            *err = errors::param_not_int64(pointer, label(pointer), *v);
            return false;
        }
        *out = v->get<long long>();
        return true;
    }

    bool object(const std::string& pointer, bool required, std::optional<Failure>* err) const {
        const Json* v = at(pointer);
        if (!v || v->is_null()) {
            if (required) *err = errors::param_missing(pointer, label(pointer));
            return !required;
        }
        if (!v->is_object()) {
            *err = errors::param_error(pointer, "must be an object", "body", *v);
            return false;
        }
        return true;
    }
};

Outcome<Json> parse_body(const std::string& raw) {
    auto j = core::parse_json(raw);
    if (!j) return errors::param_error("/", "request body is not valid JSON: " + j.error().message, "body");
    if (!j->is_object()) return errors::param_error("/", "request body must be a JSON object", "body");
    return *j;
}

}  // namespace

// ---- wire shapes ---------------------------------------------------------------------------------

Json Api::transaction_json(const OrderRow& o) const {
    Json j;
    j["appid"] = o.appid;
    j["mchid"] = o.mchid;
    j["out_trade_no"] = o.out_trade_no;
    j["trade_state"] = o.state;
    j["trade_state_desc"] = protocol::trade_state_desc(o.state);
    j["promotion_detail"] = Json::array();
    Json extra = core::parse_json(o.extra).value_or(Json::object());
    if (extra.contains("scene_info") && extra["scene_info"].contains("device_id")) {
        j["scene_info"] = {{"device_id", extra["scene_info"]["device_id"]}};
    }
    if (paid(o.state)) {
        j["transaction_id"] = o.transaction_id;
        j["trade_type"] = o.trade_type;
        j["bank_type"] = o.bank_type;
        j["attach"] = o.attach;
        j["success_time"] = rfc3339(o.success_ms);
        j["payer"] = {{"openid", o.openid}};
        j["amount"] = {
            {"total", o.total}, {"payer_total", o.total}, {"currency", o.currency}, {"payer_currency", o.currency}};
    } else {
        j["amount"] = {{"total", o.total}, {"payer_currency", o.currency}};
    }
    return j;
}

Json Api::refund_json(const RefundRow& r) const {
    Json j;
    j["refund_id"] = r.refund_id;
    j["out_refund_no"] = r.out_refund_no;
    j["transaction_id"] = r.transaction_id;
    j["out_trade_no"] = r.out_trade_no;
    j["channel"] = r.channel;
    j["user_received_account"] = r.user_received_account;
    if (r.status == "SUCCESS") j["success_time"] = rfc3339(r.success_ms);
    j["create_time"] = rfc3339(r.created_ms);
    j["status"] = r.status;
    j["funds_account"] = r.funds_account;
    j["amount"] = {{"total", r.total},
                   {"refund", r.refund},
                   {"from", Json::array()},
                   {"payer_total", r.total},
                   {"payer_refund", r.refund},
                   {"settlement_refund", r.refund},
                   {"settlement_total", r.total},
                   {"discount_refund", 0},
                   {"currency", r.currency}};
    j["promotion_detail"] = Json::array();
    return j;
}

// ---- orders --------------------------------------------------------------------------------------

Outcome<Json> Api::create_order(const Merchant& m, const std::string& trade_type, const std::string& raw_body,
                                const std::string& h5_origin) {
    auto parsed = parse_body(raw_body);
    if (!parsed.ok()) return parsed.error();
    const Json& body = parsed.value();
    Fields f{body, errors::RequestBody::kOrder};
    std::optional<Failure> err;
    OrderRow o;
    o.trade_type = trade_type;
    std::string mchid, time_expire, goods_tag;
    long long total = 0;
    bool ok = f.str("/appid", 32, true, &o.appid, &err) && f.str("/mchid", 32, true, &mchid, &err) &&
              f.str("/description", 127, true, &o.description, &err) &&
              f.str("/out_trade_no", 32, true, &o.out_trade_no, &err) &&
              f.str("/time_expire", 64, false, &time_expire, &err) && f.str("/attach", 128, false, &o.attach, &err) &&
              f.str("/notify_url", 255, true, &o.notify_url, &err) &&
              f.str("/goods_tag", 32, false, &goods_tag, &err) && f.object("/amount", true, &err) &&
              f.integer("/amount/total", true, &total, &err);
    if (!ok) return *err;
    std::string currency = "CNY";
    if (!f.str("/amount/currency", 16, false, &currency, &err)) return *err;
    if (currency.empty()) currency = "CNY";
    if (currency != "CNY") return errors::param_error("/amount/currency", "Currency code is invalid", "body", currency);
    if (total < 1) return errors::param_error("/amount/total", "must be at least 1 (fen)", "body", total);
    if (trade_type == "JSAPI") {
        if (!f.object("/payer", true, &err) || !f.str("/payer/openid", 128, true, &o.openid, &err)) {
            return *err;
        }
    }
    if (!valid_out_trade_no(o.out_trade_no)) {
        return errors::param_error("/out_trade_no", "6-32 characters of [0-9A-Za-z_-|*]", "body", o.out_trade_no);
    }
    {
        auto u = core::parse_url(o.notify_url);
        if (!u || o.notify_url.find('?') != std::string::npos) {
            return errors::param_error("/notify_url", "must be an absolute http(s) URL without a query string", "body",
                                       o.notify_url);
        }
    }
    // Nested objects: detail, scene_info (required for H5: the payer's IP and h5_info), settle_info.
    const bool h5 = trade_type == "MWEB";
    if (!f.object("/detail", false, &err) || !f.object("/scene_info", h5, &err) ||
        !f.object("/settle_info", false, &err)) {
        return *err;
    }
    std::string tmp;
    long long num = 0;
    if (f.at("/scene_info") && f.at("/scene_info")->is_object()) {
        if (!f.str("/scene_info/payer_client_ip", 45, true, &tmp, &err) ||
            !f.str("/scene_info/device_id", 32, false, &tmp, &err)) {
            return *err;
        }
        if (f.object("/scene_info/store_info", false, &err) && f.at("/scene_info/store_info")) {
            if (!f.str("/scene_info/store_info/id", 32, true, &tmp, &err) ||
                !f.str("/scene_info/store_info/name", 256, false, &tmp, &err) ||
                !f.str("/scene_info/store_info/area_code", 32, false, &tmp, &err) ||
                !f.str("/scene_info/store_info/address", 512, false, &tmp, &err)) {
                return *err;
            }
        } else if (err) {
            return *err;
        }
        if (!f.object("/scene_info/h5_info", h5, &err)) return *err;
        if (h5) {
            std::string type;
            if (!f.str("/scene_info/h5_info/type", 32, true, &type, &err) ||
                !f.str("/scene_info/h5_info/app_name", 64, false, &tmp, &err) ||
                !f.str("/scene_info/h5_info/app_url", 128, false, &tmp, &err) ||
                !f.str("/scene_info/h5_info/bundle_id", 128, false, &tmp, &err) ||
                !f.str("/scene_info/h5_info/package_name", 128, false, &tmp, &err)) {
                return *err;
            }
            if (type != "iOS" && type != "Android" && type != "Wap") {
                return errors::param_error("/scene_info/h5_info/type", "must be one of iOS, Android, Wap", "body",
                                           type);
            }
        }
    }
    if (f.at("/detail") && f.at("/detail")->is_object()) {
        if (!f.integer("/detail/cost_price", false, &num, &err) ||
            !f.str("/detail/invoice_id", 32, false, &tmp, &err)) {
            return *err;
        }
        if (const Json* gd = f.at("/detail/goods_detail")) {
            if (!gd->is_array()) return errors::param_error("/detail/goods_detail", "must be an array", "body", *gd);
            for (size_t i = 0; i < gd->size(); ++i) {
                std::string p = "/detail/goods_detail/" + std::to_string(i);
                if (!f.str(p + "/merchant_goods_id", 32, true, &tmp, &err) ||
                    !f.str(p + "/wechatpay_goods_id", 32, false, &tmp, &err) ||
                    !f.str(p + "/goods_name", 256, false, &tmp, &err) ||
                    !f.integer(p + "/quantity", true, &num, &err) || !f.integer(p + "/unit_price", true, &num, &err)) {
                    return *err;
                }
            }
        }
    }
    if (const Json* lp = f.at("/limit_pay")) {
        if (!lp->is_array()) return errors::param_error("/limit_pay", "must be an array", "body", *lp);
    }
    if (mchid != m.mchid) {
        return errors::param_error("/mchid", "mchid does not match the Authorization mchid", "body", mchid);
    }
    if (!m.has_appid(o.appid)) return errors::appid_mchid_not_match();

    const long long now = ctx().clock().now_unix_ms();
    if (!time_expire.empty()) {
        auto t = core::parse_rfc3339(time_expire);
        if (!t) return errors::param_error("/time_expire", "not an RFC 3339 time", "body", time_expire);
        o.time_expire_ms = core::to_unix_ms(*t);
    }
    o.mchid = m.mchid;
    o.total = total;
    o.currency = currency;
    Json canonical = body;
    o.params = trade_type + "|" + core::dump(canonical);
    Json extra = Json::object();
    for (const char* k : {"scene_info", "detail", "settle_info", "goods_tag", "limit_pay", "support_fapiao"}) {
        if (body.contains(k)) extra[k] = body[k];
    }
    o.extra = core::dump(extra);

    return ctx().db().write([&](state::Conn& c) -> Outcome<Json> {
        auto reply = [&](const OrderRow& row) -> Json {
            if (row.trade_type == "NATIVE") return Json{{"code_url", row.code_url}};
            if (row.trade_type == "MWEB") return Json{{"h5_url", protocol::h5_url(h5_origin, row.prepay_id)}};
            return Json{{"prepay_id", row.prepay_id}};
        };
        // An H5 link lasts 5 minutes; re-entry with the same parameters then hands out a fresh one.
        const long long prepay_valid = h5 ? kH5LinkValidMs : kPrepayValidMs;
        Store store(c, m.mchid);
        auto existing = store.order(o.out_trade_no);
        if (existing) {
            OrderRow& e = *existing;
            if (orders_.apply_expiry(e, now)) store.save_order(e);
            if (paid(e.state)) return errors::order_paid();
            if (e.state == "CLOSED") return errors::order_closed();
            if (e.params != o.params) {
                // Only time_expire differing: the re-entry check's own message.
                Json a = core::parse_json(e.params.substr(e.params.find('|') + 1)).value_or(Json::object());
                Json b = canonical;
                a.erase("time_expire");
                b.erase("time_expire");
                if (e.params.substr(0, e.params.find('|')) == trade_type && a == b) return errors::reentry_mismatch();
                return errors::out_trade_no_used();
            }
            if (now > e.time_expire_ms) return errors::order_expired();
            if (now - e.prepay_ms >= prepay_valid) {
                e.prepay_id = "wx" + core::format_compact(core::from_unix_ms(now)) + ctx().ids().hex(20);
                e.prepay_ms = now;
                e.updated_ms = now;
                store.save_order(e);
            }
            return reply(e);
        }
        o.created_ms = now;
        o.updated_ms = now;
        if (o.time_expire_ms == 0) {
            o.time_expire_ms = now + 7 * kDay;
        } else {
            o.time_expire_ms = std::clamp(o.time_expire_ms, now + kMinute, now + 90 * kDay);
        }
        o.prepay_id = "wx" + core::format_compact(core::from_unix_ms(now)) + ctx().ids().hex(20);
        o.prepay_ms = now;
        if (trade_type == "NATIVE") o.code_url = "weixin://wxpay/bizpayurl?pr=" + ctx().ids().base62(9);
        o.id = store.insert_order(o);
        return reply(o);
    });
}

Outcome<Json> Api::query_order(const Merchant& m, const std::string& by, const std::string& key,
                               const std::string* mchid_param) {
    if (!mchid_param || mchid_param->empty()) return errors::param_error("mchid", "mchid is required", "query");
    if (*mchid_param != m.mchid) {
        return errors::param_error("mchid", "mchid does not match the Authorization mchid", "query", *mchid_param);
    }
    if (by == "out-trade-no" && !valid_out_trade_no(key)) {
        return errors::param_error("out_trade_no", "6-32 characters of [0-9A-Za-z_-|*]", "path", key);
    }
    orders_.settle_due_refunds();
    auto row = ctx().db().read([&](state::Conn& c) {
        Store store(c, m.mchid);
        return by == "id" ? store.order_by_transaction(key) : store.order(key);
    });
    if (!row) return errors::order_not_exist();
    orders_.apply_expiry(*row, ctx().clock().now_unix_ms());  // shown; persisted by the next write
    return transaction_json(*row);
}

Outcome<bool> Api::close_order(const Merchant& m, const std::string& out_trade_no, const std::string& raw_body) {
    auto parsed = parse_body(raw_body);
    if (!parsed.ok()) return parsed.error();
    Fields f{parsed.value(), errors::RequestBody::kClose};
    std::optional<Failure> err;
    std::string mchid;
    if (!f.str("/mchid", 32, true, &mchid, &err)) return *err;
    if (mchid != m.mchid)
        return errors::param_error("/mchid", "mchid does not match the Authorization mchid", "body", mchid);
    if (!valid_out_trade_no(out_trade_no)) {
        return errors::param_error("out_trade_no", "6-32 characters of [0-9A-Za-z_-|*]", "path", out_trade_no);
    }
    return ctx().db().write([&](state::Conn& c) -> Outcome<bool> {
        Store store(c, m.mchid);
        auto o = store.order(out_trade_no);
        if (!o) return errors::order_not_exist();
        if (orders_.apply_expiry(*o, ctx().clock().now_unix_ms())) store.save_order(*o);
        if (paid(o->state)) return errors::order_paid();
        if (o->state == "CLOSED") return true;  // idempotent
        o->state = "CLOSED";
        o->updated_ms = ctx().clock().now_unix_ms();
        store.save_order(*o);
        return true;
    });
}

// ---- refunds -------------------------------------------------------------------------------------

Outcome<Json> Api::create_refund(const Merchant& m, const std::string& raw_body) {
    auto parsed = parse_body(raw_body);
    if (!parsed.ok()) return parsed.error();
    const Json& body = parsed.value();
    Fields f{body, errors::RequestBody::kRefund};
    std::optional<Failure> err;
    std::string transaction_id, out_trade_no, out_refund_no, reason, notify_url, funds_account, currency;
    long long refund = 0, total = 0;
    bool ok = f.str("/transaction_id", 32, false, &transaction_id, &err) &&
              f.str("/out_trade_no", 32, false, &out_trade_no, &err) &&
              f.str("/out_refund_no", 64, true, &out_refund_no, &err) && f.str("/reason", 80, false, &reason, &err) &&
              f.str("/notify_url", 256, false, &notify_url, &err) &&
              f.str("/funds_account", 32, false, &funds_account, &err) && f.object("/amount", true, &err) &&
              f.integer("/amount/refund", true, &refund, &err) && f.integer("/amount/total", true, &total, &err) &&
              f.str("/amount/currency", 16, true, &currency, &err);
    if (!ok) return *err;
    if (transaction_id.empty() && out_trade_no.empty()) {
        return errors::param_error("/out_trade_no", "one of transaction_id and out_trade_no is required", "body");
    }
    if (!valid_out_refund_no(out_refund_no)) {
        return errors::param_error("/out_refund_no", "1-64 characters of [0-9A-Za-z_-|*@]", "body", out_refund_no);
    }
    if (currency != "CNY") return errors::param_error("/amount/currency", "Currency code is invalid", "body", currency);
    if (refund < 1) return errors::param_error("/amount/refund", "must be at least 1 (fen)", "body", refund);
    if (!notify_url.empty()) {
        auto u = core::parse_url(notify_url);
        if (!u) return errors::param_error("/notify_url", "must be an absolute http(s) URL", "body", notify_url);
    }
    if (!funds_account.empty() && funds_account != "AVAILABLE") {
        return errors::param_error("/funds_account", "only AVAILABLE is accepted", "body", funds_account);
    }
    auto result = ctx().db().write([&](state::Conn& c) -> Outcome<Json> {
        Store store(c, m.mchid);
        if (auto existing = store.refund(out_refund_no)) return refund_json(*existing);
        std::optional<OrderRow> o =
            !transaction_id.empty() ? store.order_by_transaction(transaction_id) : store.order(out_trade_no);
        if (o && !transaction_id.empty() && !out_trade_no.empty() && o->out_trade_no != out_trade_no) o.reset();
        if (!o || !paid(o->state)) return errors::resource_not_exists();
        const long long now = ctx().clock().now_unix_ms();
        if (total != o->total) return errors::refund_amount_mismatch();
        if (now - o->success_ms > 365 * kDay) return errors::refund_period_over();
        if (store.refunded_amount(o->id) + refund > o->total) return errors::refund_exceeds_paid();
        if (store.refund_count(o->id) >= kMaxRefundsPerOrder) return errors::refund_count_exceeded();
        if (m.balance >= 0 && store.held_refunds() + refund > m.balance) return errors::not_enough();
        RefundRow r;
        r.out_refund_no = out_refund_no;
        r.api_version = "v3";
        r.refund = refund;
        r.currency = currency;
        r.reason = reason;
        r.notify_url = notify_url;
        return refund_json(orders_.record_refund(c, m, *o, r, now));
    });
    return result;
}

Outcome<Json> Api::query_refund(const Merchant& m, const std::string& out_refund_no) {
    if (!valid_out_refund_no(out_refund_no)) {
        return errors::param_error("out_refund_no", "1-64 characters of [0-9A-Za-z_-|*@]", "path", out_refund_no);
    }
    orders_.settle_due_refunds();
    auto r = ctx().db().read([&](state::Conn& c) { return Store(c, m.mchid).refund(out_refund_no); });
    if (!r) return errors::refund_not_exists();
    return refund_json(*r);
}

Outcome<Json> Api::certificates(const Merchant& m) {
    if (m.platform_mode == "public_key" || m.platform_cert_pem.empty()) return errors::no_platform_certificate();
    OrderedJson data = OrderedJson::array();
    if (!m.platform_cert_pem.empty()) {
        protocol::EncryptedResource r;
        r.nonce = ctx().ids().hex(12);
        r.associated_data = "certificate";
        auto ct = protocol::encrypt(m.apiv3_key, r.nonce, r.associated_data, m.platform_cert_pem);
        if (ct) {
            r.ciphertext = *ct;
            OrderedJson item;
            item["serial_no"] = m.platform_serial;
            item["effective_time"] = core::format_rfc3339(core::from_unix(m.platform_cert_not_before));
            item["expire_time"] = core::format_rfc3339(core::from_unix(m.platform_cert_not_after));
            item["encrypt_certificate"] = protocol::render_encrypted_certificate(r);
            data.push_back(item);
        }
    }
    OrderedJson out;
    out["data"] = data;
    return Json::parse(core::dump(out));
}

// ---- admin ---------------------------------------------------------------------------------------

Outcome<Json> Api::admin_pay(const std::string& out_trade_no, const Json& body) {
    std::string result = body.value("result", "SUCCESS");
    if (result != "SUCCESS" && result != "PAYERROR" && result != "USERPAYING") {
        return admin_error(400, "bad_request", "result must be SUCCESS, PAYERROR or USERPAYING");
    }
    std::string mchid = body.contains("mchid") && body["mchid"].is_string() ? body["mchid"].get<std::string>() : "";
    auto cfg = orders_.config();
    return ctx().db().write([&](state::Conn& c) -> Outcome<Json> {
        std::optional<OrderRow> o;
        if (!mchid.empty()) {
            o = Store(c, mchid).order(out_trade_no);
        } else {
            auto all = Store::orders_numbered(c, out_trade_no);
            if (all.size() > 1) {
                return admin_error(409, "conflict",
                                   "several merchants have order " + out_trade_no + "; give \"mchid\"");
            }
            if (!all.empty()) o = all.front();
        }
        if (!o) return admin_error(404, "not_found", "no WeChat Pay order " + out_trade_no);
        const Merchant* m = cfg ? cfg->find(o->mchid) : nullptr;
        if (!m) return admin_error(404, "not_found", "merchant " + o->mchid + " is not in the fixture set");
        Store store(c, o->mchid);
        const long long now = ctx().clock().now_unix_ms();
        if (orders_.apply_expiry(*o, now)) store.save_order(*o);
        if (paid(o->state))
            return admin_error(409, "conflict", "order " + out_trade_no + " is already paid (" + o->state + ")");
        if (o->state == "CLOSED") return admin_error(409, "conflict", "order " + out_trade_no + " is closed");
        if (o->state == "REVOKED") return admin_error(409, "conflict", "order " + out_trade_no + " was reversed");
        if (o->state == "PAYERROR")
            return admin_error(409, "conflict", "order " + out_trade_no + " failed payment (PAYERROR)");
        if (now > o->time_expire_ms) {
            return admin_error(409, "conflict", "order " + out_trade_no + " expired at " + rfc3339(o->time_expire_ms));
        }
        const bool has_rp = body.contains("request_payment") && !body["request_payment"].is_null();
        const bool has_ap = body.contains("app_payment") && !body["app_payment"].is_null();
        if (has_rp && has_ap) return admin_error(400, "bad_request", "give request_payment or app_payment, not both");
        if (has_rp && o->trade_type == "APP") {
            return admin_error(400, "bad_request",
                               "order " + out_trade_no +
                                   " is an APP order: pay it with app_payment, the app's "
                                   "parameter set (appid, partnerid, prepayid, package, noncestr, timestamp, sign)");
        }
        if (has_ap && o->trade_type != "APP") {
            return admin_error(400, "bad_request",
                               "app_payment is for APP orders; order " + out_trade_no + " is " + o->trade_type);
        }
        if (has_rp) {
            const Json& rp = body["request_payment"];
            auto s = [&](const char* k) {
                return rp.contains(k) && rp[k].is_string() ? rp[k].get<std::string>() : std::string();
            };
            if (!rp.is_object()) return admin_error(400, "bad_request", "request_payment must be an object");
            if (s("package") != "prepay_id=" + o->prepay_id) {
                return admin_error(400, "bad_request",
                                   "request_payment.package is not prepay_id=<the order's prepay_id>");
            }
            if (now - o->prepay_ms >= kPrepayValidMs)
                return admin_error(400, "bad_request", "prepay_id has expired (2 hours)");
            if (auto bad = orders_.request_payment_error(*o, *m, rp)) return admin_error(400, "bad_request", *bad);
        }
        if (has_ap) {
            const Json& ap = body["app_payment"];
            if (!ap.is_object()) return admin_error(400, "bad_request", "app_payment must be an object");
            if (!ap.contains("prepayid") || ap["prepayid"] != o->prepay_id) {
                return admin_error(400, "bad_request", "app_payment.prepayid is not the order's prepay_id");
            }
            if (now - o->prepay_ms >= kPrepayValidMs)
                return admin_error(400, "bad_request", "prepay_id has expired (2 hours)");
            if (auto bad = orders_.app_payment_error(*o, *m, ap)) return admin_error(400, "bad_request", *bad);
        }
        std::string bank_type = body.contains("bank_type") && body["bank_type"].is_string()
                                    ? body["bank_type"].get<std::string>()
                                    : std::string();
        std::string openid =
            body.contains("openid") && body["openid"].is_string() ? body["openid"].get<std::string>() : std::string();
        record_result(c, *m, *o, result, bank_type, openid, now);
        Json j = transaction_json(*o);
        j["api_version"] = o->api_version;
        return j;
    });
}

void Api::record_result(state::Conn& c, const Merchant& m, OrderRow& o, const std::string& result,
                        const std::string& bank_type, const std::string& openid, long long now) {
    Store store(c, o.mchid);
    o.updated_ms = now;
    if (result != "SUCCESS") {
        o.state = result;
        store.save_order(o);
        return;
    }
    o.state = "SUCCESS";
    o.transaction_id = "4200" + ctx().ids().digits(6) + core::format_compact(core::from_unix_ms(now)).substr(0, 8) +
                       ctx().ids().digits(10);
    o.bank_type = !bank_type.empty() ? bank_type : o.api_version == "v2" ? "CFT" : "OTHERS";
    o.success_ms = now;
    if (o.openid.empty()) o.openid = !openid.empty() ? openid : "o" + ctx().ids().from_alphabet(core::kUrlSafe, 27);
    store.save_order(o);
    notify::queue_payment(ctx(), c, m, o);
}

// ---- the H5 cashier ------------------------------------------------------------------------------

Outcome<H5Cashier> Api::h5_cashier(const std::string& prepay_id, const std::string& package,
                                   const std::string& action) {
    if (!action.empty() && action != "pay" && action != "cancel" && action != "fail") {
        return errors::h5_bad_request("action must be pay, cancel or fail");
    }
    if (prepay_id.empty() || package.empty() || package != protocol::h5_package(prepay_id)) {
        return errors::h5_link_invalid("prepay_id / package missing or altered");
    }
    auto cfg = orders_.config();
    auto run = [&](state::Conn& c) -> Outcome<H5Cashier> {
        auto o = Store::order_by_prepay_id(c, prepay_id);
        if (!o || o->trade_type != "MWEB") return errors::h5_link_invalid("no H5 order has prepay_id " + prepay_id);
        const Merchant* m = cfg ? cfg->find(o->mchid) : nullptr;
        if (!m) return errors::h5_link_invalid("merchant " + o->mchid + " is not in the fixture set");
        const long long now = ctx().clock().now_unix_ms();
        Store store(c, o->mchid);
        const bool writing = action == "pay" || action == "fail";
        if (orders_.apply_expiry(*o, now) && writing) store.save_order(*o);
        H5Cashier out{*o, m->name, {}};
        const bool open = o->state == "NOTPAY" && now <= o->time_expire_ms;
        if (action.empty()) {
            // Viewing: the link itself lasts 5 minutes; a settled order shows its state without buttons.
            if (open && now - o->prepay_ms > kH5LinkValidMs) return errors::h5_link_expired();
            if (!open) out.notice = errors::h5_not_payable(o->state).message;
            out.payable = open;
            return out;
        }
        if (!open) return errors::h5_not_payable(o->state);
        if (now - o->prepay_ms >= kPrepayValidMs) return errors::h5_link_expired();
        if (action == "cancel") {
            out.notice = "已取消支付";
            out.payable = true;  // the user may change their mind on the same page
            return out;
        }
        record_result(c, *m, *o, action == "pay" ? "SUCCESS" : "PAYERROR", {}, {}, now);
        out.order = *o;
        out.notice = action == "pay" ? "支付成功" : "支付失败";
        return out;
    };
    if (action != "pay" && action != "fail") return ctx().db().read(run);
    return ctx().db().write(run);
}

Outcome<Json> Api::admin_payment_code(const Json& body) {
    auto str = [&](const char* k) {
        return body.contains(k) && body[k].is_string() ? body[k].get<std::string>() : std::string();
    };
    for (const char* k : {"openid", "mchid", "result"}) {
        if (body.contains(k) && !body[k].is_string()) {
            return admin_error(400, "bad_request", std::string(k) + " must be a string");
        }
    }
    const std::string openid = str("openid"), mchid = str("mchid");
    const std::string result = body.contains("result") ? str("result") : "SUCCESS";
    if (openid.empty() || openid.size() > 128)
        return admin_error(400, "bad_request", "openid is required (1-128 characters)");
    if (result != "SUCCESS" && result != "USERPAYING" && result != "NOTENOUGH") {
        return admin_error(400, "bad_request", "result must be SUCCESS, USERPAYING or NOTENOUGH");
    }
    auto cfg = orders_.config();
    if (!mchid.empty() && !(cfg && cfg->find(mchid))) {
        return admin_error(404, "not_found", "merchant " + mchid + " is not in the fixture set");
    }
    const long long now = ctx().clock().now_unix_ms();
    PaymentCodeRow r;
    // WeChat's payment codes: 18 digits whose first two are 10-15 (the scanner's test for a WeChat code).
    r.auth_code = std::to_string(10 + std::stoi(ctx().ids().digits(1)) % 6) + ctx().ids().digits(16);
    r.mchid = mchid;
    r.openid = openid;
    r.result = result;
    r.created_ms = now;
    r.expires_ms = now + kPaymentCodeValidMs;
    ctx().db().write([&](state::Conn& c) { Store::insert_payment_code(c, r); });
    return Json{{"auth_code", r.auth_code},
                {"openid", openid},
                {"mchid", mchid},
                {"result", result},
                {"expires_at", rfc3339(r.expires_ms)}};
}

Outcome<Json> Api::admin_refund_outcome(const std::string& out_refund_no, const Json& body) {
    std::string status = body.value("status", "");
    if (status != "SUCCESS" && status != "ABNORMAL" && status != "CLOSED") {
        return admin_error(400, "bad_request", "status must be SUCCESS, ABNORMAL or CLOSED");
    }
    std::string mchid = body.contains("mchid") && body["mchid"].is_string() ? body["mchid"].get<std::string>() : "";
    auto cfg = orders_.config();
    return ctx().db().write([&](state::Conn& c) -> Outcome<Json> {
        std::optional<RefundRow> r;
        if (!mchid.empty()) {
            r = Store(c, mchid).refund(out_refund_no);
        } else {
            auto all = Store::refunds_numbered(c, out_refund_no);
            if (all.size() > 1)
                return admin_error(409, "conflict",
                                   "several merchants have refund " + out_refund_no + "; give \"mchid\"");
            if (!all.empty()) r = all.front();
        }
        if (!r) return admin_error(404, "not_found", "no WeChat Pay refund " + out_refund_no);
        if (r->status != "PROCESSING" && r->status != "ABNORMAL") {
            return admin_error(409, "conflict", "refund " + out_refund_no + " is already " + r->status);
        }
        if (r->status == status)
            return admin_error(409, "conflict", "refund " + out_refund_no + " is already " + status);
        const long long now = ctx().clock().now_unix_ms();
        r->status = status;
        r->settle_at_ms = 0;
        if (status == "SUCCESS") r->success_ms = now;
        Store store(c, r->mchid);
        store.save_refund(*r);
        auto o = Store::order_by_id(c, r->order_id);
        if (o && status == "CLOSED" && store.refunded_amount(o->id) == 0 && o->state == "REFUND") {
            o->state = "SUCCESS";
            o->updated_ms = now;
            store.save_order(*o);
        }
        if (o) notify::queue_refund(ctx(), c, cfg ? cfg->find(r->mchid) : nullptr, *r, *o);
        return refund_json(*r);
    });
}

Json Api::admin_list_orders(const std::string& mchid, const std::string& st, int limit) {
    orders_.settle_due_refunds();
    auto rows = ctx().db().read([&](state::Conn& c) { return Store::list_orders(c, mchid, st, limit); });
    Json out = Json::array();
    const long long now = ctx().clock().now_unix_ms();
    for (auto& o : rows) {
        orders_.apply_expiry(o, now);
        Json j = transaction_json(o);
        j["api_version"] = o.api_version;
        j["prepay_id"] = o.prepay_id;
        if (!o.code_url.empty()) j["code_url"] = o.code_url;
        j["notify_url"] = o.notify_url;
        j["description"] = o.description;
        j["create_time"] = rfc3339(o.created_ms);
        j["time_expire"] = rfc3339(o.time_expire_ms);
        if (!paid(o.state)) j["trade_type"] = o.trade_type;
        out.push_back(j);
    }
    return Json{{"transactions", out}};
}

Json Api::admin_list_refunds(const std::string& mchid, const std::string& out_trade_no, int limit) {
    orders_.settle_due_refunds();
    auto rows = ctx().db().read([&](state::Conn& c) { return Store::list_refunds(c, mchid, out_trade_no, limit); });
    Json out = Json::array();
    for (const auto& r : rows) {
        Json j = refund_json(r);
        j["mchid"] = r.mchid;
        j["api_version"] = r.api_version;
        j["notify_url"] = r.notify_url;
        j["reason"] = r.reason;
        out.push_back(j);
    }
    return Json{{"refunds", out}};
}

}  // namespace mpemu::wechatpay
