// WeChat Pay orders and refunds in SQLite (see store.hpp).
#include "emulator/wechatpay/store.hpp"

#include "emulator/state/purge.hpp"

namespace mpemu::wechatpay {

using state::Conn;
using state::NamedRow;

namespace {

constexpr const char* kOrderCols =
    "id, mchid, out_trade_no, api_version, appid, trade_type, description, attach, notify_url, total, currency, "
    "openid, params, extra, time_expire_ms, prepay_id, prepay_ms, code_url, state, transaction_id, bank_type, "
    "success_ms, created_ms, updated_ms";

constexpr const char* kRefundCols =
    "id, mchid, out_refund_no, api_version, order_id, out_trade_no, transaction_id, refund_id, refund, total, "
    "currency, reason, notify_url, status, channel, user_received_account, funds_account, created_ms, success_ms, "
    "settle_at_ms";

OrderRow order_from(const NamedRow& r) {
    OrderRow o;
    o.id = r["id"].as_int();
    o.mchid = r["mchid"].as_text();
    o.out_trade_no = r["out_trade_no"].as_text();
    o.api_version = r["api_version"].as_text();
    o.appid = r["appid"].as_text();
    o.trade_type = r["trade_type"].as_text();
    o.description = r["description"].as_text();
    o.attach = r["attach"].as_text();
    o.notify_url = r["notify_url"].as_text();
    o.total = r["total"].as_int();
    o.currency = r["currency"].as_text();
    o.openid = r["openid"].as_text();
    o.params = r["params"].as_text();
    o.extra = r["extra"].as_text();
    o.time_expire_ms = r["time_expire_ms"].as_int();
    o.prepay_id = r["prepay_id"].as_text();
    o.prepay_ms = r["prepay_ms"].as_int();
    o.code_url = r["code_url"].as_text();
    o.state = r["state"].as_text();
    o.transaction_id = r["transaction_id"].as_text();
    o.bank_type = r["bank_type"].as_text();
    o.success_ms = r["success_ms"].as_int();
    o.created_ms = r["created_ms"].as_int();
    o.updated_ms = r["updated_ms"].as_int();
    return o;
}

RefundRow refund_from(const NamedRow& r) {
    RefundRow x;
    x.id = r["id"].as_int();
    x.mchid = r["mchid"].as_text();
    x.out_refund_no = r["out_refund_no"].as_text();
    x.api_version = r["api_version"].as_text();
    x.order_id = r["order_id"].as_int();
    x.out_trade_no = r["out_trade_no"].as_text();
    x.transaction_id = r["transaction_id"].as_text();
    x.refund_id = r["refund_id"].as_text();
    x.refund = r["refund"].as_int();
    x.total = r["total"].as_int();
    x.currency = r["currency"].as_text();
    x.reason = r["reason"].as_text();
    x.notify_url = r["notify_url"].as_text();
    x.status = r["status"].as_text();
    x.channel = r["channel"].as_text();
    x.user_received_account = r["user_received_account"].as_text();
    x.funds_account = r["funds_account"].as_text();
    x.created_ms = r["created_ms"].as_int();
    x.success_ms = r["success_ms"].as_int();
    x.settle_at_ms = r["settle_at_ms"].as_int();
    return x;
}

std::optional<OrderRow> one_order(Conn& c, const std::string& where, const std::vector<state::Value>& p) {
    auto r = c.query_one(std::string("SELECT ") + kOrderCols + " FROM wechatpay_orders WHERE " + where, p);
    if (!r) return std::nullopt;
    return order_from(*r);
}

std::vector<OrderRow> many_orders(Conn& c, const std::string& rest, const std::vector<state::Value>& p) {
    std::vector<OrderRow> out;
    for (const auto& r : c.query(std::string("SELECT ") + kOrderCols + " FROM wechatpay_orders " + rest, p)) {
        out.push_back(order_from(r));
    }
    return out;
}

std::vector<RefundRow> many_refunds(Conn& c, const std::string& rest, const std::vector<state::Value>& p) {
    std::vector<RefundRow> out;
    for (const auto& r : c.query(std::string("SELECT ") + kRefundCols + " FROM wechatpay_refunds " + rest, p)) {
        out.push_back(refund_from(r));
    }
    return out;
}

}  // namespace

std::vector<state::Migration> Store::migrations() {
    return {{"wechatpay", 1, R"SQL(
CREATE TABLE wechatpay_orders (
  id INTEGER PRIMARY KEY,
  mchid TEXT NOT NULL,
  out_trade_no TEXT NOT NULL,
  api_version TEXT NOT NULL DEFAULT 'v3',
  appid TEXT NOT NULL,
  trade_type TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  attach TEXT NOT NULL DEFAULT '',
  notify_url TEXT NOT NULL DEFAULT '',
  total INTEGER NOT NULL,
  currency TEXT NOT NULL DEFAULT 'CNY',
  openid TEXT NOT NULL DEFAULT '',
  params TEXT NOT NULL DEFAULT '',
  extra TEXT NOT NULL DEFAULT '{}',
  time_expire_ms INTEGER NOT NULL DEFAULT 0,
  prepay_id TEXT NOT NULL DEFAULT '',
  prepay_ms INTEGER NOT NULL DEFAULT 0,
  code_url TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'NOTPAY',
  transaction_id TEXT NOT NULL DEFAULT '',
  bank_type TEXT NOT NULL DEFAULT '',
  success_ms INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  UNIQUE (mchid, out_trade_no)
);
CREATE INDEX wechatpay_orders_tx ON wechatpay_orders (transaction_id);
CREATE INDEX wechatpay_orders_prepay ON wechatpay_orders (prepay_id);
CREATE INDEX wechatpay_orders_no ON wechatpay_orders (out_trade_no);
CREATE TABLE wechatpay_refunds (
  id INTEGER PRIMARY KEY,
  mchid TEXT NOT NULL,
  out_refund_no TEXT NOT NULL,
  api_version TEXT NOT NULL DEFAULT 'v3',
  order_id INTEGER NOT NULL REFERENCES wechatpay_orders(id),
  out_trade_no TEXT NOT NULL,
  transaction_id TEXT NOT NULL,
  refund_id TEXT NOT NULL,
  refund INTEGER NOT NULL,
  total INTEGER NOT NULL,
  currency TEXT NOT NULL DEFAULT 'CNY',
  reason TEXT NOT NULL DEFAULT '',
  notify_url TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  channel TEXT NOT NULL,
  user_received_account TEXT NOT NULL,
  funds_account TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  success_ms INTEGER NOT NULL DEFAULT 0,
  settle_at_ms INTEGER NOT NULL DEFAULT 0,
  UNIQUE (mchid, out_refund_no)
);
CREATE INDEX wechatpay_refunds_order ON wechatpay_refunds (order_id);
CREATE INDEX wechatpay_refunds_due ON wechatpay_refunds (status, settle_at_ms);
)SQL"},
            {"wechatpay", 2, R"SQL(
CREATE TABLE wechatpay_payment_codes (
  auth_code TEXT PRIMARY KEY,
  mchid TEXT NOT NULL DEFAULT '',
  openid TEXT NOT NULL,
  result TEXT NOT NULL DEFAULT 'SUCCESS',
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  used_by TEXT NOT NULL DEFAULT ''
);
)SQL"},
            {"wechatpay", 3, R"SQL(
CREATE TABLE wechatpay_transfer_bills (
  id INTEGER PRIMARY KEY,
  mchid TEXT NOT NULL,
  out_bill_no TEXT NOT NULL,
  transfer_bill_no TEXT NOT NULL,
  appid TEXT NOT NULL,
  openid TEXT NOT NULL,
  transfer_scene_id TEXT NOT NULL,
  transfer_amount INTEGER NOT NULL,
  transfer_remark TEXT NOT NULL,
  user_name TEXT NOT NULL DEFAULT '',
  notify_url TEXT NOT NULL DEFAULT '',
  params TEXT NOT NULL DEFAULT '',
  extra TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL,
  fail_reason TEXT NOT NULL DEFAULT '',
  package_info TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  UNIQUE (mchid, out_bill_no)
);
CREATE INDEX wechatpay_transfer_bills_no ON wechatpay_transfer_bills (transfer_bill_no);
CREATE INDEX wechatpay_transfer_bills_state ON wechatpay_transfer_bills (state, created_ms);
)SQL"},
            {"wechatpay", 4, R"SQL(
CREATE TABLE wechatpay_transfer_batches (
  id INTEGER PRIMARY KEY,
  mchid TEXT NOT NULL,
  out_batch_no TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  appid TEXT NOT NULL,
  batch_name TEXT NOT NULL,
  batch_remark TEXT NOT NULL,
  total_amount INTEGER NOT NULL,
  total_num INTEGER NOT NULL,
  transfer_scene_id TEXT NOT NULL DEFAULT '',
  notify_url TEXT NOT NULL DEFAULT '',
  params TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  close_reason TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  UNIQUE (mchid, out_batch_no)
);
CREATE INDEX wechatpay_transfer_batches_id ON wechatpay_transfer_batches (batch_id);
CREATE INDEX wechatpay_transfer_batches_state ON wechatpay_transfer_batches (state, created_ms);
CREATE TABLE wechatpay_transfer_details (
  id INTEGER PRIMARY KEY,
  batch_row INTEGER NOT NULL REFERENCES wechatpay_transfer_batches(id),
  mchid TEXT NOT NULL,
  out_detail_no TEXT NOT NULL,
  detail_id TEXT NOT NULL,
  transfer_amount INTEGER NOT NULL,
  transfer_remark TEXT NOT NULL,
  openid TEXT NOT NULL,
  user_name TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  fail_reason TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  UNIQUE (batch_row, out_detail_no)
);
CREATE INDEX wechatpay_transfer_details_id ON wechatpay_transfer_details (detail_id);
)SQL"}};
}

std::optional<OrderRow> Store::order(const std::string& out_trade_no) {
    return one_order(c_, "mchid = ? AND out_trade_no = ?", {mchid_, out_trade_no});
}

std::optional<OrderRow> Store::order_by_transaction(const std::string& transaction_id) {
    if (transaction_id.empty()) return std::nullopt;
    return one_order(c_, "mchid = ? AND transaction_id = ?", {mchid_, transaction_id});
}

long long Store::insert_order(const OrderRow& o) {
    c_.exec(
        "INSERT INTO wechatpay_orders (mchid, out_trade_no, api_version, appid, trade_type, description, attach, "
        "notify_url, total, currency, openid, params, extra, time_expire_ms, prepay_id, prepay_ms, code_url, state, "
        "transaction_id, bank_type, success_ms, created_ms, updated_ms) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        {o.mchid,          o.out_trade_no,   o.api_version, o.appid,      o.trade_type, o.description,
         o.attach,         o.notify_url,     o.total,       o.currency,   o.openid,     o.params,
         o.extra,          o.time_expire_ms, o.prepay_id,   o.prepay_ms,  o.code_url,   o.state,
         o.transaction_id, o.bank_type,      o.success_ms,  o.created_ms, o.updated_ms});
    return c_.last_insert_id();
}

void Store::save_order(const OrderRow& o) {
    c_.exec(
        "UPDATE wechatpay_orders SET openid = ?, prepay_id = ?, prepay_ms = ?, code_url = ?, state = ?, "
        "transaction_id = ?, bank_type = ?, success_ms = ?, updated_ms = ? WHERE id = ?",
        {o.openid, o.prepay_id, o.prepay_ms, o.code_url, o.state, o.transaction_id, o.bank_type, o.success_ms,
         o.updated_ms, o.id});
}

std::vector<OrderRow> Store::orders(const std::string& st, int limit) {
    return list_orders(c_, mchid_, st, limit);
}

std::optional<RefundRow> Store::refund(const std::string& out_refund_no) {
    auto v = many_refunds(c_, "WHERE mchid = ? AND out_refund_no = ?", {mchid_, out_refund_no});
    if (v.empty()) return std::nullopt;
    return v.front();
}

long long Store::insert_refund(const RefundRow& r) {
    c_.exec(
        "INSERT INTO wechatpay_refunds (mchid, out_refund_no, api_version, order_id, out_trade_no, transaction_id, "
        "refund_id, refund, total, currency, reason, notify_url, status, channel, user_received_account, "
        "funds_account, created_ms, success_ms, settle_at_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        {r.mchid, r.out_refund_no, r.api_version, r.order_id, r.out_trade_no, r.transaction_id, r.refund_id, r.refund,
         r.total, r.currency, r.reason, r.notify_url, r.status, r.channel, r.user_received_account, r.funds_account,
         r.created_ms, r.success_ms, r.settle_at_ms});
    return c_.last_insert_id();
}

