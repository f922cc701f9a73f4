// Alipay's SQLite tables (see store.hpp).
#include "emulator/alipay/store.hpp"

#include "emulator/state/purge.hpp"

namespace mpemu::alipay {

using state::Conn;
using state::NamedRow;

std::vector<state::Migration> migrations() {
    return {{"alipay", 1, R"SQL(
CREATE TABLE alipay_auth_codes (
  code TEXT PRIMARY KEY, app_id TEXT NOT NULL, user_id TEXT NOT NULL, scopes TEXT NOT NULL,
  created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE alipay_tokens (
  access_token TEXT PRIMARY KEY, refresh_token TEXT NOT NULL UNIQUE, app_id TEXT NOT NULL,
  user_id TEXT NOT NULL, scopes TEXT NOT NULL, auth_start_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL,
  re_expires_ms INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE alipay_trades (
  app_id TEXT NOT NULL, out_trade_no TEXT NOT NULL, trade_no TEXT NOT NULL UNIQUE, status TEXT NOT NULL,
  total_cents INTEGER NOT NULL, refunded_cents INTEGER NOT NULL DEFAULT 0, subject TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '', buyer_id TEXT NOT NULL DEFAULT '', buyer_open_id TEXT NOT NULL DEFAULT '',
  seller_id TEXT NOT NULL, product_code TEXT NOT NULL DEFAULT '', op_app_id TEXT NOT NULL DEFAULT '',
  notify_url TEXT NOT NULL DEFAULT '', passback_params TEXT NOT NULL DEFAULT '', created_ms INTEGER NOT NULL,
  paid_ms INTEGER NOT NULL DEFAULT 0, closed_ms INTEGER NOT NULL DEFAULT 0, expire_ms INTEGER NOT NULL,
  PRIMARY KEY (app_id, out_trade_no));
CREATE INDEX alipay_trades_due ON alipay_trades(status, expire_ms);
CREATE TABLE alipay_refunds (
  app_id TEXT NOT NULL, trade_no TEXT NOT NULL, out_trade_no TEXT NOT NULL, out_request_no TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '', amount_cents INTEGER NOT NULL, refunded_after_cents INTEGER NOT NULL,
  created_ms INTEGER NOT NULL, PRIMARY KEY (trade_no, out_request_no));
)SQL"},
            {"alipay", 2, R"SQL(
ALTER TABLE alipay_trades ADD COLUMN pay_method TEXT NOT NULL DEFAULT '';
ALTER TABLE alipay_trades ADD COLUMN return_url TEXT NOT NULL DEFAULT '';
ALTER TABLE alipay_trades ADD COLUMN quit_url TEXT NOT NULL DEFAULT '';
ALTER TABLE alipay_trades ADD COLUMN sign_type TEXT NOT NULL DEFAULT '';
)SQL"},
            {"alipay", 3, R"SQL(
CREATE TABLE alipay_payment_codes (
  code TEXT PRIMARY KEY, user_id TEXT NOT NULL, result TEXT NOT NULL, created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
)SQL"},
            {"alipay", 4, R"SQL(
CREATE TABLE alipay_transfers (
  app_id TEXT NOT NULL, out_biz_no TEXT NOT NULL, order_id TEXT NOT NULL UNIQUE,
  pay_fund_order_id TEXT NOT NULL, status TEXT NOT NULL, amount_cents INTEGER NOT NULL,
  product_code TEXT NOT NULL, biz_scene TEXT NOT NULL, order_title TEXT NOT NULL DEFAULT '',
  remark TEXT NOT NULL DEFAULT '', identity TEXT NOT NULL, identity_type TEXT NOT NULL,
  payee_name TEXT NOT NULL DEFAULT '', payee_user_id TEXT NOT NULL, created_ms INTEGER NOT NULL,
  PRIMARY KEY (app_id, out_biz_no));
)SQL"}};
}

namespace {

AuthCode auth_code_from(const NamedRow& r) {
    AuthCode a;
    a.code = r["code"].as_text();
    a.app_id = r["app_id"].as_text();
    a.user_id = r["user_id"].as_text();
    a.scopes = r["scopes"].as_text();
    a.created_ms = r["created_ms"].as_int();
    a.expires_ms = r["expires_ms"].as_int();
    a.used = r["used"].as_int() != 0;
    return a;
}

Token token_from(const NamedRow& r) {
    Token t;
    t.access_token = r["access_token"].as_text();
    t.refresh_token = r["refresh_token"].as_text();
    t.app_id = r["app_id"].as_text();
    t.user_id = r["user_id"].as_text();
    t.scopes = r["scopes"].as_text();
    t.auth_start_ms = r["auth_start_ms"].as_int();
    t.expires_ms = r["expires_ms"].as_int();
    t.re_expires_ms = r["re_expires_ms"].as_int();
    t.revoked = r["revoked"].as_int() != 0;
    return t;
}

Trade trade_from(const NamedRow& r) {
    Trade t;
    t.app_id = r["app_id"].as_text();
    t.out_trade_no = r["out_trade_no"].as_text();
    t.trade_no = r["trade_no"].as_text();
    t.status = r["status"].as_text();
    t.total_cents = r["total_cents"].as_int();
    t.refunded_cents = r["refunded_cents"].as_int();
    t.subject = r["subject"].as_text();
    t.body = r["body"].as_text();
    t.buyer_id = r["buyer_id"].as_text();
    t.buyer_open_id = r["buyer_open_id"].as_text();
    t.seller_id = r["seller_id"].as_text();
    t.product_code = r["product_code"].as_text();
    t.op_app_id = r["op_app_id"].as_text();
    t.notify_url = r["notify_url"].as_text();
    t.passback_params = r["passback_params"].as_text();
    t.created_ms = r["created_ms"].as_int();
    t.paid_ms = r["paid_ms"].as_int();
    t.closed_ms = r["closed_ms"].as_int();
    t.expire_ms = r["expire_ms"].as_int();
    t.pay_method = r["pay_method"].as_text();
    t.return_url = r["return_url"].as_text();
    t.quit_url = r["quit_url"].as_text();
    t.sign_type = r["sign_type"].as_text();
    return t;
}

Refund refund_from(const NamedRow& r) {
    Refund f;
    f.app_id = r["app_id"].as_text();
    f.trade_no = r["trade_no"].as_text();
    f.out_trade_no = r["out_trade_no"].as_text();
    f.out_request_no = r["out_request_no"].as_text();
    f.reason = r["reason"].as_text();
    f.amount_cents = r["amount_cents"].as_int();
    f.refunded_after_cents = r["refunded_after_cents"].as_int();
    f.created_ms = r["created_ms"].as_int();
    return f;
}

}  // namespace

void Store::insert_auth_code(const AuthCode& a) {
    c_.exec(
        "INSERT INTO alipay_auth_codes(code, app_id, user_id, scopes, created_ms, expires_ms, used) "
        "VALUES(?,?,?,?,?,?,?)",
        {a.code, app_id_, a.user_id, a.scopes, a.created_ms, a.expires_ms, a.used});
}

std::optional<AuthCode> Store::auth_code(const std::string& code) {
    auto r = c_.query_one("SELECT * FROM alipay_auth_codes WHERE code = ?", {code});
    if (!r) return std::nullopt;
    return auth_code_from(*r);
}

void Store::mark_auth_code_used(const std::string& code) {
    c_.exec("UPDATE alipay_auth_codes SET used = 1 WHERE code = ?", {code});
}

void Store::insert_token(const Token& t) {
    c_.exec(
        "INSERT INTO alipay_tokens(access_token, refresh_token, app_id, user_id, scopes, auth_start_ms, "
        "expires_ms, re_expires_ms, revoked) VALUES(?,?,?,?,?,?,?,?,?)",
        {t.access_token, t.refresh_token, app_id_, t.user_id, t.scopes, t.auth_start_ms, t.expires_ms, t.re_expires_ms,
         t.revoked});
}

std::optional<Token> Store::token_by_access(const std::string& access_token) {
    auto r = c_.query_one("SELECT * FROM alipay_tokens WHERE access_token = ?", {access_token});
    if (!r) return std::nullopt;
    return token_from(*r);
}

std::optional<Token> Store::token_by_refresh(const std::string& refresh_token) {
    auto r = c_.query_one("SELECT * FROM alipay_tokens WHERE refresh_token = ?", {refresh_token});
    if (!r) return std::nullopt;
    return token_from(*r);
}

void Store::revoke_token(const std::string& access_token) {
    c_.exec("UPDATE alipay_tokens SET revoked = 1 WHERE access_token = ?", {access_token});
}

std::optional<Trade> Store::trade(const std::string& trade_no, const std::string& out_trade_no) {
    std::optional<NamedRow> r;
    if (!trade_no.empty()) {
        r = c_.query_one("SELECT * FROM alipay_trades WHERE app_id = ? AND trade_no = ?", {app_id_, trade_no});
    } else if (!out_trade_no.empty()) {
        r = c_.query_one("SELECT * FROM alipay_trades WHERE app_id = ? AND out_trade_no = ?", {app_id_, out_trade_no});
    }
    if (!r) return std::nullopt;
    return trade_from(*r);
}

void Store::insert_trade(const Trade& t) {
    c_.exec(
        "INSERT INTO alipay_trades(app_id, out_trade_no, trade_no, status, total_cents, refunded_cents, subject, "
        "body, buyer_id, buyer_open_id, seller_id, product_code, op_app_id, notify_url, passback_params, "
        "created_ms, paid_ms, closed_ms, expire_ms, pay_method, return_url, quit_url, sign_type) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        {app_id_,     t.out_trade_no, t.trade_no,        t.status,        t.total_cents, t.refunded_cents,
         t.subject,   t.body,         t.buyer_id,        t.buyer_open_id, t.seller_id,   t.product_code,
         t.op_app_id, t.notify_url,   t.passback_params, t.created_ms,    t.paid_ms,     t.closed_ms,
         t.expire_ms, t.pay_method,   t.return_url,      t.quit_url,      t.sign_type});
}

void Store::update_trade(const Trade& t) {
    c_.exec(
        "UPDATE alipay_trades SET status = ?, refunded_cents = ?, paid_ms = ?, closed_ms = ?, buyer_id = ? "
        "WHERE app_id = ? AND trade_no = ?",
        {t.status, t.refunded_cents, t.paid_ms, t.closed_ms, t.buyer_id, app_id_, t.trade_no});
}

std::optional<Refund> Store::refund(const std::string& trade_no, const std::string& out_request_no) {
    auto r = c_.query_one("SELECT * FROM alipay_refunds WHERE app_id = ? AND trade_no = ? AND out_request_no = ?",
                          {app_id_, trade_no, out_request_no});
    if (!r) return std::nullopt;
    return refund_from(*r);
}

void Store::insert_refund(const Refund& r) {
    c_.exec(
        "INSERT INTO alipay_refunds(app_id, trade_no, out_trade_no, out_request_no, reason, amount_cents, "
        "refunded_after_cents, created_ms) VALUES(?,?,?,?,?,?,?,?)",
        {app_id_, r.trade_no, r.out_trade_no, r.out_request_no, r.reason, r.amount_cents, r.refunded_after_cents,
         r.created_ms});
}

void Store::insert_payment_code(Conn& c, const PaymentCode& p) {
    c.exec("INSERT INTO alipay_payment_codes(code, user_id, result, created_ms, expires_ms, used) VALUES(?,?,?,?,?,?)",
           {p.code, p.user_id, p.result, p.created_ms, p.expires_ms, p.used});
}

std::optional<PaymentCode> Store::payment_code(Conn& c, const std::string& code) {
    auto r = c.query_one("SELECT * FROM alipay_payment_codes WHERE code = ?", {code});
    if (!r) return std::nullopt;
    PaymentCode p;
    p.code = (*r)["code"].as_text();
    p.user_id = (*r)["user_id"].as_text();
    p.result = (*r)["result"].as_text();
    p.created_ms = (*r)["created_ms"].as_int();
    p.expires_ms = (*r)["expires_ms"].as_int();
    p.used = (*r)["used"].as_int() != 0;
    return p;
}

void Store::mark_payment_code_used(Conn& c, const std::string& code) {
    c.exec("UPDATE alipay_payment_codes SET used = 1 WHERE code = ?", {code});
}

std::optional<Trade> Store::trade_by_no(Conn& c, const std::string& trade_no) {
    auto r = c.query_one("SELECT * FROM alipay_trades WHERE trade_no = ?", {trade_no});
    if (!r) return std::nullopt;
    return trade_from(*r);
}

std::vector<Trade> Store::trades_by_out_trade_no(Conn& c, const std::string& out_trade_no) {
    std::vector<Trade> out;
    for (auto& r : c.query("SELECT * FROM alipay_trades WHERE out_trade_no = ? ORDER BY created_ms", {out_trade_no}))
        out.push_back(trade_from(r));
    return out;
}

std::vector<Trade> Store::trades(Conn& c, const std::string& app_id) {
    std::vector<Trade> out;
    auto rows = app_id.empty() ? c.query("SELECT * FROM alipay_trades ORDER BY rowid")
                               : c.query("SELECT * FROM alipay_trades WHERE app_id = ? ORDER BY rowid", {app_id});
    out.reserve(rows.size());
    for (auto& r : rows) out.push_back(trade_from(r));
    return out;
}

std::vector<Trade> Store::due_trades(Conn& c, long long now_ms, long long refund_window_ms) {
    std::vector<Trade> out;
    for (auto& r : c.query("SELECT * FROM alipay_trades WHERE (status = 'WAIT_BUYER_PAY' AND expire_ms <= ?) "
                           "OR (status = 'TRADE_SUCCESS' AND paid_ms > 0 AND paid_ms + ? <= ?)",
                           {now_ms, refund_window_ms, now_ms}))
        out.push_back(trade_from(r));
    return out;
}

std::vector<Refund> Store::refunds(Conn& c, const std::string& app_id, const std::string& out_trade_no) {
    std::string sql = "SELECT * FROM alipay_refunds WHERE 1=1";
    std::vector<state::Value> args;
    if (!app_id.empty()) {
        sql += " AND app_id = ?";
        args.emplace_back(app_id);
    }
    if (!out_trade_no.empty()) {
        sql += " AND out_trade_no = ?";
        args.emplace_back(out_trade_no);
    }
    sql += " ORDER BY rowid";
    std::vector<Refund> out;
    for (auto& r : c.query(sql, args)) out.push_back(refund_from(r));
    return out;
}

namespace {

Transfer transfer_from(const NamedRow& r) {
    Transfer t;
    t.app_id = r["app_id"].as_text();
    t.out_biz_no = r["out_biz_no"].as_text();
    t.order_id = r["order_id"].as_text();
    t.pay_fund_order_id = r["pay_fund_order_id"].as_text();
    t.status = r["status"].as_text();
    t.amount_cents = r["amount_cents"].as_int();
    t.product_code = r["product_code"].as_text();
    t.biz_scene = r["biz_scene"].as_text();
    t.order_title = r["order_title"].as_text();
    t.remark = r["remark"].as_text();
    t.identity = r["identity"].as_text();
    t.identity_type = r["identity_type"].as_text();
    t.payee_name = r["payee_name"].as_text();
    t.payee_user_id = r["payee_user_id"].as_text();
    t.created_ms = r["created_ms"].as_int();
    return t;
}

}  // namespace

std::optional<Transfer> Store::transfer(const std::string& order_id, const std::string& out_biz_no) {
    std::optional<NamedRow> r;
    if (!order_id.empty()) {
        r = c_.query_one("SELECT * FROM alipay_transfers WHERE app_id = ? AND order_id = ?", {app_id_, order_id});
    } else {
        r = c_.query_one("SELECT * FROM alipay_transfers WHERE app_id = ? AND out_biz_no = ?", {app_id_, out_biz_no});
    }
    if (!r) return std::nullopt;
    return transfer_from(*r);
}

void Store::insert_transfer(const Transfer& t) {
    c_.exec(
        "INSERT INTO alipay_transfers(app_id, out_biz_no, order_id, pay_fund_order_id, status, amount_cents, "
        "product_code, biz_scene, order_title, remark, identity, identity_type, payee_name, payee_user_id, created_ms) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        {app_id_, t.out_biz_no, t.order_id, t.pay_fund_order_id, t.status, t.amount_cents, t.product_code, t.biz_scene,
         t.order_title, t.remark, t.identity, t.identity_type, t.payee_name, t.payee_user_id, t.created_ms});
}

long long Store::transferred_cents() {
    auto r = c_.query_one(
        "SELECT COALESCE(SUM(amount_cents), 0) AS total FROM alipay_transfers WHERE app_id = ? AND status = 'SUCCESS'",
        {app_id_});
    return r ? (*r)["total"].as_int() : 0;
}

std::vector<Transfer> Store::transfers(Conn& c, const std::string& app_id) {
    std::string sql = "SELECT * FROM alipay_transfers";
    std::vector<state::Value> args;
    if (!app_id.empty()) {
        sql += " WHERE app_id = ?";
        args.emplace_back(app_id);
    }
    sql += " ORDER BY rowid";
    std::vector<Transfer> out;
    for (auto& r : c.query(sql, args)) out.push_back(transfer_from(r));
    return out;
}

int Store::purge_expired_codes(Conn& conn, long long before_ms, int limit) {
    int n = conn.exec(
        "DELETE FROM alipay_auth_codes WHERE rowid IN (SELECT rowid FROM alipay_auth_codes WHERE expires_ms < ? "
        "LIMIT ?)",
        {before_ms, limit});
    n += conn.exec(
        "DELETE FROM alipay_payment_codes WHERE rowid IN (SELECT rowid FROM alipay_payment_codes WHERE expires_ms < "
        "? LIMIT ?)",
        {before_ms, limit});
    return n + conn.exec(
                   "DELETE FROM alipay_tokens WHERE rowid IN (SELECT rowid FROM alipay_tokens WHERE re_expires_ms < ? "
                   "LIMIT ?)",
                   {before_ms, limit});
}

int Store::purge_settled_trades(Conn& conn, long long before_ms, int limit) {
    return state::delete_picked(
        conn,
        "SELECT rowid AS id FROM alipay_trades t WHERE t.status IN ('TRADE_SUCCESS','TRADE_FINISHED','TRADE_CLOSED') "
        "AND t.created_ms < ?1 AND t.paid_ms < ?1 AND t.closed_ms < ?1 AND NOT EXISTS (SELECT 1 FROM alipay_refunds "
        "r WHERE r.trade_no = t.trade_no AND r.created_ms >= ?1) LIMIT ?2",
        {before_ms, limit},
        {"DELETE FROM alipay_refunds WHERE trade_no IN (SELECT trade_no FROM alipay_trades WHERE rowid IN ({ids}))",
         "DELETE FROM alipay_trades WHERE rowid IN ({ids})"});
}

}  // namespace mpemu::alipay
