// The mpemu command line: subcommand registration and dispatch.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace mpemu::emulator {
struct ServeOptions;
}

namespace mpemu::cli {

// Parses argv, runs the chosen subcommand, returns the process exit code.
int run(int argc, char** argv);

// Each subcommand registers itself on the app and sets *exit_code when it runs.
void add_version(CLI::App& app, int* exit_code);
void add_serve(CLI::App& app, int* exit_code);
void add_fixtures(CLI::App& app, int* exit_code);
void add_run(CLI::App& app, int* exit_code);
void add_exec(CLI::App& app, int* exit_code);
void add_tls(CLI::App& app, int* exit_code);
void add_load(CLI::App& app, int* exit_code);
void add_init(CLI::App& app, int* exit_code);
// `mpemu help [COMMAND...]`: the help of the app or of a subcommand.
void add_help(CLI::App& app, int* exit_code);

// After a parse error: "error: ... hint: did you mean ..." for the first mistyped subcommand or option in
// `args` (argv without the program name), or "" when none is found.
std::string suggest_for(CLI::App& app, const std::vector<std::string>& args);

// The options shared by `serve` and `exec`.
void add_serve_options(CLI::App& cmd, emulator::ServeOptions& options);
// Applies values that need conversion after parsing (log format, seed); false with a message on error.
bool finish_serve_options(emulator::ServeOptions& options, std::string* error);

// True when stderr is a terminal and NO_COLOR is unset.
bool color_stderr();
bool color_stdout();

}  // namespace mpemu::cli
