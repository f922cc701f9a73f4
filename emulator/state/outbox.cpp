// The durable outbox and its dispatcher.
#include "emulator/state/outbox.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "core/time_format.hpp"
#include "emulator/state/purge.hpp"

namespace mpemu::state {
namespace {

constexpr size_t kMaxStoredResponse = 4096;

OutboxMessage message_from(const NamedRow& r) {
    OutboxMessage m;
    m.id = r["id"].as_int();
    m.channel = r["channel"].as_text();
    m.event = r["event"].as_text();
    m.tenant = r["tenant"].as_text();
    m.subject = r["subject"].as_text();
    m.url = r["url"].as_text();
    m.payload = r["payload"].as_text();
    auto meta = core::parse_json(r["meta"].as_text());
    m.meta = meta ? *meta : core::Json::object();
    m.status = r["status"].as_text();
    m.attempts = static_cast<int>(r["attempts"].as_int());
    m.created_ms = r["created_ms"].as_int();
    m.next_attempt_ms = r["next_attempt_ms"].as_int();
    m.delivered_ms = r["delivered_ms"].as_opt_int().value_or(0);
    return m;
}

constexpr const char* kSelect =
    "SELECT id, channel, event, tenant, subject, url, payload, meta, status, attempts, created_ms, "
    "next_attempt_ms, delivered_ms, schedule_base FROM outbox";

}  // namespace

Outbox::Outbox(Database& db, core::Clock& clock, core::Logger& log) : db_(db), clock_(clock), log_(log) {}

Outbox::~Outbox() {
    stop();
}

std::vector<Migration> Outbox::migrations() {
    return {{"outbox", 1,
             "CREATE TABLE outbox("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " channel TEXT NOT NULL, event TEXT NOT NULL, tenant TEXT NOT NULL, subject TEXT NOT NULL,"
             " url TEXT NOT NULL, payload BLOB NOT NULL, meta TEXT NOT NULL,"
             " status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,"
             " schedule_base INTEGER NOT NULL DEFAULT 0,"
             " created_ms INTEGER NOT NULL, next_attempt_ms INTEGER NOT NULL, delivered_ms INTEGER);"
             "CREATE INDEX outbox_due ON outbox(status, next_attempt_ms);"
             "CREATE TABLE outbox_attempts("
             " message_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE, number INTEGER NOT NULL,"
             " at_ms INTEGER NOT NULL, wall_ms INTEGER NOT NULL, http_status INTEGER NOT NULL, error TEXT NOT NULL,"
             " response_body TEXT NOT NULL, duration_ms REAL NOT NULL, accepted INTEGER NOT NULL,"
             " PRIMARY KEY(message_id, number));"}};
}

void Outbox::register_channel(OutboxChannel channel) {
    std::lock_guard lock(mu_);
    channels_[channel.name] = std::move(channel);
}

long long Outbox::enqueue(Conn& conn, const std::string& channel, const std::string& event, const std::string& tenant,
                          const std::string& subject, const std::string& url, const std::string& payload,
                          const core::Json& meta) {
    long long now = clock_.now_unix_ms();
    conn.exec(
        "INSERT INTO outbox(channel, event, tenant, subject, url, payload, meta, created_ms, next_attempt_ms) "
        "VALUES(?,?,?,?,?,?,?,?,?)",
        {channel, event, tenant, subject, url, Value::blob(payload), core::dump(meta), now, now});
    long long id = conn.last_insert_id();
    conn.after_commit([this] { wake(); });
    return id;
}

std::chrono::milliseconds Outbox::scaled(std::chrono::seconds s) const {
    double ms = static_cast<double>(s.count()) * 1000.0 * scale_.load();
    return std::chrono::milliseconds(std::max<long long>(1, static_cast<long long>(ms)));
}

void Outbox::start(size_t workers) {
    {
        std::lock_guard lock(mu_);
        if (dispatcher_.joinable()) return;
        stopping_ = false;
    }
    // A crash between claiming and recording leaves rows "delivering": send them again.
    db_.write([](Conn& c) { c.exec("UPDATE outbox SET status='pending' WHERE status='delivering'"); });
    clock_.on_change([this] { wake(); });
    dispatcher_ = std::thread([this] { dispatch_loop(); });
    for (size_t i = 0; i < workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

void Outbox::stop() {
    {
        std::lock_guard lock(mu_);
        if (stopping_ && !dispatcher_.joinable()) return;
        stopping_ = true;
    }
    cv_.notify_all();
    work_cv_.notify_all();
    if (dispatcher_.joinable()) dispatcher_.join();
    for (auto& w : workers_) {
        if (w.joinable()) w.join();
    }
    workers_.clear();
    // Messages claimed but not sent go back to pending, so a restart sends them.
    try {
        db_.write([](Conn& c) { c.exec("UPDATE outbox SET status='pending' WHERE status='delivering'"); });
    } catch (const SqlError&) {
    }
}

void Outbox::wake() {
    {
        std::lock_guard lock(mu_);
        woken_ = true;
    }
    cv_.notify_all();
}

void Outbox::dispatch_loop() {
    while (true) {
        std::vector<OutboxMessage> due;
        long long next_due = -1;
        try {
            long long now = clock_.now_unix_ms();
            due = db_.write([&](Conn& c) {
                std::vector<OutboxMessage> out;
                for (const auto& r :
                     c.query(std::string(kSelect) + " WHERE status='pending' AND next_attempt_ms<=? ORDER BY "
                                                    "next_attempt_ms, id LIMIT 64",
                             {now})) {
                    out.push_back(message_from(r));
                }
                for (auto& m : out) {
                    c.exec("UPDATE outbox SET status='delivering' WHERE id=?", {m.id});
                    m.status = "delivering";
                }
                return out;
            });
            auto row = db_.read([](Conn& c) {
                return c.query_one("SELECT min(next_attempt_ms) AS t FROM outbox WHERE status='pending'");
            });
            if (row && !(*row)["t"].is_null()) next_due = (*row)["t"].as_int();
        } catch (const SqlError& e) {
            log_.error("outbox.dispatch", {{"error", e.what()}});
        }
        std::unique_lock lock(mu_);
        for (auto& m : due) queue_.push_back(std::move(m));
        if (!queue_.empty()) work_cv_.notify_all();
        if (stopping_) return;
        auto wait = std::chrono::milliseconds(1000);
        if (next_due >= 0 && !clock_.frozen()) {
            long long left = next_due - clock_.now_unix_ms();
            wait = std::chrono::milliseconds(std::clamp<long long>(left, 1, 1000));
        }
        cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
        woken_ = false;
        if (stopping_) return;
    }
}

void Outbox::worker_loop() {
    while (true) {
        OutboxMessage m;
        {
            std::unique_lock lock(mu_);
            work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            m = std::move(queue_.front());
            queue_.erase(queue_.begin());
        }
        deliver(m);
    }
}

void Outbox::deliver(const OutboxMessage& m) {
    thread_local core::HttpClient client;
    OutboxChannel channel;
    {
        std::lock_guard lock(mu_);
        auto it = channels_.find(m.channel);
        if (it == channels_.end()) {
            log_.error("outbox.unknown_channel", {{"id", m.id}, {"channel", m.channel}});
            return;
        }
        channel = it->second;
    }
    OutboxAttempt a;
    a.number = m.attempts + 1;
    a.at_ms = clock_.now_unix_ms();
    a.wall_ms = core::to_unix_ms(core::Clock::wall_now());
    auto started = std::chrono::steady_clock::now();
    auto req = channel.render(m);
    if (!req) {
        a.error = "could not build the notification: " + req.error().message;
    } else {
        req->timeout = channel.timeout;
        auto res = client.send(*req);
        if (!res) {
            a.error = res.error().message;
        } else {
            a.http_status = res->status;
            a.response_body = res->body.substr(0, kMaxStoredResponse);
            std::string why;
            a.accepted = channel.accepted(*res, &why);
            if (!a.accepted) a.error = why;
        }
    }
    a.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

    try {
        db_.write([&](Conn& c) {
            auto row = c.query_one("SELECT attempts, schedule_base, status FROM outbox WHERE id=?", {m.id});
            if (!row || (*row)["status"].as_text() != "delivering") return;  // reset or redelivered meanwhile
            int attempts = static_cast<int>((*row)["attempts"].as_int()) + 1;
            int base = static_cast<int>((*row)["schedule_base"].as_int());
            c.exec(
                "INSERT OR REPLACE INTO outbox_attempts(message_id, number, at_ms, wall_ms, http_status, error, "
                "response_body, duration_ms, accepted) VALUES(?,?,?,?,?,?,?,?,?)",
                {m.id, attempts, a.at_ms, a.wall_ms, a.http_status, a.error, a.response_body, a.duration_ms,
                 a.accepted});
            if (a.accepted) {
                c.exec("UPDATE outbox SET status='delivered', attempts=?, delivered_ms=? WHERE id=?",
                       {attempts, clock_.now_unix_ms(), m.id});
                return;
            }
            size_t retry_index = static_cast<size_t>(attempts - base - 1);
            if (retry_index < channel.retry_waits.size()) {
                long long next = clock_.now_unix_ms() + scaled(channel.retry_waits[retry_index]).count();
                c.exec("UPDATE outbox SET status='pending', attempts=?, next_attempt_ms=? WHERE id=?",
                       {attempts, next, m.id});
            } else {
                c.exec("UPDATE outbox SET status='failed', attempts=? WHERE id=?", {attempts, m.id});
            }
        });
    } catch (const SqlError& e) {
        log_.error("outbox.record", {{"id", m.id}, {"error", e.what()}});
    }
    log_.info("notify.attempt", {{"id", m.id},
                                 {"channel", m.channel},
                                 {"event", m.event},
                                 {"attempt", a.number},
                                 {"status", a.http_status},
                                 {"accepted", a.accepted},
                                 {"error", a.error}});
    wake();
}

core::Status Outbox::redeliver(long long id) {
    bool found = db_.write([&](Conn& c) {
        return c.exec(
                   "UPDATE outbox SET status='pending', next_attempt_ms=?, schedule_base=attempts "
                   "WHERE id=? AND status<>'delivering'",
                   {clock_.now_unix_ms(), id}) > 0;
    });
    if (!found) {
        bool exists =
            db_.read([&](Conn& c) { return c.query_one("SELECT 1 FROM outbox WHERE id=?", {id}).has_value(); });
        if (!exists) return core::make_error("not_found", "no notification with id " + std::to_string(id));
        return core::make_error("busy", "notification " + std::to_string(id) + " is being delivered right now");
    }
    wake();
    return {};
}

std::vector<OutboxMessage> Outbox::list(const Filter& f) {
    std::string sql = std::string(kSelect) + " WHERE 1=1";
    std::vector<Value> params;
    auto add = [&](const std::string& col, const std::string& v) {
        if (v.empty()) return;
        sql += " AND " + col + "=?";
        params.emplace_back(v);
    };
    add("channel", f.channel);
    add("status", f.status);
    add("tenant", f.tenant);
    add("subject", f.subject);
    add("event", f.event);
    sql += " ORDER BY id";
    return db_.read([&](Conn& c) {
        std::vector<OutboxMessage> out;
        for (const auto& r : c.query(sql, params)) out.push_back(message_from(r));
        if (f.limit && out.size() > f.limit) out.erase(out.begin(), out.end() - static_cast<long>(f.limit));
        return out;
    });
}

std::vector<OutboxAttempt> Outbox::attempts(long long id) {
    return db_.read([&](Conn& c) {
        std::vector<OutboxAttempt> out;
        for (const auto& r : c.query("SELECT * FROM outbox_attempts WHERE message_id=? ORDER BY number", {id})) {
            OutboxAttempt a;
            a.number = static_cast<int>(r["number"].as_int());
            a.at_ms = r["at_ms"].as_int();
            a.wall_ms = r["wall_ms"].as_int();
            a.http_status = static_cast<int>(r["http_status"].as_int());
            a.error = r["error"].as_text();
            a.response_body = r["response_body"].as_text();
            a.duration_ms = r["duration_ms"].as_real();
            a.accepted = r["accepted"].as_int() != 0;
            out.push_back(a);
        }
        return out;
    });
}

core::Json Outbox::to_json(const OutboxMessage& m, const std::vector<OutboxAttempt>& attempts) const {
    core::Json j;
    j["id"] = std::to_string(m.id);
    j["channel"] = m.channel;
    j["event"] = m.event;
    j["tenant"] = m.tenant;
    j["subject"] = m.subject;
    j["url"] = m.url;
    j["status"] = m.status;
    j["attempt_count"] = m.attempts;
    j["created_at"] = core::format_rfc3339(core::from_unix_ms(m.created_ms));
    if (m.status == "pending") j["next_attempt_at"] = core::format_rfc3339(core::from_unix_ms(m.next_attempt_ms));
    if (m.delivered_ms) j["delivered_at"] = core::format_rfc3339(core::from_unix_ms(m.delivered_ms));
    j["meta"] = m.meta;
    j["body"] = core::is_valid_utf8(m.payload) ? core::Json(m.payload) : core::Json("(binary)");
    core::Json list = core::Json::array();
    for (const auto& a : attempts) {
        core::Json aj;
        aj["number"] = a.number;
        aj["at"] = core::format_rfc3339(core::from_unix_ms(a.at_ms));
        aj["status"] = a.http_status;
        aj["accepted"] = a.accepted;
        aj["error"] = a.error;
        aj["response_body"] = core::is_valid_utf8(a.response_body) ? a.response_body : "(binary)";
        aj["duration_ms"] = a.duration_ms;
        list.push_back(aj);
    }
    j["attempts"] = list;
    return j;
}

size_t Outbox::purge_finished(long long before_ms) {
    return write_in_batches(db_, [&](Conn& c, int limit) {
        return delete_picked(
            c,
            "SELECT id FROM outbox o WHERE o.status IN ('delivered','failed') AND o.created_ms < ?1 AND "
            "COALESCE(o.delivered_ms, 0) < ?1 AND NOT EXISTS (SELECT 1 FROM outbox_attempts a WHERE a.message_id = "
            "o.id AND a.at_ms >= ?1) LIMIT ?2",
            {before_ms, limit},
            {"DELETE FROM outbox_attempts WHERE message_id IN ({ids})", "DELETE FROM outbox WHERE id IN ({ids})"});
    });
}

}  // namespace mpemu::state
