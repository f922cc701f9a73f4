// The rules API v3 and v2 share over the same orders and refunds (see orders.hpp).
#include "emulator/wechatpay/orders.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "core/time_format.hpp"
#include "emulator/wechatpay/errors_v2.hpp"
#include "emulator/wechatpay/notify.hpp"
#include "emulator/wechatpay/protocol.hpp"
#include "emulator/wechatpay/protocol_v2.hpp"

namespace mpemu::wechatpay {

using core::Json;

namespace {

bool allowed_chars(const std::string& s, std::string_view extra) {
    for (unsigned char c : s) {
        if (std::isalnum(c)) continue;
        if (extra.find(static_cast<char>(c)) == std::string_view::npos) return false;
    }
    return true;
}

}  // namespace

bool valid_out_trade_no(const std::string& s) {
    return s.size() >= 6 && s.size() <= 32 && allowed_chars(s, "_-|*");
}
bool valid_out_refund_no(const std::string& s) {
    return !s.empty() && s.size() <= 64 && allowed_chars(s, "_-|*@");
}

long long utf8_chars_bmp(const std::string& s) {
    long long n = 0;
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 0;
        if (len == 0 || i + len > s.size()) return -1;
        for (size_t k = 1; k < len; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return -1;
        }
        i += len;
        ++n;
    }
    return n;
}

std::shared_ptr<const FixtureConfig> Orders::config() const {
    auto set = ctx_->fixtures();
    if (!set) return nullptr;
    auto cfg = set->section<FixtureConfig>("wechatpay");
    if (!cfg) return nullptr;
    // Keep the set alive as long as the section is used.
    return std::shared_ptr<const FixtureConfig>(set, cfg.get());
}

bool Orders::apply_expiry(OrderRow& o, long long now) const {
    if (o.state != "NOTPAY" && o.state != "USERPAYING") return false;
    auto cfg = config();
    bool closed = now > std::max(o.created_ms + 7 * kDay, o.time_expire_ms) ||
                  (now > o.time_expire_ms && cfg && cfg->expired_state == "CLOSED");
    if (!closed) return false;
    o.state = "CLOSED";
    o.updated_ms = now;
    return true;
}

RefundRow Orders::record_refund(state::Conn& c, const Merchant& m, OrderRow& o, RefundRow r, long long now) {
    const long long delay = config() ? config()->refund_delay_ms : 0;
    Store store(c, m.mchid);
    r.mchid = m.mchid;
    r.order_id = o.id;
    r.out_trade_no = o.out_trade_no;
    r.transaction_id = o.transaction_id;
    r.refund_id = "50" + ctx_->ids().digits(9) + core::format_compact(core::from_unix_ms(now)).substr(0, 8) +
                  ctx_->ids().digits(10);
    r.total = o.total;
    r.status = "PROCESSING";
    r.created_ms = now;
    r.settle_at_ms = now + delay;
    r.id = store.insert_refund(r);
    RefundRow recorded = r;
    o.state = "REFUND";
    o.updated_ms = now;
    store.save_order(o);
    if (delay == 0) {
        r.status = "SUCCESS";
        r.success_ms = now;
        store.save_refund(r);
        notify::queue_refund(*ctx_, c, &m, r, o);
    }
    return recorded;
}

void Orders::settle_due_refunds() {
    if (!ctx_) return;
    auto cfg = config();
    const long long now = ctx_->clock().now_unix_ms();
    bool any = ctx_->db().read([&](state::Conn& c) { return !Store::due_refunds(c, now).empty(); });
    if (!any) return;
    ctx_->db().write([&](state::Conn& c) {
        for (auto r : Store::due_refunds(c, now)) {
            r.status = "SUCCESS";
            r.success_ms = std::max(r.settle_at_ms, r.created_ms);
            Store(c, r.mchid).save_refund(r);
            auto o = Store::order_by_id(c, r.order_id);
            if (o) notify::queue_refund(*ctx_, c, cfg ? cfg->find(r.mchid) : nullptr, r, *o);
        }
    });
}

