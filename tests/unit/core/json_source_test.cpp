// Unit tests for core/json_source: positions of keys and values, and the wording and place of syntax errors.
#include <catch2/catch.hpp>

#include "core/json_source.hpp"

using namespace mpemu::core;

namespace {

ParsedJsonDocument parse_ok(const std::string& text, const JsonSourceOptions& options = {}) {
    auto r = parse_json_source("test.json", text, options);
    if (!r.ok()) FAIL("unexpected error: " << r.error().message << " at " << r.error().detail);
    return std::move(r).value();
}

JsonSyntaxError parse_bad(const std::string& text, const JsonSourceOptions& options = {}) {
    JsonSyntaxError error;
    auto r = parse_json_source("test.json", text, options, &error);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "syntax");
    CHECK(r.error().message == error.message);
    CHECK(r.error().detail == std::to_string(error.pos.line) + ":" + std::to_string(error.pos.column));
    return error;
}

// "line:column" of an error, for compact checks.
std::string where(const JsonSyntaxError& e) {
    return std::to_string(e.pos.line) + ":" + std::to_string(e.pos.column);
}

std::string where(const SourcePos& p) {
    return std::to_string(p.line) + ":" + std::to_string(p.column);
}

}  // namespace

TEST_CASE("SourceText maps offsets to lines and code point columns", "[core][json_source]") {
    SourceText src("f.json", "ab\n支付成功x\r\n\nlast");
    CHECK(where(src.position(0)) == "1:1");
    CHECK(where(src.position(2)) == "1:3");  // the newline itself belongs to line 1
    CHECK(where(src.position(3)) == "2:1");
    CHECK(where(src.position(6)) == "2:2");   // after one 3-byte character
    CHECK(where(src.position(15)) == "2:5");  // 'x'
    CHECK(where(src.position(19)) == "4:1");
    CHECK(where(src.position(1000)) == "4:5");  // clamped to the end
    SourcePos p = src.position(6, 3);
    CHECK(p.offset == 6);
    CHECK(p.length == 3);
    CHECK(src.line_text(1) == "ab");
    CHECK(src.line_text(2) == "支付成功x");  // without "\r\n"
    CHECK(src.line_text(3).empty());
    CHECK(src.line_text(4) == "last");
    CHECK(src.line_text(5).empty());
    CHECK(src.line_text(0).empty());
    CHECK(src.path() == "f.json");
}

TEST_CASE("SourceText ignores a byte order mark in columns", "[core][json_source]") {
    SourceText src("f.json", "\xEF\xBB\xBF{\"a\": 1}");
    CHECK(where(src.position(3)) == "1:1");
    CHECK(where(src.position(5)) == "1:3");
    CHECK(src.line_text(1) == "{\"a\": 1}");
    auto doc = parse_ok("\xEF\xBB\xBF{\"a\": 1}");
    CHECK(doc.value["a"] == 1);
    CHECK(where(doc.key_pos("/a")) == "1:2");
}

TEST_CASE("every key and value keeps its position, CJK counted as one column", "[core][json_source]") {
    const std::string text =
        "{\n"                                  // line 1
        "  \"商户\": \"支付成功\",\n"          // line 2
        "  \"list\": [10, {\"名\": true}],\n"  // line 3
        "\t\"a/b\": null, \"n\": -1.5e3\n"     // line 4
        "}\n";
    auto doc = parse_ok(text);
    CHECK(doc.value["商户"] == "支付成功");
    CHECK(doc.value["n"] == -1500.0);

    CHECK(where(doc.locations.at("").value) == "1:1");
    CHECK(doc.locations.at("").value.length == 1);
    CHECK(doc.locations.at("").key.line == 0);

    const JsonLocation& merchant = doc.locations.at("/商户");
    CHECK(where(merchant.key) == "2:3");
    CHECK(merchant.key.length == std::string("\"商户\"").size());  // bytes, quotes included
    CHECK(where(merchant.value) == "2:9");
    CHECK(merchant.value.length == std::string("\"支付成功\"").size());
    CHECK(text.substr(merchant.value.offset, merchant.value.length) == "\"支付成功\"");

    CHECK(where(doc.locations.at("/list").value) == "3:11");
    CHECK(where(doc.locations.at("/list/0").value) == "3:12");
    CHECK(doc.locations.at("/list/0").value.length == 2);
    CHECK(doc.locations.at("/list/0").key.line == 0);  // array elements have no key
    CHECK(where(doc.locations.at("/list/1").value) == "3:16");
    CHECK(where(doc.locations.at("/list/1/名").key) == "3:17");
    CHECK(where(doc.locations.at("/list/1/名").value) == "3:22");
    CHECK(doc.locations.at("/list/1/名").value.length == 4);

    CHECK(where(doc.locations.at("/a~1b").key) == "4:2");  // a tab is one column
    CHECK(where(doc.locations.at("/a~1b").value) == "4:9");
    CHECK(where(doc.locations.at("/n").value) == "4:20");
    CHECK(doc.locations.at("/n").value.length == 6);
}