void Store::save_refund(const RefundRow& r) {
    c_.exec("UPDATE wechatpay_refunds SET status = ?, success_ms = ?, settle_at_ms = ? WHERE id = ?",
            {r.status, r.success_ms, r.settle_at_ms, r.id});
}

std::vector<RefundRow> Store::refunds(const std::string& out_trade_no, int limit) {
    return list_refunds(c_, mchid_, out_trade_no, limit);
}

long long Store::refunded_amount(long long order_id) {
    auto r = c_.query_one(
        "SELECT COALESCE(SUM(refund), 0) AS s FROM wechatpay_refunds WHERE order_id = ? AND "
        "status <> 'CLOSED'",
        {order_id});
    return r ? r->at(0).as_int() : 0;
}

long long Store::refund_count(long long order_id) {
    auto r = c_.query_one("SELECT COUNT(*) FROM wechatpay_refunds WHERE order_id = ?", {order_id});
    return r ? r->at(0).as_int() : 0;
}

long long Store::held_refunds() {
    auto r = c_.query_one(
        "SELECT COALESCE(SUM(refund),0) FROM wechatpay_refunds WHERE mchid = ? AND status <> 'CLOSED'", {mchid_});
    return r ? r->at(0).as_int() : 0;
}

std::optional<OrderRow> Store::order_by_id(Conn& c, long long id) {
    return one_order(c, "id = ?", {id});
}

