// WeChat Pay API v2 rules (see service_v2.hpp). Orders and refunds live in the v3 store with
// api_version "v2"; every state change runs in one write transaction that re-reads its row.
#include "emulator/wechatpay/service_v2.hpp"

#include <algorithm>
#include <cstdio>

#include "core/time_format.hpp"
#include "core/url.hpp"

namespace mpemu::wechatpay {

using core::Json;
using v2::Answer;
using v2::Call;
using v2::Failure;
using v2::Params;
namespace fail = v2::fail;

namespace {

constexpr long long kNoExpiry = 4102444800000LL;  // 2100-01-01: v2 orders without time_expire stay NOTPAY
constexpr int kRefundQueryPage = 10;

// Integer fen: digits only, no sign, no leading zero, 1 ... 2^31-1 (§14).
bool parse_fen(const std::string& s, long long* out) {
    if (s.empty() || s.size() > 10 || s[0] == '0') return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    long long v = std::stoll(s);
    if (v > 2147483647LL) return false;
    *out = v;
    return true;
}

bool only_chars(const std::string& s, std::string_view extra) {
    for (unsigned char c : s) {
        if (!std::isalnum(c) && extra.find(static_cast<char>(c)) == std::string_view::npos) return false;
    }
    return true;
}

// Length limits of §5.1 / §8.2, counted in characters: protocol FAIL <field>参数长度有误.
std::optional<Failure> check_lengths(const Params& p, std::initializer_list<std::pair<const char*, long long>> limits) {
    for (const auto& [field, max] : limits) {
        const std::string* v = p.get(field);
        if (!v) continue;
        long long n = utf8_chars_bmp(*v);
        if (n < 0) return fail::format(field);
        if (n > max) return fail::length(field);
    }
    return std::nullopt;
}

std::optional<Failure> check_required(const Params& p, std::initializer_list<const char*> fields) {
    for (const char* f : fields) {
        if (!p.has(f)) return fail::lack_params(f);
    }
    return std::nullopt;
}

std::string yuan(long long fen) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%lld.%02lld", fen < 0 ? "-" : "", std::llabs(fen) / 100, std::llabs(fen) % 100);
    return buf;
}

// The 0.60% service fee of a trade, in fen, rounded half up.
long long fee_of(long long fen) {
    return (std::llabs(fen) * 6 + 500) / 1000 * (fen < 0 ? -1 : 1);
}

Json extra_of(const OrderRow& o) {
    return core::parse_json(o.extra).value_or(Json::object());
}

std::string extra_str(const Json& extra, const char* key) {
    return extra.contains(key) && extra[key].is_string() ? extra[key].get<std::string>() : std::string();
}

std::string new_prepay_id(emulator::ServiceContext& ctx, long long now) {
    return "wx" + core::format_compact(core::from_unix_ms(now)) + ctx.ids().hex(20);
}

}  // namespace

// ---- merchants -----------------------------------------------------------------------------------

const Merchant* ApiV2::merchant(const std::string& mch_id) const {
    auto cfg = orders_.config();
    const Merchant* m = cfg ? cfg->find(mch_id) : nullptr;
    return m && !m->api_v2_key.empty() ? m : nullptr;
}

std::string ApiV2::sandbox_key(const Merchant& m) {
    return v2::sandbox_sign_key(m.mchid, m.api_v2_key);
}

bool ApiV2::apply_expiry(OrderRow& o, long long now) const {
    if (o.api_version != "v2") return orders_.apply_expiry(o, now);
    if (o.state != "NOTPAY" && o.state != "USERPAYING") return false;
    if (now <= o.time_expire_ms) return false;
    o.state = "CLOSED";
    o.updated_ms = now;
    return true;
}

// ---- unifiedorder (§5) ---------------------------------------------------------------------------

