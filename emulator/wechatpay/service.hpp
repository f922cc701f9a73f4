// WeChat Pay API v3 rules: order states and re-entry, expiry on the emulator clock, refunds that never
// exceed what was paid, the admin calls (for orders of either API version), and notifications queued
// in the outbox in the same transaction as the state change that causes them. No HTTP here: every
// operation returns emulator::Outcome (API errors from errors.hpp; admin errors with the admin codes
// "not_found", "conflict", "bad_request").
#pragma once

#include <string>

#include "core/json.hpp"
#include "emulator/wechatpay/errors.hpp"
#include "emulator/wechatpay/fixture.hpp"
#include "emulator/wechatpay/orders.hpp"
#include "emulator/wechatpay/store.hpp"

namespace mpemu::wechatpay {

class Api {
public:
    explicit Api(Orders& orders) : orders_(orders) {}

    std::shared_ptr<const FixtureConfig> config() const { return orders_.config(); }

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

    // ---- admin ----
    Outcome<core::Json> admin_pay(const std::string& out_trade_no, const core::Json& body);
    Outcome<core::Json> admin_refund_outcome(const std::string& out_refund_no, const core::Json& body);
    core::Json admin_list_orders(const std::string& mchid, const std::string& state, int limit);
    core::Json admin_list_refunds(const std::string& mchid, const std::string& out_trade_no, int limit);

    // Wire shapes (also used by tests through the admin API).
    core::Json transaction_json(const OrderRow& o) const;
    core::Json refund_json(const RefundRow& r) const;

private:
    emulator::ServiceContext& ctx() const { return orders_.ctx(); }

    Orders& orders_;
};

}  // namespace mpemu::wechatpay
