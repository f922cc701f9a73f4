// Merging and the JSON form of load statistics (the "stats" part of the versioned summary).
#include "tools/load/metrics.hpp"

#include <algorithm>
#include <vector>

namespace mpemu::load {

namespace {

core::Error bad(const std::string& why) {
    return core::make_error("load_summary", why);
}

void add_counts(std::map<std::string, uint64_t>& into, const std::map<std::string, uint64_t>& from) {
    for (const auto& [k, v] : from) into[k] += v;
}

core::Result<std::map<std::string, uint64_t>> counts_from_json(const core::Json& j, const char* field) {
    std::map<std::string, uint64_t> out;
    if (!j.contains(field)) return out;
    if (!j[field].is_object()) return bad(std::string("\"") + field + "\" must be an object of counts");
    for (auto it = j[field].begin(); it != j[field].end(); ++it) {
        if (!it->is_number_unsigned()) return bad(std::string("\"") + field + "." + it.key() + "\" must be a count");
        out[it.key()] = it->get<uint64_t>();
    }
    return out;
}

core::Result<uint64_t> count_field(const core::Json& j, const char* field) {
    if (!j.contains(field) || !j[field].is_number_unsigned())
        return bad(std::string("\"") + field + "\" must be a count");
    return j[field].get<uint64_t>();
}

core::OrderedJson latency_json(const Histogram& h) {
    core::OrderedJson out = core::OrderedJson::object();
    out["min_ms"] = static_cast<double>(h.min()) / 1000.0;
    out["mean_ms"] = h.mean() / 1000.0;
    for (const auto& c : percentile_columns()) {
        out[std::string(c.label) + "_ms"] = static_cast<double>(h.percentile(c.p)) / 1000.0;
    }
    out["max_ms"] = static_cast<double>(h.max()) / 1000.0;
    out["histogram"] = h.to_json();
    return out;
}

core::Result<Histogram> latency_from_json(const core::Json& j, const char* field) {
    if (!j.contains(field) || !j[field].is_object() || !j[field].contains("histogram")) {
        std::string why = "\"";
        why += field;
        why += ".histogram\" is missing";
        return bad(why);
    }
    return Histogram::from_json(j[field]["histogram"]);
}

}  // namespace

const std::vector<PercentileColumn>& percentile_columns() {
    static const std::vector<PercentileColumn> kColumns = {
        {"p50", 50}, {"p90", 90}, {"p95", 95}, {"p99", 99}, {"p99.9", 99.9}};
    return kColumns;
}

uint64_t StepStats::error_count() const {
    uint64_t n = 0;
    for (const auto& [k, v] : errors) n += v;
    return n;
}

StepStats StepStats::without_series() const {
    StepStats s;
    s.merge(*this, 0, false);
    return s;
}

void StepStats::merge(const StepStats& other, double shift_s, bool with_series) {
    requests += other.requests;
    bytes_sent += other.bytes_sent;
    bytes_received += other.bytes_received;
    add_counts(errors, other.errors);
    add_counts(statuses, other.statuses);
    latency.merge(other.latency);
    if (with_series) series.merge(other.series, shift_s);
}

core::OrderedJson StepStats::to_json() const {
    core::OrderedJson out = core::OrderedJson::object();
    out["requests"] = requests;
    out["bytes_sent"] = bytes_sent;
    out["bytes_received"] = bytes_received;
    out["errors"] = errors;
    out["statuses"] = statuses;
    out["latency"] = latency_json(latency);
    out["series"] = series.to_json();
    return out;
}

core::Result<StepStats> StepStats::from_json(const core::Json& j) {
    if (!j.is_object()) return bad("step statistics must be an object");
    StepStats s;
    for (auto [field, into] : {std::pair{"requests", &s.requests}, std::pair{"bytes_sent", &s.bytes_sent},
                               std::pair{"bytes_received", &s.bytes_received}}) {
        auto v = count_field(j, field);
        if (!v) return v.error();
        *into = *v;
    }
    auto errors = counts_from_json(j, "errors");
    if (!errors) return errors.error();
    s.errors = std::move(*errors);
    auto statuses = counts_from_json(j, "statuses");
    if (!statuses) return statuses.error();
    s.statuses = std::move(*statuses);
    auto h = latency_from_json(j, "latency");
    if (!h) return h.error();
    s.latency = std::move(*h);
    // Summaries of version 1 have no series.
    if (j.contains("series")) {
        auto series = TimeSeries::from_json(j["series"]);
        if (!series) return series.error();
        s.series = std::move(*series);
    }
    return s;
}

double LoadStats::error_rate() const {
    return total.requests ? static_cast<double>(total.error_count()) / static_cast<double>(total.requests) : 0.0;
}

LoadStats LoadStats::without_series() const {
    LoadStats s;
    s.merge(*this, 0, false);
    return s;
}

void LoadStats::merge(const LoadStats& other, double shift_s, bool with_series) {
    total.merge(other.total, shift_s, with_series);
    for (const auto& [name, s] : other.steps) steps[name].merge(s, shift_s, with_series);
    iterations += other.iterations;
    iterations_failed += other.iterations_failed;
    dropped += other.dropped;
    iteration_latency.merge(other.iteration_latency);
    duration_s = std::max(duration_s, other.duration_s);
}

core::OrderedJson LoadStats::to_json() const {
    core::OrderedJson out = core::OrderedJson::object();
    out["duration_s"] = duration_s;
    out["rps"] = rps();
    out["error_rate"] = error_rate();
    out["iterations"] = {{"count", iterations},
                         {"failed", iterations_failed},
                         {"dropped", dropped},
                         {"latency", latency_json(iteration_latency)}};
    out["total"] = total.to_json();
    core::OrderedJson steps_json = core::OrderedJson::array();
    for (const auto& [name, s] : steps) {
        // The name first, then the step's figures in the order of StepStats::to_json().
        core::OrderedJson one = core::OrderedJson::object();
        one["name"] = name;
        one.update(s.to_json());
        steps_json.push_back(std::move(one));
    }
    out["steps"] = std::move(steps_json);
    return out;
}

core::Result<LoadStats> LoadStats::from_json(const core::Json& j) {
    if (!j.is_object()) return bad("\"stats\" must be an object");
    LoadStats s;
    if (!j.contains("duration_s") || !j["duration_s"].is_number() || j["duration_s"].get<double>() < 0)
        return bad("\"duration_s\" must be a non-negative number");
    s.duration_s = j["duration_s"].get<double>();
    if (!j.contains("iterations") || !j["iterations"].is_object()) return bad("\"iterations\" must be an object");
    const auto& it = j["iterations"];
    for (auto [field, into] : {std::pair{"count", &s.iterations}, std::pair{"failed", &s.iterations_failed},
                               std::pair{"dropped", &s.dropped}}) {
        auto v = count_field(it, field);
        if (!v) return core::make_error("load_summary", "iterations: " + v.error().message);
        *into = *v;
    }
    auto ih = latency_from_json(it, "latency");
    if (!ih) return ih.error();
    s.iteration_latency = std::move(*ih);
    if (!j.contains("total")) return bad("\"total\" is missing");
    auto total = StepStats::from_json(j["total"]);
    if (!total) return core::make_error("load_summary", "total: " + total.error().message);
    s.total = std::move(*total);
    if (!j.contains("steps") || !j["steps"].is_array()) return bad("\"steps\" must be an array");
    for (const auto& step : j["steps"]) {
        if (!step.is_object() || !step.contains("name") || !step["name"].is_string())
            return bad("every step needs a \"name\"");
        auto st = StepStats::from_json(step);
        if (!st)
            return core::make_error("load_summary",
                                    "step \"" + step["name"].get<std::string>() + "\": " + st.error().message);
        s.steps[step["name"].get<std::string>()].merge(*st);
    }
    return s;
}

}  // namespace mpemu::load
