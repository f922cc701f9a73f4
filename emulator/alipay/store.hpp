// Alipay's SQLite tables: auth codes, tokens, trades, refunds and fund transfers, keyed by app_id. A Store is opened
// per app on a connection inside Database::read/write; nothing else touches these tables.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "emulator/state/database.hpp"

namespace mpemu::alipay {

struct AuthCode {
    std::string code, app_id, user_id, scopes;
    long long created_ms = 0, expires_ms = 0;
    bool used = false;
};

struct Token {
    std::string access_token, refresh_token, app_id, user_id, scopes;
    long long auth_start_ms = 0, expires_ms = 0, re_expires_ms = 0;
    bool revoked = false;
};

struct Trade {
    std::string app_id, out_trade_no, trade_no, status;
    long long total_cents = 0, refunded_cents = 0;
    std::string subject, body, buyer_id, buyer_open_id, seller_id, product_code, op_app_id, notify_url, passback_params;
    long long created_ms = 0, paid_ms = 0, closed_ms = 0, expire_ms = 0;
    // Redirect payments (page / wap pay): the gateway method that created the trade, where the browser
    // goes after paying or quitting, and the sign type the return parameters use.
    std::string pay_method, return_url, quit_url, sign_type;
};

struct Refund {
    std::string app_id, trade_no, out_trade_no, out_request_no, reason;
    long long amount_cents = 0, refunded_after_cents = 0, created_ms = 0;
};

// A buyer's payment code (付款码, "28" + 16 digits) minted by the admin API, and what trade.pay does
// with it: SUCCESS, WAIT_BUYER_PAY (10003, the buyer must confirm) or an ACQ.* failure.
struct PaymentCode {
    std::string code, user_id, result;
    long long created_ms = 0, expires_ms = 0;
    bool used = false;
};

// A fund transfer (alipay.fund.trans.uni.transfer) to an Alipay account; only successful ones are stored.
struct Transfer {
    std::string app_id, out_biz_no, order_id, pay_fund_order_id, status;
    long long amount_cents = 0;
    std::string product_code, biz_scene, order_title, remark;
    std::string identity, identity_type, payee_name;  // payee_info as sent
    std::string payee_user_id;                        // the fixture user it reached
    long long created_ms = 0;
};

std::vector<state::Migration> migrations();

class Store {
public:
    Store(state::Conn& conn, std::string app_id) : c_(conn), app_id_(std::move(app_id)) {}

    // Rows are written for this app whatever their app_id member says.
    void insert_auth_code(const AuthCode& a);
    // A code of any app (the caller compares app_ids).
    std::optional<AuthCode> auth_code(const std::string& code);
    void mark_auth_code_used(const std::string& code);

    void insert_token(const Token& t);
    // Tokens of any app (the caller compares app_ids).
    std::optional<Token> token_by_access(const std::string& access_token);
    std::optional<Token> token_by_refresh(const std::string& refresh_token);
    void revoke_token(const std::string& access_token);

    // By trade_no when given (it wins), else by out_trade_no.
    std::optional<Trade> trade(const std::string& trade_no, const std::string& out_trade_no);
    void insert_trade(const Trade& t);
    // Writes status, refunded_cents, paid_ms, closed_ms, buyer_id of the trade with t.trade_no.
    void update_trade(const Trade& t);

    std::optional<Refund> refund(const std::string& trade_no, const std::string& out_request_no);
    void insert_refund(const Refund& r);

    // By order_id when given (it wins), else by out_biz_no.
    std::optional<Transfer> transfer(const std::string& order_id, const std::string& out_biz_no);
    void insert_transfer(const Transfer& t);
    // What this app's successful transfers spent of its fixture balance.
    long long transferred_cents();

    // Payment codes belong to a buyer, not to an app: any merchant can scan them.
    static void insert_payment_code(state::Conn& conn, const PaymentCode& p);
    static std::optional<PaymentCode> payment_code(state::Conn& conn, const std::string& code);
    static void mark_payment_code_used(state::Conn& conn, const std::string& code);
    // Across apps by Alipay's trade number (unique everywhere): the cashier knows only that.
    static std::optional<Trade> trade_by_no(state::Conn& conn, const std::string& trade_no);
    // Across apps (admin pay without app_id): every trade with that out_trade_no, oldest first.
    static std::vector<Trade> trades_by_out_trade_no(state::Conn& conn, const std::string& out_trade_no);
    // Trades of one app, or of every app when app_id is empty, in creation order.
    static std::vector<Trade> trades(state::Conn& conn, const std::string& app_id);
    // Unpaid trades past expire_ms, and paid trades whose refund window has passed, of every app.
    static std::vector<Trade> due_trades(state::Conn& conn, long long now_ms, long long refund_window_ms);
    // Transfers of one app, or of every app when app_id is empty, in creation order.
    static std::vector<Transfer> transfers(state::Conn& conn, const std::string& app_id);
    // Refunds filtered by app and trade (empty filters match all), in creation order.
    static std::vector<Refund> refunds(state::Conn& conn, const std::string& app_id, const std::string& out_trade_no);

    // Purges (emulator::Service::purge), at most `limit` rows each; return the rows deleted.
    // Auth and payment codes expired, and tokens past their refresh expiry, before `before_ms`.
    static int purge_expired_codes(state::Conn& conn, long long before_ms, int limit);
    // With serve --retain: trades paid, finished or closed whose last change (creation, payment, close, any
    // refund) is before `before_ms`, with their refunds.
    static int purge_settled_trades(state::Conn& conn, long long before_ms, int limit);

private:
    state::Conn& c_;
    std::string app_id_;
};

}  // namespace mpemu::alipay
