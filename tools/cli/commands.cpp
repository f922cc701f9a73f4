// Builds the CLI11 app with every subcommand and dispatches to it.
#include "tools/cli/commands.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "emulator/version.hpp"

namespace mpemu::cli {

namespace {

// https://no-color.org: any value turns colour off.
bool no_color() {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): getenv only races with setenv, and mpemu never sets its environment
    return std::getenv("NO_COLOR") != nullptr;
}

}  // namespace

bool color_stderr() {
    return isatty(2) && !no_color();
}
bool color_stdout() {
    return isatty(1) && !no_color();
}

void add_version(CLI::App& app, int* exit_code) {
    auto* cmd = app.add_subcommand("version", "Print the version");
    cmd->footer("Example:\n  mpemu version");
    cmd->callback([exit_code] {
        std::cout << "mpemu " << emulator::version() << "\n";
        *exit_code = 0;
    });
}

int run(int argc, char** argv) {
    CLI::App app{"mpemu: the WeChat mini program, WeChat Pay and Alipay emulator, and a test harness for any backend",
                 "mpemu"};
    app.require_subcommand(1);
    app.footer(
        "Examples:\n"
        "  mpemu serve --fixtures fixtures/default       run the emulator on 127.0.0.1:8787\n"
        "  mpemu fixtures check fixtures/default          check a fixture set without starting\n"
        "  mpemu run scenarios/ --target URL              run scenario files against any backend\n"
        "  mpemu exec -- mpemu run scenarios/             the same against a fresh emulator\n"
        "  mpemu init my-tests                            a fixture set, keys and an example scenario to start from\n"
        "Exit status: 0 success; 1 a check or scenario failed, or the work could not be done; 2 wrong usage or an\n"
        "invalid file; 3 (run) the target or emulator cannot be reached; exec: the command's own status.\n"
        "Run `mpemu help <command>` or `mpemu <command> --help` for a command's options and examples.");
    app.set_version_flag("--version", "mpemu " + std::string(emulator::version()), "Print the version");
    int exit_code = 0;
    add_version(app, &exit_code);
    add_serve(app, &exit_code);
    add_run(app, &exit_code);
    add_exec(app, &exit_code);
    add_fixtures(app, &exit_code);
    add_tls(app, &exit_code);
    add_load(app, &exit_code);
    add_init(app, &exit_code);
    add_help(app, &exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
        // Wrong usage is exit status 2 (CLI11's own codes are 100+), with a did-you-mean where one fits.
        std::string hint = suggest_for(app, std::vector<std::string>(argv + 1, argv + argc));
        if (hint.empty()) {
            app.exit(e);
        } else {
            std::cerr << hint;
        }
        return 2;
    }
    return exit_code;
}

}  // namespace mpemu::cli
