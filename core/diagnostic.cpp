// Collects and renders mistakes in user files the way compilers do: message, location, source line, carets.
#include "core/diagnostic.hpp"

#include <algorithm>
#include <tuple>

#include "core/detail/utf8.hpp"

namespace mpemu::core {

namespace {

constexpr const char* kReset = "\x1b[0m";
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kBlue = "\x1b[1;34m";

const char* severity_name(Severity s) {
    switch (s) {
        case Severity::kError:
            return "error";
        case Severity::kWarning:
            return "warning";
        case Severity::kNote:
            return "note";
    }
    return "error";
}

const char* severity_color(Severity s) {
    switch (s) {
        case Severity::kError:
            return "\x1b[1;31m";
        case Severity::kWarning:
            return "\x1b[1;33m";
        case Severity::kNote:
            return "\x1b[1;36m";
    }
    return "\x1b[1;31m";
}

// Tabs are shown as one space, in the source line and when measuring the caret offset, so carets line up
// whatever the terminal's tab width; wide (CJK) characters count two columns, as terminals draw them.
int width_of(std::string_view s) {
    int width = 0;
    for (size_t i = 0; i < s.size();) {
        detail::Utf8Step step = detail::decode_utf8(s, i);
        width += step.code_point == '\t' ? 1 : detail::display_width(step.code_point);
        i += step.length;
    }
    return width;
}

// Byte offset of the 1-based code point column within a line (clamped to its end).
size_t byte_of_column(std::string_view line, int column) {
    size_t i = 0;
    for (int c = 1; c < column && i < line.size(); ++c) i += detail::decode_utf8(line, i).length;
    return i;
}

constexpr int kLineMax = 120;     // source lines wider than this are shown as a window around the caret
constexpr int kLeftContext = 40;  // columns kept before the caret in such a window

// What is drawn for one source line: the text (tabs as spaces), and where the carets go under it.
struct ShownLine {
    std::string text;
    int offset = 0;  // display columns before the first caret
    int carets = 1;
};

// A minified fixture or a 2 KB one-line body would push the caret off any screen: a line wider than
// kLineMax keeps a window around the marked bytes [start, end), "…" on each side that was cut.
ShownLine show_line(std::string_view line, size_t start, size_t end) {
    ShownLine out;
    out.text = std::string(line);
    std::replace(out.text.begin(), out.text.end(), '\t', ' ');
    out.offset = width_of(line.substr(0, start));
    out.carets = std::max(1, width_of(line.substr(start, end - start)));
    if (width_of(line) <= kLineMax) return out;
    std::vector<std::pair<size_t, int>> cps;  // byte offset and display width of each code point
    size_t caret_cp = 0;
    for (size_t i = 0; i < line.size();) {
        if (i <= start) caret_cp = cps.size();
        detail::Utf8Step step = detail::decode_utf8(line, i);
        cps.emplace_back(i, step.code_point == '\t' ? 1 : detail::display_width(step.code_point));
        i += step.length;
    }
    const int budget = kLineMax - 2;  // room for the two ellipses
    size_t from = caret_cp;
    for (int w = 0; from > 0 && w + cps[from - 1].second <= kLeftContext; --from) w += cps[from - 1].second;
    size_t to = from;
    int width = 0;
    while (to < cps.size() && width + cps[to].second <= budget) width += cps[to++].second;
    while (to == cps.size() && from > 0 && width + cps[from - 1].second <= budget) width += cps[--from].second;
    size_t from_byte = cps[from].first;
    size_t to_byte = to < cps.size() ? cps[to].first : line.size();
    std::string text(line.substr(from_byte, to_byte - from_byte));
    std::replace(text.begin(), text.end(), '\t', ' ');
    int lead = from > 0 ? 1 : 0;
    out.text = (from > 0 ? "\u2026" : "") + text + (to < cps.size() ? "\u2026" : "");
    out.offset = lead + width_of(line.substr(from_byte, start - from_byte));
    size_t mark_end = std::min(end, to_byte);
    out.carets = std::max(1, width_of(line.substr(start, mark_end > start ? mark_end - start : 0)));
    return out;
}

std::vector<Diagnostic> sorted(const std::vector<Diagnostic>& items) {
    std::vector<Diagnostic> out = items;
    std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.file, a.pos.line, a.pos.column) < std::tie(b.file, b.pos.line, b.pos.column);
    });
    return out;
}

}  // namespace

