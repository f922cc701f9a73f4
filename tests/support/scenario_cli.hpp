// `mpemu run` from tests: run a scenario file, and read the steps and checks of its --json report.
#pragma once

#include <string>
#include <vector>

#include "core/json.hpp"
#include "tests/support/process.hpp"

namespace mpemu::testing {

// `mpemu run <file> <args...>` from the repository root, without colour.
CommandResult run_scenario(const std::string& file, std::vector<std::string> args);

// The top-level steps of every scenario of a --json report, optionally only those of one kind.
std::vector<core::Json> report_steps(const std::string& report, const std::string& kind = {});

// The checks named `subject` (e.g. "alipay signature") of one step, or of every step of a report.
std::vector<core::Json> step_checks(const core::Json& step, const std::string& subject);
std::vector<core::Json> report_checks(const std::string& report, const std::string& subject);

}  // namespace mpemu::testing
