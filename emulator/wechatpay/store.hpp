// WeChat Pay's SQLite tables: orders and refunds, shared by API v3 and v2 (XML) through the
// api_version column, so admin calls (pay, refund outcome) work for orders of either version. All of
// wechatpay's SQL is here; every function runs inside the caller's Database transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "emulator/state/database.hpp"

namespace mpemu::wechatpay {

struct OrderRow {
    long long id = 0;
    std::string mchid;
    std::string out_trade_no;
    std::string api_version = "v3";  // "v3" | "v2"
    std::string appid;
    std::string trade_type;  // JSAPI | NATIVE | APP | MWEB (H5)
    std::string description;
    std::string attach;
    std::string notify_url;
    long long total = 0;
    std::string currency = "CNY";
    std::string openid;            // payer (JSAPI: given at order time; NATIVE: set at payment)
    std::string params;            // canonical request parameters, for the re-entry check
    std::string extra;             // JSON object: scene_info, detail, ... (echoed where the API does)
    long long time_expire_ms = 0;  // last moment to pay (emulator clock)
    std::string prepay_id;
    long long prepay_ms = 0;  // when prepay_id was issued
    std::string code_url;
    std::string state = "NOTPAY";  // NOTPAY | SUCCESS | REFUND | CLOSED | PAYERROR | USERPAYING
    std::string transaction_id;
    std::string bank_type;
    long long success_ms = 0;
    long long created_ms = 0;
    long long updated_ms = 0;
};

struct RefundRow {
    long long id = 0;
    std::string mchid;
    std::string out_refund_no;
    std::string api_version = "v3";
    long long order_id = 0;
    std::string out_trade_no;
    std::string transaction_id;
    std::string refund_id;
    long long refund = 0;
    long long total = 0;
    std::string currency = "CNY";
    std::string reason;
    std::string notify_url;
    std::string status = "PROCESSING";  // PROCESSING | SUCCESS | ABNORMAL | CLOSED
    std::string channel = "ORIGINAL";
    std::string user_received_account = "支付用户零钱";
    std::string funds_account = "AVAILABLE";
    long long created_ms = 0;
    long long success_ms = 0;
    long long settle_at_ms = 0;  // when a PROCESSING refund turns SUCCESS by itself (0 = only by admin)
};

// A merchant transfer bill (商家转账, /v3/fund-app/mch-transfer/transfer-bills).
struct TransferRow {
    long long id = 0;
    std::string mchid;
    std::string out_bill_no;
    std::string transfer_bill_no;
    std::string appid;
    std::string openid;
    std::string transfer_scene_id;
    long long transfer_amount = 0;
    std::string transfer_remark;
    std::string user_name;  // as sent (ciphertext)
    std::string notify_url;
    std::string params;                       // canonical request, for the re-entry check
    std::string extra;                        // JSON object: user_recv_perception, transfer_scene_report_infos
    std::string state = "WAIT_USER_CONFIRM";  // ACCEPTED | WAIT_USER_CONFIRM | TRANSFERING | SUCCESS | FAIL | CANCELLED
    std::string fail_reason;
    std::string package_info;
    long long created_ms = 0;
    long long updated_ms = 0;
};

// A transfer batch (商家转账到零钱, /v3/transfer/batches) and its details.
struct TransferBatchRow {
    long long id = 0;
    std::string mchid;
    std::string out_batch_no;
    std::string batch_id;
    std::string appid;
    std::string batch_name;
    std::string batch_remark;
    long long total_amount = 0;
    long long total_num = 0;
    std::string transfer_scene_id;
    std::string notify_url;
    std::string params;
    std::string state = "PROCESSING";  // ACCEPTED | PROCESSING | FINISHED | CLOSED
    std::string close_reason;
    long long created_ms = 0;
    long long updated_ms = 0;
};
struct TransferDetailRow {
    long long id = 0;
    long long batch_row = 0;
    std::string out_detail_no;
    std::string detail_id;
    long long transfer_amount = 0;
    std::string transfer_remark;
    std::string openid;
    std::string user_name;
    std::string state = "PROCESSING";  // INIT | WAIT_PAY | PROCESSING | SUCCESS | FAIL
    std::string fail_reason;
    long long created_ms = 0;
    long long updated_ms = 0;
};

// A payment code (付款码) minted by the admin API for a fixture user: single use, valid one minute.
struct PaymentCodeRow {
    std::string auth_code;  // 18 digits, 10-15 prefix
    std::string mchid;      // "" = any merchant may scan it
    std::string openid;
    std::string result = "SUCCESS";  // what scanning it does: SUCCESS | USERPAYING | NOTENOUGH
    long long created_ms = 0;
    long long expires_ms = 0;
    std::string used_by;  // "<mchid>/<out_trade_no>" once scanned
};

// Opened for one merchant (mchid) on a connection inside Database::read/write. The static members
// reach across merchants: admin calls, refund settlement and notification rendering.
class Store {
public:
    Store(state::Conn& conn, std::string mchid) : c_(conn), mchid_(std::move(mchid)) {}

    static std::vector<state::Migration> migrations();

