// JSON helpers: bounded parsing of untrusted bodies, output that JavaScript reproduces byte for byte,
// JSON Pointer, and the JSONPath subset used by scenario captures and assertions.
#include "core/json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <regex>
#include <utility>

#include "core/detail/utf8.hpp"

namespace mpemu::core {

// ---- Parsing ---------------------------------------------------------------------------------------

namespace {

struct NestingScan {
    int max_depth = 0;
    bool balanced = true;
    // First number that no JSON value here holds exactly: an integer beyond 64 bits (it would become a
    // rounded double) or a number beyond double's range (it would become infinity, then null).
    size_t inexact_at = std::string_view::npos;
    std::string_view inexact;
};

// The shortest decimal digits that give back `x` (> 0) and the power of ten of the first one:
// 1.5e20 -> ("15", 20).
void shortest_digits(double x, std::string* digits, int* exp10) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
    std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));  // "d.ddde+XX"
    size_t e_pos = sci.find('e');
    digits->clear();
    for (char c : sci.substr(0, e_pos)) {
        if (c != '.') *digits += c;
    }
    std::string_view exp_text = sci.substr(e_pos + 1);
    if (!exp_text.empty() && exp_text.front() == '+') exp_text.remove_prefix(1);
    *exp10 = 0;
    std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), *exp10);
}

// Whether the number token `t` (JSON syntax assumed; the parser judges it) keeps its value. An integer
// within 64 bits is held exactly. A longer one becomes a double, which is fine when no digit is lost:
// JavaScript writes 1e20 as 100000000000000000000, and that parses back to the same double. But
// 18446744073709551616 would be stored and written back as 18446744073709552000.
bool number_fits(std::string_view t) {
    double d = 0;
    if (t.find_first_of(".eE") != std::string_view::npos) {
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
        return ec != std::errc::result_out_of_range;
    }
    bool negative = !t.empty() && t.front() == '-';
    std::string_view digits = negative ? t.substr(1) : t;
    std::string_view max = negative ? "9223372036854775808" : "18446744073709551615";
    if (digits.size() < max.size() || (digits.size() == max.size() && digits <= max)) return true;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), d);
    if (ec != std::errc()) return false;
    std::string kept;
    int exponent = 0;
    shortest_digits(d, &kept, &exponent);
    auto strip = [](std::string_view s) { return s.substr(0, s.find_last_not_of('0') + 1); };
    return exponent == static_cast<int>(digits.size()) - 1 && strip(digits) == strip(kept);
}

// One pass over the text counting brackets outside strings. Stops early once `limit` is exceeded, so a
// hostile body of a million '[' costs one short scan and no allocation beyond the limit.
NestingScan scan_nesting(std::string_view text, int limit) {
    NestingScan scan;
    std::string open;  // stack of '[' / '{' to check that closers match
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        switch (c) {
            case '"':
                in_string = true;
                break;
            case '-':
            case '0':
            case '1':
            case '2':
            case '3':
            case '4':
            case '5':
            case '6':
            case '7':
            case '8':
            case '9': {
                size_t end = text.find_first_not_of("0123456789+-.eE", i);
                if (end == std::string_view::npos) end = text.size();
                std::string_view token = text.substr(i, end - i);
                if (scan.inexact_at == std::string_view::npos && !number_fits(token)) {
                    scan.inexact_at = i;
                    scan.inexact = token;
                }
                i = end - 1;
                break;
            }
            case '[':
            case '{':
                open += c;
                if (static_cast<int>(open.size()) > scan.max_depth) {
                    scan.max_depth = static_cast<int>(open.size());
                    if (limit >= 0 && scan.max_depth > limit) return scan;
                }
                break;
            case ']':
            case '}':
                if (open.empty() || open.back() != (c == ']' ? '[' : '{')) {
                    scan.balanced = false;
                    return scan;
                }
                open.pop_back();
                break;
            default:
                break;
        }
    }
    if (!open.empty()) scan.balanced = false;
    return scan;
}

// nlohmann's what() starts with "[json.exception.parse_error.101] "; users need only the rest.
std::string strip_exception_prefix(const char* what) {
    std::string_view s(what);
    if (!s.empty() && s.front() == '[') {
        size_t end = s.find("] ");
        if (end != std::string_view::npos) s.remove_prefix(end + 2);
    }
    return std::string(s);
}

template <class J>
Result<J> parse_bounded(std::string_view text, int max_depth) {
    NestingScan scan = scan_nesting(text, max_depth);
    if (scan.max_depth > max_depth) {
        return make_error("too_deep", "JSON nesting is deeper than " + std::to_string(max_depth) + " levels");
    }
    try {
        J parsed = J::parse(text.begin(), text.end());
        if (scan.inexact_at != std::string_view::npos) {
            std::string shown(scan.inexact.substr(0, 40));
            if (scan.inexact.size() > 40) shown += "...";
            return make_error("syntax",
                              "invalid JSON: the number " + shown + " cannot be represented exactly" +
                                  " (integers must fit in 64 bits; send larger values as strings)",
                              std::to_string(scan.inexact_at));
        }
        return parsed;
    } catch (const nlohmann::json::parse_error& e) {
        // e.byte counts characters read, so the offending byte is the one before it.
        size_t offset = e.byte > 0 ? e.byte - 1 : 0;
        return make_error("syntax", "invalid JSON: " + strip_exception_prefix(e.what()), std::to_string(offset));
    } catch (const std::exception& e) {
        return make_error("syntax", "invalid JSON: " + strip_exception_prefix(e.what()));
    }
}

}  // namespace

