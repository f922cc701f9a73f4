#include "tests/support/scenario_cli.hpp"

#include <catch2/catch.hpp>

#include "core/text.hpp"
#include "tests/support/emulator_process.hpp"

namespace mpemu::testing {

CommandResult run_scenario(const std::string& file, std::vector<std::string> args) {
    args.insert(args.begin(), {MPEMU_BINARY, "run", file});
    return run_command(args, {}, std::chrono::seconds(60), {{"NO_COLOR", "1"}}, source_dir());
}

std::vector<core::Json> report_steps(const std::string& report, const std::string& kind) {
    auto text = core::read_file(report);
    REQUIRE(text);
    auto j = core::parse_json(*text);
    REQUIRE(j.ok());
    std::vector<core::Json> out;
    for (const auto& sc : (*j)["scenarios"]) {
        for (const auto& st : sc["steps"]) {
            if (kind.empty() || st["kind"] == kind) out.push_back(st);
        }
    }
    return out;
}

std::vector<core::Json> step_checks(const core::Json& step, const std::string& subject) {
    std::vector<core::Json> out;
    for (const auto& c : step["checks"]) {
        if (c["subject"] == subject) out.push_back(c);
    }
    return out;
}

std::vector<core::Json> report_checks(const std::string& report, const std::string& subject) {
    std::vector<core::Json> out;
    for (const auto& st : report_steps(report)) {
        for (auto& c : step_checks(st, subject)) out.push_back(std::move(c));
    }
    return out;
}

}  // namespace mpemu::testing
