// WeChat Pay API v3 rules: order states and re-entry, expiry on the emulator clock, refunds that never
// exceed what was paid, the admin calls (for orders of either API version), and notifications queued
// in the outbox in the same transaction as the state change that causes them. No HTTP here: every
// operation returns emulator::Outcome (API errors from errors.hpp; admin errors with the admin codes
// "not_found", "conflict", "bad_request").
#pragma once

#include <string>

#include "core/json.hpp"
#include "core/url.hpp"
#include "emulator/wechatpay/errors.hpp"
#include "emulator/wechatpay/fixture.hpp"
#include "emulator/wechatpay/orders.hpp"
#include "emulator/wechatpay/store.hpp"

namespace mpemu::wechatpay {

// What the H5 cashier page shows: the order (after the action), its merchant's name, a result line.
struct H5Cashier {
    OrderRow order;
    std::string merchant_name;
    std::string notice;
    bool payable = false;  // the order can still be paid from this page (Pay / Cancel / Fail shown)
};

class Api {
public:
    explicit Api(Orders& orders) : orders_(orders) {}

    std::shared_ptr<const FixtureConfig> config() const { return orders_.config(); }

    // ---- API operations (the merchant is the authenticated caller) ----
    // trade_type: "JSAPI", "NATIVE", "APP" or "MWEB" (H5). Returns {"prepay_id"} (JSAPI, APP),
    // {"code_url"} (NATIVE) or {"h5_url"} (MWEB: a link to the emulator's cashier under h5_origin,
    // e.g. "http://127.0.0.1:8787").
    Outcome<core::Json> create_order(const Merchant& m, const std::string& trade_type, const std::string& raw_body,
                                     const std::string& h5_origin = {});
    // by: "out-trade-no" or "id".
    Outcome<core::Json> query_order(const Merchant& m, const std::string& by, const std::string& key,
                                    const std::string* mchid_param);
    Outcome<bool> close_order(const Merchant& m, const std::string& out_trade_no, const std::string& raw_body);
    Outcome<core::Json> create_refund(const Merchant& m, const std::string& raw_body);
    Outcome<core::Json> query_refund(const Merchant& m, const std::string& out_refund_no);
    // The merchant's platform certificates; public_key-mode merchants (no certificate, as every merchant
    // registered since late 2024) get 404 RESOURCE_NOT_EXISTS, as production answers them.
    Outcome<core::Json> certificates(const Merchant& m);

    // ---- transfer bills (商家转账; service_transfer.cpp) ----
    // POST /v3/fund-app/mch-transfer/transfer-bills: WAIT_USER_CONFIRM with package_info.
    // `serial` is the request's Wechatpay-Serial (required when user_name is sent).
    Outcome<core::Json> create_transfer(const Merchant& m, const std::string& raw_body, const std::string* serial);
    // by: "out-bill-no" or "transfer-bill-no".
    Outcome<core::Json> query_transfer(const Merchant& m, const std::string& by, const std::string& key);
    Outcome<core::Json> cancel_transfer(const Merchant& m, const std::string& out_bill_no);
    // Admin: the user acts on the bill. body {"result": "SUCCESS"|"TRANSFERING"|"FAIL"|"REJECT", mchid?,
    // fail_reason?, package_info?}: SUCCESS / FAIL finish it (notified), TRANSFERING confirms and leaves it
    // in transfer, REJECT is the user not accepting (CANCELLED, notified).
    Outcome<core::Json> admin_transfer_result(const std::string& out_bill_no, const core::Json& body);
    core::Json admin_list_transfers(const std::string& mchid, const std::string& state, int limit);

    // ---- transfer batches (商家转账到零钱; service_transfer.cpp) ----
    // POST /v3/transfer/batches: ACCEPTED; the batch is PROCESSING until the admin result call or, by
    // default, FINISHED with every detail SUCCESS one minute later (emulator clock).
    Outcome<core::Json> create_batch(const Merchant& m, const std::string& raw_body, const std::string* serial);
    // by: "batch-id" or "out-batch-no"; the query string's need_query_detail, offset, limit, detail_status.
    Outcome<core::Json> query_batch(const Merchant& m, const std::string& by, const std::string& key,
                                    const core::Params& query);
    // by: "batch-id" (detail by detail_id) or "out-batch-no" (detail by out_detail_no).
    Outcome<core::Json> query_batch_detail(const Merchant& m, const std::string& by, const std::string& batch_key,
                                           const std::string& detail_key);
    // Admin: {"result": "FINISHED"|"CLOSED", "fail": [out_detail_no...]?, "fail_reason"?, "close_reason"?, mchid?}.
    Outcome<core::Json> admin_batch_result(const std::string& out_batch_no, const core::Json& body);
    core::Json admin_list_batches(const std::string& mchid, int limit);

    // ---- the H5 cashier (the page behind h5_url) ----
    // action "": view (the link lasts 5 minutes); "cancel": no change; "pay": SUCCESS and the payment
    // notification queued; "fail": PAYERROR. Failures are errors::h5_* (rendered as HTML pages).
    Outcome<H5Cashier> h5_cashier(const std::string& prepay_id, const std::string& package, const std::string& action);

    // ---- admin ----
    // body: result, mchid?, openid?, bank_type?, and the client's proof of payment: request_payment
    // (wx.requestPayment's five values; JSAPI orders) or app_payment (the app's signed set; APP orders).
    Outcome<core::Json> admin_pay(const std::string& out_trade_no, const core::Json& body);
    // A payment code (付款码) for a fixture user, as the WeChat app shows it: {openid, mchid?, result?}
    // -> {auth_code (18 digits, 10-15 prefix), openid, mchid, result, expires_at}; single use, one minute.
    Outcome<core::Json> admin_payment_code(const core::Json& body);
    Outcome<core::Json> admin_refund_outcome(const std::string& out_refund_no, const core::Json& body);
    core::Json admin_list_orders(const std::string& mchid, const std::string& state, int limit);
    core::Json admin_list_refunds(const std::string& mchid, const std::string& out_trade_no, int limit);

    // Wire shapes (also used by tests through the admin API).
    core::Json transaction_json(const OrderRow& o) const;
    core::Json refund_json(const RefundRow& r) const;

private:
    emulator::ServiceContext& ctx() const { return orders_.ctx(); }
    // Settles an unpaid order inside the caller's write transaction: SUCCESS (transaction id, payer,
    // notification queued) or another result state (PAYERROR, USERPAYING).
    void record_result(state::Conn& c, const Merchant& m, OrderRow& o, const std::string& result,
                       const std::string& bank_type, const std::string& openid, long long now);

    Orders& orders_;
};

}  // namespace mpemu::wechatpay
