// The reports of a load run (one process, one shard, or merged shards): the end-of-run summary
// table, the versioned JSON summary with full histograms (what `mpemu load merge` reads back), and
// JUnit XML with one testcase per threshold.
#pragma once

#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "tools/load/metrics.hpp"
#include "tools/load/threshold.hpp"

namespace mpemu::load {

constexpr const char* kSummaryFormat = "mpemu-load-summary";
constexpr int kSummaryVersion = 1;

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
core::OrderedJson summary_json(const LoadReport& report);
std::string junit_xml(const LoadReport& report);

// Reads a summary written by summary_json() back (for merging); thresholds are re-parsed.
core::Result<LoadReport> report_from_json(const core::Json& j);

// Merges shard summaries: histograms and counts added, thresholds the union of theirs (by
// expression) plus `extra`. Refuses summaries of different shard counts or a shard given twice.
core::Result<LoadReport> merge_reports(const std::vector<LoadReport>& shards);

}  // namespace mpemu::load
