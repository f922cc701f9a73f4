// A JSON reader for files people write: it keeps the position of every key and value and explains
// mistakes in plain words at the exact character, which nlohmann's parser cannot do.
#include "core/json_source.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/detail/utf8.hpp"
#include "core/text.hpp"

namespace mpemu::core {

namespace {
constexpr std::string_view kBom = "\xEF\xBB\xBF";
}  // namespace

SourceText::SourceText(std::string path, std::string text) : path_(std::move(path)), text_(std::move(text)) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < text_.size(); ++i) {
        if (text_[i] == '\n') line_starts_.push_back(i + 1);
    }
}

SourcePos SourceText::position(size_t offset, size_t length) const {
    offset = std::min(offset, text_.size());
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    size_t index = static_cast<size_t>(it - line_starts_.begin()) - 1;
    size_t start = line_starts_[index];
    // A byte order mark is invisible in editors, so it must not shift the columns of line 1.
    if (index == 0 && offset >= kBom.size() && std::string_view(text_).substr(0, kBom.size()) == kBom) {
        start = kBom.size();
    }
    SourcePos pos;
    pos.line = static_cast<int>(index) + 1;
    pos.column = static_cast<int>(utf8_length(std::string_view(text_).substr(start, offset - start))) + 1;
    pos.offset = offset;
    pos.length = length;
    return pos;
}

std::string_view SourceText::line_text(int line) const {
    if (line < 1 || static_cast<size_t>(line) > line_starts_.size()) return {};
    size_t index = static_cast<size_t>(line) - 1;
    size_t start = line_starts_[index];
    if (index == 0 && std::string_view(text_).substr(0, kBom.size()) == kBom) start = kBom.size();
    size_t end = index + 1 < line_starts_.size() ? line_starts_[index + 1] - 1 : text_.size();
    std::string_view s = std::string_view(text_).substr(start, end - start);
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return s;
}

namespace {

std::string parent_pointer(std::string_view pointer) {
    size_t slash = pointer.rfind('/');
    return slash == std::string_view::npos ? std::string() : std::string(pointer.substr(0, slash));
}

}  // namespace

SourcePos ParsedJsonDocument::value_pos(std::string_view pointer) const {
    std::string p(pointer);
    while (true) {
        auto it = locations.find(p);
        if (it != locations.end() && it->second.value.line != 0) return it->second.value;
        if (p.empty()) return {};
        p = parent_pointer(p);
    }
}

SourcePos ParsedJsonDocument::key_pos(std::string_view pointer) const {
    auto it = locations.find(std::string(pointer));
    if (it != locations.end() && it->second.key.line != 0) return it->second.key;
    return value_pos(pointer);
}

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '$';
}

class SourceParser {
public:
    SourceParser(const SourceText& src, const JsonSourceOptions& options,
                 std::map<std::string, JsonLocation>& locations)
        : src_(src), s_(src.text()), options_(options), locations_(locations) {}

    bool parse(Json& out) {
        if (!check_utf8()) return false;
        if (s_.substr(0, kBom.size()) == kBom) i_ = kBom.size();
        if (!skip_space()) return false;
        if (i_ >= s_.size()) return fail(i_, 0, "empty file (expected a JSON value)");
        if (!parse_value(out, "", 0)) return false;
        if (!skip_space()) return false;
        if (i_ < s_.size()) {
            return fail(i_, char_length(i_), "unexpected " + describe(i_) + " after the JSON value",
                        "a file holds exactly one JSON value");
        }
        return true;
    }

    const JsonSyntaxError& error() const { return error_; }

private:
    const SourceText& src_;
    std::string_view s_;
    const JsonSourceOptions& options_;
    std::map<std::string, JsonLocation>& locations_;
    size_t i_ = 0;
    JsonSyntaxError error_;

    bool fail(size_t offset, size_t length, std::string message, std::string hint = {}) {
        error_.pos = src_.position(offset, length);
        error_.message = std::move(message);
        error_.hint = std::move(hint);
        return false;
    }

