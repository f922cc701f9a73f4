// Assertions: every predicate of a check judged against a response, each with actual and expected.
#pragma once

#include <vector>

#include "tools/scenario/model.hpp"
#include "tools/scenario/response_view.hpp"
#include "tools/scenario/results.hpp"
#include "tools/scenario/template.hpp"

namespace mpemu::scenario {

std::vector<CheckResult> run_check(const Check& check, const ResponseView& response, const Lookup& lookup);

}  // namespace mpemu::scenario
