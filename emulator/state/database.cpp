// SQLite wrapper: cached prepared statements, transactions, migrations and backups.
#include "emulator/state/database.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <set>

#include "emulator/state/purge.hpp"

namespace mpemu::state {

long long Value::as_int() const {
    switch (kind_) {
        case kInt:
            return i_;
        case kReal:
            return static_cast<long long>(d_);
        case kText:
            return s_.empty() ? 0 : std::stoll(s_);
        default:
            return 0;
    }
}

double Value::as_real() const {
    switch (kind_) {
        case kInt:
            return static_cast<double>(i_);
        case kReal:
            return d_;
        case kText:
            return s_.empty() ? 0 : std::stod(s_);
        default:
            return 0;
    }
}

std::optional<std::string> Value::as_opt_text() const {
    if (kind_ == kNull) return std::nullopt;
    if (kind_ == kInt) return std::to_string(i_);
    return s_;
}

std::optional<long long> Value::as_opt_int() const {
    if (kind_ == kNull) return std::nullopt;
    return as_int();
}

const Value& NamedRow::operator[](std::string_view name) const {
    for (size_t i = 0; i < names_->size(); ++i) {
        if ((*names_)[i] == name) return values_[i];
    }
    throw SqlError("no column named " + std::string(name));
}

// ---- Conn --------------------------------------------------------------------------------------

int Conn::exec(std::string_view sql, const std::vector<Value>& params) {
    sqlite3_stmt* st = db_.prepare_cached(sql);
    db_.bind_all(st, params);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) db_.fail(sql);
    return sqlite3_changes(db_.db_);
}

std::vector<NamedRow> Conn::query(std::string_view sql, const std::vector<Value>& params) {
    sqlite3_stmt* st = db_.prepare_cached(sql);
    db_.bind_all(st, params);
    int ncol = sqlite3_column_count(st);
    auto names = std::make_shared<std::vector<std::string>>();
    for (int i = 0; i < ncol; ++i) names->emplace_back(sqlite3_column_name(st, i));
    std::vector<NamedRow> rows;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        Row r;
        r.reserve(static_cast<size_t>(ncol));
        for (int i = 0; i < ncol; ++i) {
            switch (sqlite3_column_type(st, i)) {
                case SQLITE_INTEGER:
                    r.emplace_back(static_cast<long long>(sqlite3_column_int64(st, i)));
                    break;
                case SQLITE_FLOAT:
                    r.emplace_back(sqlite3_column_double(st, i));
                    break;
                case SQLITE_TEXT:
                    r.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, i)),
                                               static_cast<size_t>(sqlite3_column_bytes(st, i))));
                    break;
                case SQLITE_BLOB: {
                    const void* p = sqlite3_column_blob(st, i);
                    r.push_back(Value::blob(
                        std::string(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(st, i)))));
                    break;
                }
                default:
                    r.emplace_back();
                    break;
            }
        }
        rows.emplace_back(names, std::move(r));
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) db_.fail(sql);
    return rows;
}

std::optional<NamedRow> Conn::query_one(std::string_view sql, const std::vector<Value>& params) {
    auto rows = query(sql, params);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
}

long long Conn::last_insert_id() const {
    return sqlite3_last_insert_rowid(db_.db_);
}

void Conn::exec_script(std::string_view sql) {
    std::string s(sql);
    char* err = nullptr;
    if (sqlite3_exec(db_.db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        throw SqlError("SQL script failed: " + msg);
    }
}

void Conn::after_commit(std::function<void()> fn) {
    db_.after_commit_.push_back(std::move(fn));
}

// ---- Database ----------------------------------------------------------------------------------

Database::~Database() {
    clear_statement_cache();
    if (db_) sqlite3_close_v2(db_);
}

void Database::clear_statement_cache() {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st);
    cache_.clear();
}

