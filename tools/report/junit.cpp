// JUnit XML rendering.
#include "tools/report/junit.hpp"

#include <cstdio>
#include <filesystem>
#include <map>

#include "core/html.hpp"
#include "core/text.hpp"

namespace mpemu::report {

namespace {

std::string seconds(double ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", ms / 1000.0);
    return buf;
}

std::string folder_of(const std::string& file) {
    auto parent = std::filesystem::path(file).parent_path().string();
    return parent.empty() ? "." : parent;
}

void failure_text(const scenario::StepResult& s, std::string& out, const std::string& prefix) {
    using scenario::StepStatus;
    if (s.status != StepStatus::kFailed) return;
    if (!s.children.empty()) {
        for (const auto& c : s.children) failure_text(c, out, prefix + s.display_name() + " > ");
        return;
    }
    out += "step \"" + prefix + s.display_name() + "\" failed (" + s.where.str() + ")\n";
    if (!s.error.empty()) out += (s.error_where.pos.line > 0 ? s.error_where : s.where).str() + ": " + s.error + "\n";
    for (const auto& c : s.captures) {
        if (!c.ok) out += c.where.str() + ": capture " + c.name + ": " + c.message + "\n";
    }
    for (const auto& c : s.checks) {
        if (c.passed) continue;
        out += c.where.str() + ": assert " + c.label + " " + c.predicate + "\n  actual:   " + c.actual +
               "\n  expected: " + c.expected + "\n";
        if (!c.message.empty()) out += "  note:     " + c.message + "\n";
        if (!c.diff.empty()) out += "  diff (- expected, + actual):\n" + c.diff;
    }
    if (s.exchange) {
        out += "request: " + s.exchange->method + " " + s.exchange->url + "\n";
        if (s.exchange->transport_error.empty()) {
            out += "response: HTTP " + std::to_string(s.exchange->status) + "\n" +
                   s.exchange->response_body.substr(0, 2000) + "\n";
        }
    }
}

void step_log(const scenario::StepResult& s, std::string& out, int depth) {
    out += std::string(2 * static_cast<size_t>(depth), ' ') + scenario::step_status_name(s.status) + " " +
           s.display_name();
    if (s.status == scenario::StepStatus::kPassed || s.status == scenario::StepStatus::kFailed)
        out += " (" + seconds(s.duration_ms) + " s)";
    out += "\n";
    for (const auto& c : s.children) step_log(c, out, depth + 1);
}

}  // namespace

std::string xml_escape(std::string_view text) {
    // The five markup characters as HTML escapes them (&#39; is XML too); C0 controls other than tab, LF
    // and CR are not allowed in XML 1.0 even as references, so they become '?'.
    std::string clean(text);
    for (char& c : clean) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 && c != '\t' && c != '\n' && c != '\r') c = '?';
    }
    std::string out = core::html_escape(clean);
    if (!core::is_valid_utf8(out)) {
        std::string ascii;
        for (char c : out) ascii += (static_cast<unsigned char>(c) < 0x80) ? c : '?';
        return ascii;
    }
    return out;
}

std::string junit_xml(const scenario::RunSummary& summary) {
    std::map<std::string, std::vector<const scenario::ScenarioResult*>> suites;
    for (const auto& s : summary.scenarios) suites[folder_of(s.file)].push_back(&s);
    size_t failures = 0, errors = 0;
    for (const auto& s : summary.scenarios) {
        if (s.passed) continue;
        (s.unreachable ? errors : failures) += 1;
    }
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<testsuites name=\"mpemu run\" tests=\"" + std::to_string(summary.scenarios.size()) + "\" failures=\"" +
           std::to_string(failures) + "\" errors=\"" + std::to_string(errors) + "\" time=\"" +
           seconds(summary.duration_ms) + "\">\n";
    int id = 0;
    for (const auto& [folder, list] : suites) {
        size_t f = 0, e = 0;
        double ms = 0;
        for (const auto* s : list) {
            ms += s->duration_ms;
            if (!s->passed) (s->unreachable ? e : f) += 1;
        }
        std::string timestamp = list.front()->started_at.substr(0, 19);
        out += "  <testsuite id=\"" + std::to_string(id++) + "\" name=\"" + xml_escape(folder) + "\" package=\"" +
               xml_escape(folder) + "\" tests=\"" + std::to_string(list.size()) + "\" failures=\"" + std::to_string(f) +
               "\" errors=\"" + std::to_string(e) + "\" skipped=\"0\" time=\"" + seconds(ms) + "\" timestamp=\"" +
               xml_escape(timestamp) + "\" hostname=\"localhost\">\n";
        out += "    <properties>\n      <property name=\"target\" value=\"" + xml_escape(summary.target) +
               "\"/>\n      <property name=\"emulator\" value=\"" + xml_escape(summary.emulator) +
               "\"/>\n    </properties>\n";
        for (const auto* s : list) {
            std::string classname = core::replace_all(folder, "/", ".");
            std::string name = std::filesystem::path(s->file).filename().string() + ": " + s->name;
            int line = 1;
            const auto* failed = s->first_failure();
            if (failed) line = std::max(1, failed->failure_where().pos.line);
            out += "    <testcase name=\"" + xml_escape(name) + "\" classname=\"" + xml_escape(classname) +
                   "\" file=\"" + xml_escape(s->file) + "\" line=\"" + std::to_string(line) + "\" time=\"" +
                   seconds(s->duration_ms) + "\">\n";
            if (failed) {
                std::string text;
                for (const auto& st : s->steps) failure_text(st, text, "");
                scenario::Where w = failed->failure_where();
                std::string message = w.str() + ": " + failed->failure_summary();
                const char* tag = s->unreachable ? "error" : "failure";
                out += std::string("      <") + tag + " message=\"" + xml_escape(message) + "\" type=\"" +
                       (s->unreachable ? "unreachable" : "assertion") + "\">" + xml_escape(text) + "</" + tag + ">\n";
            }
            std::string log;
            for (const auto& st : s->steps) step_log(st, log, 0);
            out += "      <system-out>" + xml_escape(log) + "</system-out>\n";
            out += "    </testcase>\n";
        }
        out += "  </testsuite>\n";
    }
    out += "</testsuites>\n";
    return out;
}

}  // namespace mpemu::report
