// Readable run logs for people at a terminal or reading CI output.
#include "tools/report/console.hpp"

#include <cstdio>

#include "core/json.hpp"
#include "core/text.hpp"

namespace mpemu::report {

namespace {
constexpr const char* kRed = "\x1b[1;31m";
constexpr const char* kGreen = "\x1b[1;32m";
constexpr const char* kYellow = "\x1b[33m";
constexpr const char* kBlue = "\x1b[1;34m";
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kBold = "\x1b[1m";

std::string indent_block(std::string text, const std::string& indent) {
    while (!text.empty() && text.back() == '\n') text.pop_back();
    std::string out;
    size_t start = 0;
    while (start <= text.size()) {
        size_t nl = text.find('\n', start);
        std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        out += (line.empty() ? std::string() : indent + line) + "\n";
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    return out;
}

std::string clip(const std::string& body, size_t limit) {
    if (body.size() <= limit) return body;
    return body.substr(0, limit) + "\n... (" + std::to_string(body.size()) + " bytes, first " + std::to_string(limit) +
           " shown)";
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

// A JSON body indented for reading (a one-line reply of 40 fields is hard to scan); anything else as it is.
std::string pretty_body(const std::string& body) {
    size_t first = body.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || (body[first] != '{' && body[first] != '[')) return body;
    auto json = core::parse_json(body);
    if (!json) return body;
    return json->dump(2, ' ', false, core::Json::error_handler_t::replace);
}

}  // namespace

std::string format_ms(double ms) {
    char buf[32];
    if (ms < 1000) {
        std::snprintf(buf, sizeof buf, "%.0f ms", ms);
    } else {
        std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000);
    }
    return buf;
}

std::string ConsoleReporter::paint(const char* code, const std::string& text) const {
    return options_.color ? std::string(code) + text + "\x1b[0m" : text;
}

std::string ConsoleReporter::source_line(const scenario::Where& where, const std::string& indent,
                                         const std::string& note) {
    std::string out = indent + paint(kBlue, "-->") + " " + where.str() + "\n";
    if (where.pos.line <= 0) return out;
    auto& text = files_[where.file];
    if (!text) {
        auto t = core::read_file(where.file);
        text = std::make_shared<std::string>(t ? *t : std::string());
    }
    auto lines = core::split(*text, '\n');
    if (static_cast<size_t>(where.pos.line) > lines.size()) return out;
    std::string line = lines[static_cast<size_t>(where.pos.line) - 1];
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string num = std::to_string(where.pos.line);
    std::string pad(num.size(), ' ');
    size_t col = static_cast<size_t>(std::max(1, where.pos.column)) - 1;
    size_t carets = std::max<size_t>(1, where.pos.length);
    // Column counts code points; convert the prefix to display cells the simple way (ASCII-dominant files).
    std::string prefix;
    size_t cp = 0;
    for (size_t i = 0; i < line.size() && cp < col; ++i) {
        if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) {
            prefix += ' ';  // a tab too: the source line below shows each tab as one space
            ++cp;
        }
    }
    out += indent + pad + " " + paint(kBlue, "|") + "\n";
    out += indent + paint(kBlue, num + " |") + " " + core::replace_all(line, "\t", " ") + "\n";
    out += indent + pad + " " + paint(kBlue, "|") + " " + prefix +
           paint(kRed, std::string(carets, '^') + (note.empty() ? "" : " " + note)) + "\n";
    return out;
}