TEST_CASE("value_pos and key_pos fall back to the nearest ancestor", "[core][json_source]") {
    auto doc = parse_ok("{\n  \"steps\": [\n    {\"name\": \"x\"}\n  ]\n}");
    CHECK(where(doc.value_pos("/steps/0/name")) == "3:14");
    CHECK(where(doc.key_pos("/steps/0/name")) == "3:6");
    CHECK(where(doc.value_pos("/steps/0/missing")) == "3:5");
    CHECK(where(doc.key_pos("/steps/0/missing")) == "3:5");  // no key: the value of the closest ancestor
    CHECK(where(doc.key_pos("/steps/0")) == "3:5");          // array element: its value
    CHECK(where(doc.value_pos("/nothing/at/all")) == "1:1");
    CHECK(where(doc.value_pos("")) == "1:1");
}

TEST_CASE("strings: escapes, surrogate pairs, raw UTF-8", "[core][json_source]") {
    auto doc = parse_ok(R"(["\" \\ \/ \b \f \n \r \t", "\u00e9\u4E2D", "\ud83d\ude00", "😀", "a\u0000b"])");
    CHECK(doc.value[0] == "\" \\ / \b \f \n \r \t");
    CHECK(doc.value[1] == "é中");
    CHECK(doc.value[2] == "😀");
    CHECK(doc.value[3] == "😀");
    CHECK(doc.value[4] == std::string("a\0b", 3));
}

TEST_CASE("numbers follow the JSON grammar and keep integers exact", "[core][json_source]") {
    auto doc = parse_ok(
        "[0, -0, 42, -9223372036854775808, 9223372036854775807, 18446744073709551615, "
        "18446744073709551616, 1.5, 1e2, 2E-2, -0.0, 1e-400]");
    const Json& v = doc.value;
    CHECK(v[0].is_number_integer());
    CHECK(v[1] == 0);
    CHECK(v[2] == 42);
    CHECK(v[3].get<int64_t>() == std::numeric_limits<int64_t>::min());
    CHECK(v[4].get<int64_t>() == std::numeric_limits<int64_t>::max());
    CHECK(v[5].is_number_unsigned());
    CHECK(v[5].get<uint64_t>() == std::numeric_limits<uint64_t>::max());
    CHECK(v[6].is_number_float());
    CHECK(v[6].get<double>() == 18446744073709551616.0);
    CHECK(v[7] == 1.5);
    CHECK(v[8].is_number_float());
    CHECK(v[8] == 100.0);
    CHECK(v[9] == 0.02);
    CHECK(v[10].is_number_float());
    CHECK(v[11] == 0.0);  // underflow is zero, not an error
}

