// The log-linear bucket layout and percentile, merge and JSON code of load::Histogram.
#include "tools/load/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace mpemu::load {

namespace {

constexpr uint64_t kExact = uint64_t{1} << Histogram::kSubBits;  // values below are their own bucket
constexpr uint64_t kHalf = kExact / 2;                           // sub-buckets per octave above

}  // namespace

size_t Histogram::bucket_index(uint64_t micros) {
    uint64_t v = std::min(micros, kMaxValue);
    if (v < kExact) return static_cast<size_t>(v);
    int msb = 63 - std::countl_zero(v);
    int shift = msb - (kSubBits - 1);  // v >> shift lands in [kHalf, kExact)
    uint64_t m = v >> shift;
    return static_cast<size_t>(kExact + static_cast<uint64_t>(shift - 1) * kHalf + (m - kHalf));
}

uint64_t Histogram::bucket_lower(size_t index) {
    if (index < kExact) return index;
    uint64_t k = index - kExact;
    uint64_t shift = k / kHalf + 1;
    uint64_t m = kHalf + k % kHalf;
    return m << shift;
}

uint64_t Histogram::bucket_upper(size_t index) {
    if (index < kExact) return index;
    uint64_t k = index - kExact;
    uint64_t shift = k / kHalf + 1;
    uint64_t m = kHalf + k % kHalf;
    return ((m + 1) << shift) - 1;
}

size_t Histogram::bucket_count() {
    return bucket_index(kMaxValue) + 1;
}

void Histogram::record(uint64_t micros, uint64_t times) {
    if (times == 0) return;
    uint64_t v = std::min(micros, kMaxValue);
    size_t i = bucket_index(v);
    if (counts_.size() <= i) counts_.resize(i + 1, 0);
    counts_[i] += times;
    count_ += times;
    sum_ += v * times;
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
}

void Histogram::merge(const Histogram& other) {
    if (other.count_ == 0) return;
    if (counts_.size() < other.counts_.size()) counts_.resize(other.counts_.size(), 0);
    for (size_t i = 0; i < other.counts_.size(); ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
}

uint64_t Histogram::percentile(double p) const {
    if (count_ == 0) return 0;
    if (p <= 0) return min_;
    if (p >= 100) return max_;
    auto rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
    rank = std::clamp<uint64_t>(rank, 1, count_);
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            uint64_t lo = bucket_lower(i);
            uint64_t mid = lo + (bucket_upper(i) - lo) / 2;
            return std::clamp(mid, min_, max_);
        }
    }
    return max_;
}

bool Histogram::operator==(const Histogram& other) const {
    if (count_ != other.count_ || sum_ != other.sum_ || min() != other.min() || max_ != other.max_) return false;
    size_t n = std::max(counts_.size(), other.counts_.size());
    for (size_t i = 0; i < n; ++i) {
        uint64_t a = i < counts_.size() ? counts_[i] : 0;
        uint64_t b = i < other.counts_.size() ? other.counts_[i] : 0;
        if (a != b) return false;
    }
    return true;
}

core::OrderedJson Histogram::to_json() const {
    core::OrderedJson buckets = core::OrderedJson::array();
    for (size_t i = 0; i < counts_.size(); ++i) {
        if (counts_[i]) buckets.push_back({bucket_lower(i), counts_[i]});
    }
    return core::OrderedJson{
        {"unit", "us"}, {"version", kFormatVersion}, {"count", count_}, {"min", min()}, {"max", max_},
        {"sum", sum_},  {"buckets", buckets}};
}

core::Result<Histogram> Histogram::from_json(const core::Json& j) {
    auto bad = [](const std::string& why) { return core::make_error("histogram", "invalid histogram: " + why); };
    if (!j.is_object()) return bad("not an object");
    if (j.value("unit", "") != "us") return bad("\"unit\" must be \"us\"");
    if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int>() != kFormatVersion)
        return bad("\"version\" must be " + std::to_string(kFormatVersion));
    for (const char* k : {"count", "min", "max", "sum"}) {
        if (!j.contains(k) || !j[k].is_number_unsigned()) return bad(std::string("\"") + k + "\" must be a count");
    }
    if (!j.contains("buckets") || !j["buckets"].is_array()) return bad("\"buckets\" must be an array");
    Histogram h;
    for (const auto& b : j["buckets"]) {
        if (!b.is_array() || b.size() != 2 || !b[0].is_number_unsigned() || !b[1].is_number_unsigned())
            return bad("a bucket is [lower_us, count]");
        uint64_t lower = b[0].get<uint64_t>();
        size_t i = bucket_index(lower);
        if (bucket_lower(i) != lower) return bad("bucket " + std::to_string(lower) + " is not a bucket boundary");
        if (h.counts_.size() <= i) h.counts_.resize(i + 1, 0);
        h.counts_[i] += b[1].get<uint64_t>();
        h.count_ += b[1].get<uint64_t>();
    }
    if (h.count_ != j["count"].get<uint64_t>()) return bad("\"count\" is not the sum of the bucket counts");
    h.sum_ = j["sum"].get<uint64_t>();
    h.max_ = j["max"].get<uint64_t>();
    h.min_ = h.count_ ? j["min"].get<uint64_t>() : UINT64_MAX;
    if (h.count_ && (h.min_ > h.max_ || bucket_index(h.min_) > bucket_index(h.max_)))
        return bad("\"min\" is above \"max\"");
    return h;
}

}  // namespace mpemu::load
