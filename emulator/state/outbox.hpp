// The durable notification outbox shared by every provider: rows are written in the same
// transaction as the state change that causes them; a dispatcher delivers them with each channel's
// retry schedule (scaled by --notify-time-scale) on the emulator clock, records every attempt, and
// after a crash or restart sends what was not delivered.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/http_client.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "emulator/state/database.hpp"

namespace mpemu::state {

struct OutboxMessage {
    long long id = 0;
    std::string channel;  // "wechatpay.v3", "wechatpay.v2", "alipay"
    std::string event;    // "TRANSACTION.SUCCESS", "trade_status_sync", ...
    std::string tenant;   // mchid / app_id the message belongs to
    std::string subject;  // out_trade_no / out_refund_no it is about
    std::string url;      // notify_url
    std::string payload;  // channel-specific, fixed at enqueue time (same on every retry)
    core::Json meta;      // channel-specific extras (e.g. the decrypted plaintext, for display)
    std::string status;   // pending | delivering | delivered | failed
    int attempts = 0;
    long long created_ms = 0;       // emulator clock
    long long next_attempt_ms = 0;  // emulator clock
    long long delivered_ms = 0;
};

struct OutboxAttempt {
    int number = 0;
    long long at_ms = 0;        // emulator clock
    long long wall_ms = 0;      // real time
    int http_status = 0;        // 0 when no response
    std::string error;          // connection error, timeout, or why the reply was not accepted
    std::string response_body;  // first 4 KiB
    double duration_ms = 0;
    bool accepted = false;
};

// How one provider delivers and judges its notifications.
struct OutboxChannel {
    std::string name;
    // Waits before retry 1, 2, ... (before scaling). The first attempt is immediate.
    std::vector<std::chrono::seconds> retry_waits;
    // Builds the HTTP request for an attempt (signing happens here, with fresh timestamps).
    std::function<core::Result<core::HttpRequest>(const OutboxMessage&)> render;
    // Whether the merchant's reply acknowledges the notification; fills `why` when not.
    std::function<bool(const core::HttpResponse&, std::string* why)> accepted;
    std::chrono::milliseconds timeout{5000};
};

class Outbox {
public:
    Outbox(Database& db, core::Clock& clock, core::Logger& log);
    ~Outbox();

    static std::vector<Migration> migrations();

    void register_channel(OutboxChannel channel);
    // --notify-time-scale: 1 = the providers' real schedule, 0.001 = a thousand times faster.
    void set_time_scale(double scale) { scale_ = scale; }
    double time_scale() const { return scale_; }

    // Inside the caller's write transaction; delivery starts after commit. Returns the message id.
    long long enqueue(Conn& conn, const std::string& channel, const std::string& event, const std::string& tenant,
                      const std::string& subject, const std::string& url, const std::string& payload,
                      const core::Json& meta = core::Json::object());

    void start(size_t workers = 4);
    void stop();
    // Wakes the dispatcher (clock moved, state restored).
    void wake();

    // Sends again now, whatever the status; earlier attempts stay recorded.
    core::Status redeliver(long long id);

    struct Filter {
        std::string channel, status, tenant, subject, event;
        size_t limit = 0;
    };
    // serve --retain: deletes messages delivered or given up ("failed") whose last change (creation, delivery,
    // last attempt) is before `before_ms` on the emulator clock, with their attempts. Pending messages stay.
    size_t purge_finished(long long before_ms);

    std::vector<OutboxMessage> list(const Filter& filter);
    std::vector<OutboxAttempt> attempts(long long id);
    core::Json to_json(const OutboxMessage& m, const std::vector<OutboxAttempt>& attempts) const;

private:
    void dispatch_loop();
    void worker_loop();
    void deliver(const OutboxMessage& m);
    std::chrono::milliseconds scaled(std::chrono::seconds s) const;

    Database& db_;
    core::Clock& clock_;
    core::Logger& log_;
    std::map<std::string, OutboxChannel> channels_;
    std::atomic<double> scale_{1.0};

    std::mutex mu_;
    std::condition_variable cv_;
    std::condition_variable work_cv_;
    std::vector<OutboxMessage> queue_;
    bool stopping_ = false;
    bool woken_ = false;
    std::thread dispatcher_;
    std::vector<std::thread> workers_;
};

}  // namespace mpemu::state
