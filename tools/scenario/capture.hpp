// Captures: values taken from a response (JSONPath, header, status, body, regex, JWT claim).
#pragma once

#include "tools/scenario/model.hpp"
#include "tools/scenario/response_view.hpp"
#include "tools/scenario/results.hpp"
#include "tools/scenario/template.hpp"

namespace mpemu::scenario {

// `lookup` renders a JSONPath or header name that holds templates.
CaptureResult run_capture(const Capture& capture, const ResponseView& response, const Lookup& lookup);

// The JSONPath of `root` nearest to `written` (a typo: "$.cout" for "$.count"), if one is close enough.
std::optional<std::string> nearest_path(const std::string& written, const core::Json& root);

// The argument of a check or capture with its templates rendered, and its JSONPath compiled when `path` is
// set ("$.items[?(@.id == '{{order}}')]"); an error names what went wrong.
core::Result<std::string> render_argument(const std::string& arg, const Lookup& lookup,
                                          std::optional<core::JsonPath>* path);

}  // namespace mpemu::scenario
