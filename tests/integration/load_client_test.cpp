// The load path's event-driven client against a real emulator child process: a scenario run by the
// scenario runner over it gets the same step results (statuses, checks with their messages, captures,
// failures) as over `run`'s blocking client, including signed WeChat Pay steps; a load run counts the
// same assertion failures; a refused connection and a timeout are the blocking client's error kinds.
#include <catch2/catch.hpp>

#include "core/diagnostic.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "tests/support/emulator_process.hpp"
#include "tests/support/process.hpp"
#include "tools/load/event_client.hpp"
#include "tools/load/event_loop.hpp"
#include "tools/scenario/parser.hpp"
#include "tools/scenario/runner.hpp"

using namespace mpemu;

namespace {

std::shared_ptr<const scenario::Scenario> parse_file(const std::string& relative) {
    core::Diagnostics diags;
    auto sc = scenario::load_scenario(testing::source_dir() + "/" + relative, diags);
    REQUIRE(sc);
    return sc;
}

// Runs a scenario on a fiber of a worker loop with the load client as the runner's transport.
scenario::ScenarioResult run_evented(const scenario::Scenario& sc, const scenario::RunOptions& base) {
    scenario::ScenarioResult out;
    load::Worker worker;
    worker.spawn([&] {
        scenario::RunOptions options = base;
        load::EventClient client;
        options.transport = [&client](const core::HttpRequest& r) { return client.send(r); };
        options.sleep = [](std::chrono::milliseconds d) { load::fiber_sleep(d); };
        out = scenario::ScenarioRunner(options).run(sc);
    });
    worker.start();
    worker.join();
    return out;
}

// Step by step, what a user sees of a result; `exact` when the scenario's values are the same in both
// runs (no random order numbers), so check messages and captured values must match too. (Bodies are
// not compared: the emulator's error texts carry a random rid.)
void compare(const std::vector<scenario::StepResult>& a, const std::vector<scenario::StepResult>& b, bool exact) {
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        INFO("step " << a[i].name);
        CHECK(a[i].name == b[i].name);
        CHECK(a[i].status == b[i].status);
        CHECK(a[i].error == b[i].error);
        CHECK(a[i].exchange.has_value() == b[i].exchange.has_value());
        if (a[i].exchange && b[i].exchange) {
            CHECK(a[i].exchange->status == b[i].exchange->status);
            CHECK(a[i].exchange->transport_code == b[i].exchange->transport_code);
        }
        REQUIRE(a[i].checks.size() == b[i].checks.size());
        for (size_t c = 0; c < a[i].checks.size(); ++c) {
            CHECK(a[i].checks[c].label == b[i].checks[c].label);
            CHECK(a[i].checks[c].passed == b[i].checks[c].passed);
            if (exact) CHECK(a[i].checks[c].message == b[i].checks[c].message);
        }
        REQUIRE(a[i].captures.size() == b[i].captures.size());
        for (size_t c = 0; c < a[i].captures.size(); ++c) {
            CHECK(a[i].captures[c].ok == b[i].captures[c].ok);
            if (exact) CHECK(a[i].captures[c].value == b[i].captures[c].value);
        }
        compare(a[i].children, b[i].children, exact);
    }
}

// A scenario file run against a fresh emulator through `run`'s client, then through the load client.
struct Both {
    scenario::ScenarioResult blocking;
    scenario::ScenarioResult evented;
};
Both run_both(testing::EmulatorProcess& emu, const std::string& file) {
    scenario::RunOptions options;
    options.target = emu.url();
    auto sc = parse_file(file);
    Both out;
    out.blocking = scenario::ScenarioRunner(options).run(*sc);
    out.evented = run_evented(*sc, options);
    return out;
}

}  // namespace

