// Threshold expressions: what parses (and into what), what does not (with the column of the
// mistake), and evaluation over LoadStats.
#include <variant>

#include <catch2/catch.hpp>

#include "tools/load/threshold.hpp"

using namespace mpemu::load;

namespace {

Threshold parsed(const std::string& text) {
    auto r = parse_threshold(text);
    if (auto* e = std::get_if<ThresholdParseError>(&r)) FAIL(text << ": " << e->message << " at " << e->column);
    return std::get<Threshold>(r);
}

ThresholdParseError refused(const std::string& text) {
    auto r = parse_threshold(text);
    REQUIRE(std::holds_alternative<ThresholdParseError>(r));
    return std::get<ThresholdParseError>(r);
}

}  // namespace

TEST_CASE("load thresholds: the forms of the documentation parse", "[load][threshold]") {
    auto p99 = parsed("p99<200ms");
    CHECK(p99.metric == ThresholdMetric::kPercentile);
    CHECK(p99.percentile == 99);
    CHECK(p99.op == ThresholdOp::kLess);
    CHECK(p99.limit == 200);
    CHECK(p99.step.empty());

    auto step = parsed("step:pay p95<50ms");
    CHECK(step.step == "pay");
    CHECK(step.percentile == 95);
    CHECK(step.limit == 50);

    auto spaced = parsed("step:APP order p99.9 <= 1.5s");
    CHECK(spaced.step == "APP order");
    CHECK(spaced.percentile == Approx(99.9));
    CHECK(spaced.op == ThresholdOp::kLessEqual);
    CHECK(spaced.limit == 1500);

    auto quoted = parsed("step:\"a b\" max<800us");
    CHECK(quoted.step == "a b");
    CHECK(quoted.metric == ThresholdMetric::kMax);
    CHECK(quoted.limit == Approx(0.8));

    auto errors = parsed("errors<0.1%");
    CHECK(errors.metric == ThresholdMetric::kErrors);
    CHECK(errors.limit == Approx(0.001));

    auto rps = parsed("rps>500");
    CHECK(rps.metric == ThresholdMetric::kRps);
    CHECK(rps.op == ThresholdOp::kGreater);
    CHECK(rps.limit == 500);
    CHECK(parsed("rps >= 500/s").op == ThresholdOp::kGreaterEqual);
    CHECK(parsed("dropped<=0").metric == ThresholdMetric::kDropped);
}

TEST_CASE("load thresholds: mistakes are refused with their column", "[load][threshold]") {
    auto unit = refused("p99<200xs");
    CHECK(unit.column == 8);
    CHECK(unit.message.find("unknown unit \"xs\"") != std::string::npos);

    auto no_unit = refused("p99<200");
    CHECK(no_unit.column == 8);
    CHECK(no_unit.message.find("needs a unit") != std::string::npos);

    auto metric = refused("p99x<1ms");
    CHECK(metric.column == 1);

    auto typo = refused("erors<1%");
    CHECK(typo.column == 1);
    CHECK(typo.message.find("did you mean \"errors\"") != std::string::npos);

    auto op = refused("p99=200ms");
    CHECK(op.column == 4);
    CHECK(op.message.find("< <= > >=") != std::string::npos);

    auto number = refused("p99<abc");
    CHECK(number.column == 5);

    auto fraction = refused("errors<5");
    CHECK(fraction.message.find("did you mean 5%?") != std::string::npos);

    CHECK(refused("p0<1ms").column == 1);
    CHECK(refused("step:\"pay p99<1ms").message.find("closing") != std::string::npos);
    CHECK(refused("step:pay").message.find("comparison") != std::string::npos);
    CHECK(refused("step:p99<1ms").message.find("a step name, a space and a metric") != std::string::npos);
}

TEST_CASE("load thresholds: evaluation over statistics", "[load][threshold]") {
    LoadStats s;
    s.duration_s = 10;
    for (int i = 1; i <= 1000; ++i) {
        s.total.latency.record(static_cast<uint64_t>(i) * 100);  // 0.1ms .. 100ms
        s.steps["pay"].latency.record(static_cast<uint64_t>(i) * 10);
    }
    s.total.requests = 1000;
    s.steps["pay"].requests = 1000;
    s.total.errors["assertion"] = 2;
    s.iterations = 100;

    auto held = [&](const std::string& text) { return evaluate_threshold(parsed(text), s).held; };
    CHECK(held("p99<200ms"));
    CHECK_FALSE(held("p99<50ms"));
    CHECK(held("p50<=51ms"));
    CHECK(held("step:pay p99<10ms"));
    CHECK_FALSE(held("step:pay p99<9ms"));
    CHECK(held("errors<0.3%"));
    CHECK_FALSE(held("errors<0.1%"));
    CHECK(held("rps>=100"));
    CHECK_FALSE(held("rps>100"));
    CHECK(held("ips>9.9"));

    auto missing = evaluate_threshold(parsed("step:nope p99<1s"), s);
    CHECK_FALSE(missing.held);
    CHECK_FALSE(missing.actual);
    CHECK(missing.actual_text.find("nope") != std::string::npos);

    auto shown = evaluate_threshold(parsed("p99<50ms"), s);
    CHECK(shown.actual_text.rfind("p99 = 99.", 0) == 0);  // 99ms within the histogram's 0.4%
}
