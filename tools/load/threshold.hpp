// Threshold expressions of `mpemu load --threshold`: `p99<200ms`, `step:pay p95<=50ms`,
// `errors<0.1%`, `rps>500`, `requests>=1000`, parsed with the column of any mistake and evaluated over LoadStats (of
// one process or of merged shards).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "tools/load/metrics.hpp"

namespace mpemu::load {

enum class ThresholdMetric { kPercentile, kMin, kMax, kMean, kErrors, kRps, kIterationsPerSecond, kDropped, kRequests };
enum class ThresholdOp { kLess, kLessEqual, kGreater, kGreaterEqual };

struct Threshold {
    std::string expression;  // as given
    std::string step;        // "" = over all requests
    ThresholdMetric metric = ThresholdMetric::kPercentile;
    double percentile = 0;  // kPercentile
    ThresholdOp op = ThresholdOp::kLess;
    double limit = 0;  // latency in ms, errors as a fraction, rates per second, counts (dropped, requests)
};

struct ThresholdParseError {
    std::string message;
    size_t column = 1;  // 1-based, in the expression
};

// Parses one expression; on failure the message and the column it refers to.
std::variant<Threshold, ThresholdParseError> parse_threshold(const std::string& expression);

struct ThresholdResult {
    const Threshold* threshold = nullptr;
    bool held = false;
    std::optional<double> actual;  // nothing when the step never ran
    std::string actual_text;       // "p99 = 12.3ms", "step \"pay\" never ran"
};

ThresholdResult evaluate_threshold(const Threshold& t, const LoadStats& stats);

// "12.3ms", "1.20s", "850us": a latency in microseconds for people.
std::string format_latency(double micros);

}  // namespace mpemu::load
