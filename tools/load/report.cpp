// Rendering of load reports: the summary table, the JSON summary and its reader, JUnit XML, and the
// merge of shard summaries.
#include "tools/load/report.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <variant>

#include "core/text.hpp"
#include "core/time_format.hpp"
#include "emulator/version.hpp"
#include "tools/report/junit.hpp"

namespace mpemu::load {

namespace {

constexpr size_t kNameWidth = 36;

std::string pad_left(const std::string& s, size_t width) {
    size_t len = core::utf8_length(s);
    return len >= width ? s : std::string(width - len, ' ') + s;
}

std::string pad_right(const std::string& s, size_t width) {
    size_t len = core::utf8_length(s);
    return len >= width ? s : s + std::string(width - len, ' ');
}

// Cuts a UTF-8 name to `width` characters, marking the cut with "...".
std::string fit(const std::string& s, size_t width) {
    if (core::utf8_length(s) <= width) return s;
    std::string out;
    size_t chars = 0;
    for (size_t i = 0; i < s.size() && chars < width - 3; ++i) {
        out += s[i];
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
            // A lead byte starts a character; its continuation bytes follow before the next count.
            ++chars;
        }
        while (i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80) out += s[++i];
    }
    return out + "...";
}

std::string bytes_text(uint64_t n) {
    if (n < 1024) return std::to_string(n) + " B";
    if (n < 1024ULL * 1024) return fixed(static_cast<double>(n) / 1024, 1) + " KiB";
    if (n < 1024ULL * 1024 * 1024) return fixed(static_cast<double>(n) / (1024.0 * 1024), 1) + " MiB";
    return fixed(static_cast<double>(n) / (1024.0 * 1024 * 1024), 2) + " GiB";
}

std::string row(const std::string& name, const StepStats& s, double duration_s) {
    std::string out = "  " + pad_right(fit(name, kNameWidth), kNameWidth);
    out += pad_left(std::to_string(s.requests), 9);
    out += pad_left(fixed(duration_s > 0 ? static_cast<double>(s.requests) / duration_s : 0, 1), 9);
    out += pad_left(std::to_string(s.error_count()), 8);
    auto lat = [&](uint64_t us) {
        return pad_left(s.latency.count() ? format_latency(static_cast<double>(us)) : "-", 9);
    };
    out += lat(s.latency.min());
    for (const auto& c : percentile_columns()) out += lat(s.latency.percentile(c.p));
    out += lat(s.latency.max());
    return out + "\n";
}

core::Error bad(const std::string& why) {
    return core::make_error("load_summary", why);
}

}  // namespace

std::string fixed(double v, int decimals) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string counts_text(const std::map<std::string, uint64_t>& counts) {
    std::vector<std::string> parts;
    parts.reserve(counts.size());
    for (const auto& [k, v] : counts) parts.push_back(k + " " + std::to_string(v));
    return parts.empty() ? "none" : core::join(parts, ", ");
}

std::vector<ThresholdResult> evaluate_all(const LoadReport& report) {
    std::vector<ThresholdResult> out;
    out.reserve(report.thresholds.size());
    for (const auto& t : report.thresholds) out.push_back(evaluate_threshold(t, report.stats));
    return out;
}

bool all_held(const std::vector<ThresholdResult>& results) {
    return std::all_of(results.begin(), results.end(), [](const ThresholdResult& r) { return r.held; });
}

