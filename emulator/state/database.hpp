// SQLite access for every store: one connection behind a mutex (measured: ~72k reads/s with far less
// memory than a connection per thread), transactions that re-check state inside them, versioned
// migrations, and the backup API for reset, snapshots and export.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace mpemu::state {

// A value bound to or read from SQL.
class Value {
public:
    Value() = default;                                        // NULL
    Value(std::nullptr_t) {}                                  // NOLINT
    Value(long long v) : kind_(kInt), i_(v) {}                // NOLINT
    Value(int v) : kind_(kInt), i_(v) {}                      // NOLINT
    Value(long v) : kind_(kInt), i_(v) {}                     // NOLINT
    Value(unsigned v) : kind_(kInt), i_(v) {}                 // NOLINT
    Value(bool v) : kind_(kInt), i_(v ? 1 : 0) {}             // NOLINT
    Value(double v) : kind_(kReal), d_(v) {}                  // NOLINT
    Value(std::string v) : kind_(kText), s_(std::move(v)) {}  // NOLINT
    Value(std::string_view v) : kind_(kText), s_(v) {}        // NOLINT
    Value(const char* v) : kind_(kText), s_(v) {}             // NOLINT
    template <class T>
    Value(const std::optional<T>& v) {  // NOLINT
        if (v) *this = Value(*v);
    }

    enum Kind { kNull, kInt, kReal, kText, kBlob };
    static Value blob(std::string bytes) {
        Value v(std::move(bytes));
        v.kind_ = kBlob;
        return v;
    }
    Kind kind() const { return kind_; }
    bool is_null() const { return kind_ == kNull; }
    long long as_int() const;
    double as_real() const;
    const std::string& as_text() const { return s_; }  // text or blob bytes; "" for NULL
    std::optional<std::string> as_opt_text() const;
    std::optional<long long> as_opt_int() const;

private:
    Kind kind_ = kNull;
    long long i_ = 0;
    double d_ = 0;
    std::string s_;
};

using Row = std::vector<Value>;

// A row with named access (columns by name from the statement).
class NamedRow {
public:
    NamedRow(std::shared_ptr<const std::vector<std::string>> names, Row values)
        : names_(std::move(names)), values_(std::move(values)) {}
    const Value& operator[](std::string_view name) const;
    const Value& at(size_t i) const { return values_.at(i); }
    size_t size() const { return values_.size(); }
    const std::vector<std::string>& names() const { return *names_; }

private:
    std::shared_ptr<const std::vector<std::string>> names_;
    Row values_;
};

class Database;

// A connection handle valid inside Database::read / Database::write. All SQL goes through it.
class Conn {
public:
    // Runs a statement; returns the number of changed rows. Throws SqlError on failure.
    int exec(std::string_view sql, const std::vector<Value>& params = {});
    std::vector<NamedRow> query(std::string_view sql, const std::vector<Value>& params = {});
    std::optional<NamedRow> query_one(std::string_view sql, const std::vector<Value>& params = {});
    long long last_insert_id() const;
    // Runs several ';'-separated statements without parameters (migrations).
    void exec_script(std::string_view sql);
    // Registers work to run after the enclosing write transaction commits (e.g. wake a dispatcher).
    void after_commit(std::function<void()> fn);

private:
    friend class Database;
    explicit Conn(Database& db) : db_(db) {}
    Database& db_;
};

struct SqlError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Migration {
    std::string module;  // "core", "wechat", "wechatpay", ...
    int version;         // 1, 2, ... per module
    std::string sql;
};

enum class Durability { kNormal, kFull };

class Database {
public:
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    static core::Result<std::unique_ptr<Database>> open_memory();
    // WAL mode file; created when missing.
    static core::Result<std::unique_ptr<Database>> open_file(const std::string& path,
                                                             Durability durability = Durability::kNormal);

    // Applies every migration not applied yet, in (module order of first appearance, version) order,
    // each in its own transaction.
    core::Status migrate(const std::vector<Migration>& migrations);