std::optional<std::string> Orders::request_payment_error(const OrderRow& o, const Merchant& m, const Json& rp) const {
    auto s = [&](const char* k) {
        return rp.contains(k) && rp[k].is_string() ? rp[k].get<std::string>() : std::string();
    };
    if (o.api_version == "v2") {
        v2::SignType order_type = v2::SignType::kMd5, type = v2::SignType::kMd5;
        Json extra = core::parse_json(o.extra).value_or(Json::object());
        std::string ordered = extra.contains("sign_type") && extra["sign_type"].is_string()
                                  ? extra["sign_type"].get<std::string>()
                                  : std::string();
        v2::parse_sign_type(ordered, &order_type);
        if (s("signType").empty() || !v2::parse_sign_type(s("signType"), &type))
            return v2::request_payment_fail(std::string("signType must be ") + v2::sign_type_name(v2::SignType::kMd5) +
                                            " or " + v2::sign_type_name(v2::SignType::kHmacSha256));
        if (type != order_type) {
            return v2::request_payment_fail("signType is not the unifiedorder sign type (" +
                                            std::string(v2::sign_type_name(order_type)) + ")");
        }
        if (rp.contains("appId") && s("appId") != o.appid)
            return v2::request_payment_fail("appId is not the order's appid");
        if (s("timeStamp").empty() || s("nonceStr").empty() || s("nonceStr").size() > 32) {
            return v2::request_payment_fail("timeStamp (string) and nonceStr (<= 32 chars) are required");
        }
        std::string want = v2::pay_sign(o.appid, s("timeStamp"), s("nonceStr"), s("package"), type, m.api_v2_key);
        if (s("paySign") != want) {
            return v2::request_payment_fail("paySign does not match (API v2 key, " +
                                            std::string(v2::sign_type_name(type)) + ")");
        }
        return std::nullopt;
    }
    if (s("signType") != "RSA") return "request_payment.signType must be RSA";
    if (rp.contains("appId") && s("appId") != o.appid) return "request_payment.appId is not the order's appid";
    if (s("timeStamp").empty() || s("nonceStr").empty() || s("nonceStr").size() > 32) {
        return "request_payment needs timeStamp (string) and nonceStr (<= 32)";
    }
    std::string msg = protocol::pay_sign_message(o.appid, s("timeStamp"), s("nonceStr"), s("package"));
    if (!protocol::verify(m.merchant_public_key, msg, s("paySign"))) {
        return "paySign does not verify with the merchant's key";
    }
    return std::nullopt;
}

std::optional<std::string> Orders::app_payment_error(const OrderRow& o, const Merchant& m, const Json& ap) const {
    auto s = [&](const char* k) {
        return ap.contains(k) && ap[k].is_string() ? ap[k].get<std::string>() : std::string();
    };
    // The WeChat SDK takes every value as a string; a number (timestamp) is a client-side mistake.
    for (const char* k : {"appid", "partnerid", "prepayid", "package", "noncestr", "timestamp", "sign"}) {
        if (!ap.contains(k) || !ap[k].is_string() || ap[k].get<std::string>().empty()) {
            return std::string("app_payment.") + k + " is required (a non-empty string)";
        }
    }
    if (s("appid") != o.appid) return "app_payment.appid is not the order's appid";
    if (s("partnerid") != o.mchid) return "app_payment.partnerid is not the order's mchid";
    if (s("package") != "Sign=WXPay") return "app_payment.package must be Sign=WXPay";
    if (s("noncestr").size() > 32) return "app_payment.noncestr is longer than 32 characters";
    const std::string ts = s("timestamp");
    if (ts.size() != 10 || ts.find_first_not_of("0123456789") != std::string::npos) {
        return "app_payment.timestamp must be 10 digits (seconds, not milliseconds)";
    }
    if (o.api_version == "v2") {
        v2::SignType type = v2::SignType::kMd5;
        Json extra = core::parse_json(o.extra).value_or(Json::object());
        if (extra.contains("sign_type") && extra["sign_type"].is_string()) {
            v2::parse_sign_type(extra["sign_type"].get<std::string>(), &type);
        }
        v2::Params p{{"appid", s("appid")},         {"noncestr", s("noncestr")}, {"package", s("package")},
                     {"partnerid", s("partnerid")}, {"prepayid", s("prepayid")}, {"timestamp", ts}};
        if (!core::iequals(s("sign"), v2::sign(p, m.api_v2_key, type))) {
            return "app_payment.sign does not match (API v2 key, " + std::string(v2::sign_type_name(type)) +
                   " over appid, noncestr, package, partnerid, prepayid, timestamp)";
        }
        return std::nullopt;
    }
    std::string msg = protocol::app_pay_sign_message(s("appid"), ts, s("noncestr"), s("prepayid"));
    if (!protocol::verify(m.merchant_public_key, msg, s("sign"))) {
        return "app_payment.sign does not verify with the merchant's key (SHA256withRSA over "
               "appid\\ntimestamp\\nnoncestr\\nprepayid\\n)";
    }
    return std::nullopt;
}

}  // namespace mpemu::wechatpay
