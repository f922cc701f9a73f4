// Load reports: the summary table against a golden text (tests/golden/load/summary.out; rerun with
// MPEMU_UPDATE_GOLDEN=1 to rewrite it), the JSON summary read back exactly, JUnit per threshold, and
// merging of shard summaries (exact, with thresholds judged over the whole).
#include <cstdlib>
#include <variant>

#include <catch2/catch.hpp>

#include "core/text.hpp"
#include "tests/support/emulator_process.hpp"
#include "tools/load/report.hpp"

using namespace mpemu;
using namespace mpemu::load;

namespace {

Threshold threshold(const std::string& text) {
    return std::get<Threshold>(parse_threshold(text));
}

// A deterministic run: two steps with fixed latency spreads, a few errors and statuses.
LoadReport sample(int shard_index = 0, int shard_count = 1, uint64_t scale = 1) {
    LoadReport r;
    r.description = "closed model, 10 VUs for 30s";
    if (shard_count > 1)
        r.description += ", shard " + std::to_string(shard_index + 1) + "/" + std::to_string(shard_count);
    r.scenarios = {"scenarios/e2e/wechatpay/reply_signature.json"};
    r.target = "http://127.0.0.1:8787";
    r.started_at = "2026-01-01T00:00:00.000Z";
    r.shard_index = shard_index;
    r.shard_count = shard_count;
    LoadStats& s = r.stats;
    s.duration_s = 30;
    auto add = [&](const std::string& step, uint64_t us, int status, const std::string& error, double at_s) {
        for (StepStats* st : {&s.total, &s.steps[step]}) {
            ++st->requests;
            st->bytes_sent += 700;
            st->bytes_received += 1200;
            ++st->statuses[std::to_string(status / 100) + "xx"];
            if (!error.empty()) ++st->errors[error];
            st->latency.record(us * scale);
            st->series.record(at_s, us * scale, !error.empty());
        }
    };
    for (uint64_t i = 1; i <= 600; ++i) {
        double at_s = static_cast<double>(i) * 0.05;  // 20 per second for 30 s
        add("create the order", 2000 + i * 10, 200, "", at_s);
        add("a very long step name that does not fit into the table's name column", 500 + i, i % 200 ? 200 : 400,
            i % 200 ? "" : "status 4xx", at_s);
        s.iteration_latency.record((3000 + i * 12) * scale);
    }
    s.iterations = 600;
    s.iterations_failed = 3;
    r.thresholds = {threshold("p99<10ms"), threshold("step:create the order p95<7ms"), threshold("errors<0.1%"),
                    threshold("rps>30")};
    return r;
}

}  // namespace

TEST_CASE("load report: the summary table of a known run", "[load][report][golden]") {
    std::string text = summary_text(sample());
    std::string golden = testing::source_dir() + "/tests/golden/load/summary.out";
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read on the test's own thread; nothing sets the environment
    if (std::getenv("MPEMU_UPDATE_GOLDEN")) REQUIRE(core::write_file(golden, text));
    auto expected = core::read_file(golden);
    REQUIRE(expected.has_value());
    INFO("--- actual ---\n" << text << "(rerun with MPEMU_UPDATE_GOLDEN=1 to rewrite " << golden << ")");
    CHECK(text == *expected);
}

