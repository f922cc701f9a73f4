// The bounded request journal and its JSON/HAR renderings.
#include "emulator/journal.hpp"

#include "core/crypto.hpp"
#include "core/text.hpp"
#include "core/time_format.hpp"

namespace mpemu::emulator {

Journal::Journal(size_t capacity, size_t max_body_bytes) : capacity_(capacity), max_body_(max_body_bytes) {}

JournalEntry JournalEntry::of(const Request& req, const Response& res, std::string group, long long started_ms,
                              long long emulated_ms) {
    JournalEntry e;
    e.id = req.request_id;
    e.started_ms = started_ms;
    e.emulated_ms = emulated_ms;
    e.method = req.method;
    e.target = req.target;
    e.group = std::move(group);
    e.remote_addr = req.remote_addr;
    e.request_headers = req.headers;
    e.status = res.status;
    e.response_headers = res.headers;
    e.response_body = res.body;
    return e;
}

void Journal::record(JournalEntry entry) {
    if (capacity_ == 0) return;
    // A request that reached a provider but matched none of its operations (unknown path, or a known path
    // with another method) is still findable by operation: "<group>.not_emulated".
    if (entry.operation_id.empty() && !entry.group.empty()) entry.operation_id = entry.group + ".not_emulated";
    if (entry.request_body.size() > max_body_) {
        entry.request_body.resize(max_body_);
        entry.request_body_truncated = true;
    }
    if (entry.response_body.size() > max_body_) {
        entry.response_body.resize(max_body_);
        entry.response_body_truncated = true;
    }
    std::lock_guard lock(mu_);
    entry.seq = ++seq_;
    ring_.push_back(std::move(entry));
    while (ring_.size() > capacity_) ring_.pop_front();
}

void Journal::clear() {
    std::lock_guard lock(mu_);
    ring_.clear();
}

uint64_t Journal::total_recorded() const {
    std::lock_guard lock(mu_);
    return seq_;
}

std::vector<JournalEntry> Journal::entries(const Filter& f) const {
    std::vector<JournalEntry> out;
    std::lock_guard lock(mu_);
    for (const auto& e : ring_) {
        if (e.seq <= f.since_seq) continue;
        if (!f.operation_id.empty()) {
            if (f.operation_id.back() == '*') {
                if (!core::starts_with(e.operation_id,
                                       std::string_view(f.operation_id).substr(0, f.operation_id.size() - 1)))
                    continue;
            } else if (e.operation_id != f.operation_id) {
                continue;
            }
        }
        if (!f.group.empty() && e.group != f.group) continue;
        if (e.group == "admin" && !f.include_admin && f.group != "admin") continue;
        if (!f.method.empty() && !core::iequals(e.method, f.method)) continue;
        if (!f.path_prefix.empty() && !core::starts_with(e.target, f.path_prefix)) continue;
        if (f.status && e.status != f.status) continue;
        out.push_back(e);
    }
    if (f.limit && out.size() > f.limit) out.erase(out.begin(), out.end() - static_cast<long>(f.limit));
    return out;
}

namespace {

core::OrderedJson headers_json(const core::HeaderList& h) {
    core::OrderedJson out = core::OrderedJson::array();
    for (const auto& [k, v] : h) out.push_back({{"name", k}, {"value", v}});
    return out;
}

core::OrderedJson body_json(const std::string& body) {
    if (core::is_valid_utf8(body)) return body;
    return "(binary, " + std::to_string(body.size()) + " bytes)";
}

}  // namespace

core::OrderedJson Journal::to_json(const JournalEntry& e, bool with_bodies) {
    core::OrderedJson j = core::OrderedJson::object();
    j["seq"] = e.seq;
    j["id"] = e.id;
    j["time"] = core::format_rfc3339_ms_utc(core::from_unix_ms(e.started_ms));
    j["emulated_time"] = core::format_rfc3339(core::from_unix_ms(e.emulated_ms));
    j["method"] = e.method;
    j["target"] = e.target;
    j["group"] = e.group;
    j["operation_id"] = e.operation_id;
    j["status"] = e.status;
    j["latency_ms"] = e.latency_ms;
    j["remote_addr"] = e.remote_addr;
    j["transport"] = e.transport;
    j["host"] = e.host;
    if (with_bodies) {
        j["request"] = {{"headers", headers_json(e.request_headers)},
                        {"body", body_json(e.request_body)},
                        {"body_truncated", e.request_body_truncated}};
        j["response"] = {{"headers", headers_json(e.response_headers)},
                         {"body", body_json(e.response_body)},
                         {"body_truncated", e.response_body_truncated}};
    }
    return j;
}

core::OrderedJson Journal::to_har(const std::vector<JournalEntry>& entries, const std::string& base_url,
                                  const std::string& version) {
    core::OrderedJson log = core::OrderedJson::object();
    log["version"] = "1.2";
    log["creator"] = {{"name", "mpemu"}, {"version", version}};
    core::OrderedJson items = core::OrderedJson::array();
    for (const auto& e : entries) {
        core::OrderedJson req = core::OrderedJson::object();
        req["method"] = e.method;
        req["url"] = base_url + e.target;
        req["httpVersion"] = "HTTP/1.1";
        req["cookies"] = core::OrderedJson::array();
        req["headers"] = headers_json(e.request_headers);
        core::OrderedJson qs = core::OrderedJson::array();
        auto [path, raw_query] = core::split_target(e.target);
        for (const auto& [k, v] : core::parse_query(raw_query)) qs.push_back({{"name", k}, {"value", v}});
        req["queryString"] = qs;
        if (!e.request_body.empty()) {
            const std::string* ct = core::find_header(e.request_headers, "Content-Type");
            req["postData"] = {{"mimeType", ct ? *ct : "application/octet-stream"},
                               {"text", body_json(e.request_body)}};
            if (e.request_body_truncated) req["postData"]["comment"] = "truncated by the journal";
        }
        req["headersSize"] = -1;
        req["bodySize"] = static_cast<long long>(e.request_body.size());

        core::OrderedJson res = core::OrderedJson::object();
        res["status"] = e.status;
        res["statusText"] = "";
        res["httpVersion"] = "HTTP/1.1";
        res["cookies"] = core::OrderedJson::array();
        res["headers"] = headers_json(e.response_headers);
        const std::string* rct = core::find_header(e.response_headers, "Content-Type");
        core::OrderedJson content = {{"size", static_cast<long long>(e.response_body.size())},
                                     {"mimeType", rct ? *rct : ""}};
        if (core::is_valid_utf8(e.response_body)) {
            content["text"] = e.response_body;
        } else {
            content["text"] = core::crypto::base64_encode(e.response_body);
            content["encoding"] = "base64";
        }
        if (e.response_body_truncated) content["comment"] = "truncated by the journal";
        res["content"] = content;
        res["redirectURL"] = "";
        res["headersSize"] = -1;
        res["bodySize"] = static_cast<long long>(e.response_body.size());

        core::OrderedJson entry = core::OrderedJson::object();
        entry["startedDateTime"] = core::format_rfc3339_ms_utc(core::from_unix_ms(e.started_ms));
        entry["time"] = e.latency_ms;
        entry["request"] = req;
        entry["response"] = res;
        entry["cache"] = core::OrderedJson::object();
        entry["timings"] = {{"send", 0}, {"wait", e.latency_ms}, {"receive", 0}};
        entry["_operationId"] = e.operation_id;
        entry["_requestId"] = e.id;
        entry["_transport"] = e.transport;
        entry["_host"] = e.host;
        items.push_back(entry);
    }
    log["entries"] = items;
    return core::OrderedJson{{"log", log}};
}

}  // namespace mpemu::emulator