TEST_CASE("syntax errors say what is wrong, at the offending character", "[core][json_source]") {
    struct Case {
        std::string text;
        std::string message;
        std::string where;
    };
    const Case cases[] = {
        {"{\n  \"a\": 1\n  \"b\": 2\n}", "expected ',' or '}' after object member", "3:3"},
        {"[1 2]", "expected ',' or ']' after array element", "1:4"},
        {"{\"a\" 1}", "expected ':' after object key, found '1'", "1:6"},
        {"{\"a\": \"x}", "unterminated string", "1:7"},
        {"[\"支付\\q\"]", "invalid escape \\q", "1:5"},
        {"[\"\\支\"]", "invalid escape \\支", "1:3"},
        {"[\"a\nb\"]", "control character in string (use \\n)", "1:4"},
        {"[\"a\tb\"]", "control character in string (use \\t)", "1:4"},
        {"[\"a\x01\"]", "control character in string (use \\u0001)", "1:4"},
        {"{\n  \"x\": 0,\n  \"appid\": 1,\n  \"appid\": 2\n}", "duplicate key \"appid\" (first defined at line 3)",
         "4:3"},
        {"[1, 2,]", "trailing comma (not allowed in this file)", "1:6"},
        {"{\"a\": 1,\n}", "trailing comma (not allowed in this file)", "1:8"},
        {"// note\n{}", "comments are not allowed in this file", "1:1"},
        {"{\"a\": /* x */ 1}", "comments are not allowed in this file", "1:7"},
        {"{a: 1}", "object keys must be in double quotes", "1:2"},
        {"{'a': 1}", "object keys must use double quotes, not single quotes", "1:2"},
        {"['a']", "strings must use double quotes, not single quotes", "1:2"},
        {"[tru]", "invalid value tru", "1:2"},
        {"{\"ok\": True}", "invalid value True", "1:8"},
        {"[NaN]", "invalid value NaN", "1:2"},
        {"[01]", "invalid number: leading zeros are not allowed", "1:2"},
        {"[-]", "invalid number: expected a digit after '-'", "1:2"},
        {"[1.]", "invalid number: expected a digit after '.'", "1:4"},
        {"[1e+]", "invalid number: expected a digit in the exponent", "1:5"},
        {"[+1]", "unexpected '+'", "1:2"},
        {"[.5]", "unexpected '.'", "1:2"},
        {"[1e999]", "number is too large", "1:2"},
        {"[\"\\u12G4\"]", "invalid \\u escape (expected 4 hex digits)", "1:3"},
        {"[\"\\ud83d\"]", "unpaired UTF-16 surrogate \\ud83d", "1:3"},
        {"[\"\\ud83dx\"]", "unpaired UTF-16 surrogate \\ud83d", "1:3"},
        {"[\"\\ude00\"]", "unpaired UTF-16 surrogate \\ude00", "1:3"},
        {"[\"ok\", \"\xff\"]", "invalid UTF-8 (byte 0xFF)", "1:9"},
        {"\n\n  ", "empty file (expected a JSON value)", "3:3"},
        {"{} []", "unexpected '[' after the JSON value", "1:4"},
        {"[1, }", "expected a value, found '}'", "1:5"},
        {"[1, \xe3\x80\x80 2]", "expected a value, found character U+3000", "1:5"},
        {"{\"a\": [1, 2}", "expected ',' or ']' after array element", "1:12"},
        {"{\"a\": ", "unexpected end of file, expected a value", "1:7"},
        {"{\"a\": 1", "unexpected end of file, expected ',' or '}' after object member", "1:8"},
        {"[1,\n2", "unexpected end of file, expected ',' or ']' after array element", "2:2"},
        {"{\"支付\": 1 x}", "expected ',' or '}' after object member", "1:10"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        JsonSyntaxError e = parse_bad(c.text);
        CHECK(e.message == c.message);
        CHECK(where(e) == c.where);
    }
}

TEST_CASE("syntax errors carry lengths and hints", "[core][json_source]") {
    JsonSyntaxError missing_comma = parse_bad("{\n  \"a\": 1\n  \"b\": 2\n}");
    CHECK(missing_comma.hint == "is a ',' missing before this key?");

    JsonSyntaxError dup = parse_bad("{\"appid\": 1, \"appid\": 2}");
    CHECK(dup.pos.length == 7);  // the second "appid", quotes included

    JsonSyntaxError unquoted = parse_bad("{appid: 1}");
    CHECK(unquoted.pos.length == 5);
    CHECK(unquoted.hint == "write \"appid\"");

    JsonSyntaxError boolean = parse_bad("[True]");
    CHECK(boolean.hint == "JSON spells booleans in lower case: true");

    JsonSyntaxError escape = parse_bad(R"(["\q"])");
    CHECK(escape.pos.length == 2);

    JsonSyntaxError unclosed = parse_bad("{\n\"a\": [1,\n");
    CHECK(unclosed.hint == "the array starting at line 2 is never closed");

    JsonSyntaxError newline = parse_bad("[\"abc\n\"]");
    CHECK(newline.hint == "if the string should end here, add the closing quote");
}

TEST_CASE("comments are allowed on request", "[core][json_source]") {
    JsonSourceOptions options;
    options.allow_comments = true;
    auto doc = parse_ok(
        "// scenario\n{\n  /* the step */ \"a\": 1, // trailing\n  \"b\": \"// not a comment\"\n}\n// end", options);
    CHECK(doc.value["a"] == 1);
    CHECK(doc.value["b"] == "// not a comment");
    CHECK(where(doc.key_pos("/a")) == "3:18");

    JsonSyntaxError e = parse_bad("{\"a\": 1 /* never closed", options);
    CHECK(e.message == "unterminated comment");
    CHECK(where(e) == "1:9");

    JsonSyntaxError slash = parse_bad("[1 / 2]", options);
    CHECK(slash.message == "expected ',' or ']' after array element");
    CHECK(where(slash) == "1:4");
}

TEST_CASE("trailing commas are allowed on request", "[core][json_source]") {
    JsonSourceOptions options;
    options.allow_trailing_commas = true;
    auto doc = parse_ok("{\"a\": [1, 2,], \"b\": {\"c\": 1,},}", options);
    CHECK(doc.value["a"].size() == 2);
    CHECK(doc.value["b"]["c"] == 1);
    CHECK(parse_bad("[1,,]", options).message == "expected a value, found ','");
    CHECK(parse_bad("[,]", options).message == "expected a value, found ','");
    CHECK(parse_bad("{,}", options).message == "expected a string key, found ','");
}

TEST_CASE("nesting deeper than max_depth is refused at the bracket", "[core][json_source]") {
    JsonSourceOptions options;
    options.max_depth = 3;
    CHECK(parse_ok("[[[1]]]", options).value[0][0][0] == 1);
    JsonSyntaxError e = parse_bad("[[{\"a\": [1]}]]", options);
    CHECK(e.message == "nesting too deep (more than 3 levels)");
    CHECK(where(e) == "1:9");

    // The default limit protects the recursive parser from hostile input.
    JsonSyntaxError deep = parse_bad(std::string(100000, '['));
    CHECK(deep.message == "nesting too deep (more than 256 levels)");
    CHECK(deep.pos.column == 257);
}

TEST_CASE("the document keeps its source", "[core][json_source]") {
    auto doc = parse_ok("{\"a\":1}");
    REQUIRE(doc.source);
    CHECK(doc.source->path() == "test.json");
    CHECK(doc.source->text() == "{\"a\":1}");
    auto r = parse_json_source("x.json", "[1,");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().detail == "1:4");
}

