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
    auto shared = std::make_shared<JournalEntry>(std::move(entry));
    std::lock_guard lock(mu_);
    shared->seq = ++seq_;
    ring_.push_back(std::move(shared));
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

std::vector<Journal::EntryRef> Journal::entries(const Filter& f) const {
    std::vector<EntryRef> out;
    std::lock_guard lock(mu_);
    for (const auto& ref : ring_) {
        const JournalEntry& e = *ref;
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
        out.push_back(ref);
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

namespace {

// One HAR 1.2 entry.
core::OrderedJson har_entry(const JournalEntry& e, const std::string& base_url) {
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
        req["postData"] = {{"mimeType", ct ? *ct : "application/octet-stream"}, {"text", body_json(e.request_body)}};
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
    return entry;
}

core::OrderedJson har_creator(const std::string& version) {
    return {{"name", "mpemu"}, {"version", version}};
}

// Pieces of a reply are about this size: a few entries each, so the chunks are neither tiny nor large.
constexpr size_t kPieceBytes = size_t{64} * 1024;

// `head`, the rendered items separated by commas, then `tail`: a JSON document whose one array is written
// item by item. Each item is released once written.
Journal::Writer array_writer(std::string head, std::vector<Journal::EntryRef> items,
                             std::function<std::string(const JournalEntry&)> render, std::string tail) {
    struct State {
        std::string head;
        std::vector<Journal::EntryRef> items;
        std::function<std::string(const JournalEntry&)> render;
        std::string tail;
        size_t next = 0;
        bool started = false;
        bool finished = false;
    };
    auto st = std::make_shared<State>(State{std::move(head), std::move(items), std::move(render), std::move(tail)});
    return [st](std::string& piece) {
        if (st->finished) return false;
        if (!st->started) {
            piece += st->head;
            st->started = true;
        }
        while (st->next < st->items.size() && piece.size() < kPieceBytes) {
            if (st->next > 0) piece += ',';
            piece += st->render(*st->items[st->next]);
            st->items[st->next].reset();
            ++st->next;
        }
        if (st->next == st->items.size()) {
            piece += st->tail;
            st->finished = true;
        }
        return true;
    };
}

}  // namespace

core::OrderedJson Journal::to_har_entry(const JournalEntry& e, const std::string& base_url) {
    return har_entry(e, base_url);
}

Journal::Writer Journal::har_writer(std::vector<EntryRef> entries, std::string base_url, const std::string& version) {
    // The framing of the HAR document around its entries (core::dump writes no spaces).
    std::string head = R"({"log":{"version":"1.2","creator":)" + core::dump(har_creator(version)) + R"(,"entries":[)";
    return array_writer(
        std::move(head), std::move(entries),
        [base_url = std::move(base_url)](const JournalEntry& e) { return core::dump(har_entry(e, base_url)); }, "]}}");
}

Journal::Writer Journal::list_writer(std::vector<EntryRef> entries, uint64_t total_recorded, size_t capacity,
                                     bool with_bodies) {
    std::string head = R"({"total_recorded":)" + std::to_string(total_recorded) + R"(,"capacity":)" +
                       std::to_string(capacity) + R"(,"requests":[)";
    return array_writer(
        std::move(head), std::move(entries),
        [with_bodies](const JournalEntry& e) { return core::dump(to_json(e, with_bodies)); }, "]}");
}

}  // namespace mpemu::emulator