Answer ApiV2::unified_order(const Call& call) {
    const Params& p = call.params;
    const Merchant& m = *call.merchant;
    if (auto f = check_lengths(p, {{"device_info", 32},
                                   {"body", 127},
                                   {"detail", 6000},
                                   {"attach", 127},
                                   {"out_trade_no", 32},
                                   {"spbill_create_ip", 64},
                                   {"goods_tag", 32},
                                   {"notify_url", 256},
                                   {"product_id", 32},
                                   {"openid", 128}})) {
        return *f;
    }
    long long total = 0;
    const std::string* v = nullptr;
    if ((v = p.get("out_trade_no")) && !only_chars(*v, "_-|*@")) return fail::format("out_trade_no");
    if ((v = p.get("total_fee")) && !parse_fen(*v, &total)) return fail::format("total_fee");
    if ((v = p.get("fee_type")) && *v != "CNY") return fail::format("fee_type");
    if ((v = p.get("notify_url")) && !core::parse_url(*v)) return fail::format("notify_url");
    static const char* kTypes[] = {"JSAPI", "NATIVE", "APP", "MWEB"};
    if ((v = p.get("trade_type")) && std::find(std::begin(kTypes), std::end(kTypes), *v) == std::end(kTypes)) {
        return fail::format("trade_type");
    }
    for (const char* t : {"time_start", "time_expire"}) {
        if ((v = p.get(t)) && (v->size() != 14 || !core::parse_compact(*v))) return fail::format(t);
    }
    if (auto f = check_required(p, {"body", "out_trade_no", "total_fee", "notify_url", "trade_type"})) return *f;
    const std::string trade_type = *p.get("trade_type");
    if (trade_type == "JSAPI" && !p.has("openid")) return fail::jsapi_needs_openid();
    if (trade_type == "NATIVE" && !p.has("product_id")) return fail::native_needs_product_id();

    const long long now = ctx().clock().now_unix_ms();
    long long expire_ms = kNoExpiry;
    if ((v = p.get("time_expire"))) {
        expire_ms = core::to_unix_ms(*core::parse_compact(*v));
        if (expire_ms < now + kMinute) return fail::time_expire_too_short();
    }
    // Re-entry compares every parameter except nonce_str, sign and sign_type (§5.3).
    Params canonical = p;
    canonical.erase("nonce_str");
    canonical.erase("sign_type");
    const std::string params = "v2|" + v2::string_to_sign(canonical, "");

    OrderRow o;
    o.mchid = m.mchid;
    o.out_trade_no = *p.get("out_trade_no");
    o.api_version = "v2";
    o.appid = *p.get("appid");
    o.trade_type = trade_type;
    o.description = *p.get("body");
    o.attach = p.get_or("attach");
    o.notify_url = *p.get("notify_url");
    o.total = total;
    o.openid = p.get_or("openid");
    o.params = params;
    Json extra = {{"sign_type", v2::sign_type_name(call.sign_type)}};
    for (const char* k : {"device_info", "product_id", "spbill_create_ip", "detail", "scene_info", "goods_tag",
                          "limit_pay", "time_start", "time_expire"}) {
        if (p.has(k)) extra[k] = *p.get(k);
    }
    o.extra = core::dump(extra);
    o.time_expire_ms = expire_ms;

    return ctx().db().write([&](state::Conn& c) -> Answer {
        auto reply = [&](const OrderRow& row) -> Answer {
            Params out{{"prepay_id", row.prepay_id}, {"trade_type", row.trade_type}};
            if (row.trade_type == "NATIVE") out.set("code_url", row.code_url);
            if (row.trade_type == "MWEB") {
                out.set("mweb_url", "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=" + row.prepay_id +
                                        "&package=" + std::to_string(1000000000 + row.id));
            }
            return out;
        };
        Store store(c, m.mchid);
        if (auto e = store.order(o.out_trade_no)) {
            if (apply_expiry(*e, now)) store.save_order(*e);
            if (paid(e->state)) return fail::order_paid();
            if (e->state == "CLOSED") return fail::order_closed();
            if (e->params != params) return fail::out_trade_no_used();
            if (now - e->prepay_ms >= kPrepayValidMs) {
                e->prepay_id = new_prepay_id(ctx(), now);
                e->prepay_ms = now;
                e->updated_ms = now;
                store.save_order(*e);
            }
            return reply(*e);
        }
        o.created_ms = now;
        o.updated_ms = now;
        o.prepay_id = new_prepay_id(ctx(), now);
        o.prepay_ms = now;
        if (trade_type == "NATIVE") o.code_url = "weixin://wxpay/bizpayurl?pr=" + ctx().ids().base62(7);
        o.id = store.insert_order(o);
        return reply(o);
    });
}