TEST_CASE("load report: the JSON summary reads back to the same figures", "[load][report]") {
    auto original = sample();
    auto j = core::Json::parse(summary_json(original).dump());
    CHECK(j["format"] == kSummaryFormat);
    CHECK(j["version"] == kSummaryVersion);
    CHECK(j["passed"] == false);
    CHECK(j["thresholds"].size() == 4);
    CHECK(j["stats"]["total"]["requests"] == 1200);
    auto back = report_from_json(j);
    REQUIRE(back.ok());
    CHECK(back->stats.total.latency == original.stats.total.latency);
    CHECK(back->stats.steps.at("create the order").latency == original.stats.steps.at("create the order").latency);
    CHECK(back->stats.iteration_latency == original.stats.iteration_latency);
    CHECK(back->stats.total.errors == original.stats.total.errors);
    CHECK(back->stats.total.series == original.stats.total.series);
    CHECK(back->stats.steps.at("create the order").series == original.stats.steps.at("create the order").series);
    const auto& first = j["stats"]["total"]["series"]["buckets"][0];
    CHECK(j["stats"]["total"]["series"]["interval_s"] == 1);
    CHECK(first["start_s"] == 0);
    CHECK(first["requests"] == 38);  // requests 1..19 of both steps ended in the first second
    CHECK(first["p50_ms"].get<double>() > 0);
    CHECK(back->stats.iterations_failed == 3);
    CHECK(summary_text(*back) == summary_text(original));

    auto wrong = j;
    wrong["version"] = 99;
    CHECK_FALSE(report_from_json(wrong).ok());
    wrong = j;
    wrong["stats"]["total"]["requests"] = "many";
    CHECK_FALSE(report_from_json(wrong).ok());
    wrong = j;
    wrong["stats"]["total"]["series"]["buckets"][0]["errors"] = 1000;
    CHECK_FALSE(report_from_json(wrong).ok());

    // Version 1 summaries (before the series) still read, without series.
    auto v1 = j;
    v1["version"] = 1;
    v1["stats"]["total"].erase("series");
    for (auto& step : v1["stats"]["steps"]) step.erase("series");
    auto old = report_from_json(v1);
    REQUIRE(old.ok());
    CHECK(old->stats.total.series.buckets().empty());
    CHECK(old->stats.total.latency == original.stats.total.latency);
}

TEST_CASE("load report: JUnit has one testcase per threshold, failures for broken ones", "[load][report]") {
    std::string xml = junit_xml(sample());
    CHECK(xml.find("tests=\"4\" failures=\"2\"") != std::string::npos);
    CHECK(xml.find("name=\"p99&lt;10ms\"/>") != std::string::npos);
    CHECK(xml.find("name=\"errors&lt;0.1%\">") != std::string::npos);
    CHECK(xml.find("<failure message=\"broken: errors = ") != std::string::npos);
}

TEST_CASE("load report: merged shards add up exactly and judge thresholds over the whole run", "[load][report]") {
    auto one = sample(0, 2, 1);
    auto two = sample(1, 2, 3);  // shard 2 three times slower
    // Each shard sent 1200 requests in 30 s (40/s): under both limits alone, over them together.
    for (auto* r : {&one, &two}) r->thresholds = {threshold("rps<50"), threshold("requests<2000")};
    CHECK(all_held(evaluate_all(one)));
    CHECK(all_held(evaluate_all(two)));
    auto merged = merge_reports({one, two});
    REQUIRE(merged.ok());
    CHECK(merged->stats.total.requests == 2400);
    Histogram expected = one.stats.total.latency;
    expected.merge(two.stats.total.latency);
    CHECK(merged->stats.total.latency == expected);
    TimeSeries series = one.stats.total.series;
    series.merge(two.stats.total.series);
    CHECK(merged->stats.total.series == series);
    CHECK(merged->stats.duration_s == 30);
    CHECK(merged->thresholds.size() == 2);
    auto results = evaluate_all(*merged);
    CHECK_FALSE(results[0].held);
    CHECK_FALSE(results[1].held);
    CHECK(merged->description == "merged 2 of 2 shards (closed model, 10 VUs for 30s)");

    auto twice = merge_reports({one, one});
    REQUIRE_FALSE(twice.ok());
    CHECK(twice.error().message.find("given twice") != std::string::npos);
    auto other = sample(0, 3);
    CHECK_FALSE(merge_reports({one, other}).ok());
}

TEST_CASE("load report: shards that started apart line up their series by start time", "[load][report]") {
    auto one = sample(0, 2);
    auto two = sample(1, 2);
    two.started_at = "2026-01-01T00:00:03.000Z";  // 3 s after shard 1
    auto merged = merge_reports({one, two});
    REQUIRE(merged.ok());
    CHECK(merged->started_at == "2026-01-01T00:00:00.000Z");
    const auto& a = one.stats.total.series.buckets();
    const auto& m = merged->stats.total.series.buckets();
    REQUIRE(m.size() == a.size() + 3);
    CHECK(m[0].requests == a[0].requests);                  // only shard 1 ran then
    CHECK(m[3].requests == a[3].requests + a[0].requests);  // shard 2's first second
    CHECK(m.back().requests == a.back().requests);
    CHECK(merged->stats.total.requests == 2 * one.stats.total.requests);
}
