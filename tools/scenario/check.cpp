// Judging a response: status, headers, JSONPath, body, JSON Schema and response time, each predicate
// reported on its own with the actual value, never stopping at the first failure.
#include "tools/scenario/check.hpp"

#include <algorithm>
#include <cmath>

#include "core/json_schema.hpp"
#include "core/text.hpp"
#include "tools/scenario/capture.hpp"
#include "tools/scenario/predicate.hpp"

namespace mpemu::scenario {

namespace {

constexpr size_t kShownMax = 300;

// Lines compared for the diff: a trailing comma is not a difference (the last member of an object
// gains one when a member is added after it).
std::string_view diff_key(std::string_view line) {
    if (!line.empty() && line.back() == ',') line.remove_suffix(1);
    return line;
}

constexpr size_t kDiffCells = 4'000'000;  // LCS table size beyond which no diff is drawn
constexpr size_t kDiffContext = 2;        // unchanged lines kept around each change
constexpr size_t kDiffLinesMax = 120;     // lines shown before the rest is summarised

// A compact line diff of two pretty-printed JSON values: changed lines with a little context, runs of
// unchanged lines in between folded to "  ...". Longest common subsequence, which is plenty for the
// few hundred lines of an asserted response member.
std::string line_diff(const core::Json& expected, const core::Json& actual) {
    auto a = core::split(expected.dump(2, ' ', false, core::Json::error_handler_t::replace), '\n');
    auto b = core::split(actual.dump(2, ' ', false, core::Json::error_handler_t::replace), '\n');
    size_t n = a.size();
    size_t m = b.size();
    if ((n + 1) * (m + 1) > kDiffCells) return {};
    std::vector<std::vector<unsigned>> lcs(n + 1, std::vector<unsigned>(m + 1, 0));
    for (size_t i = n; i-- > 0;) {
        for (size_t j = m; j-- > 0;) {
            lcs[i][j] =
                diff_key(a[i]) == diff_key(b[j]) ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
        }
    }
    std::vector<std::pair<char, std::string>> ops;  // ' ', '-', '+'
    size_t i = 0;
    size_t j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && diff_key(a[i]) == diff_key(b[j])) {
            ops.emplace_back(' ', b[j]);
            ++i;
            ++j;
        } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
            ops.emplace_back('-', a[i++]);  // removals first, as diff(1) shows a changed line
        } else {
            ops.emplace_back('+', b[j++]);
        }
    }
    std::vector<bool> keep(ops.size(), false);
    for (size_t k = 0; k < ops.size(); ++k) {
        if (ops[k].first == ' ') continue;
        size_t from = k >= kDiffContext ? k - kDiffContext : 0;
        for (size_t x = from; x < ops.size() && x <= k + kDiffContext; ++x) keep[x] = true;
    }
    std::string out;
    size_t shown_lines = 0;
    size_t changed_after = 0;
    bool folded = false;
    for (size_t k = 0; k < ops.size(); ++k) {
        if (!keep[k]) {
            if (!folded && shown_lines < kDiffLinesMax) out += "  ...\n";
            folded = true;
            continue;
        }
        folded = false;
        if (shown_lines >= kDiffLinesMax) {
            if (ops[k].first != ' ') ++changed_after;
            continue;
        }
        out += ops[k].first;
        out += ' ';
        out += ops[k].second;
        out += '\n';
        ++shown_lines;
    }
    if (changed_after > 0) out += "  ... (" + std::to_string(changed_after) + " more changed lines)\n";
    return out;
}

std::string shown(const core::Json* v) {
    if (!v) return "(none)";
    std::string s = core::dump(*v);
    if (s.size() > kShownMax) s = s.substr(0, kShownMax) + "... (" + std::to_string(s.size()) + " bytes)";
    return s;
}

}  // namespace

