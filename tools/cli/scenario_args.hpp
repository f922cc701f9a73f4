// What `mpemu run` and `mpemu load` share on the command line: loading scenario files, --var values, --tag filtering,
// the target and admin token from the environment, and writing a report file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "tools/scenario/model.hpp"

namespace CLI {
class App;
}

namespace mpemu::cli {

constexpr int kExitPassed = 0;
constexpr int kExitFailed = 1;
constexpr int kExitInvalid = 2;
constexpr int kExitUnreachable = 3;

// The options every command that runs scenarios has.
struct ScenarioCliArgs {
    std::vector<std::string> paths;
    std::string target;
    std::string emulator;
    std::vector<std::string> vars;
    std::vector<std::string> tags;
    std::string admin_token;
};

// Registers --target, --emulator, --var, --tag and --admin-token (not the paths: their help differs).
void add_scenario_options(CLI::App& cmd, ScenarioCliArgs& args);

struct CliScenarios {
    std::vector<std::shared_ptr<const scenario::Scenario>> scenarios;
    core::OrderedJson cli_vars = core::OrderedJson::object();  // --var k=v (strings)
    int exit_code = kExitPassed;                               // kExitInvalid after printing the problems
    bool invalid_files = false;  // some files had problems (printed) and the valid ones were kept
};

// Parses --var values, loads and checks every file (problems rendered on stderr with file:line:column)
// and keeps those with one of `tags` (all when empty). With run_valid_files, files with problems are
// reported and the valid ones kept (invalid_files set); without, any problem refuses them all.
CliScenarios load_cli_scenarios(const std::vector<std::string>& paths, const std::vector<std::string>& vars,
                                const std::vector<std::string>& tags, bool run_valid_files = false);

// Fills an empty target from $MPEMU_URL and an empty admin token from $MPEMU_ADMIN_TOKEN; false
// (after saying so on stderr) when there is no target.
bool resolve_target(std::string& target, std::string& admin_token);

// Writes a report when a path is given; false (after saying so on stderr) when it cannot.
bool write_report(const std::string& path, const std::string& text, const char* what);

}  // namespace mpemu::cli