Result<Json> parse_json(std::string_view text, int max_depth) {
    return parse_bounded<Json>(text, max_depth);
}

Result<OrderedJson> parse_ordered_json(std::string_view text, int max_depth) {
    return parse_bounded<OrderedJson>(text, max_depth);
}

int json_nesting_depth(std::string_view text) {
    NestingScan scan = scan_nesting(text, -1);
    return scan.balanced ? scan.max_depth : -1;
}

// ---- Output ----------------------------------------------------------------------------------------

namespace {

const char kHex[] = "0123456789abcdef";

// Escapes exactly what JSON.stringify escapes (", \, and C0 controls, with lowercase \u00xx), so
// U+2028, DEL and "/" stay raw. Invalid UTF-8 becomes U+FFFD, as JavaScript would never see it.
void write_string(std::string& out, std::string_view s) {
    out += '"';
    for (size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            detail::Utf8Step step = detail::decode_utf8(s, i);
            if (step.valid) {
                out.append(s.substr(i, step.length));
            } else {
                detail::append_utf8(out, 0xFFFD);
            }
            i += step.length;
            continue;
        }
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += kHex[c >> 4];
                    out += kHex[c & 0xF];
                } else {
                    out += static_cast<char>(c);
                }
        }
        ++i;
    }
    out += '"';
}

// ECMAScript Number::toString: the shortest digits that round-trip, in plain notation for exponents
// -7 < e < 21 and in "1.5e+21" form outside; nlohmann would print 1.0 as "1.0" and 1e16 as "1e+16".
void write_double(std::string& out, double x) {
    if (!std::isfinite(x)) {
        out += "null";  // JSON.stringify(NaN) === "null"
        return;
    }
    if (x == 0) {
        out += '0';  // also for -0
        return;
    }
    if (x < 0) {
        out += '-';
        x = -x;
    }
    std::string digits;
    int exp10 = 0;
    shortest_digits(x, &digits, &exp10);
    int k = static_cast<int>(digits.size());
    int n = exp10 + 1;  // value = 0.digits * 10^n
    if (k <= n && n <= 21) {
        out += digits;
        out.append(static_cast<size_t>(n - k), '0');
    } else if (0 < n && n <= 21) {
        out.append(digits, 0, static_cast<size_t>(n));
        out += '.';
        out.append(digits, static_cast<size_t>(n));
    } else if (-6 < n && n <= 0) {
        out += "0.";
        out.append(static_cast<size_t>(-n), '0');
        out += digits;
    } else {
        out += digits[0];
        if (k > 1) {
            out += '.';
            out.append(digits, 1);
        }
        out += 'e';
        out += n - 1 >= 0 ? '+' : '-';
        out += std::to_string(std::abs(n - 1));
    }
}

// JavaScript objects list integer-like keys ("0" .. "4294967294", canonical form) first, ascending, and
// then the other keys in insertion order; JSON.parse + JSON.stringify therefore reorders them.
bool is_array_index_key(std::string_view key) {
    if (key.empty() || key.size() > 10) return false;
    if (key.size() > 1 && key[0] == '0') return false;
    uint64_t v = 0;
    for (char c : key) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    return v < 4294967295ULL;
}

void write_indent(std::string& out, int indent, int level) {
    if (indent <= 0) return;
    out += '\n';
    out.append(static_cast<size_t>(indent) * static_cast<size_t>(level), ' ');
}

