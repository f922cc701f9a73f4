// Runs scenarios under load: virtual users, each with its own scenario::ScenarioRunner (its own HTTP
// client, variables and captures), driven by a LoadPlan in the closed or open model; every request
// and iteration is recorded into LoadStats.
//
// Threading: every VU is a fiber (created when the run starts: the peak VU count of the closed model,
// --max-vus of the open one) on one of a few event loops (one per core, event_loop.hpp); its requests
// go through the event-driven client (event_client.hpp), so a VU waiting for a reply holds no thread and
// costs its stack's touched pages. The open model's schedule is kept by one dispatcher thread that hands
// arrival times to idle VUs; an arrival with no idle VU is dropped and counted.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "tools/load/metrics.hpp"
#include "tools/load/plan.hpp"
#include "tools/scenario/model.hpp"
#include "tools/scenario/runner.hpp"

namespace mpemu::load {

struct LiveStatus {
    double elapsed_s = 0;
    double planned_s = 0;
    int busy_vus = 0;
    const LoadStats* stats = nullptr;  // a snapshot, valid during the call
};

struct ExecOptions {
    scenario::RunOptions run;  // target, emulator, admin token, --var values (on_exchange is the executor's)
    std::vector<std::shared_ptr<const scenario::Scenario>> scenarios;  // taken in turn, iteration by iteration
    std::vector<int> weights;                                          // --mix: one per scenario (empty: 1 each)
    // --data: this shard's rows; each VU takes one (by its number, or at random) as variables.
    std::vector<core::OrderedJson> data_rows;
    bool data_random = false;
    LoadPlan plan;
    std::chrono::milliseconds tick{1000};
    int threads = 0;  // event loops that carry the VUs (0: one per core)
    // Called every tick from a separate thread; return false to stop the run (--abort-on-fail).
    std::function<bool(const LiveStatus&)> on_tick;
};

// The order in which iterations take scenarios of these weights: each scenario `weight` times per
// sum-of-weights iterations, spread out (smooth weighted round robin: 3,1 gives 0 0 1 0, not 0 0 0 1).
std::vector<size_t> weighted_order(const std::vector<int>& weights);

// Runs the plan to its end (iterations in flight when it ends finish and are counted). An error when
// the VU threads cannot be started.
core::Result<LoadStats> run_load(const ExecOptions& options);

// The one-time setup of a load run: scenarios that declare `fixtures` or `reset` reset the emulator
// once, here, and not at every iteration (VUs would wipe each other's state). Returns the copies to
// run (without their reset).
struct Prepared {
    std::vector<std::shared_ptr<const scenario::Scenario>> scenarios;
    bool ok = true;
    bool unreachable = false;
    std::string error;  // the failed reset, for people
};
Prepared prepare_scenarios(const std::vector<std::shared_ptr<const scenario::Scenario>>& scenarios,
                           const scenario::RunOptions& run, bool run_resets);

}  // namespace mpemu::load
