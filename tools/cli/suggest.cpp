// Did-you-mean for the command line: when CLI11 refuses arguments, find the first word that names no
// subcommand or option where it stands, and the nearest one that does.
#include <iostream>

#include <CLI/CLI.hpp>

#include "core/text.hpp"
#include "tools/cli/commands.hpp"

namespace mpemu::cli {
namespace {

CLI::App* find_subcommand(CLI::App& app, const std::string& name) {
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        if (sub->get_name() == name) return sub;
    }
    return nullptr;
}

std::string command_path(const std::vector<std::string>& chain) {
    std::string out = "mpemu";
    for (const auto& c : chain) out += " " + c;
    return out;
}

}  // namespace

std::string suggest_for(CLI::App& app, const std::vector<std::string>& args) {
    CLI::App* cur = &app;
    std::vector<std::string> chain;
    for (const auto& arg : args) {
        if (arg == "--") break;
        if (arg.size() > 2 && arg.rfind("--", 0) == 0) {
            std::string name = arg.substr(0, arg.find('='));
            if (cur->get_option_no_throw(name) != nullptr || name == "--help") continue;
            std::vector<std::string> candidates{"--help"};
            for (const CLI::Option* opt : cur->get_options()) {
                for (const auto& l : opt->get_lnames()) candidates.push_back("--" + l);
            }
            std::string out = "error: " + command_path(chain) + " has no option " + name;
            if (auto near = core::did_you_mean(name, candidates)) out += "\nhint: did you mean " + *near + "?";
            return out + "\nRun `" + command_path(chain) + " --help` for its options.\n";
        }
        if (arg.rfind('-', 0) == 0) continue;
        if (CLI::App* sub = find_subcommand(*cur, arg)) {
            cur = sub;
            chain.push_back(arg);
            continue;
        }
        // A word where a subcommand is expected (the command takes no positional argument of its own).
        bool takes_positional = false;
        for (const CLI::Option* opt : cur->get_options()) takes_positional = takes_positional || opt->get_positional();
        auto subs = cur->get_subcommands([](CLI::App*) { return true; });
        if (takes_positional || subs.empty()) continue;
        std::vector<std::string> names{"help"};
        for (CLI::App* sub : subs) names.push_back(sub->get_name());
        std::string out = "error: " + command_path(chain) + " has no command " + arg;
        if (auto near = core::did_you_mean(arg, names))
            out += "\nhint: did you mean `" + command_path(chain) + " " + *near + "`?";
        return out + "\nRun `" + command_path(chain) + " --help` for its commands.\n";
    }
    return {};
}

void add_help(CLI::App& app, int* exit_code) {
    auto* cmd = app.add_subcommand("help", "Print the help of mpemu or of a command");
    auto words = std::make_shared<std::vector<std::string>>();
    cmd->add_option("COMMAND", *words, "The command (and subcommand), e.g. `fixtures check`");
    cmd->footer("Examples:\n  mpemu help\n  mpemu help run\n  mpemu help fixtures check");
    cmd->callback([&app, words, exit_code] {
        CLI::App* cur = &app;
        std::vector<std::string> chain;
        for (const auto& w : *words) {
            CLI::App* sub = find_subcommand(*cur, w);
            if (!sub) {
                std::vector<std::string> names;
                for (CLI::App* s : cur->get_subcommands([](CLI::App*) { return true; })) names.push_back(s->get_name());
                std::cerr << "error: " << command_path(chain) << " has no command " << w << "\n";
                if (auto near = core::did_you_mean(w, names)) std::cerr << "hint: did you mean " << *near << "?\n";
                *exit_code = 2;
                return;
            }
            cur = sub;
            chain.push_back(w);
        }
        // Not cur->help(): an app with a parsed subcommand (this one) prints that subcommand's help instead.
        std::cout << cur->get_formatter()->make_help(cur, command_path(chain), CLI::AppFormatMode::Normal);
        *exit_code = 0;
    });
}

}  // namespace mpemu::cli