std::optional<OrderRow> Store::order_by_prepay_id(Conn& c, const std::string& prepay_id) {
    if (prepay_id.empty()) return std::nullopt;
    return one_order(c, "prepay_id = ?", {prepay_id});
}

std::vector<OrderRow> Store::orders_numbered(Conn& c, const std::string& out_trade_no) {
    return many_orders(c, "WHERE out_trade_no = ? ORDER BY id", {out_trade_no});
}

std::vector<RefundRow> Store::refunds_numbered(Conn& c, const std::string& out_refund_no) {
    return many_refunds(c, "WHERE out_refund_no = ? ORDER BY id", {out_refund_no});
}

std::vector<OrderRow> Store::list_orders(Conn& c, const std::string& mchid, const std::string& st, int limit) {
    return many_orders(c, "WHERE (? = '' OR mchid = ?) AND (? = '' OR state = ?) ORDER BY id DESC LIMIT ?",
                       {mchid, mchid, st, st, limit});
}

std::vector<RefundRow> Store::list_refunds(Conn& c, const std::string& mchid, const std::string& out_trade_no,
                                           int limit) {
    return many_refunds(c, "WHERE (? = '' OR mchid = ?) AND (? = '' OR out_trade_no = ?) ORDER BY id DESC LIMIT ?",
                        {mchid, mchid, out_trade_no, out_trade_no, limit});
}

