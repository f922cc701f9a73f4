// What API v3 and v2 share over the same orders and refunds: the fixture's merchants, v3's expiry rule
// (also used by the admin calls for either version), recording and settling refunds, and the admin
// pay's wx.requestPayment check for either version. Both services hold one Orders; neither knows the other.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/json.hpp"
#include "emulator/service.hpp"
#include "emulator/wechatpay/fixture.hpp"
#include "emulator/wechatpay/store.hpp"

namespace mpemu::wechatpay {

inline constexpr long long kMinute = 60 * 1000;
inline constexpr long long kDay = 24 * 60 * kMinute;
inline constexpr long long kPrepayValidMs = 2 * 60 * kMinute;
inline constexpr long long kH5LinkValidMs = 5 * kMinute;  // h5_url "有效期为5分钟"
inline constexpr int kMaxRefundsPerOrder = 50;
inline constexpr long long kPaymentCodeValidMs = kMinute;  // a payment code refreshes every minute

inline bool paid(const std::string& state) {
    return state == "SUCCESS" || state == "REFUND";
}

// Shape checks used by both API versions and their tests.
bool valid_out_trade_no(const std::string& s);   // 6-32 of [0-9A-Za-z_-|*]
bool valid_out_refund_no(const std::string& s);  // 1-64 of [0-9A-Za-z_-|*@]
// Characters in a UTF-8 string; -1 when it is not valid UTF-8 or has a 4-byte character.
long long utf8_chars_bmp(const std::string& s);

class Orders {
public:
    // The emulator's facilities, from the first mount or start on.
    void attach(emulator::ServiceContext& ctx) { ctx_ = &ctx; }
    bool attached() const { return ctx_ != nullptr; }
    emulator::ServiceContext& ctx() const { return *ctx_; }

    // The loaded "wechatpay" section (kept alive with its set); null when none.
    std::shared_ptr<const FixtureConfig> config() const;

    // v3's rule: unpaid orders past time_expire show expired_state; past max(create + 7 days,
    // time_expire) they are CLOSED (WeChat Pay closes unpaid orders after 7 days). Returns true when
    // o.state changed.
    bool apply_expiry(OrderRow& o, long long now) const;

    // Records a refund on a paid order whose rules the caller checked. `r` holds the request's fields
    // (out_refund_no, api_version, refund, currency, reason, notify_url, funds_account); the rest is
    // filled here. PROCESSING, or SUCCESS at once (and notified) without refund_delay; the order
    // becomes REFUND. Returns the row as first recorded (PROCESSING).
    RefundRow record_refund(state::Conn& c, const Merchant& m, OrderRow& o, RefundRow r, long long now);

    // Turns PROCESSING refunds whose delay has passed into SUCCESS (and queues their notifications).
    void settle_due_refunds();

    // Admin "user pays" with the five wx.requestPayment values (`rp`, an object whose package the
    // caller checked): why the WeChat client would refuse them, or nothing. v3 orders: RSA paySign
    // with the merchant key; v2 orders (§11): paySign with the API v2 key.
    std::optional<std::string> request_payment_error(const OrderRow& o, const Merchant& m, const core::Json& rp) const;

    // Admin "user pays" in the app with the parameter set the merchant's app hands the WeChat SDK
    // (appid, partnerid, prepayid, package, noncestr, timestamp, sign; `ap` an object whose prepayid
    // the caller checked): why WeChat would refuse it, or nothing. v3 orders: RSA-SHA256 over
    // "appid\ntimestamp\nnoncestr\nprepayid\n" with the merchant key; v2 orders: the API v2 key's
    // MD5 / HMAC-SHA256 sign over the six other fields.
    std::optional<std::string> app_payment_error(const OrderRow& o, const Merchant& m, const core::Json& ap) const;

private:
    emulator::ServiceContext* ctx_ = nullptr;
};

}  // namespace mpemu::wechatpay
