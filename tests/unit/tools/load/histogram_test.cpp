// load::Histogram: percentiles within the stated error of the exact nearest-rank percentiles of known
// distributions, exact merge, bucket layout, and the JSON round trip shards rely on.
#include <algorithm>
#include <cmath>
#include <random>

#include <catch2/catch.hpp>

#include "tools/load/histogram.hpp"

using mpemu::load::Histogram;

namespace {

// The exact nearest-rank percentile of sorted values.
uint64_t exact_percentile(const std::vector<uint64_t>& sorted, double p) {
    if (p <= 0) return sorted.front();
    auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

void check_against_exact(std::vector<uint64_t> values) {
    Histogram h;
    for (auto v : values) h.record(v);
    std::sort(values.begin(), values.end());
    REQUIRE(h.count() == values.size());
    CHECK(h.min() == values.front());
    CHECK(h.max() == values.back());
    for (double p : {1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99}) {
        auto exact = static_cast<double>(exact_percentile(values, p));
        auto got = static_cast<double>(h.percentile(p));
        INFO("p" << p << " exact " << exact << " histogram " << got);
        CHECK(std::abs(got - exact) <= exact * 0.01);
    }
    CHECK(h.percentile(100) == values.back());
}

}  // namespace

TEST_CASE("load histogram: buckets cover every value up to the maximum without gaps", "[load][histogram]") {
    for (size_t i = 0; i + 1 < Histogram::bucket_count(); ++i) {
        REQUIRE(Histogram::bucket_upper(i) + 1 == Histogram::bucket_lower(i + 1));
        REQUIRE(Histogram::bucket_index(Histogram::bucket_lower(i)) == i);
        REQUIRE(Histogram::bucket_index(Histogram::bucket_upper(i)) == i);
        // Each bucket is at most 1/128 of its lower bound wide: the middle is within 0.4%.
        if (Histogram::bucket_lower(i) > 0) {
            REQUIRE(static_cast<double>(Histogram::bucket_upper(i) - Histogram::bucket_lower(i) + 1) <=
                    static_cast<double>(Histogram::bucket_lower(i)) / 128.0 + 1);
        }
    }
    CHECK(Histogram::bucket_upper(Histogram::bucket_count() - 1) == Histogram::kMaxValue);
    CHECK(Histogram::bucket_index(60'000'000) < Histogram::bucket_count());
}

TEST_CASE("load histogram: percentiles of a uniform 1us..60s spread are within 1%", "[load][histogram]") {
    std::vector<uint64_t> values;
    for (uint64_t v = 1; v <= 60'000'000; v += 997) values.push_back(v);
    check_against_exact(values);
}

TEST_CASE("load histogram: percentiles of a long-tailed distribution are within 1%", "[load][histogram]") {
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> dist(9.0, 1.5);  // median ~8ms, a tail into seconds
    std::vector<uint64_t> values;
    values.reserve(200'000);
    for (int i = 0; i < 200'000; ++i) {
        values.push_back(std::min<uint64_t>(static_cast<uint64_t>(dist(rng)) + 1, 60'000'000));
    }
    check_against_exact(values);
}

TEST_CASE("load histogram: small values are exact", "[load][histogram]") {
    Histogram h;
    for (uint64_t v = 0; v < 200; ++v) h.record(v);
    CHECK(h.percentile(50) == 99);
    CHECK(h.min() == 0);
    CHECK(h.max() == 199);
    CHECK(h.sum() == 199 * 200 / 2);
}

TEST_CASE("load histogram: merging equals recording everything in one", "[load][histogram]") {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<uint64_t> dist(1, 5'000'000);
    Histogram a;
    Histogram b;
    Histogram c;
    Histogram all;
    for (int i = 0; i < 30'000; ++i) {
        uint64_t v = dist(rng);
        (i % 3 == 0 ? a : i % 3 == 1 ? b : c).record(v);
        all.record(v);
    }
    Histogram merged;
    merged.merge(a);
    merged.merge(b);
    merged.merge(c);
    CHECK(merged == all);
    for (double p : {50.0, 99.0, 99.9}) CHECK(merged.percentile(p) == all.percentile(p));
    CHECK(merged.mean() == Approx(all.mean()));
    Histogram empty;
    merged.merge(empty);
    CHECK(merged == all);
}

TEST_CASE("load histogram: the JSON form round-trips exactly and refuses damage", "[load][histogram]") {
    Histogram h;
    for (uint64_t v : {3u, 300u, 30'000u, 3'000'000u, 3'000'000u}) h.record(v);
    auto j = mpemu::core::Json::parse(h.to_json().dump());
    auto back = Histogram::from_json(j);
    REQUIRE(back.ok());
    CHECK(*back == h);

    auto damaged = j;
    damaged["count"] = 99;
    CHECK_FALSE(Histogram::from_json(damaged).ok());
    damaged = j;
    damaged["buckets"][1][0] = 301;  // not a bucket boundary
    CHECK_FALSE(Histogram::from_json(damaged).ok());
    damaged = j;
    damaged["version"] = 2;
    CHECK_FALSE(Histogram::from_json(damaged).ok());
    auto empty = Histogram::from_json(mpemu::core::Json::parse(Histogram().to_json().dump()));
    REQUIRE(empty.ok());
    CHECK(*empty == Histogram());
}

TEST_CASE("load histogram: values beyond the maximum are clamped, not lost", "[load][histogram]") {
    Histogram h;
    h.record(Histogram::kMaxValue + 1000);
    CHECK(h.count() == 1);
    CHECK(h.max() == Histogram::kMaxValue);
}
