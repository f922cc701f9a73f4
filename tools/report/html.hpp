// A self-contained HTML report (inline CSS, no scripts or external files): per scenario its steps
// with a timing bar, checks with actual/expected, and the request and response of each step.
#pragma once

#include <string>

#include "tools/scenario/results.hpp"

namespace mpemu::report {

std::string html_report(const scenario::RunSummary& summary);

}  // namespace mpemu::report