template <class J>
void write_value(std::string& out, const J& j, int indent, int level) {
    using nlohmann::detail::value_t;
    switch (j.type()) {
        case value_t::null:
        case value_t::discarded:
            out += "null";
            return;
        case value_t::boolean:
            out += j.template get<bool>() ? "true" : "false";
            return;
        case value_t::number_integer:
            out += std::to_string(j.template get<int64_t>());
            return;
        case value_t::number_unsigned:
            out += std::to_string(j.template get<uint64_t>());
            return;
        case value_t::number_float:
            write_double(out, j.template get<double>());
            return;
        case value_t::string:
            write_string(out, j.template get_ref<const std::string&>());
            return;
        case value_t::binary: {
            // JavaScript has no binary type; the bytes as an array of numbers is the nearest thing.
            out += '[';
            const auto& bytes = j.get_binary();
            for (size_t i = 0; i < bytes.size(); ++i) {
                if (i) out += ',';
                out += std::to_string(bytes[i]);
            }
            out += ']';
            return;
        }
        case value_t::array: {
            if (j.empty()) {
                out += "[]";
                return;
            }
            out += '[';
            bool first = true;
            for (const auto& item : j) {
                if (!first) out += ',';
                first = false;
                write_indent(out, indent, level + 1);
                write_value(out, item, indent, level + 1);
            }
            write_indent(out, indent, level);
            out += ']';
            return;
        }
        case value_t::object: {
            if (j.empty()) {
                out += "{}";
                return;
            }
            std::vector<std::pair<const std::string*, const J*>> members;
            members.reserve(j.size());
            bool any_index = false;
            for (auto it = j.begin(); it != j.end(); ++it) {
                members.emplace_back(&it.key(), &it.value());
                any_index = any_index || is_array_index_key(it.key());
            }
            if (any_index) {
                std::stable_partition(members.begin(), members.end(),
                                      [](const auto& m) { return is_array_index_key(*m.first); });
                auto index_end = std::find_if(members.begin(), members.end(),
                                              [](const auto& m) { return !is_array_index_key(*m.first); });
                std::sort(members.begin(), index_end, [](const auto& a, const auto& b) {
                    return a.first->size() != b.first->size() ? a.first->size() < b.first->size() : *a.first < *b.first;
                });
            }
            out += '{';
            bool first = true;
            for (const auto& [key, value] : members) {
                if (!first) out += ',';
                first = false;
                write_indent(out, indent, level + 1);
                write_string(out, *key);
                out += indent > 0 ? ": " : ":";
                write_value(out, *value, indent, level + 1);
            }
            write_indent(out, indent, level);
            out += '}';
            return;
        }
    }
}

}  // namespace

std::string json_quote(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    write_string(out, s);
    return out;
}

std::string dump(const Json& j) {
    std::string out;
    write_value(out, j, 0, 0);
    return out;
}

std::string dump(const OrderedJson& j) {
    std::string out;
    write_value(out, j, 0, 0);
    return out;
}

std::string dump_pretty(const Json& j) {
    std::string out;
    write_value(out, j, 2, 0);
    return out;
}

std::string json_type_name(const Json& j) {
    switch (j.type()) {
        case Json::value_t::object:
            return "object";
        case Json::value_t::array:
            return "array";
        case Json::value_t::string:
            return "string";
        case Json::value_t::boolean:
            return "boolean";
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned:
            return "integer";
        case Json::value_t::number_float: {
            // JSON Schema counts 1.0 as an integer: integer-ness is about the value, not the spelling.
            double d = j.get<double>();
            return std::isfinite(d) && std::floor(d) == d ? "integer" : "number";
        }
        case Json::value_t::binary:
            return "binary";
        case Json::value_t::null:
        case Json::value_t::discarded:
            return "null";
    }
    return "null";
}

// ---- JSON Pointer ----------------------------------------------------------------------------------

std::string pointer_escape(std::string_view token) {
    std::string out;
    out.reserve(token.size());
    for (char c : token) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

std::string pointer_append(std::string_view pointer, std::string_view token) {
    std::string out(pointer);
    out += '/';
    out += pointer_escape(token);
    return out;
}

std::string pointer_append(std::string_view pointer, size_t index) {
    std::string out(pointer);
    out += '/';
    out += std::to_string(index);
    return out;
}

namespace {

// False when the pointer is not "" and does not start with '/', or has a '~' not followed by 0 or 1.
bool split_pointer(std::string_view pointer, std::vector<std::string>& tokens) {
    tokens.clear();
    if (pointer.empty()) return true;
    if (pointer.front() != '/') return false;
    std::string current;
    for (size_t i = 1; i <= pointer.size(); ++i) {
        if (i == pointer.size() || pointer[i] == '/') {
            tokens.push_back(std::move(current));
            current.clear();
            continue;
        }
        char c = pointer[i];
        if (c == '~') {
            if (i + 1 >= pointer.size()) return false;
            char e = pointer[++i];
            if (e == '0') {
                current += '~';
            } else if (e == '1') {
                current += '/';
            } else {
                return false;
            }
        } else {
            current += c;
        }
    }
    return true;
}

// RFC 6901 array indexes: "0" or digits without a leading zero; "-" (past the end) names nothing.
bool parse_array_index(std::string_view token, size_t& index) {
    if (token.empty() || (token.size() > 1 && token[0] == '0')) return false;
    auto res = std::from_chars(token.data(), token.data() + token.size(), index);
    return res.ec == std::errc() && res.ptr == token.data() + token.size();
}

}  // namespace

std::vector<std::string> pointer_tokens(std::string_view pointer) {
    std::vector<std::string> tokens;
    if (!split_pointer(pointer, tokens)) tokens.clear();
    return tokens;
}

const Json* pointer_get(const Json& root, std::string_view pointer) {
    std::vector<std::string> tokens;
    if (!split_pointer(pointer, tokens)) return nullptr;
    const Json* cur = &root;
    for (const auto& token : tokens) {
        if (cur->is_object()) {
            auto it = cur->find(token);
            if (it == cur->end()) return nullptr;
            cur = &*it;
        } else if (cur->is_array()) {
            size_t index = 0;
            if (!parse_array_index(token, index) || index >= cur->size()) return nullptr;
            cur = &(*cur)[index];
        } else {
            return nullptr;
        }
    }
    return cur;
}

// ---- JSONPath --------------------------------------------------------------------------------------

namespace {

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe, kMatch };

// One step of the relative path after '@' in a filter: a member name or an array index.
struct RelStep {
    bool is_index = false;
    std::string name;
    int64_t index = 0;
};

struct FilterExpr {
    enum class Kind { kOr, kAnd, kExists, kCompare };
    Kind kind = Kind::kExists;
    std::vector<FilterExpr> children;  // kOr, kAnd
    std::vector<RelStep> path;         // kExists, kCompare; empty = '@' itself
    CompareOp op = CompareOp::kEq;
    Json literal;
    std::shared_ptr<const std::regex> regex;
};

struct Selector {
    enum class Kind { kName, kIndex, kSlice, kWildcard, kFilter };
    Kind kind = Kind::kName;
    std::string name;
    int64_t index = 0;
    std::optional<int64_t> start;
    std::optional<int64_t> end;
    int64_t step = 1;
    std::shared_ptr<const FilterExpr> filter;
};

}  // namespace

