// JSON helpers: aliases, bounded parsing of untrusted bodies, JSON Pointer, and a JSONPath subset.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.hpp"

namespace mpemu::core {

using Json = nlohmann::json;                 // object keys sorted (WeChat Pay replies are alphabetical)
using OrderedJson = nlohmann::ordered_json;  // insertion order (bodies whose real key order matters)

inline constexpr int kDefaultMaxJsonDepth = 64;

// Parses an untrusted body. Error codes: "syntax" (with the byte offset in detail), "too_deep".
// Never throws.
Result<Json> parse_json(std::string_view text, int max_depth = kDefaultMaxJsonDepth);
Result<OrderedJson> parse_ordered_json(std::string_view text, int max_depth = kDefaultMaxJsonDepth);

// Deepest nesting of arrays/objects in `text` (strings are skipped); -1 if brackets do not balance.
int json_nesting_depth(std::string_view text);

// Compact output that survives JSON.parse + JSON.stringify unchanged: no whitespace, raw UTF-8,
// "/" unescaped. Invalid UTF-8 is replaced rather than thrown.
std::string dump(const Json& j);
// A JSON string literal, quotes included, escaped exactly as dump() (and JSON.stringify) escape strings.
std::string json_quote(std::string_view s);
std::string dump(const OrderedJson& j);
std::string dump_pretty(const Json& j);

// JSON type name as JSON Schema spells it: "object", "array", "string", "integer", "number",
// "boolean", "null".
std::string json_type_name(const Json& j);

// ---- JSON Pointer (RFC 6901) -------------------------------------------------------------------
std::string pointer_escape(std::string_view token);
std::string pointer_append(std::string_view pointer, std::string_view token);
std::string pointer_append(std::string_view pointer, size_t index);
// nullptr when the pointer is malformed or names nothing.
const Json* pointer_get(const Json& root, std::string_view pointer);
// The unescaped reference tokens; empty for "" and for a malformed pointer.
std::vector<std::string> pointer_tokens(std::string_view pointer);

// ---- JSONPath subset ---------------------------------------------------------------------------
// Supported: $ root, .name, ['name'] / ["name"], [n] (negative from end), [*] / .*, ..name / ..*
// (recursive descent), [a,b] unions of names or indexes, [start:end:step] slices, and filters
// [?(@.a.b OP literal)] / [?(@.a)] with OP in == != < <= > >= =~ (regex), literals
// 'str' "str" numbers true false null; && and || between comparisons.
struct JsonPathMatch {
    std::string pointer;  // where the value sits, as a JSON Pointer
    const Json* value;
};

class JsonPath {
public:
    // Error code "jsonpath" with message naming the problem; detail holds the 0-based column.
    static Result<JsonPath> compile(std::string_view expression);

    std::vector<JsonPathMatch> query(const Json& root) const;
    const std::string& text() const { return text_; }

    struct Segment;  // implementation detail, public for the compiler only

private:
    std::string text_;
    std::shared_ptr<const std::vector<Segment>> segments_;
};

}  // namespace mpemu::core
