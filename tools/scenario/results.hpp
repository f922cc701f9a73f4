// What a run produced, as plain data: reporters (console, JUnit, JSON, HTML) only read these.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/http_client.hpp"
#include "core/json.hpp"
#include "tools/scenario/model.hpp"

namespace mpemu::scenario {

// One HTTP exchange as sent and received (the last attempt of a step).
struct Exchange {
    std::string method;
    std::string url;
    core::HeaderList request_headers;
    std::string request_body;
    int status = 0;  // 0 = no response
    core::HeaderList response_headers;
    std::string response_body;
    double elapsed_ms = 0;
    std::string transport_error;  // "connection refused ...", empty when a response came
    std::string transport_code;   // core::HttpClient error code: connect, timeout, io, bad_url
};

struct CheckResult {
    std::string label;      // `jsonpath "$.errcode"`
    std::string predicate;  // equals, matches, ...
    bool passed = false;
    std::string actual;
    std::string expected;
    std::string message;
    Where where;
    // A failed equality of objects or arrays: the pretty-printed values compared line by line, each line
    // prefixed "- " (expected only), "+ " (actual only) or "  " (context); "" when not applicable.
    std::string diff;
};

struct CaptureResult {
    std::string name;
    core::Json value;
    bool ok = true;
    std::string message;
    Where where;
};

enum class StepStatus { kPassed, kFailed, kSkipped, kNotRun };
const char* step_status_name(StepStatus s);

struct StepResult {
    std::string name;
    std::string kind;  // request, admin, include, wait, setup
    Where where;
    StepStatus status = StepStatus::kNotRun;
    std::string error;  // a failure that is not an assertion (template, transport, capture)
    Where error_where;
    int attempts = 0;
    double duration_ms = 0;
    double started_ms = 0;  // since the scenario started
    std::optional<Exchange> exchange;
    std::vector<CaptureResult> captures;
    std::vector<CheckResult> checks;
    std::vector<StepResult> children;  // an include's steps
    bool unreachable = false;
    bool name_expanded = true;  // false: `name` still holds its {{templates}} (the step did not get that far)

    // The name as reports show it: an unexpanded one says so, so "pay {{order}}" is not read as a typo.
    std::string display_name() const;

    // The first failure's location: the failing check, the error, or the step.
    Where failure_where() const;
    std::string failure_summary() const;
};

struct ScenarioResult {
    std::string file;
    std::string name;
    std::vector<std::string> tags;
    bool passed = false;
    bool unreachable = false;
    double duration_ms = 0;
    std::string started_at;  // RFC 3339 UTC
    std::vector<StepResult> steps;
    size_t step_count() const;  // executed steps, includes flattened
    const StepResult* first_failure() const;
};

struct RunSummary {
    std::string target;
    std::string emulator;
    std::string started_at;
    double duration_ms = 0;
    std::vector<ScenarioResult> scenarios;  // in input order
    size_t passed() const;
    size_t failed() const;
    bool unreachable() const;
};

}  // namespace mpemu::scenario
