// WeChat Pay API v2 rules (see service_v2.hpp). Orders and refunds live in the v3 store with
// api_version "v2"; every state change runs in one write transaction that re-reads its row.
#include "emulator/wechatpay/service_v2.hpp"

#include <algorithm>
#include <cstdio>

#include "core/crypto.hpp"
#include "core/time_format.hpp"
#include "core/url.hpp"

namespace mpemu::wechatpay {

using core::Json;
using v2::Answer;
using v2::Call;
using v2::Params;
namespace fail = v2::fail;

namespace {

constexpr long long kMinute = 60 * 1000;
constexpr long long kDay = 24 * 60 * kMinute;
constexpr long long kPrepayValidMs = 2 * 60 * kMinute;
constexpr long long kNoExpiry = 4102444800000LL;  // 2100-01-01: v2 orders without time_expire stay NOTPAY
constexpr int kMaxRefundsPerOrder = 50;
constexpr int kRefundQueryPage = 10;
constexpr const char* kDefaultRefundAccount = "REFUND_SOURCE_UNSETTLED_FUNDS";

bool paid(const std::string& s) {
    return s == "SUCCESS" || s == "REFUND";
}

std::string trade_state_desc(const std::string& s) {
    if (s == "SUCCESS") return "支付成功";
    if (s == "REFUND") return "订单发生过退款，退款详情请查询退款单";
    if (s == "NOTPAY") return "订单未支付";
    if (s == "CLOSED") return "订单已关闭";
    if (s == "USERPAYING") return "用户支付中";
    if (s == "PAYERROR") return "支付失败，请重新下单支付";
    return s;
}

// v3 refund status -> v2 refund_status.
std::string refund_status_v2(const std::string& s) {
    if (s == "ABNORMAL") return "CHANGE";
    if (s == "CLOSED") return "REFUNDCLOSE";
    return s;  // PROCESSING, SUCCESS
}

std::string refund_account_of(const RefundRow& r) {
    return r.funds_account.rfind("REFUND_SOURCE_", 0) == 0 ? r.funds_account : kDefaultRefundAccount;
}

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
std::optional<v2::Failure> check_lengths(const Params& p,
                                         std::initializer_list<std::pair<const char*, long long>> limits) {
    for (const auto& [field, max] : limits) {
        const std::string* v = p.get(field);
        if (!v) continue;
        long long n = utf8_chars_bmp(*v);
        if (n < 0) return fail::format(field);
        if (n > max) return fail::length(field);
    }
    return std::nullopt;
}

std::optional<v2::Failure> check_required(const Params& p, std::initializer_list<const char*> fields) {
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

const Merchant* WechatPayV2::merchant(const std::string& mch_id) const {
    auto cfg = pay_.config();
    const Merchant* m = cfg ? cfg->find(mch_id) : nullptr;
    return m && !m->api_v2_key.empty() ? m : nullptr;
}

std::string WechatPayV2::sandbox_key(const Merchant& m) {
    return core::crypto::md5_hex("mpemu-sandbox:" + m.mchid + ":" + m.api_v2_key);
}

bool WechatPayV2::apply_expiry(OrderRow& o, long long now) const {
    if (o.api_version != "v2") return pay_.apply_expiry(o, now);
    if (o.state != "NOTPAY" && o.state != "USERPAYING") return false;
    if (now <= o.time_expire_ms) return false;
    o.state = "CLOSED";
    o.updated_ms = now;
    return true;
}

// ---- unifiedorder (§5) ---------------------------------------------------------------------------

Answer WechatPayV2::unified_order(const Call& call) {
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
    if (trade_type == "JSAPI" && !p.has("openid")) return fail::param_error("JSAPI支付必须传openid");
    if (trade_type == "NATIVE" && !p.has("product_id")) return fail::param_error("NATIVE支付必须传product_id");

    const long long now = ctx_->clock().now_unix_ms();
    long long expire_ms = kNoExpiry;
    if ((v = p.get("time_expire"))) {
        expire_ms = core::to_unix_ms(*core::parse_compact(*v));
        if (expire_ms < now + kMinute) return fail::invalid_request("time_expire时间过短，刷卡至少1分钟，其他5分钟");
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

    return ctx_->db().write([&](state::Conn& c) -> Answer {
        auto reply = [&](const OrderRow& row) -> Answer {
            Params out{{"prepay_id", row.prepay_id}, {"trade_type", row.trade_type}};
            if (row.trade_type == "NATIVE") out.set("code_url", row.code_url);
            if (row.trade_type == "MWEB") {
                out.set("mweb_url", "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=" + row.prepay_id +
                                        "&package=" + std::to_string(1000000000 + row.id));
            }
            return out;
        };
        if (auto e = Store::find_order(c, m.mchid, o.out_trade_no)) {
            if (apply_expiry(*e, now)) Store::save_order(c, *e);
            if (paid(e->state)) return fail::order_paid();
            if (e->state == "CLOSED") return fail::order_closed();
            if (e->params != params) return fail::out_trade_no_used();
            if (now - e->prepay_ms >= kPrepayValidMs) {
                e->prepay_id = new_prepay_id(*ctx_, now);
                e->prepay_ms = now;
                e->updated_ms = now;
                Store::save_order(c, *e);
            }
            return reply(*e);
        }
        o.created_ms = now;
        o.updated_ms = now;
        o.prepay_id = new_prepay_id(*ctx_, now);
        o.prepay_ms = now;
        if (trade_type == "NATIVE") o.code_url = "weixin://wxpay/bizpayurl?pr=" + ctx_->ids().base62(7);
        o.id = Store::insert_order(c, o);
        return reply(o);
    });
}

// ---- orderquery (§6) / closeorder (§7) -----------------------------------------------------------

Answer WechatPayV2::order_query(const Call& call) {
    const Params& p = call.params;
    const std::string* txid = p.get("transaction_id");
    const std::string* no = p.get("out_trade_no");
    if (!txid && !no) return fail::param_error();
    auto row = ctx_->db().read([&](state::Conn& c) {
        return txid ? Store::find_order_by_transaction(c, call.merchant->mchid, *txid)
                    : Store::find_order(c, call.merchant->mchid, *no);
    });
    if (!row) return fail::order_not_exist();
    OrderRow& o = *row;
    apply_expiry(o, ctx_->clock().now_unix_ms());  // shown; persisted by the next write
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
    out.set("trade_state_desc", trade_state_desc(o.state));
    return out;
}

Answer WechatPayV2::close_order(const Call& call) {
    if (auto f = check_required(call.params, {"out_trade_no"})) return *f;
    const std::string no = *call.params.get("out_trade_no");
    return ctx_->db().write([&](state::Conn& c) -> Answer {
        auto o = Store::find_order(c, call.merchant->mchid, no);
        if (!o) return fail::order_not_exist();
        const long long now = ctx_->clock().now_unix_ms();
        if (apply_expiry(*o, now)) Store::save_order(c, *o);
        if (paid(o->state)) return fail::order_paid("订单已支付");
        if (o->state == "CLOSED") return fail::order_closed();
        o->state = "CLOSED";
        o->updated_ms = now;
        Store::save_order(c, *o);
        return Params{{"result_msg", "OK"}};
    });
}

// ---- refund (§8) / refundquery (§9) --------------------------------------------------------------

Answer WechatPayV2::refund(const Call& call) {
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
    if ((v = p.get("refund_account")) && *v != kDefaultRefundAccount && *v != "REFUND_SOURCE_RECHARGE_FUNDS") {
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
    return ctx_->db().write([&](state::Conn& c) -> Answer {
        std::optional<OrderRow> o =
            txid ? Store::find_order_by_transaction(c, m.mchid, *txid) : Store::find_order(c, m.mchid, *no);
        if (o && txid && no && o->out_trade_no != *no) o.reset();
        if (auto existing = Store::find_refund(c, m.mchid, out_refund_no)) {
            // The idempotency key: the same numbers answer the same refund; anything else is refused.
            bool same_order = o && o->id == existing->order_id;
            if (!same_order || existing->refund != refund_fee || existing->total != total)
                return fail::amount_mismatch();
            return reply(*existing);
        }
        if (!o) return txid ? fail::invalid_transaction_id() : fail::order_not_exist();
        if (!paid(o->state)) return fail::order_not_exist();
        if (total != o->total) return fail::amount_mismatch();
        const long long now = ctx_->clock().now_unix_ms();
        if (Store::refunded_amount(c, o->id) + refund_fee > o->total)
            return fail::invalid_request("退款金额大于支付金额");
        if (Store::list_refunds(c, m.mchid, o->out_trade_no, kMaxRefundsPerOrder + 1).size() >= kMaxRefundsPerOrder) {
            return fail::invalid_request("订单退款次数超过限制");
        }
        RefundRow r;
        r.out_refund_no = out_refund_no;
        r.api_version = "v2";
        r.refund = refund_fee;
        r.reason = p.get_or("refund_desc");
        r.notify_url = p.get_or("notify_url");
        r.funds_account = p.get_or("refund_account", kDefaultRefundAccount);
        return reply(pay_.record_refund(c, m, *o, r, now));
    });
}

Answer WechatPayV2::refund_query(const Call& call) {
    const Params& p = call.params;
    const std::string& mchid = call.merchant->mchid;
    long long offset = 0;
    if (const std::string* v = p.get("offset"); v && *v != "0" && !parse_fen(*v, &offset))
        return fail::format("offset");
    if (!p.has("refund_id") && !p.has("out_refund_no") && !p.has("transaction_id") && !p.has("out_trade_no")) {
        return fail::param_error();
    }
    pay_.settle_due_refunds();
    struct Found {
        std::optional<OrderRow> order;
        std::vector<RefundRow> refunds;  // creation order
        bool by_order = false;
        bool bad_transaction = false;
    };
    Found f = ctx_->db().read([&](state::Conn& c) {
        Found out;
        std::optional<RefundRow> one;
        if (const std::string* id = p.get("refund_id")) {
            for (auto& r : Store::list_refunds(c, mchid, "", 1000000)) {
                if (r.refund_id == *id) one = r;
            }
        } else if (const std::string* orn = p.get("out_refund_no")) {
            one = Store::find_refund(c, mchid, *orn);
        } else if (const std::string* txid = p.get("transaction_id")) {
            out.order = Store::find_order_by_transaction(c, mchid, *txid);
            out.bad_transaction = !out.order;
            out.by_order = true;
        } else if (const std::string* no = p.get("out_trade_no")) {
            out.order = Store::find_order(c, mchid, *no);
            out.by_order = true;
        }
        if (one) {
            out.order = Store::find_order_by_id(c, one->order_id);
            out.refunds.push_back(*one);
        } else if (out.order) {
            out.refunds = Store::list_refunds(c, mchid, out.order->out_trade_no, kMaxRefundsPerOrder + 10);
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
        out.set("refund_status" + s, refund_status_v2(r.status));
        out.set("refund_account" + s, refund_account_of(r));
        out.set("refund_recv_accout" + s, r.user_received_account);
        if (r.status == "SUCCESS")
            out.set("refund_success_time" + s, core::format_datetime(core::from_unix_ms(r.success_ms)));
    }
    return out;
}

// ---- downloadbill (§10) --------------------------------------------------------------------------

v2::Bill WechatPayV2::download_bill(const Call& call) {
    const Params& p = call.params;
    v2::Bill bill;
    auto refuse = [&](std::string msg, std::string code) {
        bill.return_msg = std::move(msg);
        bill.error_code = std::move(code);
        return bill;
    };
    const std::string date = p.get_or("bill_date");
    auto day = date.size() == 8 ? core::parse_compact(date + "000000") : std::nullopt;
    if (!day) return refuse("invalid bill_date", "20001");
    const std::string type = p.get_or("bill_type", "ALL");
    if (type != "ALL" && type != "SUCCESS" && type != "REFUND" && type != "RECHARGE_REFUND") {
        return refuse("invalid bill_type", "20001");
    }
    if (p.has("tar_type")) return refuse("invalid tar_type, mpemu emulates only the plain text bill", "20001");
    const long long start = core::to_unix_ms(*day), end = start + kDay;
    const long long now = ctx_->clock().now_unix_ms();
    // Bills for day D exist from 09:00 on D+1 (Beijing) for about three months.
    if (now < end + 9 * 60 * kMinute || now - start > 92 * kDay) return refuse("No Bill Exist", "20002");

    const std::string& mchid = call.merchant->mchid;
    struct Rows {
        std::vector<OrderRow> orders;
        std::vector<std::pair<RefundRow, OrderRow>> refunds;
    };
    Rows rows = ctx_->db().read([&](state::Conn& c) {
        Rows out;
        if (type == "ALL" || type == "SUCCESS") {
            for (auto& o : Store::list_orders(c, mchid, "", 1000000)) {
                if (paid(o.state) && o.success_ms >= start && o.success_ms < end) out.orders.push_back(o);
            }
        }
        if (type != "SUCCESS") {
            for (auto& r : Store::list_refunds(c, mchid, "", 1000000)) {
                bool recharge = r.funds_account == "REFUND_SOURCE_RECHARGE_FUNDS";
                if (type == "RECHARGE_REFUND" && !recharge) continue;
                if (r.created_ms < start || r.created_ms >= end) continue;
                if (auto o = Store::find_order_by_id(c, r.order_id)) out.refunds.emplace_back(r, *o);
            }
        }
        std::reverse(out.orders.begin(), out.orders.end());
        std::reverse(out.refunds.begin(), out.refunds.end());
        return out;
    });
    if (rows.orders.empty() && rows.refunds.empty()) return refuse("No Bill Exist", "20002");

    auto line = [](const std::vector<std::string>& cells) {
        std::string s;
        for (size_t i = 0; i < cells.size(); ++i) s += (i ? ",`" : "`") + cells[i];
        return s + "\r\n";
    };
    auto ts = [](long long ms) { return core::format_datetime(core::from_unix_ms(ms)); };
    const bool refunds_only = type == "REFUND" || type == "RECHARGE_REFUND";
    std::string head =
        "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
        "货币种类,应结订单金额,代金券金额,";
    if (type == "ALL") head += "微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,";
    if (refunds_only)
        head += "退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,";
    head += "商品名称,商户数据包,手续费,费率,订单金额";
    if (type != "SUCCESS") head += ",申请退款金额";
    head += ",费率备注\r\n";
    std::string text = head;
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
                     {r.refund_id, r.out_refund_no, yuan(r.refund), "0.00", r.channel, refund_status_v2(r.status)});
        cells.insert(cells.end(),
                     {o.description, o.attach, yuan(-fee_of(r.refund)), "0.60%", "0.00", yuan(r.refund), ""});
        text += line(cells);
        ++count;
        refunded += r.refund;
        applied += r.refund;
        fees -= fee_of(r.refund);
    }
    text += "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n";
    text +=
        line({std::to_string(count), yuan(settled), yuan(refunded), "0.00", yuan(fees), yuan(ordered), yuan(applied)});
    bill.ok = true;
    bill.text = std::move(text);
    return bill;
}

// ---- notifications (§12, §13) --------------------------------------------------------------------

core::Result<core::HttpRequest> WechatPayV2::render_notification(const state::OutboxMessage& msg) {
    const Merchant* m = merchant(msg.tenant);
    if (!m)
        return core::make_error("merchant", "merchant " + msg.tenant + " has no API v2 key in the loaded fixture set");
    auto payload = core::parse_json(msg.payload);
    if (!payload || !payload->is_object())
        return core::make_error("payload", "notification payload is not a JSON object");
    const Json& j = *payload;
    auto s = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
    auto order = ctx_->db().read([&](state::Conn& c) { return Store::find_order(c, msg.tenant, s("out_trade_no")); });
    if (!order) return core::make_error("order", "order " + s("out_trade_no") + " is gone (reset?)");
    Params x;
    if (msg.event == "TRANSACTION.SUCCESS") {
        Json extra = extra_of(*order);
        v2::SignType type = v2::SignType::kMd5;
        v2::parse_sign_type(extra_str(extra, "sign_type"), &type);
        const std::string total = std::to_string(j["amount"].value("total", 0LL));
        auto success = core::parse_rfc3339(s("success_time"));
        x = Params{{"appid", s("appid")},
                   {"attach", s("attach")},
                   {"bank_type", s("bank_type")},
                   {"cash_fee", total},
                   {"device_info", extra_str(extra, "device_info")},
                   {"fee_type", "CNY"},
                   {"is_subscribe", "N"},
                   {"mch_id", m->mchid},
                   {"nonce_str", ctx_->ids().hex(32)},
                   {"openid", j.contains("payer") ? j["payer"].value("openid", "") : ""},
                   {"out_trade_no", s("out_trade_no")},
                   {"result_code", "SUCCESS"},
                   {"return_code", "SUCCESS"},
                   {"sign", ""},
                   {"sign_type", type == v2::SignType::kHmacSha256 ? "HMAC-SHA256" : ""},
                   {"time_end", success ? core::format_compact(*success) : ""},
                   {"total_fee", total},
                   {"trade_type", s("trade_type")},
                   {"transaction_id", s("transaction_id")}};
        x.set("sign", v2::sign(x, m->api_v2_key, type));
    } else {
        auto refund =
            ctx_->db().read([&](state::Conn& c) { return Store::find_refund(c, msg.tenant, s("out_refund_no")); });
        if (!refund) return core::make_error("refund", "refund " + s("out_refund_no") + " is gone (reset?)");
        const RefundRow& r = *refund;
        auto success = core::parse_rfc3339(s("success_time"));
        Params info{{"out_refund_no", r.out_refund_no},
                    {"out_trade_no", r.out_trade_no},
                    {"refund_account", refund_account_of(r)},
                    {"refund_fee", std::to_string(r.refund)},
                    {"refund_id", r.refund_id},
                    {"refund_recv_accout", r.user_received_account},
                    {"refund_request_source", "API"},
                    {"refund_status", refund_status_v2(s("refund_status"))},
                    {"settlement_refund_fee", std::to_string(r.refund)},
                    {"settlement_total_fee", std::to_string(r.total)},
                    {"success_time", success ? core::format_datetime(*success) : ""},
                    {"total_fee", std::to_string(r.total)},
                    {"transaction_id", r.transaction_id}};
        auto req_info = v2::encrypt_req_info(v2::render_root(info), m->api_v2_key);
        if (!req_info) return req_info.error();
        x = Params{{"return_code", "SUCCESS"},
                   {"appid", order->appid},
                   {"mch_id", m->mchid},
                   {"nonce_str", ctx_->ids().base62(16)},
                   {"req_info", *req_info}};
    }
    core::HttpRequest req;
    req.method = "POST";
    req.url = msg.url;
    req.body = v2::render_xml(x);
    req.headers.emplace_back("Content-Type", "text/xml");
    req.headers.emplace_back("User-Agent", "Mozilla/4.0");
    return req;
}

void WechatPayV2::register_channel() {
    state::OutboxChannel ch;
    ch.name = kChannelV2;
    ch.retry_waits = notification_retry_waits();  // §12.5, the same schedule as v3
    ch.timeout = std::chrono::milliseconds(5000);
    ch.render = [this](const state::OutboxMessage& msg) { return render_notification(msg); };
    ch.accepted = [this](const core::HttpResponse& res, std::string* why) {
        auto cfg = pay_.config();
        return v2::notification_reply_accepted(res.status, res.body, cfg && cfg->v2_lenient_notify_replies, why);
    };
    ctx_->outbox().register_channel(std::move(ch));
}

// ---- admin pay with wx.requestPayment values (§11) ----------------------------------------------

std::optional<std::string> v2_request_payment_error(const OrderRow& o, const Merchant& m, const Json& rp) {
    auto s = [&](const char* k) {
        return rp.contains(k) && rp[k].is_string() ? rp[k].get<std::string>() : std::string();
    };
    const std::string fail = "requestPayment:fail 支付验证签名失败: ";
    v2::SignType order_type = v2::SignType::kMd5, type = v2::SignType::kMd5;
    v2::parse_sign_type(extra_str(extra_of(o), "sign_type"), &order_type);
    if (s("signType").empty() || !v2::parse_sign_type(s("signType"), &type))
        return fail + "signType must be MD5 or HMAC-SHA256";
    if (type != order_type)
        return fail + "signType is not the unifiedorder sign type (" + v2::sign_type_name(order_type) + ")";
    if (rp.contains("appId") && s("appId") != o.appid) return fail + "appId is not the order's appid";
    if (s("timeStamp").empty() || s("nonceStr").empty() || s("nonceStr").size() > 32) {
        return fail + "timeStamp (string) and nonceStr (<= 32 chars) are required";
    }
    std::string want = v2::pay_sign(o.appid, s("timeStamp"), s("nonceStr"), s("package"), type, m.api_v2_key);
    if (s("paySign") != want) return fail + "paySign does not match (API v2 key, " + v2::sign_type_name(type) + ")";
    return std::nullopt;
}

}  // namespace mpemu::wechatpay
