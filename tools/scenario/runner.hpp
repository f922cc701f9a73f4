// Running scenarios against a target: one ScenarioRunner per virtual user (its own HTTP client, no
// shared state), and run_all() for a list of scenarios with a parallelism bound.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/http_client.hpp"
#include "core/json.hpp"
#include "tools/scenario/model.hpp"
#include "tools/scenario/results.hpp"

namespace mpemu::scenario {

struct RunOptions {
    std::string target;       // base URL for relative request URLs
    std::string emulator;     // base URL of the emulator's admin API ("" = target)
    std::string admin_token;  // Authorization: Bearer for admin steps, when the emulator needs one
    core::OrderedJson cli_vars = core::OrderedJson::object();  // --var k=v, override file vars
    bool fail_fast = false;                                    // stop starting scenarios after the first failure
    int parallel = 1;
    // Called after every exchange (each attempt), e.g. for contract checks or load statistics.
    std::function<void(const Step&, const Exchange&)> on_exchange;
    // Called when a scenario finishes (from the thread that ran it; calls are serialised).
    std::function<void(const ScenarioResult&)> on_scenario;
    // What carries each request (null: the runner's own blocking client). `mpemu load` gives its
    // event-driven client here; requests are built and replies checked by the runner either way.
    std::function<core::Result<core::HttpResponse>(const core::HttpRequest&)> transport;
    // How the runner waits (wait steps, retry intervals); null: the thread sleeps.
    std::function<void(std::chrono::milliseconds)> sleep;
};

class ScenarioRunner {
public:
    explicit ScenarioRunner(const RunOptions& options);
    ~ScenarioRunner();
    ScenarioResult run(const Scenario& scenario);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

RunSummary run_all(const std::vector<std::shared_ptr<const Scenario>>& scenarios, const RunOptions& options);

}  // namespace mpemu::scenario