void Diagnostics::add(Diagnostic d) {
    items_.push_back(std::move(d));
}

void Diagnostics::error(const SourceText& src, SourcePos pos, std::string message, std::string hint) {
    if (!sources_.count(src.path())) sources_[src.path()] = std::make_shared<const SourceText>(src);
    add(Diagnostic{Severity::kError, src.path(), pos, std::move(message), std::move(hint)});
}

void Diagnostics::error(const ParsedJsonDocument& doc, std::string_view pointer, std::string message, std::string hint,
                        bool at_key) {
    std::string file;
    if (doc.source) {
        add_source(doc.source);
        file = doc.source->path();
    }
    SourcePos pos = at_key ? doc.key_pos(pointer) : doc.value_pos(pointer);
    add(Diagnostic{Severity::kError, std::move(file), pos, std::move(message), std::move(hint)});
}

void Diagnostics::error(std::string file, std::string message, std::string hint) {
    add(Diagnostic{Severity::kError, std::move(file), SourcePos{}, std::move(message), std::move(hint)});
}

void Diagnostics::add_source(std::shared_ptr<const SourceText> src) {
    if (src) sources_[src->path()] = std::move(src);
}

bool Diagnostics::has_errors() const {
    return std::any_of(items_.begin(), items_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

std::string Diagnostics::render(bool color) const {
    auto paint = [color](const char* code, const std::string& text) {
        return color ? std::string(code) + text + kReset : text;
    };
    std::string out;
    bool first = true;
    for (const Diagnostic& d : sorted(items_)) {
        if (!first) out += '\n';
        first = false;
        const char* sev_color = severity_color(d.severity);
        out += paint(sev_color, severity_name(d.severity));
        out += paint(kBold, ": " + d.message);
        out += '\n';

        std::string_view line;
        bool have_line = false;
        if (d.pos.line > 0) {
            auto it = sources_.find(d.file);
            if (it != sources_.end()) {
                line = it->second->line_text(d.pos.line);
                have_line = true;
            }
        }
        size_t gutter = d.pos.line > 0 ? std::to_string(d.pos.line).size() : 1;
        std::string pad(gutter, ' ');
        if (!d.file.empty()) {
            std::string where = d.file;
            if (d.pos.line > 0) where += ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column);
            out += pad;
            out += paint(kBlue, "-->");
            out += ' ';
            out += where;
            out += '\n';
        }
        if (!have_line) {
            if (!d.hint.empty()) out += pad + " " + paint(kBlue, "=") + " " + d.hint + "\n";
            continue;
        }
        size_t start = byte_of_column(line, d.pos.column);
        size_t end = std::min(line.size(), start + d.pos.length);
        ShownLine shown = show_line(line, start, end);

        out += pad + " " + paint(kBlue, "|") + "\n";
        out += paint(kBlue, std::to_string(d.pos.line) + " |");
        if (!shown.text.empty()) out += " " + shown.text;
        out += "\n";
        out += pad + " " + paint(kBlue, "|") + " " + std::string(static_cast<size_t>(shown.offset), ' ');
        std::string marks(static_cast<size_t>(shown.carets), '^');
        if (!d.hint.empty()) marks += " " + d.hint;
        out += paint(sev_color, marks) + "\n";
    }
    return out;
}

std::string Diagnostics::render_short() const {
    std::string out;
    for (const Diagnostic& d : sorted(items_)) {
        if (!d.file.empty()) {
            out += d.file;
            if (d.pos.line > 0) out += ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column);
            out += ": ";
        }
        out += severity_name(d.severity);
        out += ": " + d.message;
        if (!d.hint.empty()) out += " (" + d.hint + ")";
        out += '\n';
    }
    return out;
}

}  // namespace mpemu::core
