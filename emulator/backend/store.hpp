// The mimic's SQLite tables: collection rows (JSON per row, optional owner), users created by logins,
// and payments linking provider order numbers to rows. A Store is opened per collection; nothing else
// touches these tables.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "emulator/backend/fixture.hpp"
#include "emulator/state/database.hpp"

namespace mpemu::backend {

struct StoredRow {
    std::string id;
    std::string owner;
    core::Json data;
};

struct Payment {
    std::string provider;  // "wechatpay" | "alipay"
    std::string out_trade_no;
    std::string collection;
    std::string row_id;
    std::string status;  // "pending" | "paid"
    std::string transaction_id;
};

// The text under which a row id is stored: strings as they are, other JSON values as JSON text.
std::string id_text(const core::Json& v);

std::vector<state::Migration> migrations();
// The collections' seed rows (integer ids numbered from 1 when absent, string ids "seed-N").
void seed(state::Conn& conn, const BackendConfig& cfg);

// One collection's rows (the backend's tenant), and the payments of its rows. Opened on a connection
// inside Database::read/write; the caller holds a write transaction when a read must stay true.
class Store {
public:
    Store(state::Conn& conn, std::string collection) : c_(conn), collection_(std::move(collection)) {}

    // Rows in id order; only owner's when owner is given.
    std::vector<StoredRow> list(const std::string* owner);
    std::optional<StoredRow> get(const std::string& id);
    std::string next_integer_id();
    // num_id: the integer id (0 for string ids).
    void insert(const std::string& id, long long num_id, const std::string& owner, const core::Json& data,
                long long now_ms);
    void update(const std::string& id, const core::Json& data, long long now_ms);
    bool remove(const std::string& id);

    // A pending payment of one of this collection's rows (kept when out_trade_no is known already).
    void put_payment(const std::string& provider, const std::string& out_trade_no, const std::string& row_id,
                     long long now_ms);
    // A payment of any collection (the caller opens the Store of payment->collection).
    static std::optional<Payment> payment(state::Conn& conn, const std::string& provider,
                                          const std::string& out_trade_no);
    void mark_paid(const std::string& provider, const std::string& out_trade_no, const std::string& transaction_id,
                   long long now_ms);

private:
    state::Conn& c_;
    std::string collection_;
};

// Users created by logins (shared by every collection).
class Users {
public:
    explicit Users(state::Conn& conn) : c_(conn) {}
    // Upserted on login; the user row as JSON, "new" when this was its first login.
    core::Json upsert(const std::string& id, const std::string& provider, const std::string& app,
                      const std::string& subject, const core::Json& profile, long long now_ms);

private:
    state::Conn& c_;
};

}  // namespace mpemu::backend
