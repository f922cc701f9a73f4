// The reports of a load run (one process, one shard, or merged shards): the end-of-run summary
// table, the versioned JSON summary with full histograms (what `mpemu load merge` reads back), and
// JUnit XML with one testcase per threshold.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "tools/load/metrics.hpp"
#include "tools/load/threshold.hpp"

namespace mpemu::load {

constexpr const char* kSummaryFormat = "mpemu-load-summary";
constexpr int kSummaryVersion = 2;  // 2 added the time series; version 1 summaries are still read

struct LoadReport {
    std::string description;             // the plan, in words
    core::OrderedJson plan = nullptr;    // LoadPlan::to_json() (null for a merged run)
    std::vector<std::string> scenarios;  // files
    std::string target;
    std::string started_at;  // RFC 3339 UTC
    int shard_index = 0;     // 0-based
    int shard_count = 1;
    int merged_shards = 0;  // > 0: the merge of this many shard summaries
    LoadStats stats;
    std::vector<Threshold> thresholds;
};

std::vector<ThresholdResult> evaluate_all(const LoadReport& report);
bool all_held(const std::vector<ThresholdResult>& results);

std::string summary_text(const LoadReport& report);
// Shared by the text and HTML reports: "12.35" (`decimals` digits), "2xx 10, 4xx 1" (or "none").
std::string fixed(double v, int decimals);
std::string counts_text(const std::map<std::string, uint64_t>& counts);
core::OrderedJson summary_json(const LoadReport& report);
std::string junit_xml(const LoadReport& report);

// Reads a summary written by summary_json() back (for merging); thresholds are re-parsed.
core::Result<LoadReport> report_from_json(const core::Json& j);

// Merges shard summaries: histograms and counts added, thresholds the union of theirs (by
// expression) plus `extra`. Refuses summaries of different shard counts or a shard given twice.
core::Result<LoadReport> merge_reports(const std::vector<LoadReport>& shards);

}  // namespace mpemu::load
