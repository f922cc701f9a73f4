// Unit tests for core/diagnostic: the compiler-style rendering, golden strings byte for byte.
#include <catch2/catch.hpp>

#include "core/diagnostic.hpp"

using namespace mpemu::core;

namespace {

ParsedJsonDocument parse_doc(std::string path, std::string text) {
    auto r = parse_json_source(std::move(path), std::move(text));
    REQUIRE(r.ok());
    return std::move(r).value();
}

// The scenario of the style guide's example: "asert" sits at line 14, column 9.
const char* const kPayScenario =
    "{\n"
    "  \"name\": \"pay\",\n"
    "  \"steps\": [\n"
    "    {\n"
    "      \"name\": \"create order\",\n"
    "      \"request\": {\n"
    "        \"method\": \"POST\",\n"
    "        \"url\": \"/v3/pay/transactions/jsapi\"\n"
    "      }\n"
    "    },\n"
    "    {\n"
    "      \"name\": \"check\",\n"
    "      \"request\": { \"method\": \"GET\", \"url\": \"/v3/pay/transactions/id/1\" },\n"
    "        \"asert\": { \"status\": 200 }\n"
    "    }\n"
    "  ]\n"
    "}\n";

}  // namespace

TEST_CASE("render matches the style guide's example", "[core][diagnostic]") {
    auto doc = parse_doc("scenarios/e2e/pay.json", kPayScenario);
    Diagnostics d;
    d.error(doc, "/steps/1/asert", "unknown step field \"asert\"", "did you mean \"assert\"?", true);
    CHECK(d.render() ==
          "error: unknown step field \"asert\"\n"
          "  --> scenarios/e2e/pay.json:14:9\n"
          "   |\n"
          "14 |         \"asert\": { \"status\": 200 }\n"
          "   |         ^^^^^^^ did you mean \"assert\"?\n");
    CHECK(d.render_short() ==
          "scenarios/e2e/pay.json:14:9: error: unknown step field \"asert\" (did you mean \"assert\"?)\n");
}

TEST_CASE("render points at the value unless asked for the key", "[core][diagnostic]") {
    auto doc = parse_doc("f.json", "{\n  \"status\": \"20O\"\n}");
    Diagnostics d;
    d.error(doc, "/status", "not a number");
    CHECK(d.render() ==
          "error: not a number\n"
          " --> f.json:2:13\n"
          "  |\n"
          "2 |   \"status\": \"20O\"\n"
          "  |             ^^^^^\n");
}

TEST_CASE("the gutter widens with the line number", "[core][diagnostic]") {
    std::string text = "[\n";
    for (int i = 0; i < 120; ++i) text += "  " + std::to_string(i) + ",\n";
    text += "  true\n]";
    auto doc = parse_doc("big.json", text);
    Diagnostics d;
    d.error(doc, "/120", "expected a number", "write 1 or 0");
    CHECK(d.render() ==
          "error: expected a number\n"
          "   --> big.json:122:3\n"
          "    |\n"
          "122 |   true\n"
          "    |   ^^^^ write 1 or 0\n");
}

TEST_CASE("items are sorted by file, line and column, separated by a blank line", "[core][diagnostic]") {
    auto b = parse_doc("b.json", "{\"x\": 1, \"y\": 2}");
    auto a = parse_doc("a.json", "[1,\n 2]");
    Diagnostics d;
    d.error(b, "/y", "second in b");
    d.error(b, "/x", "first in b", "", true);
    d.error(a, "/1", "only in a");
    d.error("a.json", "whole file problem");
    REQUIRE(d.size() == 4);
    CHECK(d.items()[0].message == "second in b");  // items() keeps insertion order
    CHECK(d.render() ==
          "error: whole file problem\n"
          " --> a.json\n"
          "\n"
          "error: only in a\n"
          " --> a.json:2:2\n"
          "  |\n"
          "2 |  2]\n"
          "  |  ^\n"
          "\n"
          "error: first in b\n"
          " --> b.json:1:2\n"
          "  |\n"
          "1 | {\"x\": 1, \"y\": 2}\n"
          "  |  ^^^\n"
          "\n"
          "error: second in b\n"
          " --> b.json:1:15\n"
          "  |\n"
          "1 | {\"x\": 1, \"y\": 2}\n"
          "  |               ^\n");
    CHECK(d.render_short() ==
          "a.json: error: whole file problem\n"
          "a.json:2:2: error: only in a\n"
          "b.json:1:2: error: first in b\n"
          "b.json:1:15: error: second in b\n");
}

