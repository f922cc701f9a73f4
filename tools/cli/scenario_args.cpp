// Scenario loading, --var parsing and report writing shared by `mpemu run` and `mpemu load`.
#include "tools/cli/scenario_args.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "core/diagnostic.hpp"
#include "core/text.hpp"
#include "tools/cli/commands.hpp"
#include "tools/scenario/parser.hpp"

namespace mpemu::cli {

void add_scenario_options(CLI::App& cmd, ScenarioCliArgs& args) {
    cmd.add_option("--target", args.target, "Base URL for relative request URLs (default: $MPEMU_URL)");
    cmd.add_option("--emulator", args.emulator, "Base URL of the emulator's admin API (default: the target)");
    cmd.add_option("--var", args.vars, "Set a variable: --var openid=o123 (repeatable; overrides the file's vars)");
    cmd.add_option("--tag", args.tags, "Run only scenarios with this tag (repeatable: any of them)");
    cmd.add_option("--admin-token", args.admin_token, "Bearer token for admin calls (default: $MPEMU_ADMIN_TOKEN)");
}

CliScenarios load_cli_scenarios(const std::vector<std::string>& paths, const std::vector<std::string>& vars,
                                const std::vector<std::string>& tags, bool run_valid_files) {
    CliScenarios out;
    // --var k=v: values are strings (templates may convert with number()).
    scenario::LoadOptions load;
    for (const auto& kv : vars) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            std::cerr << "error: --var expects NAME=VALUE, got \"" << kv << "\"\n";
            out.exit_code = kExitInvalid;
            return out;
        }
        out.cli_vars[kv.substr(0, eq)] = kv.substr(eq + 1);
        load.cli_vars.insert(kv.substr(0, eq));
    }

    core::Diagnostics diags;
    auto files = scenario::expand_scenario_paths(paths, diags);
    size_t bad_files = 0;
    for (const auto& f : files) {
        size_t before = diags.size();
        auto sc = scenario::load_scenario(f, diags, load);
        if (sc) {
            out.scenarios.push_back(sc);
        } else if (diags.size() > before) {
            ++bad_files;
        }
    }
    if (diags.has_errors()) {
        std::cerr << diags.render(color_stderr());
        size_t n = diags.size();
        std::cerr << "error: " << n << " problem" << (n == 1 ? "" : "s");
        if (bad_files) std::cerr << " in " << bad_files << " file" << (bad_files == 1 ? "" : "s");
        if (!run_valid_files || out.scenarios.empty()) {
            std::cerr << "; nothing was run\n";
            out.exit_code = kExitInvalid;
            return out;
        }
        std::cerr << "; running the " << out.scenarios.size() << " valid file" << (out.scenarios.size() == 1 ? "" : "s")
                  << ", exit status 2 at the end\n";
        out.invalid_files = true;
    }
    if (!tags.empty()) {
        std::vector<std::shared_ptr<const scenario::Scenario>> kept;
        for (const auto& sc : out.scenarios) {
            bool match = false;
            for (const auto& t : tags) {
                if (std::find(sc->tags.begin(), sc->tags.end(), t) != sc->tags.end()) match = true;
            }
            if (match) kept.push_back(sc);
        }
        out.scenarios = std::move(kept);
    }
    if (out.scenarios.empty()) {
        std::cerr << "error: no scenario to run"
                  << (tags.empty() ? "" : " (none has tag " + core::join(tags, " or ") + ")") << "\n";
        out.exit_code = kExitInvalid;
    }
    return out;
}

bool resolve_target(std::string& target, std::string& admin_token) {
    if (target.empty()) {
        // NOLINTNEXTLINE(concurrency-mt-unsafe): startup, on the main thread; mpemu never sets its environment
        if (const char* env = std::getenv("MPEMU_URL")) target = env;
    }
    if (target.empty()) {
        std::cerr << "error: no target: pass --target URL (or run under `mpemu exec`, which sets MPEMU_URL)\n";
        return false;
    }
    if (admin_token.empty()) {
        // NOLINTNEXTLINE(concurrency-mt-unsafe): startup, on the main thread; mpemu never sets its environment
        if (const char* env = std::getenv("MPEMU_ADMIN_TOKEN")) admin_token = env;
    }
    return true;
}

bool write_report(const std::string& path, const std::string& text, const char* what) {
    if (path.empty()) return true;
    if (!core::write_file(path, text)) {
        std::cerr << "error: cannot write the " << what << " report to " << path << "\n";
        return false;
    }
    return true;
}

}  // namespace mpemu::cli