std::vector<RefundRow> Store::due_refunds(Conn& c, long long now_ms) {
    return many_refunds(c, "WHERE status = 'PROCESSING' AND settle_at_ms > 0 AND settle_at_ms <= ? ORDER BY id",
                        {now_ms});
}

// ---- payment codes ----

void Store::insert_payment_code(Conn& c, const PaymentCodeRow& r) {
    c.exec(
        "INSERT INTO wechatpay_payment_codes (auth_code, mchid, openid, result, created_ms, expires_ms, used_by) "
        "VALUES (?,?,?,?,?,?,?)",
        {r.auth_code, r.mchid, r.openid, r.result, r.created_ms, r.expires_ms, r.used_by});
}

std::optional<PaymentCodeRow> Store::payment_code(Conn& c, const std::string& auth_code) {
    auto r = c.query_one(
        "SELECT auth_code, mchid, openid, result, created_ms, expires_ms, used_by FROM wechatpay_payment_codes "
        "WHERE auth_code = ?",
        {auth_code});
    if (!r) return std::nullopt;
    PaymentCodeRow x;
    x.auth_code = (*r)["auth_code"].as_text();
    x.mchid = (*r)["mchid"].as_text();
    x.openid = (*r)["openid"].as_text();
    x.result = (*r)["result"].as_text();
    x.created_ms = (*r)["created_ms"].as_int();
    x.expires_ms = (*r)["expires_ms"].as_int();
    x.used_by = (*r)["used_by"].as_text();
    return x;
}

void Store::mark_payment_code_used(Conn& c, const std::string& auth_code, const std::string& used_by) {
    c.exec("UPDATE wechatpay_payment_codes SET used_by = ? WHERE auth_code = ?", {used_by, auth_code});
}

