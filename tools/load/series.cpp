// Recording, widening, merging and the JSON form of load::TimeSeries.
#include "tools/load/series.hpp"

#include <cmath>
#include <string>
#include <utility>

namespace mpemu::load {

namespace {

core::Error bad(const std::string& why) {
    return core::make_error("load_summary", "series: " + why);
}

// The percentiles each interval reports, beside its histogram (for readers that plot them as they are).
constexpr std::pair<const char*, double> kSeriesPercentiles[] = {{"p50_ms", 50}, {"p90_ms", 90}, {"p99_ms", 99}};

bool unsigned_field(const core::Json& j, const char* field) {
    return j.contains(field) && j[field].is_number_unsigned();
}

}  // namespace

void SeriesBucket::merge(const SeriesBucket& other) {
    requests += other.requests;
    errors += other.errors;
    latency.merge(other.latency);
}

SeriesBucket& TimeSeries::at(size_t index) {
    if (buckets_.size() <= index) buckets_.resize(index + 1);
    return buckets_[index];
}

void TimeSeries::widen() {
    std::vector<SeriesBucket> wider((buckets_.size() + 1) / 2);
    for (size_t i = 0; i < buckets_.size(); ++i) wider[i / 2].merge(buckets_[i]);
    buckets_ = std::move(wider);
    interval_s_ *= 2;
}

void TimeSeries::record(double offset_s, uint64_t latency_us, bool error) {
    double offset = std::max(0.0, offset_s);
    auto index = static_cast<size_t>(offset / static_cast<double>(interval_s_));
    while (index >= kMaxBuckets) {
        widen();
        index = static_cast<size_t>(offset / static_cast<double>(interval_s_));
    }
    SeriesBucket& b = at(index);
    ++b.requests;
    if (error) ++b.errors;
    b.latency.record(latency_us);
}

void TimeSeries::merge(const TimeSeries& other, double shift_s) {
    if (other.buckets_.empty()) return;
    while (interval_s_ < other.interval_s_) widen();
    const TimeSeries* from = &other;
    TimeSeries coarser;
    if (other.interval_s_ < interval_s_) {
        coarser = other;
        while (coarser.interval_s_ < interval_s_) coarser.widen();
        from = &coarser;
    }
    // A shard that started 1.4 s after the first lands 1 interval later at 1 s, none later at 4 s.
    double shift = std::max(0.0, std::round(shift_s / static_cast<double>(interval_s_)));
    auto offset = static_cast<size_t>(shift);
    for (size_t i = 0; i < from->buckets_.size(); ++i) {
        if (from->buckets_[i].requests) at(i + offset).merge(from->buckets_[i]);
    }
    while (buckets_.size() > kMaxBuckets) widen();
}

bool TimeSeries::operator==(const TimeSeries& other) const {
    if (interval_s_ != other.interval_s_) return false;
    size_t n = std::max(buckets_.size(), other.buckets_.size());
    SeriesBucket empty;
    for (size_t i = 0; i < n; ++i) {
        const SeriesBucket& a = i < buckets_.size() ? buckets_[i] : empty;
        const SeriesBucket& b = i < other.buckets_.size() ? other.buckets_[i] : empty;
        if (a.requests != b.requests || a.errors != b.errors || !(a.latency == b.latency)) return false;
    }
    return true;
}

core::OrderedJson TimeSeries::to_json() const {
    core::OrderedJson buckets = core::OrderedJson::array();
    size_t last = buckets_.size();
    while (last > 0 && buckets_[last - 1].requests == 0) --last;
    for (size_t i = 0; i < last; ++i) {
        const SeriesBucket& b = buckets_[i];
        core::OrderedJson one = core::OrderedJson::object();
        one["start_s"] = static_cast<uint64_t>(i) * interval_s_;
        one["requests"] = b.requests;
        one["errors"] = b.errors;
        for (const auto& [label, p] : kSeriesPercentiles) {
            one[label] = b.requests ? core::OrderedJson(static_cast<double>(b.latency.percentile(p)) / 1000.0)
                                    : core::OrderedJson(nullptr);
        }
        one["histogram"] = b.latency.to_json();
        buckets.push_back(std::move(one));
    }
    return core::OrderedJson{{"interval_s", interval_s_}, {"buckets", std::move(buckets)}};
}

core::Result<TimeSeries> TimeSeries::from_json(const core::Json& j) {
    if (!j.is_object()) return bad("not an object");
    if (!unsigned_field(j, "interval_s")) return bad("\"interval_s\" must be a whole number of seconds");
    uint64_t interval = j["interval_s"].get<uint64_t>();
    if (interval == 0 || (interval & (interval - 1)) != 0) return bad("\"interval_s\" must be 1, 2, 4, 8, ...");
    if (!j.contains("buckets") || !j["buckets"].is_array()) return bad("\"buckets\" must be an array");
    TimeSeries s;
    s.interval_s_ = interval;
    for (const auto& b : j["buckets"]) {
        if (!b.is_object()) return bad("a bucket must be an object");
        for (const char* field : {"start_s", "requests", "errors"}) {
            if (!unsigned_field(b, field)) return bad(std::string("a bucket's \"") + field + "\" must be a count");
        }
        uint64_t start = b["start_s"].get<uint64_t>();
        if (start % interval != 0 || start / interval >= kMaxBuckets)
            return bad("bucket start " + std::to_string(start) + " s is not a multiple of the interval below " +
                       std::to_string(kMaxBuckets) + " intervals");
        if (!b.contains("histogram")) return bad("a bucket's \"histogram\" is missing");
        auto h = Histogram::from_json(b["histogram"]);
        if (!h) return h.error();
        SeriesBucket one;
        one.requests = b["requests"].get<uint64_t>();
        one.errors = b["errors"].get<uint64_t>();
        one.latency = std::move(*h);
        if (one.errors > one.requests || one.latency.count() != one.requests)
            return bad("bucket at " + std::to_string(start) +
                       " s: \"errors\" exceeds \"requests\" or the histogram does not count every request");
        s.at(static_cast<size_t>(start / interval)).merge(one);
    }
    return s;
}

}  // namespace mpemu::load