std::string summary_text(const LoadReport& r) {
    const LoadStats& s = r.stats;
    std::string out = "mpemu load: " + r.description + "\n";
    if (!r.scenarios.empty()) out += "scenarios: " + core::join(r.scenarios, ", ") + "\n";
    out += "duration: " + fixed(s.duration_s, 1) + "s\n\n";
    out += "  " + pad_right("step", kNameWidth) + pad_left("requests", 9) + pad_left("rps", 9) + pad_left("errors", 8) +
           pad_left("min", 9);
    for (const auto& c : percentile_columns()) out += pad_left(c.label, 9);
    out += pad_left("max", 9) + "\n";
    for (const auto& [name, st] : s.steps) out += row(name, st, s.duration_s);
    out += row("all requests", s.total, s.duration_s);
    out += "\n";
    out += "iterations: " + std::to_string(s.iterations) + " (" +
           fixed(s.duration_s > 0 ? static_cast<double>(s.iterations) / s.duration_s : 0, 1) + "/s), " +
           std::to_string(s.iterations_failed) + " failed, " + std::to_string(s.dropped) + " dropped";
    if (s.iteration_latency.count()) {
        out += "; duration p50 " + format_latency(static_cast<double>(s.iteration_latency.percentile(50))) + ", p99 " +
               format_latency(static_cast<double>(s.iteration_latency.percentile(99)));
    }
    out += "\n";
    out += "errors: " + counts_text(s.total.errors) + " (" + fixed(s.error_rate() * 100, 2) + "% of requests)\n";
    out += "statuses: " + counts_text(s.total.statuses) + "\n";
    out += "data: " + bytes_text(s.total.bytes_sent) + " sent, " + bytes_text(s.total.bytes_received) + " received\n";
    auto results = evaluate_all(r);
    if (!results.empty()) {
        size_t width = 0;
        for (const auto& t : r.thresholds) width = std::max(width, core::utf8_length(t.expression));
        out += "\nthresholds:\n";
        for (const auto& res : results) {
            out += std::string(res.held ? "  held    " : "  BROKEN  ") + pad_right(res.threshold->expression, width) +
                   "  " + res.actual_text + "\n";
        }
        size_t broken = std::count_if(results.begin(), results.end(), [](const auto& x) { return !x.held; });
        out += broken ? std::to_string(broken) + " of " + std::to_string(results.size()) + " thresholds broken\n"
                      : "all " + std::to_string(results.size()) + " thresholds held\n";
    }
    return out;
}

core::OrderedJson summary_json(const LoadReport& r) {
    core::OrderedJson out = core::OrderedJson::object();
    out["format"] = kSummaryFormat;
    out["version"] = kSummaryVersion;
    out["mpemu"] = emulator::version();
    out["started_at"] = r.started_at;
    out["target"] = r.target;
    out["scenarios"] = r.scenarios;
    out["description"] = r.description;
    out["plan"] = r.plan;
    out["shard"] = {{"index", r.shard_index + 1}, {"count", r.shard_count}};
    if (r.merged_shards) out["merged_shards"] = r.merged_shards;
    auto results = evaluate_all(r);
    core::OrderedJson thresholds = core::OrderedJson::array();
    for (const auto& res : results) {
        core::OrderedJson one = core::OrderedJson::object();
        one["expression"] = res.threshold->expression;
        one["held"] = res.held;
        one["actual"] = res.actual ? core::OrderedJson(*res.actual) : core::OrderedJson(nullptr);
        one["text"] = res.actual_text;
        thresholds.push_back(std::move(one));
    }
    out["thresholds"] = std::move(thresholds);
    out["passed"] = all_held(results);
    out["stats"] = r.stats.to_json();
    return out;
}

std::string junit_xml(const LoadReport& r) {
    auto results = evaluate_all(r);
    size_t broken = std::count_if(results.begin(), results.end(), [](const auto& x) { return !x.held; });
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<testsuites name=\"mpemu load\" tests=\"" + std::to_string(results.size()) + "\" failures=\"" +
           std::to_string(broken) + "\" time=\"" + fixed(r.stats.duration_s, 3) + "\">\n";
    out += "  <testsuite name=\"" + report::xml_escape("thresholds: " + r.description) + "\" tests=\"" +
           std::to_string(results.size()) + "\" failures=\"" + std::to_string(broken) + "\" time=\"" +
           fixed(r.stats.duration_s, 3) + "\">\n";
    for (const auto& res : results) {
        out += "    <testcase classname=\"mpemu.load.thresholds\" name=\"" +
               report::xml_escape(res.threshold->expression) + "\"";
        if (res.held) {
            out += "/>\n";
        } else {
            out += ">\n      <failure message=\"" + report::xml_escape("broken: " + res.actual_text) + "\">" +
                   report::xml_escape(res.threshold->expression + " broken: " + res.actual_text) +
                   "</failure>\n    </testcase>\n";
        }
    }
    out += "  </testsuite>\n</testsuites>\n";
    return out;
}

