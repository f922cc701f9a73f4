// The HTML report of a load run (`--html FILE`, also for `mpemu load merge`): one self-contained page
// (inline CSS and SVG, no scripts, nothing fetched) with the run's parameters, its thresholds held or
// broken, the summary table, and per step and over all requests latency percentiles over time,
// throughput and errors over time, and the latency histogram.
#pragma once

#include <string>

#include "tools/load/report.hpp"

namespace mpemu::load {

std::string html_report(const LoadReport& report);

}  // namespace mpemu::load
