// `mpemu run PATH...`: load every scenario (refusing all of them if one file is invalid), run them
// against --target, print a readable log and write the requested reports.
#include <cstdlib>
#include <iostream>
#include <mutex>

#include <CLI/CLI.hpp>

#include "core/text.hpp"
#include "tools/cli/commands.hpp"
#include "tools/report/console.hpp"
#include "tools/report/html.hpp"
#include "tools/report/json_report.hpp"
#include "tools/report/junit.hpp"
#include "tools/scenario/parser.hpp"
#include "tools/scenario/runner.hpp"

namespace mpemu::cli {
namespace {

struct RunArgs {
    std::vector<std::string> paths;
    std::string target;
    std::string emulator;
    std::vector<std::string> vars;
    int parallel = 1;
    std::string junit;
    std::string json;
    std::string html;
    bool fail_fast = false;
    std::vector<std::string> tags;
    bool verbose = false;
    std::string admin_token;
};

constexpr int kExitPassed = 0;
constexpr int kExitFailed = 1;
constexpr int kExitInvalid = 2;
constexpr int kExitUnreachable = 3;

bool write_report(const std::string& path, const std::string& text, const char* what) {
    if (path.empty()) return true;
    if (!core::write_file(path, text)) {
        std::cerr << "error: cannot write the " << what << " report to " << path << "\n";
        return false;
    }
    return true;
}

int run_scenarios(RunArgs& a) {
    // --var k=v: values are strings (templates may convert with number()).
    scenario::LoadOptions load;
    core::OrderedJson cli_vars = core::OrderedJson::object();
    for (const auto& kv : a.vars) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            std::cerr << "error: --var expects NAME=VALUE, got \"" << kv << "\"\n";
            return kExitInvalid;
        }
        cli_vars[kv.substr(0, eq)] = kv.substr(eq + 1);
        load.cli_vars.insert(kv.substr(0, eq));
    }

    core::Diagnostics diags;
    auto files = scenario::expand_scenario_paths(a.paths, diags);
    std::vector<std::shared_ptr<const scenario::Scenario>> scenarios;
    size_t bad_files = 0;
    for (const auto& f : files) {
        size_t before = diags.size();
        auto sc = scenario::load_scenario(f, diags, load);
        if (sc) {
            scenarios.push_back(sc);
        } else if (diags.size() > before) {
            ++bad_files;
        }
    }
    if (diags.has_errors()) {
        std::cerr << diags.render(color_stderr());
        size_t n = diags.size();
        std::cerr << "error: " << n << " problem" << (n == 1 ? "" : "s");
        if (bad_files) std::cerr << " in " << bad_files << " file" << (bad_files == 1 ? "" : "s");
        if (scenarios.empty()) {
            std::cerr << "; nothing was run\n";
            return kExitInvalid;
        }
        // One broken file in a folder does not hold the others back; the exit status still says it (2).
        std::cerr << "; running the " << scenarios.size() << " valid file" << (scenarios.size() == 1 ? "" : "s")
                  << ", exit status 2 at the end\n";
    }
    const bool invalid_files = diags.has_errors();
    if (!a.tags.empty()) {
        std::vector<std::shared_ptr<const scenario::Scenario>> kept;
        for (const auto& sc : scenarios) {
            bool match = false;
            for (const auto& t : a.tags) {
                if (std::find(sc->tags.begin(), sc->tags.end(), t) != sc->tags.end()) match = true;
            }
            if (match) kept.push_back(sc);
        }
        scenarios = std::move(kept);
    }
    if (scenarios.empty()) {
        std::cerr << "error: no scenario to run"
                  << (a.tags.empty() ? "" : " (none has tag " + core::join(a.tags, " or ") + ")") << "\n";
        return kExitInvalid;
    }
    if (a.target.empty()) {
        // NOLINTNEXTLINE(concurrency-mt-unsafe): startup, on the main thread; mpemu never sets its environment
        if (const char* env = std::getenv("MPEMU_URL")) a.target = env;
    }
    if (a.target.empty()) {
        std::cerr << "error: no target: pass --target URL (or run under `mpemu exec`, which sets MPEMU_URL)\n";
        return kExitInvalid;
    }
    if (a.admin_token.empty()) {
        // NOLINTNEXTLINE(concurrency-mt-unsafe): startup, on the main thread; mpemu never sets its environment
        if (const char* env = std::getenv("MPEMU_ADMIN_TOKEN")) a.admin_token = env;
    }

    report::ConsoleReporter console({color_stdout(), a.verbose, 2000});
    scenario::RunOptions options;
    options.target = a.target;
    options.emulator = a.emulator;
    options.admin_token = a.admin_token;
    options.cli_vars = cli_vars;
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
    if (invalid_files) return kExitInvalid;
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
    cmd->add_option("--target", a->target, "Base URL for relative request URLs (default: $MPEMU_URL)");
    cmd->add_option("--emulator", a->emulator, "Base URL of the emulator's admin API (default: the target)");
    cmd->add_option("--var", a->vars, "Set a variable: --var openid=o123 (repeatable; overrides the file's vars)");
    cmd->add_option("--parallel", a->parallel, "Scenarios run at once (those that reset the emulator run alone)")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    cmd->add_option("--junit", a->junit, "Write a JUnit XML report");
    cmd->add_option("--json", a->json, "Write a JSON report");
    cmd->add_option("--html", a->html, "Write a self-contained HTML report");
    cmd->add_flag("--fail-fast", a->fail_fast, "Start no further scenario after one fails");
    cmd->add_option("--tag", a->tags, "Run only scenarios with this tag (repeatable: any of them)");
    cmd->add_flag("-v,--verbose", a->verbose, "List every step, also of passing scenarios");
    cmd->add_option("--admin-token", a->admin_token, "Bearer token for admin calls (default: $MPEMU_ADMIN_TOKEN)");
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