TEST_CASE("load client: a scenario's checks, captures and failures are those of run's client", "[load][client]") {
    testing::EmulatorProcess emu;
    auto [blocking, evented] = run_both(emu, "tests/data/load/checks.json");
    // The file's third step fails its errcode assertion and the fourth does not run, either way.
    REQUIRE(blocking.steps.size() == 4);
    CHECK(blocking.steps[0].status == scenario::StepStatus::kPassed);
    CHECK(blocking.steps[2].status == scenario::StepStatus::kFailed);
    CHECK(blocking.steps[3].status == scenario::StepStatus::kNotRun);
    CHECK(evented.passed == blocking.passed);
    compare(blocking.steps, evented.steps, true);
    // The emulator saw the same requests from both (method, encoded target, operation).
    auto journal = emu.admin("GET", "/__admin/requests?limit=20")["requests"];
    INFO(journal.dump());
    REQUIRE(journal.size() == 6);
    for (size_t i = 0; i < 3; ++i) {
        CHECK(journal[i]["method"] == journal[i + 3]["method"]);
        CHECK(journal[i]["target"] == journal[i + 3]["target"]);
        CHECK(journal[i]["operation_id"] == journal[i + 3]["operation_id"]);
    }
}

TEST_CASE("load client: signed WeChat Pay steps pass through it as through run's client", "[load][client]") {
    testing::EmulatorProcess emu;
    auto [blocking, evented] = run_both(emu, "scenarios/e2e/wechatpay/reply_signature.json");
    CHECK(blocking.passed);
    CHECK(evented.passed);
    compare(blocking.steps, evented.steps, false);
}

TEST_CASE("load client: a refused connection and a timeout are the blocking client's error kinds", "[load][client]") {
    testing::EmulatorProcess emu;
    emu.admin("POST", "/__admin/faults", {{"match", {{"path", "/sns/jscode2session"}}}, {"delay", "2s"}});
    core::HttpRequest slow;
    slow.url = emu.url() + "/sns/jscode2session";
    slow.timeout = std::chrono::milliseconds(300);
    core::HttpRequest refused;
    refused.url = "http://127.0.0.1:9/";  // discard: nothing listens on loopback
    std::optional<core::Result<core::HttpResponse>> timed_out;
    std::optional<core::Result<core::HttpResponse>> not_connected;
    load::Worker worker;
    worker.spawn([&] {
        load::EventClient client;
        timed_out = client.send(slow);
        not_connected = client.send(refused);
    });
    worker.start();
    worker.join();
    REQUIRE(timed_out);
    REQUIRE_FALSE(timed_out->ok());
    CHECK(timed_out->error().code == "timeout");
    CHECK(timed_out->error().message == "no complete response from " + emu.url() + " within 300 ms");
    REQUIRE(not_connected);
    REQUIRE_FALSE(not_connected->ok());
    CHECK(not_connected->error().code == "connect");
    CHECK(not_connected->error().message == "cannot connect to http://127.0.0.1:9");
}

TEST_CASE("load: a load run counts the scenario's assertion failures by step", "[load][client]") {
    testing::EmulatorProcess emu;
    std::string dir = testing::temp_dir();
    auto r = testing::run_command({MPEMU_BINARY, "load", "tests/data/load/checks.json", "--target", emu.url(), "--vus",
                                   "3", "--iterations", "12", "--json", dir + "/checks.json"},
                                  {}, std::chrono::seconds(90), {{"NO_COLOR", "1"}}, testing::source_dir());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);  // no thresholds: failures are counted, not judged
    auto text = core::read_file(dir + "/checks.json");
    REQUIRE(text.has_value());
    auto j = core::parse_json(*text);
    REQUIRE(j.ok());
    const auto& stats = (*j)["stats"];
    CHECK(stats["iterations"]["count"] == 12);
    CHECK(stats["iterations"]["failed"] == 12);
    CHECK(stats["total"]["requests"] == 36);  // three steps ran per iteration; the fourth never did
    CHECK(stats["total"]["errors"].size() == 1);
    CHECK(stats["total"]["errors"]["assertion"] == 12);
    CHECK(stats["total"]["statuses"]["2xx"] == 36);
    for (const auto& step : stats["steps"]) {
        INFO(step.dump());
        CHECK(step["requests"] == 12);
        bool failing = step["name"] == "an assertion that fails";
        CHECK(step.value("errors", core::Json::object()).size() == (failing ? 1U : 0U));
    }
}
