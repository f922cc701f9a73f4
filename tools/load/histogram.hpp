// An HDR-style log-linear latency histogram for `mpemu load`: microsecond values, 256 exact buckets
// below 256 us and 128 sub-buckets per power of two above (a reported value is within 0.4% of the
// true one), merged exactly by adding bucket counts, so shards can be combined without loss.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"

namespace mpemu::load {

class Histogram {
public:
    static constexpr int kSubBits = 8;                              // 2^8 exact values, then 2^7 per octave
    static constexpr uint64_t kMaxValue = (uint64_t{1} << 36) - 1;  // ~19 h in us; larger values clamp
    static constexpr int kFormatVersion = 1;

    void record(uint64_t micros, uint64_t times = 1);
    void merge(const Histogram& other);

    uint64_t count() const { return count_; }
    uint64_t min() const { return count_ ? min_ : 0; }
    uint64_t max() const { return max_; }
    uint64_t sum() const { return sum_; }
    double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
    // Nearest-rank percentile (p in [0, 100]): the middle of the bucket holding that rank, kept
    // within [min, max]. 0 when empty.
    uint64_t percentile(double p) const;

    bool operator==(const Histogram& other) const;

    // {"unit": "us", "version": 1, "count", "min", "max", "sum", "buckets": [[lower_us, count], ...]}
    // (only non-empty buckets, ascending).
    core::OrderedJson to_json() const;
    static core::Result<Histogram> from_json(const core::Json& j);

    static size_t bucket_index(uint64_t micros);
    static uint64_t bucket_lower(size_t index);
    static uint64_t bucket_upper(size_t index);  // inclusive
    static size_t bucket_count();

private:
    std::vector<uint64_t> counts_;  // grown on demand up to bucket_count()
    uint64_t count_ = 0;
    uint64_t min_ = UINT64_MAX;
    uint64_t max_ = 0;
    uint64_t sum_ = 0;
};

}  // namespace mpemu::load
