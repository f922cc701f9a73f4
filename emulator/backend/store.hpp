// The mimic's SQLite tables: collection rows (JSON per row, optional owner), users created by logins,
// and payments linking provider order numbers to rows. Nothing else touches these tables.
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

class Store {
public:
    static std::vector<state::Migration> migrations();
    // The collections' seed rows (integer ids numbered from 1 when absent, string ids "seed-N").
    static void seed(state::Conn& c, const BackendConfig& cfg);

    // Rows (caller holds a transaction when it needs one).
    static std::vector<StoredRow> list(state::Conn& c, const std::string& collection, const std::string* owner);
    static std::optional<StoredRow> get(state::Conn& c, const std::string& collection, const std::string& id);
    static std::string next_integer_id(state::Conn& c, const std::string& collection);
    static void insert(state::Conn& c, const std::string& collection, const std::string& id, long long num_id,
                       const std::string& owner, const core::Json& data, long long now_ms);
    static void update(state::Conn& c, const std::string& collection, const std::string& id, const core::Json& data,
                       long long now_ms);
    static bool remove(state::Conn& c, const std::string& collection, const std::string& id);

    // Users: upserted on login; returns the user row as JSON.
    static core::Json upsert_user(state::Conn& c, const std::string& id, const std::string& provider,
                                  const std::string& app, const std::string& subject, const core::Json& profile,
                                  long long now_ms);

    static void put_payment(state::Conn& c, const Payment& p, long long now_ms);
    static std::optional<Payment> payment(state::Conn& c, const std::string& provider, const std::string& out_trade_no);
    static void mark_paid(state::Conn& c, const std::string& provider, const std::string& out_trade_no,
                          const std::string& transaction_id, long long now_ms);
};

}  // namespace mpemu::backend
