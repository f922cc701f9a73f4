// SQL for the mimic's rows, users and payments: the only place the backend's tables are touched.
#include "emulator/backend/store.hpp"

#include <algorithm>

namespace mpemu::backend {

std::vector<state::Migration> migrations() {
    return {{"backend", 1, R"SQL(
CREATE TABLE backend_rows (
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  num_id INTEGER,
  owner TEXT NOT NULL DEFAULT '',
  data TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (collection, id)
);
CREATE INDEX backend_rows_owner ON backend_rows(collection, owner);
CREATE TABLE backend_users (
  id TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  app TEXT NOT NULL,
  subject TEXT NOT NULL,
  profile TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  last_login_ms INTEGER NOT NULL,
  logins INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE backend_payments (
  provider TEXT NOT NULL,
  out_trade_no TEXT NOT NULL,
  collection TEXT NOT NULL,
  row_id TEXT NOT NULL,
  status TEXT NOT NULL,
  transaction_id TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  paid_ms INTEGER,
  PRIMARY KEY (provider, out_trade_no)
);
)SQL"}};
}

std::vector<StoredRow> Store::list(const std::string* owner) {
    std::vector<state::NamedRow> rows =
        owner
            ? c_.query(
                  "SELECT id, owner, data FROM backend_rows WHERE collection = ? AND owner = ? "
                  "ORDER BY num_id, created_ms, id",
                  {collection_, *owner})
            : c_.query("SELECT id, owner, data FROM backend_rows WHERE collection = ? ORDER BY num_id, created_ms, id",
                       {collection_});
    std::vector<StoredRow> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
        auto data = core::parse_json(r["data"].as_text(), 256);
        out.push_back({r["id"].as_text(), r["owner"].as_text(), data ? std::move(*data) : core::Json::object()});
    }
    return out;
}

std::optional<StoredRow> Store::get(const std::string& id) {
    auto r =
        c_.query_one("SELECT id, owner, data FROM backend_rows WHERE collection = ? AND id = ?", {collection_, id});
    if (!r) return std::nullopt;
    auto data = core::parse_json((*r)["data"].as_text(), 256);
    return StoredRow{(*r)["id"].as_text(), (*r)["owner"].as_text(), data ? std::move(*data) : core::Json::object()};
}

std::string Store::next_integer_id() {
    auto r =
        c_.query_one("SELECT COALESCE(MAX(num_id), 0) + 1 AS n FROM backend_rows WHERE collection = ?", {collection_});
    return std::to_string(r ? (*r)["n"].as_int() : 1);
}

void Store::insert(const std::string& id, long long num_id, const std::string& owner, const core::Json& data,
                   long long now_ms) {
    c_.exec(
        "INSERT INTO backend_rows(collection, id, num_id, owner, data, created_ms, updated_ms) VALUES(?,?,?,?,?,?,?)",
        {collection_, id, num_id ? state::Value(num_id) : state::Value(), owner, core::dump(data), now_ms, now_ms});
}

void Store::update(const std::string& id, const core::Json& data, long long now_ms) {
    c_.exec("UPDATE backend_rows SET data = ?, updated_ms = ? WHERE collection = ? AND id = ?",
            {core::dump(data), now_ms, collection_, id});
}

bool Store::remove(const std::string& id) {
    return c_.exec("DELETE FROM backend_rows WHERE collection = ? AND id = ?", {collection_, id}) > 0;
}

core::Json Users::upsert(const std::string& id, const std::string& provider, const std::string& app,
                         const std::string& subject, const core::Json& profile, long long now_ms) {
    c_.exec(
        "INSERT INTO backend_users(id, provider, app, subject, profile, created_ms, last_login_ms) "
        "VALUES(?,?,?,?,?,?,?) "
        "ON CONFLICT(id) DO UPDATE SET profile = excluded.profile, last_login_ms = excluded.last_login_ms, "
        "logins = logins + 1",
        {id, provider, app, subject, core::dump(profile), now_ms, now_ms});
    auto r = c_.query_one("SELECT created_ms, logins FROM backend_users WHERE id = ?", {id});
    core::Json u = {{"id", id}, {"provider", provider}, {"app", app}, {"subject", subject}, {"profile", profile}};
    if (r) {
        u["created_ms"] = (*r)["created_ms"].as_int();
        u["logins"] = (*r)["logins"].as_int();
        u["new"] = (*r)["logins"].as_int() == 1;
    }
    return u;
}

void Store::put_payment(const std::string& provider, const std::string& out_trade_no, const std::string& row_id,
                        long long now_ms) {
    c_.exec(
        "INSERT INTO backend_payments(provider, out_trade_no, collection, row_id, status, created_ms) "
        "VALUES(?,?,?,?,?,?) "
        "ON CONFLICT(provider, out_trade_no) DO NOTHING",
        {provider, out_trade_no, collection_, row_id, "pending", now_ms});
}

std::optional<Payment> Store::payment(state::Conn& conn, const std::string& provider, const std::string& out_trade_no) {
    auto r = conn.query_one("SELECT * FROM backend_payments WHERE provider = ? AND out_trade_no = ?",
                            {provider, out_trade_no});
    if (!r) return std::nullopt;
    return Payment{provider,
                   out_trade_no,
                   (*r)["collection"].as_text(),
                   (*r)["row_id"].as_text(),
                   (*r)["status"].as_text(),
                   (*r)["transaction_id"].as_text()};
}

void Store::mark_paid(const std::string& provider, const std::string& out_trade_no, const std::string& transaction_id,
                      long long now_ms) {
    c_.exec(
        "UPDATE backend_payments SET status = 'paid', transaction_id = ?, paid_ms = ? WHERE provider = ? AND "
        "out_trade_no = ?",
        {transaction_id, now_ms, provider, out_trade_no});
}

std::string id_text(const core::Json& v) {
    return v.is_string() ? v.get<std::string>() : core::dump(v);
}

void seed(state::Conn& conn, const BackendConfig& cfg) {
    for (const auto& c : cfg.collections) {
        long long next = 1;
        for (const auto& row : c.seed) {
            core::Json data = row;
            std::string id;
            long long num = 0;
            if (data.contains(c.id_field)) {
                id = id_text(data[c.id_field]);
                if (c.integer_ids) num = data[c.id_field].get<long long>();
            } else if (c.integer_ids) {
                num = next;
                id = std::to_string(num);
                data[c.id_field] = num;
            } else {
                id = "seed-" + std::to_string(next);
                data[c.id_field] = id;
            }
            next = std::max(next, num) + 1;
            std::string owner = c.owned && data.contains(c.owner_field) ? id_text(data[c.owner_field]) : "";
            Store(conn, c.name).insert(id, num, owner, data, 0);
        }
    }
}

}  // namespace mpemu::backend
