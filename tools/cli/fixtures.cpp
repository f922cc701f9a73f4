// `mpemu fixtures check DIR`: validate a fixture set without starting the emulator.
#include <iostream>

#include <CLI/CLI.hpp>

#include "core/diagnostic.hpp"
#include "emulator/service.hpp"
#include "emulator/state/fixture_loader.hpp"
#include "tools/cli/commands.hpp"

namespace mpemu::cli {

void add_fixtures(CLI::App& app, int* exit_code) {
    auto* fixtures = app.add_subcommand("fixtures", "Work with fixture sets");
    fixtures->require_subcommand(1);
    auto* check = fixtures->add_subcommand("check", "Validate fixture sets: schema, ids, cross references, key files");
    auto dirs = std::make_shared<std::vector<std::string>>();
    check->add_option("DIR", *dirs, "Fixture set folders")->required();
    check->footer(
        "Exit status: 0 valid, 1 problems found (printed as file:line:column with a hint).\n"
        "Examples:\n"
        "  mpemu fixtures check fixtures/default\n"
        "  mpemu fixtures check fixtures/*");
    check->callback([dirs, exit_code] {
        auto services = emulator::make_services();
        int status = 0;
        for (const auto& dir : *dirs) {
            core::Diagnostics diags;
            auto set = state::load_fixture_set(dir, services, diags);
            if (!set) {
                std::cerr << diags.render(color_stderr());
                size_t n = diags.size();
                std::cerr << "error: " << dir << ": " << n << " problem" << (n == 1 ? "" : "s") << "\n";
                status = 1;
            } else {
                std::cout << dir << ": ok (" << set->name << ")\n";
            }
        }
        *exit_code = status;
    });
}

}  // namespace mpemu::cli
