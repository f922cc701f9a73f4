// `mpemu run PATH...`: load every scenario (a file with problems is reported and the valid ones still
// run), run them against --target, print a readable log and write the requested reports.
#include <iostream>
#include <mutex>

#include <CLI/CLI.hpp>

#include "core/text.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/scenario_args.hpp"
#include "tools/report/console.hpp"
#include "tools/report/html.hpp"
#include "tools/report/json_report.hpp"
#include "tools/report/junit.hpp"
#include "tools/scenario/runner.hpp"

namespace mpemu::cli {
namespace {

struct RunArgs : ScenarioCliArgs {
    int parallel = 1;
    std::string junit;
    std::string json;
    std::string html;
    bool fail_fast = false;
    bool verbose = false;
};

int run_scenarios(RunArgs& a) {
    // One broken file in a folder does not hold the others back; the exit status still says it (2).
    auto loaded = load_cli_scenarios(a.paths, a.vars, a.tags, /*run_valid_files=*/true);
    if (loaded.exit_code != kExitPassed) return loaded.exit_code;
    const auto& scenarios = loaded.scenarios;
    if (!resolve_target(a.target, a.admin_token)) return kExitInvalid;

    report::ConsoleReporter console({color_stdout(), a.verbose, 2000});
    scenario::RunOptions options;
    options.target = a.target;
    options.emulator = a.emulator;
    options.admin_token = a.admin_token;
    options.cli_vars = loaded.cli_vars;
    options.fail_fast = a.fail_fast;
    options.parallel = a.parallel;
    options.on_scenario = [&console](const scenario::ScenarioResult& r) {
        std::cout << console.scenario(r) << std::flush;
    };
    auto summary = scenario::run_all(scenarios, options);
    std::cout << console.summary(summary);

    bool written =
        write_report(a.junit, report::junit_xml(summary), "JUnit") &&
        write_report(
            a.json,
            report::json_report(summary).dump(2, ' ', false, core::OrderedJson::error_handler_t::replace) + "\n",
            "JSON") &&
        write_report(a.html, report::html_report(summary), "HTML");
    if (summary.unreachable()) return kExitUnreachable;
    if (loaded.invalid_files) return kExitInvalid;
    if (summary.failed() || !written) return kExitFailed;
    return kExitPassed;
}

}  // namespace

void add_run(CLI::App& app, int* exit_code) {
    auto* cmd = app.add_subcommand("run", "Run scenario files against a target (the emulator or any backend)");
    auto a = std::make_shared<RunArgs>();
    cmd->add_option(
           "PATH", a->paths,
           "Scenario files and folders (folders: every *.json inside, except _*, *.schema.json and fixture sets)")
        ->required();
    add_scenario_options(*cmd, *a);
    cmd->add_option("--parallel", a->parallel, "Scenarios run at once (those that reset the emulator run alone)")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    cmd->add_option("--junit", a->junit, "Write a JUnit XML report");
    cmd->add_option("--json", a->json, "Write a JSON report");
    cmd->add_option("--html", a->html, "Write a self-contained HTML report");
    cmd->add_flag("--fail-fast", a->fail_fast, "Start no further scenario after one fails");
    cmd->add_flag("-v,--verbose", a->verbose, "List every step, also of passing scenarios");
    cmd->footer(
        "Exit status: 0 all passed; 1 a scenario failed; 2 wrong usage, or a file was invalid (the valid ones still\n"
        "run); 3 the target or emulator cannot be reached, or --target is not an emulator and --emulator is missing.\n"
        "Examples:\n"
        "  mpemu run scenarios/ --target http://127.0.0.1:8787\n"
        "  mpemu run scenarios/e2e/wechat --target https://staging.example.com --emulator http://127.0.0.1:8787\n"
        "  mpemu run scenarios/ --junit report.xml --html report.html --tag smoke\n"
        "  mpemu exec -- mpemu run scenarios/             (start an emulator, run, stop)");
    cmd->callback([a, exit_code] { *exit_code = run_scenarios(*a); });
}

}  // namespace mpemu::cli