core::Result<LoadReport> report_from_json(const core::Json& j) {
    if (!j.is_object() || j.value("format", "") != kSummaryFormat)
        return bad(std::string("not an mpemu load summary (\"format\" is not \"") + kSummaryFormat + "\")");
    if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int>() < 1 ||
        j["version"].get<int>() > kSummaryVersion)
        return bad("summary version " + (j.contains("version") ? j["version"].dump() : std::string("(none)")) +
                   " is not 1 to " + std::to_string(kSummaryVersion) + ": merge summaries written by the same mpemu");
    LoadReport r;
    r.description = j.value("description", "");
    r.target = j.value("target", "");
    r.started_at = j.value("started_at", "");
    if (j.contains("scenarios") && j["scenarios"].is_array()) {
        for (const auto& s : j["scenarios"]) {
            if (s.is_string()) r.scenarios.push_back(s.get<std::string>());
        }
    }
    if (!j.contains("shard") || !j["shard"].is_object() ||
        !j["shard"].value("index", core::Json()).is_number_integer() ||
        !j["shard"].value("count", core::Json()).is_number_integer())
        return bad("\"shard\" must be {\"index\", \"count\"}");
    r.shard_index = j["shard"]["index"].get<int>() - 1;
    r.shard_count = j["shard"]["count"].get<int>();
    if (r.shard_count < 1 || r.shard_index < 0 || r.shard_index >= r.shard_count)
        return bad("\"shard\" is out of range");
    if (j.contains("plan")) r.plan = core::OrderedJson::parse(j["plan"].dump());
    if (j.contains("thresholds") && j["thresholds"].is_array()) {
        for (const auto& t : j["thresholds"]) {
            std::string expr = t.is_object() ? t.value("expression", "") : "";
            auto parsed = parse_threshold(expr);
            if (auto* e = std::get_if<ThresholdParseError>(&parsed))
                return bad("threshold \"" + expr + "\": " + e->message);
            r.thresholds.push_back(std::get<Threshold>(parsed));
        }
    }
    if (!j.contains("stats")) return bad("\"stats\" is missing");
    auto stats = LoadStats::from_json(j["stats"]);
    if (!stats) return stats.error();
    r.stats = std::move(*stats);
    return r;
}

core::Result<LoadReport> merge_reports(const std::vector<LoadReport>& shards) {
    if (shards.empty()) return bad("no summary to merge");
    LoadReport out;
    out.shard_count = 1;
    out.merged_shards = static_cast<int>(shards.size());
    out.target = shards[0].target;
    out.scenarios = shards[0].scenarios;
    out.started_at = shards[0].started_at;
    std::set<int> seen;
    std::set<std::string> expressions;
    for (const auto& s : shards) out.started_at = std::min(out.started_at, s.started_at);
    // Each shard's series counts from its own start: shift it by how much later than the first it began.
    auto first = core::parse_rfc3339(out.started_at);
    for (const auto& s : shards) {
        if (s.shard_count != shards[0].shard_count)
            return bad("shard counts differ (" + std::to_string(s.shard_count) + " and " +
                       std::to_string(shards[0].shard_count) + "): these summaries are not from one run");
        if (!seen.insert(s.shard_index).second)
            return bad("shard " + std::to_string(s.shard_index + 1) + "/" + std::to_string(s.shard_count) +
                       " is given twice");
        auto began = core::parse_rfc3339(s.started_at);
        double shift_s = first && began ? std::chrono::duration<double>(*began - *first).count() : 0;
        out.stats.merge(s.stats, shift_s);
        for (const auto& t : s.thresholds) {
            if (expressions.insert(t.expression).second) out.thresholds.push_back(t);
        }
    }
    out.description =
        "merged " + std::to_string(shards.size()) + " of " + std::to_string(shards[0].shard_count) + " shards";
    // The plan of the whole run, when the shards state it: shard 1's with the shard part cut off.
    if (!shards[0].description.empty()) {
        std::string d = shards[0].description;
        auto cut = d.rfind(", shard ");
        if (cut != std::string::npos) d.resize(cut);
        out.description += " (" + d + ")";
    }
    return out;
}

}  // namespace mpemu::load
