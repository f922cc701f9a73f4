// The JSON report: the whole run as data (every step, exchange, capture and check), for tools.
#pragma once

#include "core/json.hpp"
#include "tools/scenario/results.hpp"

namespace mpemu::report {

core::OrderedJson json_report(const scenario::RunSummary& summary);

}  // namespace mpemu::report
