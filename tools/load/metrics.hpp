// What a load run measured, as plain data that merges exactly: per step (by the step's name in the
// scenario file) and over all requests, the request and byte counts, errors by kind, response status
// classes, a latency histogram and the same over time; per iteration a count and a duration histogram. Shards write
// these to JSON and `mpemu load merge` adds them up.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "tools/load/histogram.hpp"
#include "tools/load/series.hpp"

namespace mpemu::load {

// Error kinds: "connect", "timeout", "io" (transport), "status 4xx"/"status 5xx"/... (a failed
// `status` assertion, by the class received), "assertion" (any other failed check or capture),
// "script" (a template or setup failure before any request was sent).
struct StepStats {
    uint64_t requests = 0;
    uint64_t bytes_sent = 0;
    uint64_t bytes_received = 0;
    std::map<std::string, uint64_t> errors;    // by kind
    std::map<std::string, uint64_t> statuses;  // "2xx", "4xx", ... of every response
    Histogram latency;                         // us, each request (attempt)
    TimeSeries series;                         // the same requests by the interval they ended in

    uint64_t error_count() const;
    StepStats without_series() const;
    // `shift_s`: how much later than this run the other one started (shards), to align the series;
    // without `with_series` the series is left out (a cheap copy).
    void merge(const StepStats& other, double shift_s = 0, bool with_series = true);
    core::OrderedJson to_json() const;
    static core::Result<StepStats> from_json(const core::Json& j);
};

struct LoadStats {
    StepStats total;
    std::map<std::string, StepStats> steps;  // by step name
    uint64_t iterations = 0;
    uint64_t iterations_failed = 0;
    uint64_t dropped = 0;  // open model: arrivals that found no free VU
    Histogram iteration_latency;
    double duration_s = 0;  // wall time; merged runs ran side by side: the longest

    double rps() const { return duration_s > 0 ? static_cast<double>(total.requests) / duration_s : 0; }
    double error_rate() const;  // failed requests / requests (0 when none)
    // A copy for the live progress line and --abort-on-fail, which need no series (cheap to take
    // every second under the executor's lock however long the run).
    LoadStats without_series() const;
    void merge(const LoadStats& other, double shift_s = 0, bool with_series = true);
    core::OrderedJson to_json() const;
    static core::Result<LoadStats> from_json(const core::Json& j);
};

// The percentiles every report shows, in order, with their labels ("p99.9").
struct PercentileColumn {
    const char* label;
    double p;
};
const std::vector<PercentileColumn>& percentile_columns();

}  // namespace mpemu::load