TEST_CASE("problems without a position", "[core][diagnostic]") {
    Diagnostics d;
    d.error("fixtures/missing", "fixture directory not found", "create it or pass --fixtures");
    CHECK(d.render() ==
          "error: fixture directory not found\n"
          " --> fixtures/missing\n"
          "  = create it or pass --fixtures\n");
    CHECK(d.render_short() == "fixtures/missing: error: fixture directory not found (create it or pass --fixtures)\n");

    Diagnostics no_file;
    no_file.add(Diagnostic{Severity::kError, "", SourcePos{}, "no fixture set given", ""});
    CHECK(no_file.render() == "error: no fixture set given\n");
    CHECK(no_file.render_short() == "error: no fixture set given\n");
}

TEST_CASE("a position in a file whose text is unknown shows no source line", "[core][diagnostic]") {
    Diagnostics d;
    SourcePos pos;
    pos.line = 7;
    pos.column = 3;
    d.add(Diagnostic{Severity::kWarning, "x.json", pos, "deprecated field", "use \"amount\""});
    CHECK_FALSE(d.has_errors());
    CHECK(d.render() ==
          "warning: deprecated field\n"
          " --> x.json:7:3\n"
          "  = use \"amount\"\n");
}

TEST_CASE("tabs become one space and wide characters two columns", "[core][diagnostic]") {
    // Tabs are shown as a single space so the caret offset does not depend on the terminal's tab stops.
    SourceText src("t.json", "{\n\t\"a\":\tnul\n}");
    Diagnostics d;
    d.error(src, src.position(8, 3), "invalid value nul");
    CHECK(d.render() ==
          "error: invalid value nul\n"
          " --> t.json:2:7\n"
          "  |\n"
          "2 |  \"a\": nul\n"
          "  |       ^^^\n");

    // A CJK character takes two terminal columns, so padding and carets count two for it.
    auto doc = parse_doc("c.json", "{\"名称\": \"支付成功\"}");
    Diagnostics wide;
    wide.error(doc, "/名称", "too long");
    CHECK(wide.render() ==
          "error: too long\n"
          " --> c.json:1:8\n"
          "  |\n"
          "1 | {\"名称\": \"支付成功\"}\n"
          "  |          ^^^^^^^^^^\n");
}

TEST_CASE("a syntax error renders with at least one caret", "[core][diagnostic]") {
    const std::string text = "{\n  \"a\": 1\n";
    JsonSyntaxError error;
    auto r = parse_json_source("s.json", text, {}, &error);
    REQUIRE_FALSE(r.ok());
    SourceText src("s.json", text);
    Diagnostics d;
    d.error(src, error.pos, error.message, error.hint);
    CHECK(d.render() ==
          "error: unexpected end of file, expected ',' or '}' after object member\n"
          " --> s.json:3:1\n"
          "  |\n"
          "3 |\n"
          "  | ^ the object starting at line 1 is never closed\n");
}

TEST_CASE("color output wraps labels, gutter and carets in ANSI codes", "[core][diagnostic]") {
    auto doc = parse_doc("f.json", "{\"a\": 1}");
    Diagnostics d;
    d.error(doc, "/a", "bad", "hint");
    CHECK(d.render(true) ==
          "\x1b[1;31merror\x1b[0m\x1b[1m: bad\x1b[0m\n"
          " \x1b[1;34m-->\x1b[0m f.json:1:7\n"
          "  \x1b[1;34m|\x1b[0m\n"
          "\x1b[1;34m1 |\x1b[0m {\"a\": 1}\n"
          "  \x1b[1;34m|\x1b[0m       \x1b[1;31m^ hint\x1b[0m\n");
    CHECK(d.render(false).find('\x1b') == std::string::npos);

    Diagnostics w;
    w.add(Diagnostic{Severity::kWarning, "", SourcePos{}, "careful", ""});
    w.add(Diagnostic{Severity::kNote, "", SourcePos{}, "by the way", ""});
    CHECK(w.render(true) ==
          "\x1b[1;33mwarning\x1b[0m\x1b[1m: careful\x1b[0m\n"
          "\n"
          "\x1b[1;36mnote\x1b[0m\x1b[1m: by the way\x1b[0m\n");
}