TEST_CASE("mutated documents: same verdict and value as nlohmann's parser", "[core][json_source]") {
    // Differential check against an independent strict parser: deterministic random edits of a document
    // rich in escapes, numbers and non-ASCII text. Only our extra rules may make us stricter.
    const std::string seed =
        "{\"商户\": \"支付成功\\n\", \"list\": [0, -1.5e3, 18446744073709551615, true, false, null, {}],\n"
        " \"esc\": \"\\u00e9\\ud83d\\ude00\\\"\\\\\\/\", \"obj\": {\"a\": [\"x\", [], {\"b\": 1e-2}]}}";
    const std::string alphabet = "{}[],:\"\\ 0123456789eE.-+tfnul/*\n\tx\xe6\x94\xaf";
    uint64_t state = 0x2545F4914F6CDD1DULL;
    auto next = [&state](size_t bound) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<size_t>((state >> 33) % bound);
    };
    int accepted = 0;
    for (int round = 0; round < 3000; ++round) {
        std::string text = seed;
        int edits = 1 + static_cast<int>(next(3));
        for (int e = 0; e < edits; ++e) {
            size_t at = next(text.size() + 1);
            switch (next(3)) {
                case 0:
                    if (at < text.size()) text.erase(at, 1);
                    break;
                case 1:
                    text.insert(at, 1, alphabet[next(alphabet.size())]);
                    break;
                default:
                    if (at < text.size()) text[at] = alphabet[next(alphabet.size())];
            }
        }
        INFO(text);
        JsonSyntaxError error;
        auto ours = parse_json_source("m.json", text, {}, &error);
        Json theirs = Json::parse(text, nullptr, false);
        if (ours.ok()) {
            ++accepted;
            REQUIRE_FALSE(theirs.is_discarded());
            CHECK(ours->value == theirs);
        } else {
            CHECK(error.pos.line >= 1);
            CHECK(error.pos.column >= 1);
            CHECK(error.pos.offset <= text.size());
            if (!theirs.is_discarded()) CHECK_THAT(error.message, Catch::StartsWith("duplicate key"));
        }
    }
    CHECK(accepted > 100);  // the edits must leave enough valid documents to compare values
}