// ---- transfer bills ----

namespace {

constexpr const char* kTransferCols =
    "id, mchid, out_bill_no, transfer_bill_no, appid, openid, transfer_scene_id, transfer_amount, transfer_remark, "
    "user_name, notify_url, params, extra, state, fail_reason, package_info, created_ms, updated_ms";

std::vector<TransferRow> many_transfers(Conn& c, const std::string& rest, const std::vector<state::Value>& p) {
    std::vector<TransferRow> out;
    for (const auto& r :
         c.query(std::string("SELECT ") + kTransferCols + " FROM wechatpay_transfer_bills " + rest, p)) {
        TransferRow t;
        t.id = r["id"].as_int();
        t.mchid = r["mchid"].as_text();
        t.out_bill_no = r["out_bill_no"].as_text();
        t.transfer_bill_no = r["transfer_bill_no"].as_text();
        t.appid = r["appid"].as_text();
        t.openid = r["openid"].as_text();
        t.transfer_scene_id = r["transfer_scene_id"].as_text();
        t.transfer_amount = r["transfer_amount"].as_int();
        t.transfer_remark = r["transfer_remark"].as_text();
        t.user_name = r["user_name"].as_text();
        t.notify_url = r["notify_url"].as_text();
        t.params = r["params"].as_text();
        t.extra = r["extra"].as_text();
        t.state = r["state"].as_text();
        t.fail_reason = r["fail_reason"].as_text();
        t.package_info = r["package_info"].as_text();
        t.created_ms = r["created_ms"].as_int();
        t.updated_ms = r["updated_ms"].as_int();
        out.push_back(std::move(t));
    }
    return out;
}

std::optional<TransferRow> one_transfer(Conn& c, const std::string& where, const std::vector<state::Value>& p) {
    auto v = many_transfers(c, "WHERE " + where + " LIMIT 1", p);
    if (v.empty()) return std::nullopt;
    return v.front();
}

}  // namespace

std::optional<TransferRow> Store::transfer(const std::string& out_bill_no) {
    return one_transfer(c_, "mchid = ? AND out_bill_no = ?", {mchid_, out_bill_no});
}

std::optional<TransferRow> Store::transfer_by_bill_no(const std::string& transfer_bill_no) {
    return one_transfer(c_, "mchid = ? AND transfer_bill_no = ?", {mchid_, transfer_bill_no});
}

long long Store::insert_transfer(const TransferRow& t) {
    c_.exec(
        "INSERT INTO wechatpay_transfer_bills (mchid, out_bill_no, transfer_bill_no, appid, openid, transfer_scene_id, "
        "transfer_amount, transfer_remark, user_name, notify_url, params, extra, state, fail_reason, package_info, "
        "created_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        {mchid_, t.out_bill_no, t.transfer_bill_no, t.appid, t.openid, t.transfer_scene_id, t.transfer_amount,
         t.transfer_remark, t.user_name, t.notify_url, t.params, t.extra, t.state, t.fail_reason, t.package_info,
         t.created_ms, t.updated_ms});
    return c_.last_insert_id();
}

void Store::save_transfer(const TransferRow& t) {
    c_.exec("UPDATE wechatpay_transfer_bills SET state = ?, fail_reason = ?, updated_ms = ? WHERE id = ?",
            {t.state, t.fail_reason, t.updated_ms, t.id});
}

long long Store::held_transfers() {
    auto r = c_.query_one(
        "SELECT COALESCE(SUM(transfer_amount), 0) AS s FROM wechatpay_transfer_bills "
        "WHERE mchid = ? AND state NOT IN ('FAIL', 'CANCELLED')",
        {mchid_});
    return r ? (*r)["s"].as_int() : 0;
}

std::vector<TransferRow> Store::list_transfers(Conn& c, const std::string& mchid, const std::string& st, int limit) {
    return many_transfers(c, "WHERE (? = '' OR mchid = ?) AND (? = '' OR state = ?) ORDER BY id DESC LIMIT ?",
                          {mchid, mchid, st, st, limit});
}

std::vector<TransferRow> Store::transfers_numbered(Conn& c, const std::string& out_bill_no) {
    return many_transfers(c, "WHERE out_bill_no = ? ORDER BY id", {out_bill_no});
}