TEST_CASE("has_errors and the sources of copied texts", "[core][diagnostic]") {
    Diagnostics d;
    CHECK_FALSE(d.has_errors());
    {
        // error(SourceText, ...) keeps its own copy, so the text may go away.
        SourceText temporary("gone.json", "[1]");
        d.error(temporary, temporary.position(1, 1), "one");
    }
    CHECK(d.has_errors());
    CHECK(d.render() ==
          "error: one\n"
          " --> gone.json:1:2\n"
          "  |\n"
          "1 | [1]\n"
          "  |  ^\n");
}

namespace {

// The source line and the caret line of a one-item rendering, without their gutters.
std::pair<std::string, std::string> shown_and_carets(const std::string& rendered) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < rendered.size()) {
        size_t nl = rendered.find('\n', start);
        lines.push_back(rendered.substr(start, nl - start));
        start = nl + 1;
    }
    REQUIRE(lines.size() == 5);
    return {lines[3].substr(lines[3].find('|') + 2), lines[4].substr(lines[4].find('|') + 2)};
}

// Display columns of UTF-8 text whose only wide-byte character is the ellipsis (one column).
size_t columns(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
    return n;
}

}  // namespace

TEST_CASE("a long line is shown as a window around the caret, cut sides marked", "[core][diagnostic]") {
    const std::string ellipsis = "\xE2\x80\xA6";
    std::string before(300, 'a');
    std::string after(300, 'z');
    std::string text = "{\"a\": \"" + before + "\", \"bad\": 1, \"z\": \"" + after + "\"}";
    auto doc = parse_doc("min.json", text);
    Diagnostics d;
    d.error(doc, "/bad", "unknown key \"bad\"", "did you mean \"b\"?", true);
    auto [shown, carets] = shown_and_carets(d.render());
    INFO(d.render());
    CHECK(shown.rfind(ellipsis, 0) == 0);  // cut on the left
    CHECK(shown.size() > ellipsis.size());
    CHECK(shown.substr(shown.size() - ellipsis.size()) == ellipsis);  // and on the right
    CHECK(columns(shown) <= 120);
    // The carets sit under the key, in display columns (the ellipsis is one column, three bytes).
    size_t key = columns(shown.substr(0, shown.find("\"bad\"")));
    CHECK(carets.find('^') == key);
    CHECK(carets.substr(key) == "^^^^^ did you mean \"b\"?");
    CHECK(key >= 30);  // context before the mistake is kept
    // The window is a piece of the line itself.
    std::string inner = shown.substr(ellipsis.size(), shown.size() - 2 * ellipsis.size());
    CHECK(text.find(inner) != std::string::npos);
    CHECK(d.render_short() == "min.json:1:311: error: unknown key \"bad\" (did you mean \"b\"?)\n");
}

TEST_CASE("a long line keeps its start or its end when the caret is near it", "[core][diagnostic]") {
    const std::string ellipsis = "\xE2\x80\xA6";
    std::string text = "{\"bad\": 1, \"a\": \"" + std::string(300, 'a') + "\", \"end\": 2}";
    auto doc = parse_doc("edges.json", text);
    Diagnostics head;
    head.error(doc, "/bad", "near the start", {}, true);
    auto [shown_head, carets_head] = shown_and_carets(head.render());
    CHECK(shown_head.rfind("{\"bad\"", 0) == 0);  // nothing cut on the left
    CHECK(shown_head.substr(shown_head.size() - ellipsis.size()) == ellipsis);
    CHECK(columns(shown_head) == 119);  // 118 columns of the line and the ellipsis
    CHECK(carets_head == " ^^^^^");

    Diagnostics tail;
    tail.error(doc, "/end", "near the end", {}, true);
    auto [shown_tail, carets_tail] = shown_and_carets(tail.render());
    CHECK(shown_tail.rfind(ellipsis, 0) == 0);
    CHECK(shown_tail.substr(shown_tail.size() - 9) == "\"end\": 2}");  // nothing cut on the right
    CHECK(columns(shown_tail) == 119);                                 // the window fills up leftwards
    CHECK(carets_tail.find('^') == columns(shown_tail.substr(0, shown_tail.find("\"end\""))));
}

TEST_CASE("a line of exactly 120 columns is shown whole", "[core][diagnostic]") {
    std::string fits = std::string("{\"k\": \"") + std::string(103, 'x') + "\", \"b\": 1}";
    REQUIRE(fits.size() == 120);
    auto doc = parse_doc("fits.json", fits);
    Diagnostics d;
    d.error(doc, "/b", "x", {}, true);
    auto [shown, carets] = shown_and_carets(d.render());
    CHECK(shown == fits);
    std::string under_b(113, ' ');
    under_b += "^^^";
    CHECK(carets == under_b);
}
