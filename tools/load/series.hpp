// Load figures over time: for each interval of a run (1 s at first, measured from the run's start),
// the requests that ended in it, how many failed, and their latency histogram. Bounded: past
// kMaxBuckets intervals the width doubles and adjacent intervals merge, so an hour-long run keeps
// at most 600 of them; shards' series merge exactly once brought to the same width.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "tools/load/histogram.hpp"

namespace mpemu::load {

struct SeriesBucket {
    uint64_t requests = 0;
    uint64_t errors = 0;
    Histogram latency;  // us

    void merge(const SeriesBucket& other);
};

class TimeSeries {
public:
    static constexpr size_t kMaxBuckets = 600;

    // A request that ended `offset_s` seconds after the run's start.
    void record(double offset_s, uint64_t latency_us, bool error);
    // Adds another run's series whose start was `shift_s` seconds after this one's (shards start
    // apart): the other's intervals land on this one's nearest interval of the common width.
    void merge(const TimeSeries& other, double shift_s = 0);

    // Seconds per bucket: 1, 2, 4, ... (a power of two, so any two series share a coarser width).
    uint64_t interval_s() const { return interval_s_; }
    // Bucket i covers [i * interval_s, (i + 1) * interval_s) from the start; empty ones included.
    const std::vector<SeriesBucket>& buckets() const { return buckets_; }

    bool operator==(const TimeSeries& other) const;

    // {"interval_s": 1, "buckets": [{"start_s", "requests", "errors", "p50_ms", "p90_ms", "p99_ms",
    // "histogram"}, ...]}: every bucket up to the last non-empty one, in order; the percentiles are
    // null in a bucket without requests.
    core::OrderedJson to_json() const;
    static core::Result<TimeSeries> from_json(const core::Json& j);

private:
    void widen();  // doubles the interval: buckets 2k and 2k+1 become bucket k
    SeriesBucket& at(size_t index);

    uint64_t interval_s_ = 1;
    std::vector<SeriesBucket> buckets_;
};

}  // namespace mpemu::load