core::Result<std::unique_ptr<Database>> Database::open_memory() {
    std::unique_ptr<Database> d(new Database());
    if (sqlite3_open_v2(":memory:", &d->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        return core::make_error("sqlite", "cannot open an in-memory database");
    }
    sqlite3_exec(d->db_, "PRAGMA foreign_keys=ON;", nullptr, nullptr, nullptr);
    return d;
}

core::Result<std::unique_ptr<Database>> Database::open_file(const std::string& path, Durability durability) {
    std::unique_ptr<Database> d(new Database());
    d->path_ = path;
    if (sqlite3_open_v2(path.c_str(), &d->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        std::string msg = d->db_ ? sqlite3_errmsg(d->db_) : "out of memory";
        return core::make_error("sqlite", "cannot open state file " + path + ": " + msg);
    }
    sqlite3_busy_timeout(d->db_, 5000);
    char* err = nullptr;
    std::string pragmas = "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=";
    pragmas += durability == Durability::kFull ? "FULL;" : "NORMAL;";
    if (sqlite3_exec(d->db_, pragmas.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        return core::make_error("sqlite", "state file " + path + " is not a usable SQLite database: " + msg);
    }
    return d;
}

sqlite3_stmt* Database::prepare_cached(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &st, nullptr) != SQLITE_OK) fail(sql);
    cache_.emplace(std::string(sql), st);
    return st;
}

void Database::bind_all(sqlite3_stmt* st, const std::vector<Value>& params) {
    for (size_t i = 0; i < params.size(); ++i) {
        int idx = static_cast<int>(i + 1);
        const Value& v = params[i];
        int rc = SQLITE_OK;
        switch (v.kind()) {
            case Value::kNull:
                rc = sqlite3_bind_null(st, idx);
                break;
            case Value::kInt:
                rc = sqlite3_bind_int64(st, idx, v.as_int());
                break;
            case Value::kReal:
                rc = sqlite3_bind_double(st, idx, v.as_real());
                break;
            case Value::kText:
                rc = sqlite3_bind_text(st, idx, v.as_text().data(), static_cast<int>(v.as_text().size()),
                                       SQLITE_TRANSIENT);
                break;
            case Value::kBlob:
                rc = sqlite3_bind_blob(st, idx, v.as_text().data(), static_cast<int>(v.as_text().size()),
                                       SQLITE_TRANSIENT);
                break;
        }
        if (rc != SQLITE_OK) {
            sqlite3_reset(st);
            fail("bind");
        }
    }
}

void Database::fail(std::string_view what) {
    std::string msg = sqlite3_errmsg(db_);
    throw SqlError(msg + " [" + std::string(what.substr(0, 200)) + "]");
}

void Database::begin() {
    if (tx_depth_++ > 0) return;
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
        tx_depth_ = 0;
        fail("BEGIN IMMEDIATE");
    }
}

void Database::commit() {
    if (--tx_depth_ > 0) return;
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
        std::string msg = sqlite3_errmsg(db_);
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        after_commit_.clear();
        throw SqlError("COMMIT failed: " + msg);
    }
}

void Database::rollback() {
    if (--tx_depth_ > 0) return;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    after_commit_.clear();
}

core::Status Database::migrate(const std::vector<Migration>& migrations) {
    try {
        write([](Conn& c) {
            c.exec_script(
                "CREATE TABLE IF NOT EXISTS mpemu_migrations(module TEXT NOT NULL, version INTEGER NOT NULL, "
                "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), PRIMARY KEY(module, "
                "version));"
                "CREATE TABLE IF NOT EXISTS mpemu_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);");
        });
        for (const auto& m : migrations) {
            write([&](Conn& c) {
                auto done =
                    c.query_one("SELECT 1 FROM mpemu_migrations WHERE module=? AND version=?", {m.module, m.version});
                if (done) return;
                c.exec_script(m.sql);
                c.exec("INSERT INTO mpemu_migrations(module, version) VALUES(?, ?)", {m.module, m.version});
            });
        }
    } catch (const SqlError& e) {
        return core::make_error("migration", std::string("database migration failed: ") + e.what());
    }
    return {};
}

