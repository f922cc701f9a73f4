// `mpemu init [DIR]`: scaffold what a backend team keeps in its own repository: a fixture set copied from the
// default one with fresh throwaway keys, an example scenario, the JSON Schemas its `$schema` lines name, a
// README and a CI snippet. It passes out of the box: `mpemu exec -- mpemu run scenarios/` in DIR.
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "core/embedded.hpp"
#include "core/text.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/fixture_keys.hpp"

namespace mpemu::cli {
namespace {

namespace fs = std::filesystem;

struct InitArgs {
    std::string dir = ".";
    bool force = false;
};

struct Planned {
    std::string path;  // relative to DIR
    std::string_view data;
};

// Every file init writes, except the keys (generated afterwards).
std::vector<Planned> plan() {
    std::vector<Planned> out;
    for (const auto& f : core::embedded_files()) out.push_back({"schemas/" + std::string(f.name), f.data});
    for (const auto& f : core::embedded_default_fixtures()) {
        // The default set's keys are public: the copy gets its own (keys/README.md documents the layout).
        if (core::starts_with(f.name, "keys/") && f.name != "keys/README.md") continue;
        out.push_back({"fixtures/default/" + std::string(f.name), f.data});
    }
    for (const auto& f : core::embedded_init_files()) out.push_back({std::string(f.name), f.data});
    return out;
}

int init(const InitArgs& a) {
    auto files = plan();
    std::error_code ec;
    std::vector<std::string> existing;
    for (const auto& f : files) {
        if (fs::exists(fs::path(a.dir) / f.path, ec)) existing.push_back(f.path);
    }
    if (fs::exists(fs::path(a.dir) / "fixtures/default/keys", ec)) existing.emplace_back("fixtures/default/keys/");
    if (!existing.empty() && !a.force) {
        std::cerr << "error: " << a.dir << " already has " << existing.size() << " of the files init writes:\n";
        for (size_t i = 0; i < existing.size() && i < 5; ++i) std::cerr << "  " << existing[i] << "\n";
        if (existing.size() > 5) std::cerr << "  ...\n";
        std::cerr << "hint: pick an empty folder (mpemu init DIR), or pass --force to overwrite them\n";
        return 1;
    }
    for (const auto& f : files) {
        fs::path target = fs::path(a.dir) / f.path;
        fs::create_directories(target.parent_path(), ec);
        if (ec || !core::write_file(target.string(), f.data)) {
            std::cerr << "error: cannot write " << target.string() << (ec ? ": " + ec.message() : "") << "\n";
            return 1;
        }
    }
    std::string set = (fs::path(a.dir) / "fixtures/default").string();
    std::vector<std::string> keys;
    if (auto ok = generate_fixture_keys(set, &keys); !ok) {
        std::cerr << "error: " << ok.error().message << "\n";
        return 1;
    }
    std::cout << "mpemu init: wrote " << files.size() + keys.size() << " files to " << a.dir << "\n"
              << "  fixtures/default/      fixture set, with " << keys.size() << " fresh throwaway key files\n"
              << "  scenarios/checkout.json  WeChat login -> order -> pay -> notify\n"
              << "  schemas/  README.md  ci/github-actions.yml\n"
              << "Next:\n";
    if (a.dir != ".") std::cout << "  cd " << a.dir << "\n";
    std::cout << "  mpemu exec -- mpemu run scenarios/      run it against a fresh emulator and its mimic backend\n"
              << "  then README.md: point the scenario at your own backend\n";
    return 0;
}

}  // namespace

void add_init(CLI::App& app, int* exit_code) {
    auto* cmd = app.add_subcommand(
        "init", "Write a fixture set with fresh test keys, an example scenario, schemas, README and CI snippet");
    auto a = std::make_shared<InitArgs>();
    cmd->add_option("DIR", a->dir, "Folder to write into (created if missing)")->capture_default_str();
    cmd->add_flag("--force", a->force, "Overwrite files of the same name (and regenerate existing keys)");
    cmd->footer(
        "Exit status: 0 written, 1 a file exists already (nothing written) or cannot be written.\n"
        "Examples:\n"
        "  mpemu init tests/mpemu && cd tests/mpemu && mpemu exec -- mpemu run scenarios/\n"
        "  mpemu init                                    into the current folder");
    cmd->callback([a, exit_code] { *exit_code = init(*a); });
}

}  // namespace mpemu::cli