std::vector<TransferRow> Store::unconfirmed_transfers(Conn& c, long long before_ms) {
    return many_transfers(c, "WHERE state = 'WAIT_USER_CONFIRM' AND created_ms < ? ORDER BY id", {before_ms});
}

// ---- transfer batches ----

namespace {

constexpr const char* kBatchCols =
    "id, mchid, out_batch_no, batch_id, appid, batch_name, batch_remark, total_amount, total_num, transfer_scene_id, "
    "notify_url, params, state, close_reason, created_ms, updated_ms";
constexpr const char* kDetailCols =
    "id, batch_row, out_detail_no, detail_id, transfer_amount, transfer_remark, openid, user_name, state, fail_reason, "
    "created_ms, updated_ms";

std::vector<TransferBatchRow> many_batches(Conn& c, const std::string& rest, const std::vector<state::Value>& p) {
    std::vector<TransferBatchRow> out;
    for (const auto& r : c.query(std::string("SELECT ") + kBatchCols + " FROM wechatpay_transfer_batches " + rest, p)) {
        TransferBatchRow b;
        b.id = r["id"].as_int();
        b.mchid = r["mchid"].as_text();
        b.out_batch_no = r["out_batch_no"].as_text();
        b.batch_id = r["batch_id"].as_text();
        b.appid = r["appid"].as_text();
        b.batch_name = r["batch_name"].as_text();
        b.batch_remark = r["batch_remark"].as_text();
        b.total_amount = r["total_amount"].as_int();
        b.total_num = r["total_num"].as_int();
        b.transfer_scene_id = r["transfer_scene_id"].as_text();
        b.notify_url = r["notify_url"].as_text();
        b.params = r["params"].as_text();
        b.state = r["state"].as_text();
        b.close_reason = r["close_reason"].as_text();
        b.created_ms = r["created_ms"].as_int();
        b.updated_ms = r["updated_ms"].as_int();
        out.push_back(std::move(b));
    }
    return out;
}

std::vector<TransferDetailRow> many_details(Conn& c, const std::string& rest, const std::vector<state::Value>& p) {
    std::vector<TransferDetailRow> out;
    for (const auto& r :
         c.query(std::string("SELECT ") + kDetailCols + " FROM wechatpay_transfer_details " + rest, p)) {
        TransferDetailRow d;
        d.id = r["id"].as_int();
        d.batch_row = r["batch_row"].as_int();
        d.out_detail_no = r["out_detail_no"].as_text();
        d.detail_id = r["detail_id"].as_text();
        d.transfer_amount = r["transfer_amount"].as_int();
        d.transfer_remark = r["transfer_remark"].as_text();
        d.openid = r["openid"].as_text();
        d.user_name = r["user_name"].as_text();
        d.state = r["state"].as_text();
        d.fail_reason = r["fail_reason"].as_text();
        d.created_ms = r["created_ms"].as_int();
        d.updated_ms = r["updated_ms"].as_int();
        out.push_back(std::move(d));
    }
    return out;
}

template <class T>
std::optional<T> first(std::vector<T> v) {
    if (v.empty()) return std::nullopt;
    return std::move(v.front());
}

}  // namespace

std::optional<TransferBatchRow> Store::batch(const std::string& out_batch_no) {
    return first(many_batches(c_, "WHERE mchid = ? AND out_batch_no = ? LIMIT 1", {mchid_, out_batch_no}));
}

std::optional<TransferBatchRow> Store::batch_by_id(const std::string& batch_id) {
    return first(many_batches(c_, "WHERE mchid = ? AND batch_id = ? LIMIT 1", {mchid_, batch_id}));
}

long long Store::insert_batch(const TransferBatchRow& b) {
    c_.exec(
        "INSERT INTO wechatpay_transfer_batches (mchid, out_batch_no, batch_id, appid, batch_name, batch_remark, "
        "total_amount, total_num, transfer_scene_id, notify_url, params, state, close_reason, created_ms, updated_ms) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        {mchid_, b.out_batch_no, b.batch_id, b.appid, b.batch_name, b.batch_remark, b.total_amount, b.total_num,
         b.transfer_scene_id, b.notify_url, b.params, b.state, b.close_reason, b.created_ms, b.updated_ms});
    return c_.last_insert_id();
}

