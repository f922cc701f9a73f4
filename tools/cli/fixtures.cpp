// `mpemu fixtures check DIR`: validate a fixture set without starting the emulator; `mpemu fixtures keys DIR`:
// generate its throwaway keys.
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "core/diagnostic.hpp"
#include "emulator/service.hpp"
#include "emulator/state/fixture_loader.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/fixture_keys.hpp"

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
            std::error_code ec;
            if (!std::filesystem::is_directory(dir, ec)) {
                // The loader's hint speaks of `serve --fixtures`; here the folder is this command's argument.
                diags.error(dir, "fixture set folder not found",
                            "give the folder holding fixture.json: mpemu fixtures check fixtures/default");
                std::cerr << diags.render(color_stderr()) << "error: " << dir << ": 1 problem\n";
                status = 1;
                continue;
            }
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

    auto* keys = fixtures->add_subcommand(
        "keys", "Generate fresh throwaway keys for every merchant and app a fixture set names (replacing its keys)");
    auto keys_dir = std::make_shared<std::string>();
    keys->add_option("DIR", *keys_dir, "Fixture set folder (holding fixture.json)")->required();
    keys->footer(
        "Writes keys/wechatpay/ and keys/alipay/ (the first merchant or app at the top, the others in a folder\n"
        "named by their id; layout: fixtures/default/keys/README.md), then checks the set.\n"
        "TEST ONLY: the keys are for the emulator; never use them with a real provider.\n"
        "Exit status: 0 written and valid, 1 not written (fixture.json unreadable) or the set has problems.\n"
        "Examples:\n"
        "  mpemu fixtures keys fixtures/default");
    keys->callback([keys_dir, exit_code] {
        std::vector<std::string> written;
        if (auto ok = generate_fixture_keys(*keys_dir, &written); !ok) {
            std::cerr << "error: " << ok.error().message << "\n";
            *exit_code = 1;
            return;
        }
        for (const auto& w : written) std::cout << "wrote " << w << "\n";
        core::Diagnostics diags;
        auto services = emulator::make_services();
        if (!state::load_fixture_set(*keys_dir, services, diags)) {
            std::cerr << diags.render(color_stderr());
            *exit_code = 1;
            return;
        }
        std::cout << *keys_dir << ": ok, " << written.size() << " key files written\n";
        *exit_code = 0;
    });
}

}  // namespace mpemu::cli