    size_t char_length(size_t i) const { return i < s_.size() ? detail::decode_utf8(s_, i).length : 0; }

    // How a character reads in a message: 'x', U+0007 for invisible ones, or "end of file".
    std::string describe(size_t i) const {
        if (i >= s_.size()) return "end of file";
        detail::Utf8Step step = detail::decode_utf8(s_, i);
        if (step.code_point < 0x20 || step.code_point == 0x7F || step.code_point == 0xA0 || step.code_point == 0xFEFF ||
            step.code_point == 0x3000) {
            char buf[16];
            std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(step.code_point));
            return std::string("character ") + buf;
        }
        return "'" + std::string(s_.substr(i, step.length)) + "'";
    }

    bool check_utf8() {
        for (size_t i = 0; i < s_.size();) {
            if (static_cast<unsigned char>(s_[i]) < 0x80) {
                ++i;
                continue;
            }
            detail::Utf8Step step = detail::decode_utf8(s_, i);
            if (!step.valid) {
                char buf[48];
                std::snprintf(buf, sizeof buf, "invalid UTF-8 (byte 0x%02X)", static_cast<unsigned char>(s_[i]));
                return fail(i, step.length, buf, "save the file as UTF-8");
            }
            i += step.length;
        }
        return true;
    }

    bool skip_space() {
        while (i_ < s_.size()) {
            char c = s_[i_];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                ++i_;
                continue;
            }
            if (c != '/' || i_ + 1 >= s_.size() || (s_[i_ + 1] != '/' && s_[i_ + 1] != '*')) return true;
            if (!options_.allow_comments) return fail(i_, 2, "comments are not allowed in this file");
            if (s_[i_ + 1] == '/') {
                size_t nl = s_.find('\n', i_);
                i_ = nl == std::string_view::npos ? s_.size() : nl + 1;
            } else {
                size_t close = s_.find("*/", i_ + 2);
                if (close == std::string_view::npos) {
                    return fail(i_, 2, "unterminated comment", "a /* comment needs a closing */");
                }
                i_ = close + 2;
            }
        }
        return true;
    }

    void record_value(const std::string& pointer, size_t offset, size_t length) {
        locations_[pointer].value = src_.position(offset, length);
    }

    bool parse_value(Json& out, const std::string& pointer, int depth) {
        if (i_ >= s_.size()) return fail(i_, 0, "unexpected end of file, expected a value");
        size_t start = i_;
        char c = s_[i_];
        switch (c) {
            case '{':
                return parse_object(out, pointer, depth);
            case '[':
                return parse_array(out, pointer, depth);
            case '"': {
                std::string text;
                if (!parse_string(text)) return false;
                out = std::move(text);
                record_value(pointer, start, i_ - start);
                return true;
            }
            case '\'':
                return fail(i_, 1, "strings must use double quotes, not single quotes");
            case '+':
                return fail(i_, 1, "unexpected '+'", "numbers cannot start with '+'");
            case '.':
                return fail(i_, 1, "unexpected '.'", "numbers need a digit before the point, as in 0.5");
            default:
                break;
        }
        if (c == '-' || is_digit(c)) {
            if (!parse_number(out)) return false;
            record_value(pointer, start, i_ - start);
            return true;
        }
        if (is_word_char(c)) {
            while (i_ < s_.size() && is_word_char(s_[i_])) ++i_;
            std::string_view word = s_.substr(start, i_ - start);
            if (word == "true") {
                out = true;
            } else if (word == "false") {
                out = false;
            } else if (word == "null") {
                out = nullptr;
            } else {
                std::string hint = "strings need double quotes: \"" + std::string(word) + "\"";
                if (word == "True" || word == "False" || word == "TRUE" || word == "FALSE") {
                    hint = "JSON spells booleans in lower case: " + to_lower(word);
                } else if (word == "None" || word == "NULL" || word == "Null" || word == "undefined") {
                    hint = "JSON spells the empty value null";
                } else if (word == "NaN" || word == "Infinity") {
                    hint = "JSON has no NaN or Infinity";
                }
                return fail(start, word.size(), "invalid value " + std::string(word), hint);
            }
            record_value(pointer, start, i_ - start);
            return true;
        }
        return fail(i_, char_length(i_), "expected a value, found " + describe(i_));
    }

    bool enter(int depth) {
        if (depth + 1 > options_.max_depth) {
            return fail(i_, 1, "nesting too deep (more than " + std::to_string(options_.max_depth) + " levels)");
        }
        return true;
    }

    bool parse_object(Json& out, const std::string& pointer, int depth) {
        if (!enter(depth)) return false;
        size_t open = i_++;
        out = Json::object();
        record_value(pointer, open, 1);
        auto never_closed = [&] {
            return "the object starting at line " + std::to_string(src_.position(open).line) + " is never closed";
        };
        if (!skip_space()) return false;
        if (i_ < s_.size() && s_[i_] == '}') {
            ++i_;
            return true;
        }
        while (true) {
            if (!skip_space()) return false;
            if (i_ >= s_.size()) return fail(i_, 0, "unexpected end of file, expected an object key", never_closed());
            size_t key_start = i_;
            char c = s_[i_];
            if (c == '\'') {
                return fail(i_, 1, "object keys must use double quotes, not single quotes");
            }
            if (is_word_char(c)) {
                size_t end = i_;
                while (end < s_.size() && is_word_char(s_[end])) ++end;
                std::string word(s_.substr(i_, end - i_));
                return fail(i_, end - i_, "object keys must be in double quotes", "write \"" + word + "\"");
            }
            if (c != '"') return fail(i_, char_length(i_), "expected a string key, found " + describe(i_));
            std::string key;
            if (!parse_string(key)) return false;
            size_t key_length = i_ - key_start;
            std::string child = pointer_append(pointer, key);
            if (out.contains(key)) {
                int first_line = locations_[child].key.line;
                return fail(key_start, key_length,
                            "duplicate key \"" + key + "\" (first defined at line " + std::to_string(first_line) + ")");
            }
            locations_[child].key = src_.position(key_start, key_length);
            if (!skip_space()) return false;
            if (i_ >= s_.size() || s_[i_] != ':') {
                return fail(i_, char_length(i_), "expected ':' after object key, found " + describe(i_));
            }
            ++i_;
            if (!skip_space()) return false;
            Json value;
            if (!parse_value(value, child, depth + 1)) return false;
            out.emplace(std::move(key), std::move(value));
            if (!skip_space()) return false;
            if (i_ >= s_.size()) {
                return fail(i_, 0, "unexpected end of file, expected ',' or '}' after object member", never_closed());
            }
            if (s_[i_] == '}') {
                ++i_;
                return true;
            }
            if (s_[i_] != ',') {
                std::string hint = s_[i_] == '"' ? "is a ',' missing before this key?" : "";
                return fail(i_, char_length(i_), "expected ',' or '}' after object member", hint);
            }
            size_t comma = i_++;
            if (!skip_space()) return false;
            if (i_ < s_.size() && s_[i_] == '}') {
                if (!options_.allow_trailing_commas) return fail(comma, 1, "trailing comma (not allowed in this file)");
                ++i_;
                return true;
            }
        }
    }

    bool parse_array(Json& out, const std::string& pointer, int depth) {
        if (!enter(depth)) return false;
        size_t open = i_++;
        out = Json::array();
        record_value(pointer, open, 1);
        auto never_closed = [&] {
            return "the array starting at line " + std::to_string(src_.position(open).line) + " is never closed";
        };
        if (!skip_space()) return false;
        if (i_ < s_.size() && s_[i_] == ']') {
            ++i_;
            return true;
        }
        while (true) {
            if (!skip_space()) return false;
            if (i_ >= s_.size()) return fail(i_, 0, "unexpected end of file, expected a value", never_closed());
            Json value;
            if (!parse_value(value, pointer_append(pointer, out.size()), depth + 1)) return false;
            out.push_back(std::move(value));
            if (!skip_space()) return false;
            if (i_ >= s_.size()) {
                return fail(i_, 0, "unexpected end of file, expected ',' or ']' after array element", never_closed());
            }
            if (s_[i_] == ']') {
                ++i_;
                return true;
            }
            if (s_[i_] != ',') {
                return fail(i_, char_length(i_), "expected ',' or ']' after array element");
            }
            size_t comma = i_++;
            if (!skip_space()) return false;
            if (i_ < s_.size() && s_[i_] == ']') {
                if (!options_.allow_trailing_commas) return fail(comma, 1, "trailing comma (not allowed in this file)");
                ++i_;
                return true;
            }
        }
    }

    // Reads 4 hex digits at s_[at]; false when they are not there.
    bool read_hex4(size_t at, char32_t& value) const {
        if (at + 4 > s_.size()) return false;
        value = 0;
        for (size_t k = at; k < at + 4; ++k) {
            char c = s_[k];
            int d = is_digit(c)              ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
            if (d < 0) return false;
            value = value * 16 + static_cast<char32_t>(d);
        }
        return true;
    }

    bool parse_string(std::string& out) {
        size_t open = i_++;
        while (true) {
            size_t run = i_;
            while (i_ < s_.size() && s_[i_] != '"' && s_[i_] != '\\' && static_cast<unsigned char>(s_[i_]) >= 0x20) {
                ++i_;
            }
            out.append(s_.substr(run, i_ - run));
            if (i_ >= s_.size()) {
                return fail(open, 1, "unterminated string", "the string starting here is never closed");
            }
            char c = s_[i_];
            if (c == '"') {
                ++i_;
                return true;
            }
            if (c != '\\') return control_character(c);
            if (i_ + 1 >= s_.size())
                return fail(open, 1, "unterminated string", "the string starting here is never closed");
            char e = s_[i_ + 1];
            switch (e) {
                case '"':
                    out += '"';
                    break;
                case '\\':
                    out += '\\';
                    break;
                case '/':
                    out += '/';
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u':
                    if (!unicode_escape(out)) return false;
                    continue;
                default: {
                    size_t len = 1 + char_length(i_ + 1);
                    return fail(i_, len, "invalid escape \\" + std::string(s_.substr(i_ + 1, len - 1)),
                                "valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX");
                }
            }
            i_ += 2;
        }
    }

    bool control_character(char c) {
        std::string quoted = json_quote(std::string_view(&c, 1));  // "\n", "\u001f": the escape to suggest
        std::string escape = quoted.substr(1, quoted.size() - 2);
        std::string hint = c == '\n' || c == '\r' ? "if the string should end here, add the closing quote" : "";
        return fail(i_, 1, "control character in string (use " + escape + ")", hint);
    }

    // \uXXXX at s_[i_], including a UTF-16 surrogate pair written as two escapes.
    bool unicode_escape(std::string& out) {
        size_t at = i_;
        char32_t cp = 0;
        if (!read_hex4(at + 2, cp)) {
            size_t len = 2;
            while (len < 6 && at + len < s_.size() && is_word_char(s_[at + len])) ++len;
            return fail(at, len, "invalid \\u escape (expected 4 hex digits)");
        }
        i_ = at + 6;
        auto spelled = [&](size_t from) { return std::string(s_.substr(from, 6)); };
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail(at, 6, "unpaired UTF-16 surrogate " + spelled(at),
                        "a low surrogate must follow a high surrogate (\\uD800-\\uDBFF)");
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            char32_t low = 0;
            if (s_.substr(i_, 2) != "\\u" || !read_hex4(i_ + 2, low) || low < 0xDC00 || low > 0xDFFF) {
                return fail(at, 6, "unpaired UTF-16 surrogate " + spelled(at),
                            "a high surrogate must be followed by a low surrogate (\\uDC00-\\uDFFF)");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i_ += 6;
        }
        detail::append_utf8(out, cp);
        return true;
    }

    // Roughly log10 of a well-formed number token: positive means huge, negative means tiny.
    static int64_t decimal_magnitude(std::string_view token) {
        size_t i = token.front() == '-' ? 1 : 0;
        int64_t magnitude = 0;
        bool seen_nonzero = false;
        for (; i < token.size() && is_digit(token[i]); ++i) {
            seen_nonzero = seen_nonzero || token[i] != '0';
            if (seen_nonzero) ++magnitude;
        }
        if (i < token.size() && token[i] == '.') {
            for (++i; i < token.size() && is_digit(token[i]) && !seen_nonzero; ++i) {
                if (token[i] != '0')
                    seen_nonzero = true;
                else
                    --magnitude;
            }
            while (i < token.size() && is_digit(token[i])) ++i;
        }
        if (i < token.size() && (token[i] == 'e' || token[i] == 'E')) {
            int64_t exponent = 0;
            std::string_view digits = token.substr(i + 1);
            bool negative = !digits.empty() && digits.front() == '-';
            if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
            if (std::from_chars(digits.data(), digits.data() + digits.size(), exponent).ec != std::errc()) {
                exponent = std::numeric_limits<int32_t>::max();  // absurdly long exponent
            }
            magnitude += negative ? -exponent : exponent;
        }
        return magnitude;
    }

    // JSON number grammar. Integers stay integers when int64 or uint64 holds them; the rest become doubles.
    bool parse_number(Json& out) {
        size_t start = i_;
        auto token_length = [&] {
            size_t end = i_;
            while (end < s_.size() && (is_word_char(s_[end]) || s_[end] == '.' || s_[end] == '-' || s_[end] == '+'))
                ++end;
            return end - start;
        };
        if (s_[i_] == '-') ++i_;
        if (i_ >= s_.size() || !is_digit(s_[i_])) {
            return fail(start, std::max<size_t>(1, token_length()), "invalid number: expected a digit after '-'");
        }
        if (s_[i_] == '0' && i_ + 1 < s_.size() && is_digit(s_[i_ + 1])) {
            return fail(start, token_length(), "invalid number: leading zeros are not allowed");
        }
        while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
        bool integral = true;
        if (i_ < s_.size() && s_[i_] == '.') {
            integral = false;
            ++i_;
            if (i_ >= s_.size() || !is_digit(s_[i_])) {
                return fail(i_, char_length(i_), "invalid number: expected a digit after '.'");
            }
            while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
        }
        if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
            integral = false;
            ++i_;
            if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
            if (i_ >= s_.size() || !is_digit(s_[i_])) {
                return fail(i_, char_length(i_), "invalid number: expected a digit in the exponent");
            }
            while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
        }
        const char* b = s_.data() + start;
        const char* e = s_.data() + i_;
        if (integral) {
            int64_t v = 0;
            if (std::from_chars(b, e, v).ec == std::errc()) {
                out = v;
                return true;
            }
            uint64_t u = 0;
            if (*b != '-' && std::from_chars(b, e, u).ec == std::errc()) {
                out = u;
                return true;
            }
        }
        double d = 0;
        auto res = std::from_chars(b, e, d);
        if (res.ec == std::errc::result_out_of_range) {
            // Underflow is harmless (the value is 0 for every practical purpose); overflow would be inf.
            if (decimal_magnitude(std::string_view(b, static_cast<size_t>(e - b))) > 0) {
                return fail(start, i_ - start, "number is too large");
            }
            d = *b == '-' ? -0.0 : 0.0;
        }
        out = d;
        return true;
    }
};

}  // namespace

Result<ParsedJsonDocument> parse_json_source(std::string path, std::string text, const JsonSourceOptions& options,
                                             JsonSyntaxError* syntax_error) {
    ParsedJsonDocument doc;
    doc.source = std::make_shared<const SourceText>(std::move(path), std::move(text));
    SourceParser parser(*doc.source, options, doc.locations);
    if (!parser.parse(doc.value)) {
        const JsonSyntaxError& error = parser.error();
        if (syntax_error) *syntax_error = error;
        return make_error("syntax", error.message,
                          std::to_string(error.pos.line) + ":" + std::to_string(error.pos.column));
    }
    return doc;
}

}  // namespace mpemu::core
