// RunSummary -> JSON, field names stable for scripts (documented in tools/scenario/README.md).
#include "tools/report/json_report.hpp"

namespace mpemu::report {

namespace {

using core::OrderedJson;

OrderedJson where_json(const scenario::Where& w) {
    return OrderedJson{{"file", w.file}, {"line", w.pos.line}, {"column", w.pos.column}};
}

OrderedJson headers_json(const core::HeaderList& h) {
    OrderedJson out = OrderedJson::array();
    for (const auto& [k, v] : h) out.push_back(OrderedJson{{"name", k}, {"value", v}});
    return out;
}

OrderedJson step_json(const scenario::StepResult& s) {
    OrderedJson j;
    j["name"] = s.name;
    if (!s.name_expanded) j["name_expanded"] = false;
    j["kind"] = s.kind;
    j["status"] = scenario::step_status_name(s.status);
    j["where"] = where_json(s.where);
    j["attempts"] = s.attempts;
    j["started_ms"] = s.started_ms;
    j["duration_ms"] = s.duration_ms;
    if (!s.error.empty()) {
        j["error"] = s.error;
        j["error_where"] = where_json(s.error_where.pos.line > 0 ? s.error_where : s.where);
    }
    if (s.exchange) {
        const auto& ex = *s.exchange;
        OrderedJson e;
        e["request"] = OrderedJson{{"method", ex.method},
                                   {"url", ex.url},
                                   {"headers", headers_json(ex.request_headers)},
                                   {"body", ex.request_body}};
        if (ex.transport_error.empty()) {
            e["response"] = OrderedJson{
                {"status", ex.status}, {"headers", headers_json(ex.response_headers)}, {"body", ex.response_body}};
        } else {
            e["transport_error"] = ex.transport_error;
            e["transport_code"] = ex.transport_code;
        }
        e["elapsed_ms"] = ex.elapsed_ms;
        j["exchange"] = std::move(e);
    }
    OrderedJson caps = OrderedJson::array();
    for (const auto& c : s.captures) {
        OrderedJson cj{{"name", c.name}, {"ok", c.ok}, {"value", OrderedJson(c.value)}, {"where", where_json(c.where)}};
        if (!c.message.empty()) cj["message"] = c.message;
        caps.push_back(std::move(cj));
    }
    j["captures"] = std::move(caps);
    OrderedJson checks = OrderedJson::array();
    for (const auto& c : s.checks) {
        OrderedJson cj{{"subject", c.label}, {"predicate", c.predicate}, {"passed", c.passed},
                       {"actual", c.actual}, {"expected", c.expected},   {"where", where_json(c.where)}};
        if (!c.message.empty()) cj["message"] = c.message;
        if (!c.diff.empty()) cj["diff"] = c.diff;
        checks.push_back(std::move(cj));
    }
    j["checks"] = std::move(checks);
    if (!s.children.empty()) {
        OrderedJson children = OrderedJson::array();
        for (const auto& c : s.children) children.push_back(step_json(c));
        j["steps"] = std::move(children);
    }
    return j;
}

}  // namespace

core::OrderedJson json_report(const scenario::RunSummary& summary) {
    OrderedJson out;
    out["tool"] = "mpemu run";
    out["target"] = summary.target;
    out["emulator"] = summary.emulator;
    out["started_at"] = summary.started_at;
    out["duration_ms"] = summary.duration_ms;
    out["totals"] = OrderedJson{
        {"scenarios", summary.scenarios.size()}, {"passed", summary.passed()}, {"failed", summary.failed()}};
    OrderedJson list = OrderedJson::array();
    for (const auto& s : summary.scenarios) {
        OrderedJson sj;
        sj["file"] = s.file;
        sj["name"] = s.name;
        sj["tags"] = s.tags;
        sj["passed"] = s.passed;
        if (s.unreachable) sj["unreachable"] = true;
        sj["started_at"] = s.started_at;
        sj["duration_ms"] = s.duration_ms;
        OrderedJson steps = OrderedJson::array();
        for (const auto& st : s.steps) steps.push_back(step_json(st));
        sj["steps"] = std::move(steps);
        list.push_back(std::move(sj));
    }
    out["scenarios"] = std::move(list);
    return out;
}

}  // namespace mpemu::report
