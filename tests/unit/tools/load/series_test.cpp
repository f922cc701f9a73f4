// Load time series: requests land in the interval they ended in, the series stays within its bucket
// bound however long the run (widening without losing a request), shards' series merge exactly, and
// the JSON form reads back and refuses damage.
#include <catch2/catch.hpp>

#include "tools/load/series.hpp"

using namespace mpemu;
using namespace mpemu::load;

namespace {

uint64_t total_requests(const TimeSeries& s) {
    uint64_t n = 0;
    for (const auto& b : s.buckets()) n += b.requests;
    return n;
}

}  // namespace

TEST_CASE("load series: requests land in the second they ended in, with errors and percentiles", "[load][series]") {
    TimeSeries s;
    for (int i = 0; i < 100; ++i) s.record(0.5, 1000 + static_cast<uint64_t>(i), false);  // 1.000-1.099 ms
    s.record(2.999, 50'000, true);
    s.record(2.0, 40'000, false);
    REQUIRE(s.interval_s() == 1);
    REQUIRE(s.buckets().size() == 3);
    CHECK(s.buckets()[0].requests == 100);
    CHECK(s.buckets()[0].errors == 0);
    CHECK(s.buckets()[0].latency.percentile(50) >= 1045);  // 1049 within the histogram's 0.4%
    CHECK(s.buckets()[0].latency.percentile(50) <= 1053);
    CHECK(s.buckets()[1].requests == 0);
    CHECK(s.buckets()[2].requests == 2);
    CHECK(s.buckets()[2].errors == 1);
    CHECK(s.buckets()[2].latency.max() == 50'000);
    // A negative offset (a clock read before the start) counts in the first interval.
    s.record(-0.1, 5, false);
    CHECK(s.buckets()[0].requests == 101);
}

TEST_CASE("load series: an hour-long run stays within 600 intervals and loses nothing", "[load][series]") {
    TimeSeries s;
    Histogram all;
    for (int second = 0; second < 3600; ++second) {
        for (int k = 0; k < 3; ++k) {
            uint64_t us = 1000 + static_cast<uint64_t>(second) * 7 + static_cast<uint64_t>(k) * 300;
            s.record(second + 0.25 * k, us, k == 2);
            all.record(us);
        }
    }
    CHECK(s.interval_s() == 8);  // 3600 / 8 = 450 intervals; 4 s would need 900
    CHECK(s.buckets().size() == 450);
    CHECK(total_requests(s) == uint64_t{3} * 3600);
    Histogram merged;
    uint64_t errors = 0;
    for (const auto& b : s.buckets()) {
        CHECK(b.requests == 24);
        merged.merge(b.latency);
        errors += b.errors;
    }
    CHECK(merged == all);
    CHECK(errors == 3600);
}

TEST_CASE("load series: merging equals recording everything in one series", "[load][series]") {
    TimeSeries a;
    TimeSeries b;
    TimeSeries both;
    for (int i = 0; i < 2000; ++i) {
        double at = i * 0.37;  // 740 s: a widens to 2 s intervals
        auto us = static_cast<uint64_t>(500 + (i * 7919) % 40'000);
        (i % 3 ? a : b).record(i % 3 ? at : at / 4, us, i % 11 == 0);
        both.record(i % 3 ? at : at / 4, us, i % 11 == 0);
    }
    CHECK(a.interval_s() == 2);
    CHECK(b.interval_s() == 1);  // b's share ran in a quarter of the time
    TimeSeries ab = a;
    ab.merge(b);
    CHECK(ab == both);
    TimeSeries ba = b;
    ba.merge(a);
    CHECK(ba == both);

    // A series that started 4 s later lands 2 intervals (of 2 s) later.
    TimeSeries later;
    later.record(0.5, 1000, false);
    TimeSeries shifted = a;
    shifted.merge(later, 4.0);
    CHECK(shifted.buckets()[2].requests == a.buckets()[2].requests + 1);
}

TEST_CASE("load series: the JSON form round-trips exactly and refuses damage", "[load][series]") {
    TimeSeries s;
    for (int i = 0; i < 500; ++i) s.record(i * 0.01, 100 + static_cast<uint64_t>(i) * 13, i % 50 == 0);
    s.record(9.5, 12'345, false);  // empty intervals between
    auto j = core::Json::parse(s.to_json().dump());
    CHECK(j["interval_s"] == 1);
    REQUIRE(j["buckets"].size() == 10);
    CHECK(j["buckets"][5]["requests"] == 0);
    CHECK(j["buckets"][5]["p99_ms"].is_null());
    CHECK(j["buckets"][9]["start_s"] == 9);
    CHECK(j["buckets"][9]["p50_ms"].get<double>() > 12.0);
    auto back = TimeSeries::from_json(j);
    REQUIRE(back.ok());
    CHECK(*back == s);

    auto broken = [&](const char* what, auto&& change) {
        auto copy = j;
        change(copy);
        INFO(what);
        CHECK_FALSE(TimeSeries::from_json(copy).ok());
    };
    broken("interval 3", [](core::Json& c) { c["interval_s"] = 3; });
    broken("interval 0", [](core::Json& c) { c["interval_s"] = 0; });
    broken("start off the grid", [](core::Json& c) { c["interval_s"] = 2; });  // bucket 1 starts at 1 s
    broken("more errors than requests", [](core::Json& c) { c["buckets"][0]["errors"] = 100000; });
    broken("histogram short of the requests", [](core::Json& c) { c["buckets"][0]["requests"] = 1; });
    broken("not an object", [](core::Json& c) { c = core::Json::array(); });
}