// ---- orderquery (§6) / closeorder (§7) -----------------------------------------------------------

Answer ApiV2::order_query(const Call& call) {
    const Params& p = call.params;
    const std::string* txid = p.get("transaction_id");
    const std::string* no = p.get("out_trade_no");
    if (!txid && !no) return fail::param_error();
    auto row = ctx().db().read([&](state::Conn& c) {
        Store store(c, call.merchant->mchid);
        return txid ? store.order_by_transaction(*txid) : store.order(*no);
    });
    if (!row) return fail::order_not_exist();
    OrderRow& o = *row;
    apply_expiry(o, ctx().clock().now_unix_ms());  // shown; persisted by the next write
    Json extra = extra_of(o);
    Params out;
    if (auto d = extra_str(extra, "device_info"); !d.empty()) out.set("device_info", d);
    if (paid(o.state)) {
        out.set("openid", o.openid);
        out.set("is_subscribe", "N");
        out.set("trade_type", o.trade_type);
        out.set("bank_type", o.bank_type);
    }
    out.set("total_fee", std::to_string(o.total));
    if (paid(o.state)) {
        out.set("fee_type", "CNY");
        out.set("cash_fee", std::to_string(o.total));
        out.set("transaction_id", o.transaction_id);
    }
    out.set("out_trade_no", o.out_trade_no);
    out.set("attach", o.attach);
    if (paid(o.state)) out.set("time_end", core::format_compact(core::from_unix_ms(o.success_ms)));
    out.set("trade_state", o.state);
    out.set("trade_state_desc", v2::trade_state_desc(o.state));
    return out;
}

Answer ApiV2::close_order(const Call& call) {
    if (auto f = check_required(call.params, {"out_trade_no"})) return *f;
    const std::string no = *call.params.get("out_trade_no");
    return ctx().db().write([&](state::Conn& c) -> Answer {
        Store store(c, call.merchant->mchid);
        auto o = store.order(no);
        if (!o) return fail::order_not_exist();
        const long long now = ctx().clock().now_unix_ms();
        if (apply_expiry(*o, now)) store.save_order(*o);
        if (paid(o->state)) return fail::order_paid_on_close();
        if (o->state == "CLOSED") return fail::order_closed();
        o->state = "CLOSED";
        o->updated_ms = now;
        store.save_order(*o);
        return Params{{"result_msg", "OK"}};
    });
}

// ---- micropay (付款码支付) / reverse (撤销订单) --------------------------------------------------------

