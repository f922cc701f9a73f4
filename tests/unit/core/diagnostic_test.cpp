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