struct JsonPath::Segment {
    bool descendant = false;  // ".." : apply the selectors to the node and every node below it
    std::vector<Selector> selectors;
};

namespace {

bool is_name_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '$' || u >= 0x80;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Describes the character at a position for messages: 'x', or "end of the expression".
std::string describe_at(std::string_view s, size_t i) {
    if (i >= s.size()) return "the end of the expression";
    detail::Utf8Step step = detail::decode_utf8(s, i);
    return "'" + std::string(s.substr(i, step.length)) + "'";
}

class PathParser {
public:
    explicit PathParser(std::string_view s) : s_(s) {}

    std::optional<Error> parse(std::vector<JsonPath::Segment>& segments) {
        size_t begin = 0;
        size_t end = s_.size();
        while (begin < end && is_space(s_[begin])) ++begin;
        while (end > begin && is_space(s_[end - 1])) --end;
        if (begin == end) return fail(0, "empty JSONPath (it starts with '$')");
        s_ = s_.substr(0, end);
        i_ = begin;
        if (s_[i_] != '$') return fail(i_, "a JSONPath starts with '$', found " + describe_at(s_, i_));
        ++i_;
        while (i_ < s_.size()) {
            JsonPath::Segment seg;
            if (s_[i_] == '.') {
                if (i_ + 1 < s_.size() && s_[i_ + 1] == '.') {
                    seg.descendant = true;
                    i_ += 2;
                    if (at('[')) {
                        if (!parse_brackets(seg)) return error_;
                    } else if (!parse_dot_member(seg, "expected a name, '*' or '[' after '..'")) {
                        return error_;
                    }
                } else {
                    ++i_;
                    if (!parse_dot_member(seg, "expected a name or '*' after '.'")) return error_;
                }
            } else if (s_[i_] == '[') {
                if (!parse_brackets(seg)) return error_;
            } else {
                return fail(i_, "expected '.', '..' or '[' but found " + describe_at(s_, i_));
            }
            segments.push_back(std::move(seg));
        }
        return std::nullopt;
    }

private:
    std::string_view s_;
    size_t i_ = 0;
    std::optional<Error> error_;

    std::optional<Error> fail(size_t column, std::string message) {
        if (!error_) error_ = make_error("jsonpath", std::move(message), std::to_string(column));
        return error_;
    }
    bool failed(size_t column, std::string message) {
        fail(column, std::move(message));
        return false;
    }
    bool at(char c) const { return i_ < s_.size() && s_[i_] == c; }
    bool at(std::string_view t) const { return s_.substr(i_, t.size()) == t; }
    void skip_space() {
        while (i_ < s_.size() && is_space(s_[i_])) ++i_;
    }

    bool parse_dot_member(JsonPath::Segment& seg, const char* message) {
        Selector sel;
        if (at('*')) {
            ++i_;
            sel.kind = Selector::Kind::kWildcard;
        } else {
            size_t start = i_;
            while (i_ < s_.size() && is_name_char(s_[i_])) ++i_;
            if (i_ == start) return failed(i_, std::string(message) + ", found " + describe_at(s_, i_));
            sel.name = std::string(s_.substr(start, i_ - start));
        }
        seg.selectors.push_back(std::move(sel));
        return true;
    }

