// WeChat Pay's SQLite tables: orders and refunds, shared by API v3 and a later v2 (XML) API through
// the api_version column, so admin calls (pay, refund outcome) work for orders of either version.
// Nothing else touches these tables; every function runs inside the caller's Database transaction.
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
    std::string trade_type;  // JSAPI | NATIVE
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

class Store {
public:
    static std::vector<state::Migration> migrations();

    static std::optional<OrderRow> find_order(state::Conn& c, const std::string& mchid,
                                              const std::string& out_trade_no);
    static std::optional<OrderRow> find_order_by_transaction(state::Conn& c, const std::string& mchid,
                                                             const std::string& transaction_id);
    static std::optional<OrderRow> find_order_by_id(state::Conn& c, long long id);
    static std::optional<OrderRow> find_order_by_prepay(state::Conn& c, const std::string& prepay_id);
    // Orders with this number across merchants (admin pay without mchid).
    static std::vector<OrderRow> find_orders_by_number(state::Conn& c, const std::string& out_trade_no);
    static long long insert_order(state::Conn& c, const OrderRow& o);
    static void save_order(state::Conn& c, const OrderRow& o);  // every mutable column, by id
    static std::vector<OrderRow> list_orders(state::Conn& c, const std::string& mchid, const std::string& state,
                                             int limit);

    static std::optional<RefundRow> find_refund(state::Conn& c, const std::string& mchid,
                                                const std::string& out_refund_no);
    static std::vector<RefundRow> find_refunds_by_number(state::Conn& c, const std::string& out_refund_no);
    static long long insert_refund(state::Conn& c, const RefundRow& r);
    static void save_refund(state::Conn& c, const RefundRow& r);
    // Sum of refunds on the order that hold money (PROCESSING, SUCCESS, ABNORMAL; CLOSED frees it).
    static long long refunded_amount(state::Conn& c, long long order_id);
    static std::vector<RefundRow> list_refunds(state::Conn& c, const std::string& mchid,
                                               const std::string& out_trade_no, int limit);
    static std::vector<RefundRow> due_refunds(state::Conn& c, long long now_ms);
};

}  // namespace mpemu::wechatpay
