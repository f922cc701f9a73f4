// Captures: values taken from a response (JSONPath, header, status, body, regex, JWT claim).
#pragma once

#include "tools/scenario/model.hpp"
#include "tools/scenario/response_view.hpp"
#include "tools/scenario/results.hpp"

namespace mpemu::scenario {

CaptureResult run_capture(const Capture& capture, const ResponseView& response);

}  // namespace mpemu::scenario