    bool parse_brackets(JsonPath::Segment& seg) {
        size_t open = i_;
        ++i_;  // '['
        skip_space();
        if (at('*')) {
            ++i_;
            Selector sel;
            sel.kind = Selector::Kind::kWildcard;
            seg.selectors.push_back(std::move(sel));
            skip_space();
            if (!at(']')) return failed(i_, "expected ']' after '*', found " + describe_at(s_, i_));
            ++i_;
            return true;
        }
        if (at('?')) {
            ++i_;
            auto filter = std::make_shared<FilterExpr>();
            if (!parse_or(*filter)) return false;
            skip_space();
            if (!at(']')) {
                return failed(i_, "expected ']' to close the filter, found " + describe_at(s_, i_));
            }
            ++i_;
            Selector sel;
            sel.kind = Selector::Kind::kFilter;
            sel.filter = std::move(filter);
            seg.selectors.push_back(std::move(sel));
            return true;
        }
        if (at(']')) return failed(i_, "empty brackets: expected a name, an index, a slice, '*' or a filter");
        while (true) {
            skip_space();
            Selector sel;
            if (at('\'') || at('"')) {
                std::string name;
                if (!parse_quoted(name)) return false;
                sel.kind = Selector::Kind::kName;
                sel.name = std::move(name);
            } else if (at('-') || at(':') || (i_ < s_.size() && is_digit(s_[i_]))) {
                if (!parse_index_or_slice(sel)) return false;
            } else if (i_ >= s_.size()) {
                return failed(open, "unclosed '[' (missing ']')");
            } else {
                return failed(i_,
                              "expected a quoted name, an index or a slice in brackets, found " + describe_at(s_, i_));
            }
            seg.selectors.push_back(std::move(sel));
            skip_space();
            if (at(']')) {
                ++i_;
                return true;
            }
            if (at(',')) {
                ++i_;
                continue;
            }
            if (i_ >= s_.size()) return failed(open, "unclosed '[' (missing ']')");
            return failed(i_, "expected ',' or ']', found " + describe_at(s_, i_));
        }
    }

    // 'name' or "name" with JSON-style escapes; either quote may appear unescaped inside the other.
    bool parse_quoted(std::string& out) {
        size_t open = i_;
        char quote = s_[i_++];
        while (i_ < s_.size()) {
            char c = s_[i_];
            if (c == quote) {
                ++i_;
                return true;
            }
            if (c != '\\') {
                out += c;
                ++i_;
                continue;
            }
            if (i_ + 1 >= s_.size()) break;
            char e = s_[i_ + 1];
            switch (e) {
                case '\'':
                    out += '\'';
                    break;
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
                case 'u': {
                    uint32_t cp = 0;
                    auto hex = s_.substr(i_ + 2, 4);
                    auto res = std::from_chars(hex.data(), hex.data() + hex.size(), cp, 16);
                    if (hex.size() != 4 || res.ptr != hex.data() + 4) {
                        return failed(i_, "invalid \\u escape: expected 4 hex digits");
                    }
                    if (cp >= 0xD800 && cp <= 0xDFFF) return failed(i_, "surrogate \\u escapes are not supported");
                    detail::append_utf8(out, cp);
                    i_ += 6;
                    continue;
                }
                default:
                    return failed(i_, "invalid escape \\" + std::string(1, e));
            }
            i_ += 2;
        }
        return failed(open, std::string("unterminated string (missing closing ") + quote + ")");
    }

    bool parse_int(int64_t& value) {
        size_t start = i_;
        if (at('-')) ++i_;
        size_t digits = i_;
        while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
        if (i_ == digits) return failed(i_, "expected a digit after '-', found " + describe_at(s_, i_));
        auto res = std::from_chars(s_.data() + start, s_.data() + i_, value);
        if (res.ec != std::errc()) return failed(start, "index out of range");
        return true;
    }

    bool parse_index_or_slice(Selector& sel) {
        std::optional<int64_t> parts[3];
        int colons = 0;
        size_t step_column = 0;
        for (int part = 0; part < 3; ++part) {
            skip_space();
            if (part == 2) step_column = i_;
            if (at('-') || (i_ < s_.size() && is_digit(s_[i_]))) {
                int64_t v = 0;
                if (!parse_int(v)) return false;
                parts[part] = v;
            }
            skip_space();
            if (part < 2 && at(':')) {
                ++i_;
                ++colons;
                continue;
            }
            break;
        }
        if (colons == 0) {
            sel.kind = Selector::Kind::kIndex;
            sel.index = *parts[0];
            return true;
        }
        sel.kind = Selector::Kind::kSlice;
        sel.start = parts[0];
        sel.end = parts[1];
        if (parts[2]) {
            if (*parts[2] == 0) return failed(step_column, "slice step cannot be 0");
            sel.step = *parts[2];
        }
        return true;
    }

    bool parse_or(FilterExpr& out) {
        FilterExpr first;
        if (!parse_and(first)) return false;
        skip_space();
        if (!at("||")) {
            out = std::move(first);
            return true;
        }
        out.kind = FilterExpr::Kind::kOr;
        out.children.push_back(std::move(first));
        while (at("||")) {
            i_ += 2;
            FilterExpr next;
            if (!parse_and(next)) return false;
            out.children.push_back(std::move(next));
            skip_space();
        }
        return true;
    }

    bool parse_and(FilterExpr& out) {
        FilterExpr first;
        if (!parse_primary(first)) return false;
        skip_space();
        if (!at("&&")) {
            out = std::move(first);
            return true;
        }
        out.kind = FilterExpr::Kind::kAnd;
        out.children.push_back(std::move(first));
        while (at("&&")) {
            i_ += 2;
            FilterExpr next;
            if (!parse_primary(next)) return false;
            out.children.push_back(std::move(next));
            skip_space();
        }
        return true;
    }

