// Alipay's SQLite tables: auth codes, tokens, trades and refunds, keyed by app_id. Nothing else
// touches these tables; every call runs inside the caller's read or write transaction.
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
};

struct Refund {
    std::string app_id, trade_no, out_trade_no, out_request_no, reason;
    long long amount_cents = 0, refunded_after_cents = 0, created_ms = 0;
};

namespace store {

std::vector<state::Migration> migrations();

void insert_auth_code(state::Conn& c, const AuthCode& a);
std::optional<AuthCode> find_auth_code(state::Conn& c, const std::string& code);
void mark_auth_code_used(state::Conn& c, const std::string& code);

void insert_token(state::Conn& c, const Token& t);
std::optional<Token> find_token_by_access(state::Conn& c, const std::string& access_token);
std::optional<Token> find_token_by_refresh(state::Conn& c, const std::string& refresh_token);
void revoke_token(state::Conn& c, const std::string& access_token);

// By trade_no when given (it wins), else by out_trade_no; always within the app.
std::optional<Trade> find_trade(state::Conn& c, const std::string& app_id, const std::string& trade_no,
                                const std::string& out_trade_no);
// Across apps (admin pay without app_id): every trade with that out_trade_no.
std::vector<Trade> find_trades_by_out_trade_no(state::Conn& c, const std::string& out_trade_no);
void insert_trade(state::Conn& c, const Trade& t);
// Writes status, refunded_cents, paid_ms, closed_ms.
void update_trade(state::Conn& c, const Trade& t);
std::vector<Trade> list_trades(state::Conn& c, const std::string& app_id);
// Unpaid trades past expire_ms, and paid trades whose refund window has passed.
std::vector<Trade> due_trades(state::Conn& c, long long now_ms, long long refund_window_ms);

std::optional<Refund> find_refund(state::Conn& c, const std::string& app_id, const std::string& trade_no,
                                  const std::string& out_request_no);
void insert_refund(state::Conn& c, const Refund& r);
std::vector<Refund> list_refunds(state::Conn& c, const std::string& app_id, const std::string& out_trade_no);

}  // namespace store
}  // namespace mpemu::alipay
