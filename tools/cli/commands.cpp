// Builds the CLI11 app with every subcommand and dispatches to it.
#include "tools/cli/commands.hpp"

#include <iostream>

#include <CLI/CLI.hpp>

namespace mpemu::cli {

int run(int argc, char** argv) {
    CLI::App app{"mpemu — WeChat / WeChat Pay / Alipay emulator and test harness"};
    app.require_subcommand(1);
    auto* version = app.add_subcommand("version", "Print the version");
    version->callback([] { std::cout << "mpemu " << MPEMU_VERSION << "\n"; });
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    return 0;
}

}  // namespace mpemu::cli