    bool parse_primary(FilterExpr& out) {
        skip_space();
        if (at('(')) {
            size_t open = i_++;
            if (!parse_or(out)) return false;
            skip_space();
            if (!at(')')) {
                if (i_ >= s_.size()) return failed(open, "unclosed '(' in filter (missing ')')");
                return failed(i_, "expected ')', found " + describe_at(s_, i_));
            }
            ++i_;
            return true;
        }
        return parse_comparison(out);
    }

    bool parse_comparison(FilterExpr& out) {
        if (!at('@')) {
            return failed(i_, "expected '@' (the current element) in filter, found " + describe_at(s_, i_));
        }
        ++i_;
        if (!parse_relative_path(out.path)) return false;
        skip_space();
        static const std::pair<std::string_view, CompareOp> kOps[] = {
            {"==", CompareOp::kEq},    {"!=", CompareOp::kNe}, {"<=", CompareOp::kLe}, {">=", CompareOp::kGe},
            {"=~", CompareOp::kMatch}, {"<", CompareOp::kLt},  {">", CompareOp::kGt},
        };
        for (const auto& [text, op] : kOps) {
            if (!at(text)) continue;
            i_ += text.size();
            out.kind = FilterExpr::Kind::kCompare;
            out.op = op;
            skip_space();
            return op == CompareOp::kMatch ? parse_regex(out) : parse_literal(out.literal, text);
        }
        if (at('=')) return failed(i_, "use '==' to compare");
        if (i_ < s_.size() && !at(')') && !at(']') && !at("&&") && !at("||")) {
            return failed(i_, "expected an operator (== != < <= > >= =~), '&&', '||' or the end of the filter, found " +
                                  describe_at(s_, i_));
        }
        out.kind = FilterExpr::Kind::kExists;
        return true;
    }

    bool parse_relative_path(std::vector<RelStep>& path) {
        while (true) {
            if (at("..") || at(".*") || at("[*")) {
                return failed(i_, "wildcards and '..' are not supported inside filters");
            }
            if (at('.')) {
                ++i_;
                size_t start = i_;
                while (i_ < s_.size() && is_name_char(s_[i_])) ++i_;
                if (i_ == start) return failed(i_, "expected a name after '.', found " + describe_at(s_, i_));
                path.push_back(RelStep{false, std::string(s_.substr(start, i_ - start)), 0});
            } else if (at('[')) {
                ++i_;
                skip_space();
                RelStep step;
                if (at('\'') || at('"')) {
                    if (!parse_quoted(step.name)) return false;
                } else if (at('-') || (i_ < s_.size() && is_digit(s_[i_]))) {
                    step.is_index = true;
                    if (!parse_int(step.index)) return false;
                } else {
                    return failed(i_, "expected a quoted name or an index, found " + describe_at(s_, i_));
                }
                skip_space();
                if (!at(']')) return failed(i_, "expected ']', found " + describe_at(s_, i_));
                ++i_;
                path.push_back(std::move(step));
            } else {
                return true;
            }
        }
    }

    bool parse_literal(Json& out, std::string_view op) {
        size_t start = i_;
        if (at('\'') || at('"')) {
            std::string text;
            if (!parse_quoted(text)) return false;
            out = std::move(text);
            return true;
        }
        if (at('-') || (i_ < s_.size() && is_digit(s_[i_]))) {
            // JSON number grammar, minus the leading-zero rule (harmless in a filter).
            if (at('-')) ++i_;
            size_t digits = i_;
            while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
            if (i_ == digits) return failed(i_, "expected a digit after '-', found " + describe_at(s_, i_));
            bool integral = true;
            if (at('.')) {
                integral = false;
                ++i_;
                size_t frac = i_;
                while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
                if (i_ == frac) return failed(i_, "expected a digit after '.', found " + describe_at(s_, i_));
            }
            if (at('e') || at('E')) {
                integral = false;
                ++i_;
                if (at('+') || at('-')) ++i_;
                size_t exp = i_;
                while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
                if (i_ == exp) return failed(i_, "expected a digit in the exponent, found " + describe_at(s_, i_));
            }
            const char* b = s_.data() + start;
            const char* e = s_.data() + i_;
            if (integral) {
                int64_t v = 0;
                if (std::from_chars(b, e, v).ec == std::errc()) {
                    out = v;
                    return true;
                }
            }
            double d = 0;
            auto res = std::from_chars(b, e, d);
            if (res.ec != std::errc() || !std::isfinite(d)) return failed(start, "number out of range");
            out = d;
            return true;
        }
        static const std::pair<std::string_view, Json> kWords[] = {{"true", true}, {"false", false}, {"null", nullptr}};
        for (const auto& [word, value] : kWords) {
            if (at(word) && !(i_ + word.size() < s_.size() && is_name_char(s_[i_ + word.size()]))) {
                i_ += word.size();
                out = value;
                return true;
            }
        }
        if (at('@')) return failed(i_, "comparing two '@' paths is not supported; compare with a literal");
        return failed(i_, "expected a literal after '" + std::string(op) +
                              "' ('text', a number, true, false or null), found " + describe_at(s_, i_));
    }