    // ---- this merchant ----
    std::optional<OrderRow> order(const std::string& out_trade_no);
    std::optional<OrderRow> order_by_transaction(const std::string& transaction_id);
    long long insert_order(const OrderRow& o);  // o.mchid is this merchant
    void save_order(const OrderRow& o);         // every mutable column, by id
    // Newest first; empty state matches all.
    std::vector<OrderRow> orders(const std::string& state, int limit);

    std::optional<RefundRow> refund(const std::string& out_refund_no);
    long long insert_refund(const RefundRow& r);
    void save_refund(const RefundRow& r);
    // Newest first; empty out_trade_no matches all.
    std::vector<RefundRow> refunds(const std::string& out_trade_no, int limit);
    // Sum of refunds on the order that hold money (PROCESSING, SUCCESS, ABNORMAL; CLOSED frees it).
    long long refunded_amount(long long order_id);
    // Refunds ever requested on the order, whatever their status.
    long long refund_count(long long order_id);
    // Sum of this merchant's refunds that hold money (against its fixture balance).
    long long held_refunds();

    // ---- any merchant ----
    static std::optional<OrderRow> order_by_id(state::Conn& c, long long id);
    // The order whose current prepay_id this is (the H5 cashier link names the order by it).
    static std::optional<OrderRow> order_by_prepay_id(state::Conn& c, const std::string& prepay_id);
    // Orders / refunds with this number across merchants (admin calls without mchid).
    static std::vector<OrderRow> orders_numbered(state::Conn& c, const std::string& out_trade_no);
    static std::vector<RefundRow> refunds_numbered(state::Conn& c, const std::string& out_refund_no);
    // Admin lists: empty filters match all.
    static std::vector<OrderRow> list_orders(state::Conn& c, const std::string& mchid, const std::string& state,
                                             int limit);
    static std::vector<RefundRow> list_refunds(state::Conn& c, const std::string& mchid,
                                               const std::string& out_trade_no, int limit);
    // Transfer bills of this merchant.
    std::optional<TransferRow> transfer(const std::string& out_bill_no);
    std::optional<TransferRow> transfer_by_bill_no(const std::string& transfer_bill_no);
    long long insert_transfer(const TransferRow& t);
    void save_transfer(const TransferRow& t);  // state, fail_reason, updated_ms
    // Sum of this merchant's transfers that hold money (not FAIL / CANCELLED).
    long long held_transfers();
    // Any merchant: admin list (empty filters match all), bills with this number.
    static std::vector<TransferRow> list_transfers(state::Conn& c, const std::string& mchid, const std::string& state,
                                                   int limit);
    static std::vector<TransferRow> transfers_numbered(state::Conn& c, const std::string& out_bill_no);
    // WAIT_USER_CONFIRM bills created before `before_ms` (the user never confirmed).
    static std::vector<TransferRow> unconfirmed_transfers(state::Conn& c, long long before_ms);

    // Transfer batches of this merchant and their details.
    std::optional<TransferBatchRow> batch(const std::string& out_batch_no);
    std::optional<TransferBatchRow> batch_by_id(const std::string& batch_id);
    long long insert_batch(const TransferBatchRow& b);
    void save_batch(const TransferBatchRow& b);  // state, close_reason, updated_ms
    // Details of a batch (by row id) in creation order; empty status matches all.
    std::vector<TransferDetailRow> details(long long batch_row, const std::string& status, long long offset,
                                           long long limit);
    std::optional<TransferDetailRow> detail(long long batch_row, const std::string& out_detail_no);
    std::optional<TransferDetailRow> detail_by_id(long long batch_row, const std::string& detail_id);
    void insert_detail(const TransferDetailRow& d);
    void save_detail(const TransferDetailRow& d);  // state, fail_reason, updated_ms
    // Sum of this merchant's batch details that hold money (not FAIL).
    long long held_batch_details();
    // Any merchant: PROCESSING batches created before `before_ms`; admin list; batches with this number.
    static std::vector<TransferBatchRow> due_batches(state::Conn& c, long long before_ms);
    static std::vector<TransferBatchRow> list_batches(state::Conn& c, const std::string& mchid, int limit);
    static std::vector<TransferBatchRow> batches_numbered(state::Conn& c, const std::string& out_batch_no);

    // Payment codes (any merchant).
    static void insert_payment_code(state::Conn& c, const PaymentCodeRow& r);
    static std::optional<PaymentCodeRow> payment_code(state::Conn& c, const std::string& auth_code);
    static void mark_payment_code_used(state::Conn& c, const std::string& auth_code, const std::string& used_by);
    // PROCESSING refunds whose settle_at_ms has come.
    static std::vector<RefundRow> due_refunds(state::Conn& c, long long now_ms);

    // Purges (emulator::Service::purge), at most `limit` rows each: payment codes expired before `before_ms`;
    // with serve --retain, orders (v3 and v2) in a final state last changed before `before_ms`, with their
    // refunds, none of them still processing. Return the rows deleted.
    static int purge_payment_codes(state::Conn& c, long long before_ms, int limit);
    static int purge_settled_orders(state::Conn& c, long long before_ms, int limit);

private:
    state::Conn& c_;
    std::string mchid_;
};

}  // namespace mpemu::wechatpay
