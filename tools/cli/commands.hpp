// The mpemu command line: subcommand registration and dispatch.
#pragma once

namespace mpemu::cli {

// Parses argv, runs the chosen subcommand, returns the process exit code.
int run(int argc, char** argv);

}  // namespace mpemu::cli