namespace {
core::Status backup(sqlite3* dest, sqlite3* src) {
    sqlite3_backup* b = sqlite3_backup_init(dest, "main", src, "main");
    if (!b) return core::make_error("sqlite", std::string("backup failed: ") + sqlite3_errmsg(dest));
    int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) return core::make_error("sqlite", std::string("backup failed: ") + sqlite3_errstr(rc));
    return {};
}
}  // namespace

core::Status Database::copy_from(Database& from) {
    std::scoped_lock lock(mu_, from.mu_);
    // Cached statements would pin the old schema; the backup replaces every page.
    clear_statement_cache();
    return backup(db_, from.db_);
}

core::Status Database::export_to_file(const std::string& path) {
    std::lock_guard lock(mu_);
    std::remove(path.c_str());
    sqlite3* out = nullptr;
    if (sqlite3_open_v2(path.c_str(), &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
        std::string msg = out ? sqlite3_errmsg(out) : "out of memory";
        if (out) sqlite3_close(out);
        return core::make_error("io", "cannot write " + path + ": " + msg);
    }
    auto st = backup(out, db_);
    if (st) sqlite3_exec(out, "PRAGMA journal_mode=DELETE;", nullptr, nullptr, nullptr);
    sqlite3_close(out);
    return st;
}

core::Status Database::import_from_file(const std::string& path) {
    sqlite3* in = nullptr;
    if (sqlite3_open_v2(path.c_str(), &in, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        std::string msg = in ? sqlite3_errmsg(in) : "out of memory";
        if (in) sqlite3_close(in);
        return core::make_error("io", "cannot open " + path + ": " + msg);
    }
    sqlite3_stmt* st = nullptr;
    bool has_meta = sqlite3_prepare_v2(in, "SELECT count(*) FROM mpemu_migrations", -1, &st, nullptr) == SQLITE_OK &&
                    sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (!has_meta) {
        sqlite3_close(in);
        return core::make_error("bad_snapshot", path + " is not an mpemu snapshot (no mpemu_migrations table)");
    }
    core::Status result;
    {
        std::lock_guard lock(mu_);
        clear_statement_cache();
        result = backup(db_, in);
    }
    sqlite3_close(in);
    return result;
}

core::Result<std::unique_ptr<Database>> Database::clone_to_memory() {
    auto copy = open_memory();
    if (!copy) return copy.error();
    std::lock_guard lock(mu_);
    auto st = backup((*copy)->db_, db_);
    if (!st) return st.error();
    return std::move(*copy);
}

bool Database::is_empty_of_data() {
    return read([](Conn& c) {
        auto tables = c.query(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT IN ('mpemu_migrations','mpemu_meta')");
        for (const auto& t : tables) {
            std::string q = "SELECT 1 FROM \"" + t["name"].as_text() + "\" LIMIT 1";
            if (c.query_one(q)) return false;
        }
        return true;
    });
}

long long Database::size_bytes() {
    return read([](Conn& c) {
        auto pc = c.query_one("PRAGMA page_count");
        auto ps = c.query_one("PRAGMA page_size");
        return pc && ps ? pc->at(0).as_int() * ps->at(0).as_int() : 0LL;
    });
}

std::string id_list(const std::vector<NamedRow>& rows, std::string_view column) {
    std::string ids;
    for (const auto& r : rows) {
        if (!ids.empty()) ids += ',';
        ids += std::to_string(r[column].as_int());
    }
    return ids;
}

int delete_picked(Conn& c, std::string_view pick, const std::vector<Value>& params,
                  std::initializer_list<std::string_view> deletes) {
    auto rows = c.query(pick, params);
    if (rows.empty()) return 0;
    const std::string ids = id_list(rows, "id");
    int deleted = 0;
    for (std::string_view del : deletes) {
        std::string sql(del);
        const size_t at = sql.find("{ids}");
        if (at != std::string::npos) sql.replace(at, 5, ids);
        deleted = c.exec(sql);
    }
    return deleted;
}

}  // namespace mpemu::state
