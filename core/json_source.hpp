// Parsing user-written JSON (fixtures, scenarios, OpenAPI documents) while keeping the 1-based line
// and column of every key and value, so every later check can point at the exact spot.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"

namespace mpemu::core {

struct SourcePos {
    int line = 0;       // 1-based; 0 = unknown
    int column = 0;     // 1-based, in characters (UTF-8 code points)
    size_t offset = 0;  // byte offset
    size_t length = 0;  // byte length of the token (key or scalar value; 1 for { or [)
};

// A file's text with fast offset -> line/column mapping.
class SourceText {
public:
    SourceText(std::string path, std::string text);
    const std::string& path() const { return path_; }
    const std::string& text() const { return text_; }
    SourcePos position(size_t offset, size_t length = 0) const;
    // The text of a 1-based line without its newline.
    std::string_view line_text(int line) const;

private:
    std::string path_;
    std::string text_;
    std::vector<size_t> line_starts_;
};

struct JsonLocation {
    SourcePos key;    // position of the member's key (unset for array elements and the root)
    SourcePos value;  // position of the value's first character
};

struct ParsedJsonDocument {
    std::shared_ptr<const SourceText> source;
    Json value;
    std::map<std::string, JsonLocation> locations;  // by JSON Pointer ("" = root)

    // Best position for a pointer: its value, else the closest ancestor that has one.
    SourcePos value_pos(std::string_view pointer) const;
    // The key position when it exists (for "unknown key" errors), else value_pos.
    SourcePos key_pos(std::string_view pointer) const;
};

struct JsonSourceOptions {
    bool allow_comments = false;  // // line and /* block */ comments (scenario files)
    bool allow_trailing_commas = false;
    int max_depth = 256;
};

struct JsonSyntaxError {
    SourcePos pos;
    std::string message;  // "expected ',' or '}' after object member"
    std::string hint;     // optional
};

// Parses `text`. On failure the error's code is "syntax", message is the human message, and
// detail is "line:column". Duplicate keys are reported as syntax errors (user files should not
// depend on which copy wins).
Result<ParsedJsonDocument> parse_json_source(std::string path, std::string text, const JsonSourceOptions& options = {},
                                             JsonSyntaxError* syntax_error = nullptr);

}  // namespace mpemu::core