std::vector<CheckResult> run_check(const Check& check, const ResponseView& response, const Lookup& lookup) {
    if (check.arg_template) {
        // A key with templates ("$.items[?(@.id == '{{order}}')].status"): judged with its rendered text.
        Check rendered = check;
        rendered.arg_template = false;
        auto arg =
            render_argument(check.arg, lookup, check.subject == CheckSubject::kJsonPath ? &rendered.path : nullptr);
        if (!arg) return {CheckResult{check.label(), "", false, "(none)", "", arg.error().message, check.where, {}}};
        rendered.arg = *arg;
        return run_check(rendered, response, lookup);
    }
    std::vector<CheckResult> out;
    const Exchange& ex = response.exchange();
    std::optional<core::Json> actual;
    std::string unavailable;  // why there is no actual value, when that is itself the failure
    switch (check.subject) {
        case CheckSubject::kStatus:
            actual = ex.status;
            break;
        case CheckSubject::kHeader:
            if (const std::string* h = response.header(check.arg)) actual = *h;
            break;
        case CheckSubject::kBody:
            actual = ex.response_body;
            break;
        case CheckSubject::kTime:
            actual = std::llround(ex.elapsed_ms);  // elapsed_ms >= 0: half rounds up
            break;
        case CheckSubject::kJsonPath: {
            const core::Json* j = response.json(&unavailable);
            if (j && check.path) actual = query_value(*check.path, *j);
            break;
        }
        case CheckSubject::kSchema: {
            std::string err;
            const core::Json* j = response.json(&err);
            if (!j) {
                out.push_back(CheckResult{check.label(),
                                          check.schema_name,
                                          false,
                                          "(not JSON)",
                                          "valid against " + check.schema_name,
                                          err,
                                          check.where,
                                          {}});
                return out;
            }
            auto issues = check.schema->validate(*j);
            if (issues.empty()) {
                out.push_back(CheckResult{check.label(),
                                          check.schema_name,
                                          true,
                                          "valid",
                                          "valid against " + check.schema_name,
                                          {},
                                          check.where,
                                          {}});
            }
            for (const auto& issue : issues) {
                std::string at = issue.instance_pointer.empty() ? "the body" : issue.instance_pointer;
                const core::Json* v = core::pointer_get(*j, issue.instance_pointer);
                out.push_back(CheckResult{check.label(),
                                          check.schema_name,
                                          false,
                                          at + " = " + shown(v),
                                          "valid against " + check.schema_name,
                                          issue.message,
                                          check.where,
                                          {}});
            }
            return out;
        }
    }
    for (const auto& p : check.predicates) {
        CheckResult r;
        r.label = check.label();
        r.predicate = p.op;
        r.where = p.where;
        auto expected = render_json(p.expected, lookup);
        if (!expected) {
            r.passed = false;
            r.expected = core::dump(p.expected);
            r.actual = shown(actual ? &*actual : nullptr);
            r.message = expected.error().message;
            out.push_back(std::move(r));
            continue;
        }
        core::Json want = *expected;
        // Header values are text; let a number in the file compare with them.
        if (check.subject == CheckSubject::kHeader && want.is_number() && (p.op == "equals" || p.op == "not_equals"))
            want = core::dump(want);
        auto outcome = evaluate_predicate(p.op, actual ? &*actual : nullptr, want);
        r.passed = outcome.passed;
        r.expected = outcome.expected;
        r.actual = shown(actual ? &*actual : nullptr);
        r.message = outcome.message;
        if (!r.passed && p.op == "equals" && actual && (actual->is_structured() || want.is_structured()))
            r.diff = line_diff(want, *actual);
        if (!actual && !unavailable.empty() && !r.passed) r.message = unavailable;
        if (!actual && check.subject == CheckSubject::kJsonPath && r.message == "no value") {
            r.message = check.arg + " matched nothing";
            if (const core::Json* j = response.json())
                if (auto near = nearest_path(check.arg, *j)) r.message += "; did you mean " + *near + "?";
        }
        out.push_back(std::move(r));
    }
    return out;
}

std::string Check::label() const {
    switch (subject) {
        case CheckSubject::kStatus:
            return "status";
        case CheckSubject::kHeader:
            return "header \"" + arg + "\"";
        case CheckSubject::kJsonPath:
            return "jsonpath \"" + arg + "\"";
        case CheckSubject::kBody:
            return "body";
        case CheckSubject::kSchema:
            return "schema";
        case CheckSubject::kTime:
            return "time_ms";
    }
    return "check";
}

}  // namespace mpemu::scenario