    // =~ takes /pattern/flags or a quoted pattern. The whole string must match (as in Jayway JsonPath),
    // so 'SUCCESS|CLOSED' does not also accept "NOT_SUCCESS".
    bool parse_regex(FilterExpr& out) {
        size_t start = i_;
        std::string pattern;
        auto flags = std::regex::ECMAScript;
        if (at('/')) {
            ++i_;
            bool closed = false;
            while (i_ < s_.size()) {
                char c = s_[i_];
                if (c == '\\' && i_ + 1 < s_.size()) {
                    if (s_[i_ + 1] != '/') pattern += '\\';
                    pattern += s_[i_ + 1];
                    i_ += 2;
                    continue;
                }
                ++i_;
                if (c == '/') {
                    closed = true;
                    break;
                }
                pattern += c;
            }
            if (!closed) return failed(start, "unterminated regular expression (missing closing /)");
            while (i_ < s_.size() && ((s_[i_] >= 'a' && s_[i_] <= 'z') || (s_[i_] >= 'A' && s_[i_] <= 'Z'))) {
                if (s_[i_] != 'i')
                    return failed(i_, "unsupported regex flag '" + std::string(1, s_[i_]) + "' (only i)");
                flags |= std::regex::icase;
                ++i_;
            }
        } else if (at('\'') || at('"')) {
            if (!parse_quoted(pattern)) return false;
        } else {
            return failed(
                i_, "expected a regular expression after '=~' (/pattern/ or 'pattern'), found " + describe_at(s_, i_));
        }
#ifdef __GLIBCXX__
        // libstdc++'s default matcher recurses once per character and overflows the stack on strings of
        // ~100 KB; the polynomial (breadth-first) matcher does not, at the price of back-references.
        flags |= std::regex_constants::__polynomial;
#endif
        try {
            out.regex = std::make_shared<const std::regex>(pattern, flags);
        } catch (const std::regex_error& e) {
            if (e.code() == std::regex_constants::error_complexity) {
                return failed(start, "invalid regular expression: back-references (\\1) are not supported");
            }
            return failed(start, std::string("invalid regular expression: ") + e.what());
        }
        out.literal = pattern;
        return true;
    }
};

// ---- Evaluation ----

bool is_integer(const Json& j) {
    return j.is_number_integer();
}  // signed or unsigned

// -1, 0, 1. Integers compare exactly (int64 against uint64 included); anything with a double, as doubles.
int compare_numbers(const Json& a, const Json& b) {
    if (is_integer(a) && is_integer(b)) {
        bool a_unsigned = a.is_number_unsigned();
        bool b_unsigned = b.is_number_unsigned();
        if (!a_unsigned && !b_unsigned) {
            auto x = a.get<int64_t>();
            auto y = b.get<int64_t>();
            return x < y ? -1 : (x > y ? 1 : 0);
        }
        if (!a_unsigned && a.get<int64_t>() < 0) return -1;
        if (!b_unsigned && b.get<int64_t>() < 0) return 1;
        auto x = a.get<uint64_t>();
        auto y = b.get<uint64_t>();
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    auto x = a.get<double>();
    auto y = b.get<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
}

bool values_equal(const Json& a, const Json& b) {
    if (a.is_number() && b.is_number()) return compare_numbers(a, b) == 0;
    return a == b;
}

const Json* resolve(const Json& current, const std::vector<RelStep>& path) {
    const Json* cur = &current;
    for (const auto& step : path) {
        if (step.is_index) {
            if (!cur->is_array()) return nullptr;
            int64_t size = static_cast<int64_t>(cur->size());
            int64_t i = step.index < 0 ? size + step.index : step.index;
            if (i < 0 || i >= size) return nullptr;
            cur = &(*cur)[static_cast<size_t>(i)];
        } else {
            if (!cur->is_object()) return nullptr;
            auto it = cur->find(step.name);
            if (it == cur->end()) return nullptr;
            cur = &*it;
        }
    }
    return cur;
}

// Follows RFC 9535: a missing value equals nothing, so only != holds for it.
bool evaluate(const FilterExpr& f, const Json& current) {
    switch (f.kind) {
        case FilterExpr::Kind::kOr:
            return std::any_of(f.children.begin(), f.children.end(),
                               [&](const auto& c) { return evaluate(c, current); });
        case FilterExpr::Kind::kAnd:
            return std::all_of(f.children.begin(), f.children.end(),
                               [&](const auto& c) { return evaluate(c, current); });
        case FilterExpr::Kind::kExists:
            return resolve(current, f.path) != nullptr;
        case FilterExpr::Kind::kCompare:
            break;
    }
    const Json* v = resolve(current, f.path);
    if (!v) return f.op == CompareOp::kNe;
    switch (f.op) {
        case CompareOp::kEq:
            return values_equal(*v, f.literal);
        case CompareOp::kNe:
            return !values_equal(*v, f.literal);
        case CompareOp::kMatch:
            return v->is_string() && std::regex_match(v->get_ref<const std::string&>(), *f.regex);
        default:
            break;
    }
    int cmp = 0;
    if (v->is_number() && f.literal.is_number()) {
        cmp = compare_numbers(*v, f.literal);
    } else if (v->is_string() && f.literal.is_string()) {
        cmp = v->get_ref<const std::string&>().compare(f.literal.get_ref<const std::string&>());
        cmp = cmp < 0 ? -1 : (cmp > 0 ? 1 : 0);
    } else {
        return false;  // ordering across types, or of objects/arrays/booleans/null, never holds
    }
    switch (f.op) {
        case CompareOp::kLt:
            return cmp < 0;
        case CompareOp::kLe:
            return cmp <= 0;
        case CompareOp::kGt:
            return cmp > 0;
        case CompareOp::kGe:
            return cmp >= 0;
        default:
            return false;
    }
}

// RFC 9535 slice bounds, including negative steps that walk backwards.
void select_slice(const JsonPathMatch& node, const Selector& sel, std::vector<JsonPathMatch>& out) {
    const Json& arr = *node.value;
    int64_t len = static_cast<int64_t>(arr.size());
    int64_t step = sel.step;
    auto normalize = [len](int64_t i) { return i >= 0 ? i : len + i; };
    auto emit = [&](int64_t i) {
        out.push_back({pointer_append(node.pointer, static_cast<size_t>(i)), &arr[static_cast<size_t>(i)]});
    };
    if (step > 0) {
        int64_t lower = std::clamp<int64_t>(sel.start ? normalize(*sel.start) : 0, 0, len);
        int64_t upper = std::clamp<int64_t>(sel.end ? normalize(*sel.end) : len, 0, len);
        for (int64_t i = lower; i < upper; i += step) emit(i);
    } else {
        int64_t upper = std::clamp<int64_t>(sel.start ? normalize(*sel.start) : len - 1, -1, len - 1);
        int64_t lower = std::clamp<int64_t>(sel.end ? normalize(*sel.end) : -len - 1, -1, len - 1);
        for (int64_t i = upper; lower < i; i += step) emit(i);
    }
}

void select(const JsonPathMatch& node, const Selector& sel, std::vector<JsonPathMatch>& out) {
    const Json& v = *node.value;
    switch (sel.kind) {
        case Selector::Kind::kName:
            if (v.is_object()) {
                auto it = v.find(sel.name);
                if (it != v.end()) out.push_back({pointer_append(node.pointer, sel.name), &*it});
            }
            return;
        case Selector::Kind::kIndex:
            if (v.is_array()) {
                int64_t size = static_cast<int64_t>(v.size());
                int64_t i = sel.index < 0 ? size + sel.index : sel.index;
                if (i >= 0 && i < size) {
                    out.push_back({pointer_append(node.pointer, static_cast<size_t>(i)), &v[static_cast<size_t>(i)]});
                }
            }
            return;
        case Selector::Kind::kSlice:
            if (v.is_array()) select_slice(node, sel, out);
            return;
        case Selector::Kind::kWildcard:
        case Selector::Kind::kFilter:
            if (v.is_array()) {
                for (size_t i = 0; i < v.size(); ++i) {
                    if (sel.filter && !evaluate(*sel.filter, v[i])) continue;
                    out.push_back({pointer_append(node.pointer, i), &v[i]});
                }
            } else if (v.is_object()) {
                for (auto it = v.begin(); it != v.end(); ++it) {
                    if (sel.filter && !evaluate(*sel.filter, it.value())) continue;
                    out.push_back({pointer_append(node.pointer, it.key()), &it.value()});
                }
            }
            return;
    }
}

}  // namespace

Result<JsonPath> JsonPath::compile(std::string_view expression) {
    auto segments = std::make_shared<std::vector<Segment>>();
    PathParser parser(expression);
    if (auto error = parser.parse(*segments)) return *error;
    JsonPath path;
    path.text_ = std::string(expression);
    path.segments_ = std::move(segments);
    return path;
}

std::vector<JsonPathMatch> JsonPath::query(const Json& root) const {
    std::vector<JsonPathMatch> nodes{{"", &root}};
    if (!segments_) return {};
    for (const auto& seg : *segments_) {
        std::vector<JsonPathMatch> next;
        for (const auto& node : nodes) {
            if (!seg.descendant) {
                for (const auto& sel : seg.selectors) select(node, sel, next);
                continue;
            }
            // Pre-order walk without recursion, so a deep document cannot exhaust the stack.
            std::vector<JsonPathMatch> stack{node};
            while (!stack.empty()) {
                JsonPathMatch cur = std::move(stack.back());
                stack.pop_back();
                for (const auto& sel : seg.selectors) select(cur, sel, next);
                const Json& v = *cur.value;
                if (v.is_array()) {
                    for (size_t i = v.size(); i-- > 0;) stack.push_back({pointer_append(cur.pointer, i), &v[i]});
                } else if (v.is_object()) {
                    std::vector<JsonPathMatch> children;
                    for (auto it = v.begin(); it != v.end(); ++it) {
                        children.push_back({pointer_append(cur.pointer, it.key()), &it.value()});
                    }
                    stack.insert(stack.end(), std::make_move_iterator(children.rbegin()),
                                 std::make_move_iterator(children.rend()));
                }
            }
        }
        nodes = std::move(next);
    }
    return nodes;
}

}  // namespace mpemu::core
