// mpemu: the command line. Subcommands live in tools/cli/<name>.cpp and register in commands.cpp.
#include "tools/cli/commands.hpp"

int main(int argc, char** argv) {
    return mpemu::cli::run(argc, argv);
}
