// WeChat Pay API v3 rules: merchants from the fixture set, order states and re-entry, expiry on the
// emulator clock, refunds that never exceed what was paid, and notifications queued in the outbox in
// the same transaction as the state change that causes them.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "core/json.hpp"
#include "emulator/service.hpp"
#include "emulator/wechatpay/errors.hpp"
#include "emulator/wechatpay/store.hpp"

namespace mpemu::wechatpay {

inline constexpr const char* kChannelV3 = "wechatpay.v3";

struct Merchant {
    std::string mchid;
    std::string name;
    std::vector<std::string> appids;
    std::string platform_mode = "certificate";  // certificate | public_key
    std::string merchant_serial;                // upper-case hex
    core::crypto::Key merchant_public_key;
    std::string apiv3_key;
    std::string api_v2_key;
    core::crypto::Key platform_private_key;
    std::string platform_serial;
    std::string platform_cert_pem;
    long long platform_cert_not_before = 0;
    long long platform_cert_not_after = 0;
    std::string public_key_id;
    long long balance = -1;  // fen available for refunds; -1 = unlimited

    bool has_appid(const std::string& appid) const;
    // The serial a reply is signed under: the request's Wechatpay-Serial when it names one of this
    // merchant's platform keys, else the merchant's mode default.
    std::string reply_serial(const std::string* requested) const;
};

struct FixtureConfig : state::FixtureSection {
    std::vector<Merchant> merchants;
    long long refund_delay_ms = 0;  // PROCESSING -> SUCCESS after this long (0 = at once)
    // trade_state of an unpaid order once time_expire has passed: NOTPAY (default) or CLOSED.
    std::string expired_state = "NOTPAY";
    // API v2 notifications: also accept non-XML "SUCCESS" / JSON replies (fixture v2_notify_reply: lenient).
    bool v2_lenient_notify_replies = false;
    const Merchant* find(const std::string& mchid) const;
};

class WechatPay : public emulator::Service {
public:
    std::string name() const override { return "wechatpay"; }
    std::vector<state::Migration> migrations() const override { return Store::migrations(); }
    std::shared_ptr<const state::FixtureSection> load_fixture(state::FixtureReader& reader) const override;
    void mount(emulator::Router& router, emulator::ServiceContext& ctx) override;  // routes.cpp
    void summarize(const state::FixtureSet& set, core::Json& summary) const override;
    void start(emulator::ServiceContext& ctx) override;

    // ---- API operations (the merchant is the authenticated caller) ----
    // trade_type: "JSAPI" or "NATIVE". Returns {"prepay_id"} / {"code_url"}.
    Outcome<core::Json> create_order(const Merchant& m, const std::string& trade_type, const std::string& raw_body);
    // by: "out-trade-no" or "id".
    Outcome<core::Json> query_order(const Merchant& m, const std::string& by, const std::string& key,
                                    const std::string* mchid_param);
    Outcome<bool> close_order(const Merchant& m, const std::string& out_trade_no, const std::string& raw_body);
    Outcome<core::Json> create_refund(const Merchant& m, const std::string& raw_body);
    Outcome<core::Json> query_refund(const Merchant& m, const std::string& out_refund_no);
    core::Json certificates(const Merchant& m);

    // ---- admin (errors rendered as admin errors: "not_found" 404, "conflict" 409, "bad_request" 400) ----
    Outcome<core::Json> admin_pay(const std::string& out_trade_no, const core::Json& body);
    Outcome<core::Json> admin_refund_outcome(const std::string& out_refund_no, const core::Json& body);
    core::Json admin_list_orders(const std::string& mchid, const std::string& state, int limit);
    core::Json admin_list_refunds(const std::string& mchid, const std::string& out_trade_no, int limit);

    // Turns PROCESSING refunds whose delay has passed into SUCCESS (and queues their notifications).
    void settle_due_refunds();

    std::shared_ptr<const FixtureConfig> config() const;
    emulator::ServiceContext& ctx() { return *ctx_; }

    // Wire shapes (also used by tests through the admin API).
    core::Json transaction_json(const OrderRow& o) const;
    core::Json refund_json(const RefundRow& r) const;

private:
    friend class WechatPayV2;  // the v2 (XML) API shares the orders, expiry and notification queueing
    // Unpaid orders past time_expire show expired_state; past max(create + 7 days, time_expire) they
    // are CLOSED (WeChat Pay closes unpaid orders after 7 days). Returns true when o.state changed.
    bool apply_expiry(OrderRow& o, long long now) const;
    // Records a refund on a paid order whose rules the caller checked. `r` holds the request's fields
    // (out_refund_no, api_version, refund, currency, reason, notify_url, funds_account); the rest is
    // filled here. PROCESSING, or SUCCESS at once (and notified) without refund_delay; the order
    // becomes REFUND. Returns the row as first recorded (PROCESSING).
    RefundRow record_refund(state::Conn& c, const Merchant& m, OrderRow& o, RefundRow r, long long now);
    void queue_payment_notification(state::Conn& c, const Merchant& m, const OrderRow& o);
    void queue_refund_notification(state::Conn& c, const Merchant* m, const RefundRow& r, const OrderRow& o);
    void register_channel();

    emulator::ServiceContext* ctx_ = nullptr;
};

// Waits before notification retries 1..15 (the first attempt is immediate); the same schedule for
// v3 and v2: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h (v3 spec; v2 spec §12.5).
std::vector<std::chrono::seconds> notification_retry_waits();

// Shape checks used by the service and its tests.
bool valid_out_trade_no(const std::string& s);   // 6-32 of [0-9A-Za-z_-|*]
bool valid_out_refund_no(const std::string& s);  // 1-64 of [0-9A-Za-z_-|*@]
// Characters in a UTF-8 string; -1 when it is not valid UTF-8 or has a 4-byte character.
long long utf8_chars_bmp(const std::string& s);

}  // namespace mpemu::wechatpay