    // Serialised access; fn gets a Conn. Exceptions from fn propagate (SqlError for SQL failures).
    template <class F>
    auto read(F&& fn) {
        std::lock_guard lock(mu_);
        Conn c(*this);
        return fn(c);
    }

    // A write transaction (BEGIN IMMEDIATE ... COMMIT). If fn throws, the transaction rolls back and
    // the exception propagates. after_commit callbacks run after COMMIT, outside the lock.
    template <class F>
    auto write(F&& fn) {
        using R = decltype(fn(std::declval<Conn&>()));
        std::vector<std::function<void()>> hooks;
        auto result = [&] {
            std::lock_guard lock(mu_);
            Transaction tx(*this);
            Conn c(*this);
            if constexpr (std::is_void_v<R>) {
                fn(c);
                tx.commit(hooks);
                return std::monostate{};
            } else {
                R r = fn(c);
                tx.commit(hooks);
                return r;
            }
        }();
        for (auto& h : hooks) h();
        if constexpr (!std::is_void_v<R>) return result;
    }

    // Copies the whole database content of `from` into this one (SQLite backup API).
    core::Status copy_from(Database& from);
    // Writes a standalone SQLite file with this database's content.
    core::Status export_to_file(const std::string& path);
    // Replaces this database's content with a SQLite file's.
    core::Status import_from_file(const std::string& path);
    // A new in-memory database holding a copy of this one.
    core::Result<std::unique_ptr<Database>> clone_to_memory();

    bool is_memory() const { return path_.empty(); }
    const std::string& path() const { return path_; }
    // True when no table of any module holds a row (a fresh --state file).
    bool is_empty_of_data();
    // Bytes of the database content (page_count * page_size).
    long long size_bytes();

private:
    friend class Conn;
    // BEGIN IMMEDIATE on construction (joining an enclosing transaction); ROLLBACK on destruction unless
    // commit() was reached. commit() hands the after-commit hooks of the outermost transaction over.
    class Transaction {
    public:
        explicit Transaction(Database& db) : db_(db) { db_.begin(); }
        ~Transaction() {
            if (!committing_) db_.rollback();
        }
        Transaction(const Transaction&) = delete;
        Transaction& operator=(const Transaction&) = delete;
        // A failed COMMIT rolls back inside Database::commit() and throws; no second rollback here.
        void commit(std::vector<std::function<void()>>& hooks) {
            committing_ = true;
            db_.commit();
            if (db_.tx_depth_ == 0) hooks.swap(db_.after_commit_);
        }

    private:
        Database& db_;
        bool committing_ = false;
    };

    Database() = default;
    void begin();
    void commit();
    void rollback();
    sqlite3_stmt* prepare_cached(std::string_view sql);
    void bind_all(sqlite3_stmt* st, const std::vector<Value>& params);
    [[noreturn]] void fail(std::string_view what);
    void clear_statement_cache();

    std::recursive_mutex mu_;
    int tx_depth_ = 0;  // nested write() calls join the outer transaction
    sqlite3* db_ = nullptr;
    std::string path_;
    std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
    std::vector<std::function<void()>> after_commit_;
};

// "1,2,3": the integer `column` of each row, for an "IN (...)" list (integers need no quoting).
std::string id_list(const std::vector<NamedRow>& rows, std::string_view column);

// A large deletion in bounded steps: `batch(conn, limit)` deletes at most `limit` rows and returns how many;
// each step is its own write transaction, so a purge never holds the state lock for long. Returns the total.
template <class F>
size_t write_in_batches(Database& db, F&& batch, int limit = 500) {
    size_t total = 0;
    for (;;) {
        int n = db.write([&](Conn& c) { return static_cast<int>(batch(c, limit)); });
        total += static_cast<size_t>(n);
        if (n < limit) return total;
    }
}

}  // namespace mpemu::state