void Store::save_batch(const TransferBatchRow& b) {
    c_.exec("UPDATE wechatpay_transfer_batches SET state = ?, close_reason = ?, updated_ms = ? WHERE id = ?",
            {b.state, b.close_reason, b.updated_ms, b.id});
}

std::vector<TransferDetailRow> Store::details(long long batch_row, const std::string& status, long long offset,
                                              long long limit) {
    return many_details(c_, "WHERE batch_row = ? AND (? = '' OR state = ?) ORDER BY id LIMIT ? OFFSET ?",
                        {batch_row, status, status, limit, offset});
}

std::optional<TransferDetailRow> Store::detail(long long batch_row, const std::string& out_detail_no) {
    return first(many_details(c_, "WHERE batch_row = ? AND out_detail_no = ? LIMIT 1", {batch_row, out_detail_no}));
}

std::optional<TransferDetailRow> Store::detail_by_id(long long batch_row, const std::string& detail_id) {
    return first(many_details(c_, "WHERE batch_row = ? AND detail_id = ? LIMIT 1", {batch_row, detail_id}));
}

void Store::insert_detail(const TransferDetailRow& d) {
    c_.exec(
        "INSERT INTO wechatpay_transfer_details (batch_row, mchid, out_detail_no, detail_id, transfer_amount, "
        "transfer_remark, openid, user_name, state, fail_reason, created_ms, updated_ms) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        {d.batch_row, mchid_, d.out_detail_no, d.detail_id, d.transfer_amount, d.transfer_remark, d.openid, d.user_name,
         d.state, d.fail_reason, d.created_ms, d.updated_ms});
}

void Store::save_detail(const TransferDetailRow& d) {
    c_.exec("UPDATE wechatpay_transfer_details SET state = ?, fail_reason = ?, updated_ms = ? WHERE id = ?",
            {d.state, d.fail_reason, d.updated_ms, d.id});
}

long long Store::held_batch_details() {
    auto r = c_.query_one(
        "SELECT COALESCE(SUM(transfer_amount), 0) AS s FROM wechatpay_transfer_details WHERE mchid = ? AND "
        "state <> 'FAIL'",
        {mchid_});
    return r ? (*r)["s"].as_int() : 0;
}

std::vector<TransferBatchRow> Store::due_batches(Conn& c, long long before_ms) {
    return many_batches(c, "WHERE state = 'PROCESSING' AND created_ms < ? ORDER BY id", {before_ms});
}

std::vector<TransferBatchRow> Store::list_batches(Conn& c, const std::string& mchid, int limit) {
    return many_batches(c, "WHERE (? = '' OR mchid = ?) ORDER BY id DESC LIMIT ?", {mchid, mchid, limit});
}

std::vector<TransferBatchRow> Store::batches_numbered(Conn& c, const std::string& out_batch_no) {
    return many_batches(c, "WHERE out_batch_no = ? ORDER BY id", {out_batch_no});
}

int Store::purge_payment_codes(state::Conn& c, long long before_ms, int limit) {
    return c.exec(
        "DELETE FROM wechatpay_payment_codes WHERE rowid IN "
        "(SELECT rowid FROM wechatpay_payment_codes WHERE expires_ms < ? LIMIT ?)",
        {before_ms, limit});
}

int Store::purge_settled_orders(state::Conn& c, long long before_ms, int limit) {
    // Final: paid, refunded, closed, revoked, failed; or unpaid past the point where it reads as CLOSED (7 days,
    // or its time_expire: orders.cpp). Refunds go with their order, so one still processing (or changed after
    // the cutoff) keeps it.
    return state::delete_picked(
        c,
        "SELECT id FROM wechatpay_orders o WHERE o.updated_ms < ?1 AND (o.state IN "
        "('SUCCESS','REFUND','CLOSED','REVOKED','PAYERROR') OR (o.state = 'NOTPAY' AND o.created_ms + 604800000 < ?1 "
        "AND o.time_expire_ms < ?1)) AND NOT EXISTS (SELECT 1 FROM wechatpay_refunds r WHERE r.order_id = o.id AND "
        "(r.status = 'PROCESSING' OR r.created_ms >= ?1 OR r.success_ms >= ?1)) LIMIT ?2",
        {before_ms, limit},
        {"DELETE FROM wechatpay_refunds WHERE order_id IN ({ids})",
         "DELETE FROM wechatpay_orders WHERE id IN ({ids})"});
}

}  // namespace mpemu::wechatpay
