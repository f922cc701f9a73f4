// Request journal: every request with its operation id, status and latency, in a bounded ring;
// exported as JSON and as HAR 1.2, written in pieces so a full journal is never rendered whole in memory.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "emulator/http.hpp"

namespace mpemu::emulator {

struct JournalEntry {
    uint64_t seq = 0;
    std::string id;             // request id
    long long started_ms = 0;   // wall-clock unix ms
    long long emulated_ms = 0;  // emulator clock at arrival
    std::string method;
    std::string target;
    std::string group;         // route group ("wechat", "admin", ...) or "" when none
    std::string operation_id;  // "<group>.not_emulated" when none matched in a group, "" when no group
    std::string remote_addr;
    std::string transport = "plain";  // how it came in: "plain", "tls" (real hostname) or "proxy" (CONNECT)
    std::string host;                 // the Host it named (header, else SNI or CONNECT target)
    core::HeaderList request_headers;
    std::string request_body;
    bool request_body_truncated = false;
    int status = 0;
    core::HeaderList response_headers;
    std::string response_body;
    bool response_body_truncated = false;
    double latency_ms = 0;

    // The entry for one exchange, without the request body, operation id and latency (a refused request
    // has none of them; a handled one adds them).
    static JournalEntry of(const Request& req, const Response& res, std::string group, long long started_ms,
                           long long emulated_ms);
};

class Journal {
public:
    explicit Journal(size_t capacity = 10000, size_t max_body_bytes = 64 * 1024);

    void record(JournalEntry entry);
    void clear();
    size_t capacity() const { return capacity_; }

    struct Filter {
        std::string operation_id;  // exact, or prefix when ending in '*'
        std::string group;
        std::string method;
        std::string path_prefix;
        int status = 0;
        uint64_t since_seq = 0;  // only entries with seq > since_seq
        size_t limit = 0;        // newest N; 0 = all
        // Admin API calls (group "admin") are listed only with this or group "admin": a journal read after
        // a scenario shows the backend's and the SDKs' calls, not the harness's own resets and codes.
        bool include_admin = false;
    };
    // Recorded entries are never changed, so a reader shares them: the lock is held only to copy pointers,
    // and an entry the ring drops while a reply is being written lives until the reply has passed it.
    using EntryRef = std::shared_ptr<const JournalEntry>;
    // The matching entries, oldest first.
    std::vector<EntryRef> entries(const Filter& filter) const;
    uint64_t total_recorded() const;

    // A reply body written in pieces (`Response::stream`).
    using Writer = std::function<bool(std::string& piece)>;

    static core::OrderedJson to_json(const JournalEntry& e, bool with_bodies);
    // GET /__admin/requests: {"total_recorded","capacity","requests":[to_json...]}, byte for byte what dumping
    // that document whole gives, a few entries per piece.
    static Writer list_writer(std::vector<EntryRef> entries, uint64_t total_recorded, size_t capacity,
                              bool with_bodies);
    // One HAR 1.2 entry. `base_url` gives the origin for request URLs.
    static core::OrderedJson to_har_entry(const JournalEntry& e, const std::string& base_url);
    // GET /__admin/requests.har: the HAR 1.2 document of the given entries (oldest first, to_har_entry each),
    // a few entries per piece.
    static Writer har_writer(std::vector<EntryRef> entries, std::string base_url, const std::string& version);

private:
    size_t capacity_;
    size_t max_body_;
    mutable std::mutex mu_;
    std::deque<EntryRef> ring_;
    uint64_t seq_ = 0;
};

}  // namespace mpemu::emulator
