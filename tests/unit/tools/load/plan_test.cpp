// LoadPlan: arrival schedules of constant and ramping rates, shard shares, and the parsers of
// --stages, --rate and --shard with the column of a mistake.
#include <algorithm>
#include <variant>

#include <catch2/catch.hpp>

#include "tools/load/executor.hpp"
#include "tools/load/plan.hpp"

using namespace mpemu::load;

TEST_CASE("load plan: a constant rate arrives evenly and ends with its duration", "[load][plan]") {
    LoadPlan plan;
    plan.model = Model::kOpen;
    plan.profile = {{10, 50, 50}};
    CHECK(*plan.arrival_time(0) == 0);
    CHECK(*plan.arrival_time(1) == Approx(0.02));
    CHECK(*plan.arrival_time(499) == Approx(9.98));
    CHECK_FALSE(plan.arrival_time(500));
}

TEST_CASE("load plan: a ramp arrives as the integral of its rate", "[load][plan]") {
    LoadPlan plan;
    plan.profile = {{10, 0, 100}, {5, 100, 100}, {10, 100, 0}};  // 500 + 500 + 500 arrivals
    CHECK(*plan.arrival_time(125) == Approx(5.0));               // N(t) = 5 t^2 on the way up
    CHECK(*plan.arrival_time(500) == Approx(10.0));
    CHECK(*plan.arrival_time(750) == Approx(12.5));
    CHECK(*plan.arrival_time(1375) == Approx(20.0));  // ramp down: 375 in the first 5 s of it
    CHECK_FALSE(plan.arrival_time(1500));
    CHECK(plan.value_at(5) == Approx(50));
    CHECK(plan.value_at(30) == 0);
    CHECK(plan.peak() == 100);
    CHECK(plan.seconds() == 25);
}

TEST_CASE("load plan: shards split indices by remainder, covering each exactly once", "[load][plan]") {
    LoadPlan plan;
    plan.shard_count = 3;
    uint64_t total = 0;
    for (int i = 0; i < 3; ++i) {
        plan.shard_index = i;
        total += plan.shard_share(10);
    }
    CHECK(total == 10);
    plan.shard_index = 0;
    CHECK(plan.shard_share(10) == 4);
    plan.shard_index = 2;
    CHECK(plan.shard_share(10) == 3);
    CHECK(plan.shard_share(2) == 0);
}

TEST_CASE("load plan: --stages, --rate and --shard parse or say where they are wrong", "[load][plan]") {
    bool per_second = true;
    auto vus = parse_stages("30s:100,1m:100,10s:0", 0, &per_second);
    REQUIRE(std::holds_alternative<std::vector<Segment>>(vus));
    auto& segs = std::get<std::vector<Segment>>(vus);
    REQUIRE(segs.size() == 3);
    CHECK(segs[0].seconds == 30);
    CHECK(segs[0].from == 0);
    CHECK(segs[1].from == 100);
    CHECK(segs[1].seconds == 60);
    CHECK(segs[2].to == 0);
    CHECK_FALSE(per_second);

    auto rates = parse_stages("10s:100/s,5s:1200/m", 20, &per_second);
    REQUIRE(std::holds_alternative<std::vector<Segment>>(rates));
    CHECK(per_second);
    CHECK(std::get<std::vector<Segment>>(rates)[0].from == 20);
    CHECK(std::get<std::vector<Segment>>(rates)[1].to == 20);

    auto mixed = parse_stages("10s:100/s,5s:3", 0, &per_second);
    REQUIRE(std::holds_alternative<PlanError>(mixed));
    CHECK(std::get<PlanError>(mixed).column == 14);

    auto bad_duration = parse_stages("30s:10,xx:5", 0, &per_second);
    REQUIRE(std::holds_alternative<PlanError>(bad_duration));
    CHECK(std::get<PlanError>(bad_duration).column == 8);

    auto no_colon = parse_stages("30s", 0, &per_second);
    REQUIRE(std::holds_alternative<PlanError>(no_colon));
    CHECK(std::get<PlanError>(no_colon).message.find("DURATION:TARGET") != std::string::npos);

    CHECK(std::get<double>(parse_rate("500/s")) == 500);
    CHECK(std::get<double>(parse_rate("30/m")) == Approx(0.5));
    CHECK(std::get<double>(parse_rate("7")) == 7);
    CHECK(std::get<PlanError>(parse_rate("5/x")).column == 3);
    CHECK(std::holds_alternative<PlanError>(parse_rate("fast")));

    CHECK(std::get<std::pair<int, int>>(parse_shard("2/3")) == std::pair<int, int>{1, 3});
    CHECK(std::holds_alternative<PlanError>(parse_shard("0/3")));
    CHECK(std::holds_alternative<PlanError>(parse_shard("4/3")));
    CHECK(std::get<PlanError>(parse_shard("1/")).column == 3);
}

TEST_CASE("load plan: descriptions say the model, size and shard", "[load][plan]") {
    LoadPlan closed;
    closed.profile = {{30, 10, 10}};
    CHECK(closed.describe() == "closed model, 10 VUs for 30s");
    LoadPlan open;
    open.model = Model::kOpen;
    open.profile = {{60, 200, 200}};
    open.max_vus = 50;
    open.shard_index = 1;
    open.shard_count = 3;
    CHECK(open.describe() == "open model, 200 iterations/s for 1m, at most 50 VUs, shard 2/3");
}

TEST_CASE("load mix: weighted order takes each scenario its weight's share, spread out", "[load][plan]") {
    CHECK(weighted_order({3, 1}) == std::vector<size_t>{0, 0, 1, 0});
    CHECK(weighted_order({1, 1, 1}) == std::vector<size_t>{0, 1, 2});
    auto order = weighted_order({5, 2, 3});
    REQUIRE(order.size() == 10);
    CHECK(std::count(order.begin(), order.end(), 0) == 5);
    CHECK(std::count(order.begin(), order.end(), 1) == 2);
    CHECK(std::count(order.begin(), order.end(), 2) == 3);
    CHECK(order[0] != order[1]);  // not 5 of the first in a row
}
