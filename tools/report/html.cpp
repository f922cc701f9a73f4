// HTML rendering; every text goes through html_escape.
#include "tools/report/html.hpp"

#include <cstdio>

#include "core/text.hpp"
#include "tools/report/console.hpp"
#include "tools/report/junit.hpp"

namespace mpemu::report {

namespace {

std::string esc(std::string_view s) {
    return xml_escape(s);
}

// "Name: value" lines, one per header, in the order they were sent or received.
void append_headers(std::string& out, const core::HeaderList& headers) {
    for (const auto& [k, v] : headers) {
        out += k;
        out += ": ";
        out += v;
        out += '\n';
    }
}

// Long values (a 2 KB token, a one-line JSON body) wrap anywhere instead of widening the page: tables
// have a fixed layout so no cell can push the failing assertion off to the right at 1280 px.
constexpr const char* kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1d2733;background:#fafbfc}
h1{font-size:20px;margin:0 0 4px}
.meta{color:#5b6776;margin-bottom:16px;overflow-wrap:anywhere}
.totals span{display:inline-block;padding:2px 10px;border-radius:10px;margin-right:6px;font-weight:600}
.pass{background:#e3f6e8;color:#17692f}.fail{background:#fde7e7;color:#9d1c1c}.muted{color:#7a8696}
details.scenario{background:#fff;border:1px solid #dde3ea;border-radius:6px;margin:10px 0;padding:6px 12px}
details.scenario>summary{cursor:pointer;font-weight:600;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:8px 0;table-layout:fixed}
col.time{width:110px}col.timeline{width:236px}
col.subject{width:24%}col.actual,col.expected{width:28%}col.note{width:20%}
td,th{text-align:left;padding:3px 6px;border-bottom:1px solid #eef1f4;vertical-align:top;overflow-wrap:anywhere}
.bar{background:#d7e6fb;height:10px;border-radius:2px;display:inline-block;min-width:1px}
.barbox{width:220px;background:#f1f4f7;position:relative;height:10px;overflow:hidden}
pre{background:#f5f7f9;border:1px solid #e4e8ed;padding:8px;overflow:auto;max-height:320px;margin:4px 0;font-size:12px;
white-space:pre-wrap;overflow-wrap:anywhere}
pre.diff{max-height:none;color:#1d2733}.diff .del{color:#9d1c1c;background:#fde7e7}.diff .add{color:#17692f;background:#e3f6e8}
.check.bad td{color:#9d1c1c}
code{font-size:12px;overflow-wrap:anywhere;white-space:pre-wrap}
)";

std::string num(double v, const char* fmt = "%.1f") {
    char buf[32];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

void render_exchange(std::string& out, const scenario::Exchange& ex) {
    std::string req = ex.method + " " + ex.url + "\n";
    append_headers(req, ex.request_headers);
    if (!ex.request_body.empty()) req += "\n" + ex.request_body.substr(0, 20000);
    out += "<details><summary>request</summary><pre>" + esc(req) + "</pre></details>";
    if (!ex.transport_error.empty()) {
        out += "<div class=\"fail\">" + esc(ex.transport_error) + "</div>";
        return;
    }
    std::string resp = "HTTP " + std::to_string(ex.status) + "\n";
    append_headers(resp, ex.response_headers);
    if (!ex.response_body.empty()) resp += "\n" + ex.response_body.substr(0, 20000);
    out += "<details><summary>response " + std::to_string(ex.status) + " (" + esc(format_ms(ex.elapsed_ms)) +
           ")</summary><pre>" + esc(resp) + "</pre></details>";
}

// A check's line diff with the removed and added lines marked for colour.
std::string diff_block(const std::string& diff) {
    std::string out = "<pre class=\"diff\">";
    for (const auto& line : core::split(diff, '\n')) {
        if (line.empty()) continue;
        const char* cls = line[0] == '-' ? "del" : line[0] == '+' ? "add" : "";
        out += std::string("<span class=\"") + cls + "\">" + esc(line) + "</span>\n";
    }
    return out + "</pre>";
}

void render_step(std::string& out, const scenario::StepResult& s, double total_ms, int depth) {
    using scenario::StepStatus;
    const char* cls = s.status == StepStatus::kPassed ? "pass" : s.status == StepStatus::kFailed ? "fail" : "muted";
    double width = total_ms > 0 ? 220.0 * s.duration_ms / total_ms : 0;
    double left = total_ms > 0 ? 220.0 * s.started_ms / total_ms : 0;
    out += "<tr><td style=\"padding-left:" + std::to_string(6 + 18 * depth) + "px\"><span class=\"" + cls + "\">" +
           scenario::step_status_name(s.status) + "</span> " + esc(s.display_name()) + "<br><code class=\"muted\">" +
           esc(s.where.str()) + "</code>";
    if (!s.error.empty()) out += "<div class=\"fail\">" + esc(s.error) + "</div>";
    bool any_detail = !s.checks.empty() || !s.captures.empty();
    if (any_detail) {
        out +=
            "<table class=\"checks\"><colgroup><col class=\"subject\"><col class=\"actual\"><col "
            "class=\"expected\"><col class=\"note\"></colgroup>";
        for (const auto& c : s.captures) {
            out += std::string("<tr class=\"check") + (c.ok ? "" : " bad") + "\"><td>capture " + esc(c.name) +
                   "</td><td colspan=3><code>" + esc(core::dump(c.value).substr(0, 300)) + "</code> " + esc(c.message) +
                   "</td></tr>";
        }
        for (const auto& c : s.checks) {
            out += std::string("<tr class=\"check") + (c.passed ? "" : " bad") + "\"><td>" +
                   (c.passed ? "&#10003; " : "&#10007; ") + esc(c.label + " " + c.predicate) +
                   "</td><td>actual <code>" + esc(c.actual) + "</code></td><td>expected <code>" + esc(c.expected) +
                   "</code></td><td>" + esc(c.message) + " <code class=\"muted\">" + esc(c.where.str()) +
                   "</code></td></tr>";
            if (!c.diff.empty()) out += "<tr class=\"check bad\"><td colspan=4>" + diff_block(c.diff) + "</td></tr>";
        }
        out += "</table>";
    }
    if (s.exchange) render_exchange(out, *s.exchange);
    out += "</td><td>" + esc(format_ms(s.duration_ms)) +
           (s.attempts > 1 ? " (" + std::to_string(s.attempts) + " attempts)" : "") +
           "</td><td><div class=\"barbox\"><span class=\"bar\" style=\"position:absolute;left:" + num(left) +
           "px;width:" + num(std::max(1.0, width)) + "px\"></span></div></td></tr>\n";
    for (const auto& c : s.children) render_step(out, c, total_ms, depth + 1);
}

}  // namespace

std::string html_report(const scenario::RunSummary& summary) {
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mpemu run: " +
                      std::to_string(summary.passed()) + "/" + std::to_string(summary.scenarios.size()) +
                      " passed</title><style>" + kStyle + "</style></head><body>\n";
    out += "<h1>mpemu run</h1><div class=\"meta\">target <code>" + esc(summary.target) +
           "</code> &middot; emulator <code>" + esc(summary.emulator) + "</code> &middot; started " +
           esc(summary.started_at) + " &middot; " + esc(format_ms(summary.duration_ms)) + "</div>\n";
    out += "<div class=\"totals\"><span class=\"pass\">" + std::to_string(summary.passed()) +
           " passed</span><span class=\"" + (summary.failed() ? "fail" : "muted") + "\">" +
           std::to_string(summary.failed()) + " failed</span></div>\n";
    for (const auto& s : summary.scenarios) {
        out += std::string("<details class=\"scenario\"") + (s.passed ? "" : " open") + "><summary><span class=\"" +
               (s.passed ? "pass" : "fail") + "\">" + (s.passed ? "PASS" : "FAIL") + "</span> " + esc(s.file) + ": " +
               esc(s.name) + " <span class=\"muted\">(" + std::to_string(s.step_count()) + " steps, " +
               esc(format_ms(s.duration_ms)) + ")</span></summary>\n";
        out +=
            "<table class=\"steps\"><colgroup><col><col class=\"time\"><col class=\"timeline\"></colgroup>"
            "<tr><th>step</th><th>time</th><th>timeline</th></tr>\n";
        for (const auto& st : s.steps) render_step(out, st, s.duration_ms, 0);
        out += "</table></details>\n";
    }
    out += "</body></html>\n";
    return out;
}

}  // namespace mpemu::report