void ConsoleReporter::step(std::string& out, const scenario::StepResult& s, int depth, bool failed_scenario) {
    using scenario::StepStatus;
    std::string indent(2 + 2 * static_cast<size_t>(depth), ' ');
    const char* mark = s.status == StepStatus::kPassed    ? "ok  "
                       : s.status == StepStatus::kFailed  ? "FAIL"
                       : s.status == StepStatus::kSkipped ? "skip"
                                                          : "--  ";
    const char* color = s.status == StepStatus::kPassed ? kGreen : s.status == StepStatus::kFailed ? kRed : kDim;
    bool show = options_.verbose || s.status == StepStatus::kFailed;
    if (!show) return;
    std::string line = indent + paint(color, mark) + " " + s.display_name();
    if (s.status == StepStatus::kPassed || s.status == StepStatus::kFailed) {
        line += paint(kDim, " (" + format_ms(s.duration_ms) +
                                (s.attempts > 1 ? ", " + std::to_string(s.attempts) + " attempts" : "") + ")");
    }
    out += line + "\n";
    for (const auto& c : s.children) step(out, c, depth + 1, failed_scenario);
    if (s.status != StepStatus::kFailed || !s.children.empty()) return;

    std::string in = indent + "     ";
    if (!s.error.empty()) {
        out += in + paint(kRed, "error") + paint(kBold, ": " + s.error) + "\n";
        out += source_line(s.error_where.pos.line > 0 ? s.error_where : s.where, in + " ", "");
    }
    for (const auto& c : s.captures) {
        if (c.ok) continue;
        out += in + paint(kRed, "error") + paint(kBold, ": capture \"" + c.name + "\" failed") + "\n";
        out += source_line(c.where, in + " ", c.message);
    }
    for (const auto& c : s.checks) {
        if (c.passed) continue;
        out += in + paint(kRed, "error") + paint(kBold, ": assert " + c.label + " " + c.predicate) + "\n";
        out += source_line(c.where, in + " ", "");
        out += in + "   actual:   " + c.actual + "\n";
        out += in + "   expected: " + c.expected + "\n";
        if (!c.message.empty()) out += in + "   note:     " + c.message + "\n";
        if (!c.diff.empty()) {
            out += in + "   diff:     " + paint(kRed, "- expected") + ", " + paint(kGreen, "+ actual") + "\n";
            for (const auto& line : core::split(c.diff, '\n')) {
                if (line.empty()) continue;
                const char* color = line[0] == '-' ? kRed : line[0] == '+' ? kGreen : kDim;
                out += in + "     " + paint(color, line) + "\n";
            }
        }
    }
    if (s.exchange) {
        const auto& ex = *s.exchange;
        out += in + paint(kYellow, "request:") + "\n";
        std::string req = ex.method + " " + ex.url + "\n";
        append_headers(req, ex.request_headers);
        if (!ex.request_body.empty()) req += "\n" + clip(ex.request_body, options_.body_limit);
        out += indent_block(core::replace_all(req, "\r", ""), in + "  ");
        if (ex.transport_error.empty()) {
            out += in + paint(kYellow, "response:") + paint(kDim, " (" + format_ms(ex.elapsed_ms) + ")") + "\n";
            std::string resp = "HTTP " + std::to_string(ex.status) + "\n";
            append_headers(resp, ex.response_headers);
            if (!ex.response_body.empty()) resp += "\n" + clip(pretty_body(ex.response_body), options_.body_limit);
            out += indent_block(core::replace_all(resp, "\r", ""), in + "  ");
        }
    }
}

std::string ConsoleReporter::scenario(const scenario::ScenarioResult& r) {
    std::string out;
    std::string head = r.passed ? paint(kGreen, "PASS") : paint(kRed, "FAIL");
    out += head + " " + paint(kBold, r.file) + ": " + r.name +
           paint(kDim, " (" + std::to_string(r.step_count()) + (r.step_count() == 1 ? " step, " : " steps, ") +
                           format_ms(r.duration_ms) + ")") +
           "\n";
    for (const auto& s : r.steps) step(out, s, 0, !r.passed);
    return out;
}

std::string ConsoleReporter::summary(const scenario::RunSummary& s) {
    size_t steps = 0;
    for (const auto& sc : s.scenarios) steps += sc.step_count();
    std::string counts = std::to_string(s.scenarios.size()) + " scenario" + (s.scenarios.size() == 1 ? "" : "s") +
                         ": " + std::to_string(s.passed()) + " passed, " + std::to_string(s.failed()) + " failed";
    std::string out = "\n" + paint(s.failed() ? kRed : kGreen, counts) +
                      paint(kDim, " (" + std::to_string(steps) + (steps == 1 ? " step, " : " steps, ") +
                                      format_ms(s.duration_ms) + ")") +
                      "\n";
    if (s.unreachable()) out += paint(kRed, "error") + ": the target " + s.target + " could not be reached\n";
    return out;
}

}  // namespace mpemu::report
