// Small queries over run results shared by the reporters.
#include "tools/scenario/results.hpp"

namespace mpemu::scenario {

const char* step_status_name(StepStatus s) {
    switch (s) {
        case StepStatus::kPassed:
            return "passed";
        case StepStatus::kFailed:
            return "failed";
        case StepStatus::kSkipped:
            return "skipped";
        case StepStatus::kNotRun:
            return "not_run";
    }
    return "not_run";
}

std::string Where::str() const {
    if (pos.line <= 0) return file;
    return file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
}

std::string StepResult::display_name() const {
    if (name_expanded) return name;
    return name + (status == StepStatus::kNotRun ? " (not run; name not expanded)" : " (name not expanded)");
}

Where StepResult::failure_where() const {
    for (const auto& c : children) {
        if (c.status == StepStatus::kFailed) return c.failure_where();
    }
    if (!error.empty()) return error_where.pos.line > 0 ? error_where : where;
    for (const auto& c : captures) {
        if (!c.ok) return c.where;
    }
    for (const auto& c : checks) {
        if (!c.passed) return c.where;
    }
    return where;
}

std::string StepResult::failure_summary() const {
    for (const auto& c : children) {
        if (c.status == StepStatus::kFailed) return c.failure_summary();
    }
    if (!error.empty()) return error;
    for (const auto& c : captures) {
        if (!c.ok) return "capture " + c.name + ": " + c.message;
    }
    for (const auto& c : checks) {
        if (!c.passed) {
            std::string s = c.label + ": expected " + c.expected + ", actual " + c.actual;
            if (!c.message.empty()) s += " (" + c.message + ")";
            return s;
        }
    }
    return "failed";
}

namespace {
size_t count_steps(const std::vector<StepResult>& steps) {
    size_t n = 0;
    for (const auto& s : steps) {
        if (!s.children.empty()) {
            n += count_steps(s.children);
        } else if (s.status == StepStatus::kPassed || s.status == StepStatus::kFailed) {
            ++n;
        }
    }
    return n;
}
}  // namespace

size_t ScenarioResult::step_count() const {
    return count_steps(steps);
}

const StepResult* ScenarioResult::first_failure() const {
    for (const auto& s : steps) {
        if (s.status == StepStatus::kFailed) return &s;
    }
    return nullptr;
}

size_t RunSummary::passed() const {
    size_t n = 0;
    for (const auto& s : scenarios) n += s.passed ? 1 : 0;
    return n;
}
size_t RunSummary::failed() const {
    return scenarios.size() - passed();
}
bool RunSummary::unreachable() const {
    for (const auto& s : scenarios) {
        if (s.unreachable) return true;
    }
    return false;
}

}  // namespace mpemu::scenario