namespace {

bool all_digits(const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

Answer ApiV2::micropay(const Call& call) {
    const Params& p = call.params;
    const Merchant& m = *call.merchant;
    if (auto f = check_lengths(p, {{"device_info", 32},
                                   {"body", 127},
                                   {"detail", 6000},
                                   {"attach", 127},
                                   {"out_trade_no", 32},
                                   {"spbill_create_ip", 64},
                                   {"goods_tag", 32},
                                   {"auth_code", 128}})) {
        return *f;
    }
    long long total = 0;
    const std::string* v = nullptr;
    if ((v = p.get("out_trade_no")) && !only_chars(*v, "_-|*@")) return fail::format("out_trade_no");
    if ((v = p.get("total_fee")) && !parse_fen(*v, &total)) return fail::format("total_fee");
    if ((v = p.get("fee_type")) && *v != "CNY") return fail::format("fee_type");
    for (const char* t : {"time_start", "time_expire"}) {
        if ((v = p.get(t)) && (v->size() != 14 || !core::parse_compact(*v))) return fail::format(t);
    }
    if (auto f = check_required(p, {"body", "out_trade_no", "total_fee", "spbill_create_ip", "auth_code"})) return *f;
    const std::string auth_code = *p.get("auth_code");
    if (auth_code.size() != 18 || !all_digits(auth_code)) return fail::auth_code_error();
    if (auth_code[0] != '1' || auth_code[1] < '0' || auth_code[1] > '5') return fail::auth_code_invalid();

    // Re-entry compares every parameter except nonce_str, sign, sign_type and the (one-time) auth_code.
    Params canonical = p;
    canonical.erase("nonce_str");
    canonical.erase("sign_type");
    canonical.erase("auth_code");
    const std::string params = "v2|" + v2::string_to_sign(canonical, "");
    const long long now = ctx().clock().now_unix_ms();

    return ctx().db().write([&](state::Conn& c) -> Answer {
        Store store(c, m.mchid);
        const std::string no = *p.get("out_trade_no");
        if (auto e = store.order(no)) {
            if (paid(e->state)) return fail::order_paid("订单已支付");
            if (e->state == "REVOKED") return fail::order_reversed();
            if (e->state == "CLOSED") return fail::order_closed();
            if (e->params != params) return fail::out_trade_no_used_micropay();
            if (e->state == "USERPAYING") return fail::user_paying();
            return fail::trade_error("支付失败，请使用新的商户订单号重新下单");  // PAYERROR
        }
        auto code = Store::payment_code(c, auth_code);
        if (!code || (!code->mchid.empty() && code->mchid != m.mchid)) return fail::auth_code_invalid();
        if (!code->used_by.empty() || now > code->expires_ms) return fail::auth_code_expired();
        Store::mark_payment_code_used(c, auth_code, m.mchid + "/" + no);
        if (code->result == "NOTENOUGH") return fail::not_enough();

        OrderRow o;
        o.mchid = m.mchid;
        o.out_trade_no = no;
        o.api_version = "v2";
        o.appid = *p.get("appid");
        o.trade_type = "MICROPAY";
        o.description = *p.get("body");
        o.attach = p.get_or("attach");
        o.total = total;
        o.openid = code->openid;
        o.params = params;
        Json extra = {{"sign_type", v2::sign_type_name(call.sign_type)}};
        for (const char* k :
             {"device_info", "spbill_create_ip", "detail", "scene_info", "goods_tag", "time_start", "time_expire"}) {
            if (p.has(k)) extra[k] = *p.get(k);
        }
        o.extra = core::dump(extra);
        o.time_expire_ms = kNoExpiry;
        o.created_ms = now;
        o.updated_ms = now;
        o.prepay_id = new_prepay_id(ctx(), now);  // internal: payment-code orders have none on the wire
        o.prepay_ms = now;
        o.state = "USERPAYING";
        if (code->result == "SUCCESS") {
            o.state = "SUCCESS";
            o.transaction_id = "4200" + ctx().ids().digits(6) +
                               core::format_compact(core::from_unix_ms(now)).substr(0, 8) + ctx().ids().digits(10);
            o.bank_type = "CFT";
            o.success_ms = now;
        }
        o.id = store.insert_order(o);
        if (o.state == "USERPAYING") return fail::user_paying();
        Params out;
        if (p.has("device_info")) out.set("device_info", *p.get("device_info"));
        out.set("openid", o.openid);
        out.set("is_subscribe", "N");
        out.set("trade_type", "MICROPAY");
        out.set("bank_type", o.bank_type);
        out.set("fee_type", "CNY");
        out.set("total_fee", std::to_string(o.total));
        out.set("cash_fee_type", "CNY");
        out.set("cash_fee", std::to_string(o.total));
        out.set("transaction_id", o.transaction_id);
        out.set("out_trade_no", o.out_trade_no);
        out.set("attach", o.attach);
        out.set("time_end", core::format_compact(core::from_unix_ms(now)));
        return out;
    });
}

Answer ApiV2::reverse(const Call& call) {
    const Params& p = call.params;
    const Merchant& m = *call.merchant;
    if (auto f = check_lengths(p, {{"transaction_id", 32}, {"out_trade_no", 32}})) return *f;
    const std::string* txid = p.get("transaction_id");
    const std::string* no = p.get("out_trade_no");
    if (!txid && !no) return fail::param_error();
    return ctx().db().write([&](state::Conn& c) -> Answer {
        Store store(c, m.mchid);
        std::optional<OrderRow> o = txid ? store.order_by_transaction(*txid) : store.order(*no);
        if (o && txid && no && o->out_trade_no != *no) o.reset();
        if (!o) return txid ? fail::invalid_transaction_id() : fail::order_not_exist();
        const long long now = ctx().clock().now_unix_ms();
        if (o->trade_type != "MICROPAY") return fail::trade_error("非付款码支付订单不可撤销，请使用关单或退款接口");
        if (now - o->created_ms > 7 * kDay) return fail::reverse_expire();
        if (o->state == "REVOKED") return Params{{"recall", "N"}};  // repeated reversal: the same answer
        if (o->state == "REFUND") return fail::trade_error("订单已发生退款，不可撤销");
        if (o->state == "SUCCESS") {
            RefundRow r;
            r.out_refund_no = "REVERSE" + o->transaction_id;
            r.api_version = "v2";
            r.refund = o->total;
            r.reason = "撤销订单";
            orders_.record_refund(c, m, *o, r, now);
        }
        o->state = "REVOKED";
        o->updated_ms = now;
        store.save_order(*o);
        return Params{{"recall", "N"}};
    });
}

// ---- 企业付款到零钱 (promotion/transfers, gettransferinfo) -----------------------------------------

namespace {

constexpr long long kMinTransferFen = 30;  // 0.30 yuan

// "2015-05-19 15:26:59" in Beijing time, as these replies show it.
std::string beijing_time(long long ms) {
    return core::format_datetime(core::from_unix_ms(ms));
}

}  // namespace

Answer ApiV2::transfer(const Call& call) {
    const Params& p = call.params;
    const Merchant& m = *call.merchant;
    if (auto f = check_lengths(p, {{"device_info", 32},
                                   {"partner_trade_no", 32},
                                   {"openid", 128},
                                   {"re_user_name", 64},
                                   {"desc", 100},
                                   {"spbill_create_ip", 32}})) {
        return *f;
    }
    long long amount = 0;
    const std::string* v = nullptr;
    if ((v = p.get("partner_trade_no")) && !only_chars(*v, "")) return fail::format("partner_trade_no");
    if ((v = p.get("amount")) && !parse_fen(*v, &amount)) return fail::format("amount");
    if ((v = p.get("check_name")) && *v != "NO_CHECK" && *v != "FORCE_CHECK") return fail::format("check_name");
    if (auto f = check_required(p, {"partner_trade_no", "openid", "check_name", "amount", "desc"})) return *f;
    if (*p.get("check_name") == "FORCE_CHECK" && !p.has("re_user_name")) return fail::transfer_name_required();
    if (amount < kMinTransferFen) return fail::transfer_amount_limit();
    Params canonical = p;
    canonical.erase("nonce_str");
    canonical.erase("sign_type");
    const std::string params = "v2|" + v2::string_to_sign(canonical, "");
    const long long now = ctx().clock().now_unix_ms();
    return ctx().db().write([&](state::Conn& c) -> Answer {
        Store store(c, m.mchid);
        auto reply = [](const TransferRow& t) -> Answer {
            return Params{{"partner_trade_no", t.out_bill_no},
                          {"payment_no", t.transfer_bill_no},
                          {"payment_time", beijing_time(t.created_ms)}};
        };
        const std::string no = *p.get("partner_trade_no");
        if (auto e = store.transfer(no)) {
            if (e->params != params) return fail::transfer_fatal_error();
            return reply(*e);  // the same request again: the same payment
        }
        if (m.balance >= 0 &&
            store.held_transfers() + store.held_batch_details() + store.held_refunds() + amount > m.balance) {
            return fail::transfer_not_enough();
        }
        TransferRow t;
        t.out_bill_no = no;
        t.transfer_bill_no = "10100" + ctx().ids().digits(5) +
                             core::format_compact(core::from_unix_ms(now)).substr(0, 8) + ctx().ids().digits(10);
        t.appid = p.get_or("mch_appid");
        t.openid = *p.get("openid");
        t.transfer_amount = amount;
        t.transfer_remark = *p.get("desc");
        t.user_name = p.get_or("re_user_name");
        t.params = params;
        Json extra = {{"api", "v2"}, {"check_name", *p.get("check_name")}};
        if (p.has("device_info")) extra["device_info"] = *p.get("device_info");
        t.extra = core::dump(extra);
        t.state = "SUCCESS";
        t.created_ms = now;
        t.updated_ms = now;
        t.id = store.insert_transfer(t);
        return reply(t);
    });
}

Answer ApiV2::transfer_info(const Call& call) {
    const Params& p = call.params;
    if (auto f = check_lengths(p, {{"partner_trade_no", 32}})) return *f;
    if (auto f = check_required(p, {"partner_trade_no"})) return *f;
    auto t = ctx().db().read(
        [&](state::Conn& c) { return Store(c, call.merchant->mchid).transfer(*p.get("partner_trade_no")); });
    if (!t || t->params.rfind("v2|", 0) != 0) return fail::transfer_not_found();
    Params out{{"partner_trade_no", t->out_bill_no},
               {"detail_id", t->transfer_bill_no},
               {"status", t->state == "SUCCESS" ? "SUCCESS"
                          : t->state == "FAIL"  ? "FAILED"
                                                : "PROCESSING"},
               {"openid", t->openid},
               {"transfer_name", t->user_name},
               {"payment_amount", std::to_string(t->transfer_amount)},
               {"transfer_time", beijing_time(t->created_ms)},
               {"payment_time", beijing_time(t->updated_ms)},
               {"desc", t->transfer_remark}};
    return out;
}

// ---- refund (§8) / refundquery (§9) --------------------------------------------------------------

Answer ApiV2::refund(const Call& call) {
    const Params& p = call.params;
    const Merchant& m = *call.merchant;
    if (auto f = check_lengths(p, {{"transaction_id", 32},
                                   {"out_trade_no", 32},
                                   {"out_refund_no", 64},
                                   {"refund_desc", 80},
                                   {"notify_url", 256}})) {
        return *f;
    }
    long long total = 0, refund_fee = 0;
    const std::string* v = nullptr;
    if ((v = p.get("out_refund_no")) && !valid_out_refund_no(*v)) return fail::format("out_refund_no");
    if ((v = p.get("total_fee")) && !parse_fen(*v, &total)) return fail::format("total_fee");
    if ((v = p.get("refund_fee")) && !parse_fen(*v, &refund_fee)) return fail::format("refund_fee");
    if ((v = p.get("refund_fee_type")) && *v != "CNY") return fail::format("refund_fee_type");
    if ((v = p.get("notify_url")) && !core::parse_url(*v)) return fail::format("notify_url");
    if ((v = p.get("refund_account")) && *v != v2::kDefaultRefundAccount && *v != "REFUND_SOURCE_RECHARGE_FUNDS") {
        return fail::format("refund_account");
    }
    if (auto f = check_required(p, {"out_refund_no", "total_fee", "refund_fee"})) return *f;
    const std::string* txid = p.get("transaction_id");
    const std::string* no = p.get("out_trade_no");
    if (!txid && !no) return fail::param_error();
    const std::string out_refund_no = *p.get("out_refund_no");

    auto reply = [](const RefundRow& r) -> Answer {
        return Params{{"transaction_id", r.transaction_id},
                      {"out_trade_no", r.out_trade_no},
                      {"out_refund_no", r.out_refund_no},
                      {"refund_id", r.refund_id},
                      {"refund_fee", std::to_string(r.refund)},
                      {"total_fee", std::to_string(r.total)},
                      {"cash_fee", std::to_string(r.total)},
                      {"cash_refund_fee", std::to_string(r.refund)},
                      {"coupon_refund_fee", "0"},
                      {"coupon_refund_count", "0"}};
    };
    return ctx().db().write([&](state::Conn& c) -> Answer {
        Store store(c, m.mchid);
        std::optional<OrderRow> o = txid ? store.order_by_transaction(*txid) : store.order(*no);
        if (o && txid && no && o->out_trade_no != *no) o.reset();
        if (auto existing = store.refund(out_refund_no)) {
            // The idempotency key: the same numbers answer the same refund; anything else is refused.
            bool same_order = o && o->id == existing->order_id;
            if (!same_order || existing->refund != refund_fee || existing->total != total)
                return fail::amount_mismatch();
            return reply(*existing);
        }
        if (!o) return txid ? fail::invalid_transaction_id() : fail::order_not_exist();
        if (!paid(o->state)) return fail::order_not_exist();
        if (total != o->total) return fail::amount_mismatch();
        const long long now = ctx().clock().now_unix_ms();
        if (store.refunded_amount(o->id) + refund_fee > o->total) return fail::refund_exceeds_paid();
        if (store.refund_count(o->id) >= kMaxRefundsPerOrder) return fail::refund_count_exceeded();
        RefundRow r;
        r.out_refund_no = out_refund_no;
        r.api_version = "v2";
        r.refund = refund_fee;
        r.reason = p.get_or("refund_desc");
        r.notify_url = p.get_or("notify_url");
        r.funds_account = p.get_or("refund_account", std::string(v2::kDefaultRefundAccount));
        return reply(orders_.record_refund(c, m, *o, r, now));
    });
}

Answer ApiV2::refund_query(const Call& call) {
    const Params& p = call.params;
    const std::string& mchid = call.merchant->mchid;
    long long offset = 0;
    if (const std::string* v = p.get("offset"); v && *v != "0" && !parse_fen(*v, &offset))
        return fail::format("offset");
    if (!p.has("refund_id") && !p.has("out_refund_no") && !p.has("transaction_id") && !p.has("out_trade_no")) {
        return fail::param_error();
    }
    orders_.settle_due_refunds();
    struct Found {
        std::optional<OrderRow> order;
        std::vector<RefundRow> refunds;  // creation order
        bool by_order = false;
        bool bad_transaction = false;
    };
    Found f = ctx().db().read([&](state::Conn& c) {
        Store store(c, mchid);
        Found out;
        std::optional<RefundRow> one;
        if (const std::string* id = p.get("refund_id")) {
            for (auto& r : store.refunds("", 1000000)) {
                if (r.refund_id == *id) one = r;
            }
        } else if (const std::string* orn = p.get("out_refund_no")) {
            one = store.refund(*orn);
        } else if (const std::string* txid = p.get("transaction_id")) {
            out.order = store.order_by_transaction(*txid);
            out.bad_transaction = !out.order;
            out.by_order = true;
        } else if (const std::string* no = p.get("out_trade_no")) {
            out.order = store.order(*no);
            out.by_order = true;
        }
        if (one) {
            out.order = Store::order_by_id(c, one->order_id);
            out.refunds.push_back(*one);
        } else if (out.order) {
            out.refunds = store.refunds(out.order->out_trade_no, kMaxRefundsPerOrder + 10);
            std::reverse(out.refunds.begin(), out.refunds.end());
        }
        return out;
    });
    if (f.bad_transaction) return fail::invalid_transaction_id();
    if (!f.order || f.refunds.empty()) return fail::refund_not_exist();
    const long long total_count = static_cast<long long>(f.refunds.size());
    if (f.by_order && offset >= total_count) return fail::param_error();
    if (!f.by_order) offset = 0;
    const OrderRow& o = *f.order;
    Params out{{"transaction_id", o.transaction_id},
               {"out_trade_no", o.out_trade_no},
               {"total_fee", std::to_string(o.total)},
               {"cash_fee", std::to_string(o.total)},
               {"fee_type", "CNY"}};
    if (f.by_order) out.set("total_refund_count", std::to_string(total_count));
    const long long n = std::min<long long>(kRefundQueryPage, total_count - offset);
    out.set("refund_count", std::to_string(n));
    for (long long i = 0; i < n; ++i) {
        const RefundRow& r = f.refunds[static_cast<size_t>(offset + i)];
        const std::string s = "_" + std::to_string(i);
        out.set("out_refund_no" + s, r.out_refund_no);
        out.set("refund_id" + s, r.refund_id);
        out.set("refund_channel" + s, r.channel);
        out.set("refund_fee" + s, std::to_string(r.refund));
        out.set("settlement_refund_fee" + s, std::to_string(r.refund));
        out.set("refund_status" + s, v2::refund_status(r.status));
        out.set("refund_account" + s, v2::refund_account(r.funds_account));
        out.set("refund_recv_accout" + s, r.user_received_account);
        if (r.status == "SUCCESS")
            out.set("refund_success_time" + s, core::format_datetime(core::from_unix_ms(r.success_ms)));
    }
    return out;
}

// ---- downloadbill (§10) --------------------------------------------------------------------------

v2::Outcome<std::string> ApiV2::download_bill(const Call& call) {
    const Params& p = call.params;
    const std::string date = p.get_or("bill_date");
    auto day = date.size() == 8 ? core::parse_compact(date + "000000") : std::nullopt;
    if (!day) return fail::bill_invalid("bill_date");
    const std::string type = p.get_or("bill_type", "ALL");
    if (type != "ALL" && type != "SUCCESS" && type != "REFUND" && type != "RECHARGE_REFUND") {
        return fail::bill_invalid("bill_type");
    }
    if (p.has("tar_type")) return fail::bill_tar_type();
    const long long start = core::to_unix_ms(*day), end = start + kDay;
    const long long now = ctx().clock().now_unix_ms();
    // Bills for day D exist from 09:00 on D+1 (Beijing) for about three months.
    if (now < end + 9LL * 60 * kMinute || now - start > 92 * kDay) return fail::no_bill();

    const std::string& mchid = call.merchant->mchid;
    struct Rows {
        std::vector<OrderRow> orders;
        std::vector<std::pair<RefundRow, OrderRow>> refunds;
    };
    Rows rows = ctx().db().read([&](state::Conn& c) {
        Store store(c, mchid);
        Rows out;
        if (type == "ALL" || type == "SUCCESS") {
            for (auto& o : store.orders("", 1000000)) {
                if (paid(o.state) && o.success_ms >= start && o.success_ms < end) out.orders.push_back(o);
            }
        }
        if (type != "SUCCESS") {
            for (auto& r : store.refunds("", 1000000)) {
                bool recharge = r.funds_account == "REFUND_SOURCE_RECHARGE_FUNDS";
                if (type == "RECHARGE_REFUND" && !recharge) continue;
                if (r.created_ms < start || r.created_ms >= end) continue;
                if (auto o = Store::order_by_id(c, r.order_id)) out.refunds.emplace_back(r, *o);
            }
        }
        std::reverse(out.orders.begin(), out.orders.end());
        std::reverse(out.refunds.begin(), out.refunds.end());
        return out;
    });
    if (rows.orders.empty() && rows.refunds.empty()) return fail::no_bill();

    auto line = [](const std::vector<std::string>& cells) { return v2::bill_line(cells); };
    auto ts = [](long long ms) { return core::format_datetime(core::from_unix_ms(ms)); };
    const bool refunds_only = type == "REFUND" || type == "RECHARGE_REFUND";
    std::string text = v2::bill_header(type);
    long long settled = 0, refunded = 0, fees = 0, ordered = 0, applied = 0, count = 0;
    auto order_cells = [&](const OrderRow& o, const std::string& state, long long when) {
        return std::vector<std::string>{
            ts(when),         o.appid,        o.mchid,  "0",          extra_str(extra_of(o), "device_info"),
            o.transaction_id, o.out_trade_no, o.openid, o.trade_type, state,
            o.bank_type,      "CNY"};
    };
    for (const auto& o : rows.orders) {
        auto cells = order_cells(o, "SUCCESS", o.success_ms);
        cells.insert(cells.end(), {yuan(o.total), "0.00"});
        if (type == "ALL") cells.insert(cells.end(), {"0", "0", "0.00", "0.00", "", ""});
        cells.insert(cells.end(), {o.description, o.attach, yuan(fee_of(o.total)), "0.60%", yuan(o.total)});
        if (type != "SUCCESS") cells.push_back("0.00");
        cells.push_back("");
        text += line(cells);
        ++count;
        settled += o.total;
        ordered += o.total;
        fees += fee_of(o.total);
    }
    for (const auto& [r, o] : rows.refunds) {
        auto cells = order_cells(o, "REFUND", refunds_only ? o.success_ms : r.created_ms);
        cells.insert(cells.end(), {"0.00", "0.00"});
        if (refunds_only) cells.insert(cells.end(), {ts(r.created_ms), r.success_ms ? ts(r.success_ms) : ""});
        cells.insert(cells.end(),
                     {r.refund_id, r.out_refund_no, yuan(r.refund), "0.00", r.channel, v2::refund_status(r.status)});
        cells.insert(cells.end(),
                     {o.description, o.attach, yuan(-fee_of(r.refund)), "0.60%", "0.00", yuan(r.refund), ""});
        text += line(cells);
        ++count;
        refunded += r.refund;
        applied += r.refund;
        fees -= fee_of(r.refund);
    }
    text += v2::bill_totals_header();
    text +=
        line({std::to_string(count), yuan(settled), yuan(refunded), "0.00", yuan(fees), yuan(ordered), yuan(applied)});
    return text;
}

}  // namespace mpemu::wechatpay
