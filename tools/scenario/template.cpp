// Template parsing and evaluation: a tiny expression language of names, literals and function calls.
#include "tools/scenario/template.hpp"

#include <cmath>
#include <cstdlib>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "core/time_format.hpp"
#include "core/url.hpp"

namespace mpemu::scenario {

struct Expr {
    enum class Kind { kLiteral, kRef, kCall } kind = Kind::kLiteral;
    core::Json literal;
    std::string name;              // ref root or function name
    std::vector<core::Json> path;  // ref: member names (strings) and indexes (numbers)
    std::vector<std::shared_ptr<const Expr>> args;
    size_t offset = 0;  // within the template text
    size_t length = 0;
};

namespace {

using core::Json;

core::Error template_error(std::string message, size_t offset) {
    return core::make_error("template", std::move(message), std::to_string(offset));
}

// {{env.NAME}} and env(NAME): nullptr when unset. Scenario workers may read at the same time.
const char* env_var(const std::string& name) {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): getenv only races with setenv, and mpemu never sets its environment
    return std::getenv(name.c_str());
}

bool is_ident_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Recursive-descent parser over one {{...}} body; `base` is the body's offset in the template.
class ExprParser {
public:
    ExprParser(std::string_view text, size_t base) : s_(text), base_(base) {}

    std::shared_ptr<const Expr> parse(TemplateError* err) {
        skip_ws();
        if (i_ >= s_.size()) return fail(err, "empty {{ }}", 0, "write a variable name or a function call");
        auto e = expr(err);
        if (!e) return nullptr;
        skip_ws();
        if (i_ < s_.size()) return fail(err, "unexpected \"" + std::string(s_.substr(i_, 1)) + "\" in template", 1);
        return e;
    }

private:
    std::string_view s_;
    size_t base_;
    size_t i_ = 0;

    void skip_ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
    }

    std::shared_ptr<const Expr> fail(TemplateError* err, std::string message, size_t length, std::string hint = {}) {
        if (err) {
            err->offset = base_ + i_;
            err->length = length ? length : 1;
            err->message = std::move(message);
            err->hint = std::move(hint);
        }
        return nullptr;
    }

    std::shared_ptr<const Expr> expr(TemplateError* err) {
        skip_ws();
        if (i_ >= s_.size()) return fail(err, "expected a value", 1);
        auto e = std::make_shared<Expr>();
        e->offset = base_ + i_;
        char c = s_[i_];
        if (c == '"' || c == '\'') {
            char q = c;
            size_t start = i_++;
            std::string out;
            while (i_ < s_.size() && s_[i_] != q) {
                if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
                out += s_[i_++];
            }
            if (i_ >= s_.size()) {
                i_ = start;
                return fail(err, "unterminated string in template", s_.size() - start);
            }
            ++i_;
            e->kind = Expr::Kind::kLiteral;
            e->literal = out;
        } else if ((c >= '0' && c <= '9') || c == '-') {
            size_t start = i_++;
            while (i_ < s_.size() && ((s_[i_] >= '0' && s_[i_] <= '9') || s_[i_] == '.')) ++i_;
            std::string num(s_.substr(start, i_ - start));
            if (num.find('.') != std::string::npos) {
                e->literal = std::strtod(num.c_str(), nullptr);
            } else {
                e->literal = std::strtoll(num.c_str(), nullptr, 10);
            }
            e->kind = Expr::Kind::kLiteral;
        } else if (is_ident_char(c)) {
            size_t start = i_;
            while (i_ < s_.size() && is_ident_char(s_[i_])) ++i_;
            e->name = std::string(s_.substr(start, i_ - start));
            skip_ws();
            if (i_ < s_.size() && s_[i_] == '(') {
                e->kind = Expr::Kind::kCall;
                const auto& fns = template_functions();
                if (std::find(fns.begin(), fns.end(), e->name) == fns.end()) {
                    i_ = start;
                    auto guess = core::did_you_mean(e->name, fns);
                    return fail(err, "unknown template function \"" + e->name + "\"", e->name.size(),
                                guess ? "did you mean \"" + *guess + "\"?" : "functions: " + core::join(fns, ", "));
                }
                ++i_;
                skip_ws();
                if (i_ < s_.size() && s_[i_] == ')') {
                    ++i_;
                } else {
                    while (true) {
                        auto a = expr(err);
                        if (!a) return nullptr;
                        e->args.push_back(a);
                        skip_ws();
                        if (i_ < s_.size() && s_[i_] == ',') {
                            ++i_;
                            continue;
                        }
                        if (i_ < s_.size() && s_[i_] == ')') {
                            ++i_;
                            break;
                        }
                        return fail(err, "expected \",\" or \")\" in the arguments of " + e->name + "()", 1);
                    }
                }
            } else {
                e->kind = Expr::Kind::kRef;
                while (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == '[')) {
                    if (s_[i_] == '.') {
                        ++i_;
                        size_t m = i_;
                        while (i_ < s_.size() && is_ident_char(s_[i_])) ++i_;
                        if (m == i_) return fail(err, "expected a member name after \".\"", 1);
                        e->path.emplace_back(std::string(s_.substr(m, i_ - m)));
                    } else {
                        ++i_;
                        auto idx = expr(err);
                        if (!idx) return nullptr;
                        if (idx->kind != Expr::Kind::kLiteral)
                            return fail(err, "an index must be a number or a string", 1);
                        e->path.push_back(idx->literal);
                        skip_ws();
                        if (i_ >= s_.size() || s_[i_] != ']') return fail(err, "expected \"]\"", 1);
                        ++i_;
                    }
                }
            }
        } else {
            return fail(err, "unexpected \"" + std::string(1, c) + "\" in template", 1,
                        "write a variable name, a quoted string, a number or a function call");
        }
        e->length = base_ + i_ - e->offset;
        return e;
    }
};

// ---- functions ---------------------------------------------------------------------------------

core::IdGenerator& thread_ids() {
    thread_local core::IdGenerator ids;
    return ids;
}

core::Result<std::string> arg_text(const std::vector<Json>& args, size_t i, const std::string& fn) {
    if (i >= args.size())
        return core::make_error("template", fn + "() needs at least " + std::to_string(i + 1) + " argument(s)");
    return to_text(args[i]);
}

core::Result<long long> arg_int(const std::vector<Json>& args, size_t i, const std::string& fn) {
    if (i >= args.size())
        return core::make_error("template", fn + "() needs at least " + std::to_string(i + 1) + " argument(s)");
    if (args[i].is_number_integer()) return args[i].get<long long>();
    if (args[i].is_string()) {
        char* end = nullptr;
        std::string s = args[i].get<std::string>();
        long long v = std::strtoll(s.c_str(), &end, 10);
        if (end && *end == 0 && !s.empty()) return v;
    }
    return core::make_error(
        "template", fn + "() argument " + std::to_string(i + 1) + " must be an integer, got " + to_text(args[i]));
}

// A numeric argument: a JSON number, or a string holding one ("9.99" from a form field or a capture).
core::Result<Json> arg_number(const std::vector<Json>& args, size_t i, const std::string& fn) {
    if (i >= args.size())
        return core::make_error("template", fn + "() needs at least " + std::to_string(i + 1) + " argument(s)");
    if (args[i].is_number()) return args[i];
    if (args[i].is_string()) {
        std::string s = args[i].get<std::string>();
        char* end = nullptr;
        if (!s.empty() && s.find_first_of(".eE") == std::string::npos) {
            long long v = std::strtoll(s.c_str(), &end, 10);
            if (end && *end == 0) return Json(v);
        }
        double d = std::strtod(s.c_str(), &end);
        if (!s.empty() && end && *end == 0) return Json(d);
    }
    return core::make_error("template",
                            fn + "() argument " + std::to_string(i + 1) + " must be a number, got " + to_text(args[i]));
}

// mul, div and round: integers stay integers where the result is whole and exact; div by zero is an error.
core::Result<Json> arithmetic(const std::string& fn, const std::vector<Json>& args) {
    auto a = arg_number(args, 0, fn);
    if (!a) return a.error();
    if (fn == "round") {
        long long digits = 0;
        if (args.size() > 1) {
            auto d = arg_int(args, 1, fn);
            if (!d) return d.error();
            digits = *d;
        }
        if (a->is_number_integer() && digits >= 0) return *a;
        double scale = std::pow(10.0, static_cast<double>(digits));
        double r = std::round(a->get<double>() * scale) / scale;
        if (digits <= 0) return Json(static_cast<long long>(r));
        return Json(r);
    }
    auto b = arg_number(args, 1, fn);
    if (!b) return b.error();
    bool ints = a->is_number_integer() && b->is_number_integer();
    if (fn == "mul")
        return ints ? Json(a->get<long long>() * b->get<long long>()) : Json(a->get<double>() * b->get<double>());
    if (b->get<double>() == 0) return core::make_error("template", "div(): division by zero");
    if (ints && a->get<long long>() % b->get<long long>() == 0) return Json(a->get<long long>() / b->get<long long>());
    return Json(a->get<double>() / b->get<double>());
}

core::Result<Json> jwt_claim(const std::string& token, const std::string& claim) {
    auto parts = core::split(token, '.');
    if (parts.size() < 2) return core::make_error("template", "not a JWT (expected header.payload.signature)");
    auto payload = core::crypto::base64url_decode(parts[1]);
    if (!payload) return core::make_error("template", "the JWT payload is not base64url");
    auto json = core::parse_json(*payload);
    if (!json || !json->is_object()) return core::make_error("template", "the JWT payload is not a JSON object");
    if (!json->contains(claim)) return core::make_error("template", "the JWT has no claim \"" + claim + "\"");
    return (*json)[claim];
}

core::Result<Json> call(const std::string& fn, const std::vector<Json>& args) {
    auto need = [&](size_t n) -> core::Status {
        if (args.size() < n) return core::make_error("template", fn + "() needs " + std::to_string(n) + " argument(s)");
        return {};
    };
    if (fn == "uuid") return Json(thread_ids().uuid());
    if (fn == "now" || fn == "unix" || fn == "unix_ms") {
        auto t = std::chrono::system_clock::now();  // harness time: the runner's wall clock
        if (!args.empty() && !to_text(args[0]).empty()) {
            auto d = core::parse_duration(to_text(args[0]));
            if (!d)
                return core::make_error("template",
                                        "bad time offset \"" + to_text(args[0]) + "\" (try \"+2h\", \"-30m\")");
            // The clock counts nanoseconds in 64 bits (about ±292 years): a larger offset would wrap.
            constexpr auto kMaxOffset = std::chrono::hours(24 * 366 * 100);
            if (*d > kMaxOffset || *d < -kMaxOffset)
                return core::make_error("template", "time offset \"" + to_text(args[0]) + "\" is beyond 100 years");
            t += *d;
        }
        std::string format = fn == "now" ? (args.size() > 1 ? to_text(args[1]) : "rfc3339") : fn;
        if (format == "rfc3339") return Json(core::format_rfc3339(t));
        if (format == "utc") return Json(core::format_rfc3339(t, 0, true));
        if (format == "unix") return Json(core::to_unix(t));
        if (format == "unix_ms") return Json(core::to_unix_ms(t));
        if (format == "datetime") return Json(core::format_datetime(t));
        if (format == "compact") return Json(core::format_compact(t));
        return core::make_error(
            "template", "unknown time format \"" + format + "\" (rfc3339, utc, unix, unix_ms, datetime, compact)");
    }
    if (fn == "random_digits" || fn == "random_hex" || fn == "random_string") {
        auto n = arg_int(args, 0, fn);
        if (!n) return n.error();
        if (*n < 1 || *n > 4096) return core::make_error("template", fn + "() length must be 1..4096");
        auto& ids = thread_ids();
        size_t len = static_cast<size_t>(*n);
        if (fn == "random_digits") return Json(ids.digits(len));
        if (fn == "random_hex") return Json(ids.hex(len));
        return Json(ids.base62(len));
    }
    if (fn == "jwt_claim") {
        if (auto s = need(2); !s) return s.error();
        return jwt_claim(to_text(args[0]), to_text(args[1]));
    }
    if (fn == "hmac_sha256") {
        if (auto s = need(2); !s) return s.error();
        // crypto-ok: the user-facing {{hmac_sha256(key, text)}} function, not a provider protocol.
        return Json(core::crypto::hmac_sha256_hex(to_text(args[0]), to_text(args[1])));
    }
    if (fn == "add" || fn == "sub") {
        if (auto s = need(2); !s) return s.error();
        auto a = arg_int(args, 0, fn);
        auto b = arg_int(args, 1, fn);
        if (!a) return a.error();
        if (!b) return b.error();
        return Json(fn == "add" ? *a + *b : *a - *b);
    }
    if (fn == "mul" || fn == "div" || fn == "round") return arithmetic(fn, args);
    if (fn == "int") {
        auto n = arg_number(args, 0, fn);
        if (!n) return n.error();
        return n->is_number_integer() ? *n : Json(static_cast<long long>(std::trunc(n->get<double>())));
    }
    if (fn == "str") {
        if (auto s = need(1); !s) return s.error();
        return Json(to_text(args[0]));
    }
    if (fn == "concat") {
        std::string out;
        for (const auto& a : args) out += to_text(a);
        return Json(out);
    }
    if (fn == "default") {
        if (auto s = need(2); !s) return s.error();
        return args[0].is_null() || (args[0].is_string() && args[0].get<std::string>().empty()) ? args[1] : args[0];
    }
    auto text = arg_text(args, 0, fn);
    if (!text) return text.error();
    if (fn == "base64") return Json(core::crypto::base64_encode(*text));
    if (fn == "base64url") return Json(core::crypto::base64url_encode(*text));
    if (fn == "base64_decode") {
        auto d = core::crypto::base64_decode(*text);
        if (!d) return core::make_error("template", "base64_decode(): not base64");
        return Json(*d);
    }
    if (fn == "sha256") return Json(core::crypto::sha256_hex(*text));
    if (fn == "sha1") return Json(core::crypto::sha1_hex(*text));
    if (fn == "md5") return Json(core::crypto::md5_hex(*text));  // crypto-ok: a user-facing template function
    if (fn == "urlencode") return Json(core::url_encode(*text));
    if (fn == "upper") return Json(core::to_upper(*text));
    if (fn == "lower") return Json(core::to_lower(*text));
    if (fn == "json") return Json(args[0].is_string() ? core::dump(Json(*text)) : core::dump(args[0]));
    if (fn == "env") {
        const char* v = env_var(*text);
        if (!v) return core::make_error("template", "environment variable " + *text + " is not set");
        return Json(std::string(v));
    }
    if (fn == "number") {
        char* end = nullptr;
        double d = std::strtod(text->c_str(), &end);
        if (text->empty() || (end && *end))
            return core::make_error("template", "number(): \"" + *text + "\" is not a number");
        if (d == static_cast<double>(static_cast<long long>(d)) && text->find('.') == std::string::npos)
            return Json(static_cast<long long>(d));
        return Json(d);
    }
    return core::make_error("template", "unknown template function \"" + fn + "\"");
}

core::Result<Json> eval(const Expr& e, const Lookup& lookup) {
    switch (e.kind) {
        case Expr::Kind::kLiteral:
            return e.literal;
        case Expr::Kind::kCall: {
            std::vector<Json> args;
            for (const auto& a : e.args) {
                auto v = eval(*a, lookup);
                if (!v) return v;
                args.push_back(std::move(*v));
            }
            auto r = call(e.name, args);
            if (!r) return template_error(r.error().message, e.offset);
            return r;
        }
        case Expr::Kind::kRef: {
            Json env_holder;
            const Json* cur = nullptr;
            size_t first = 0;
            if (e.name == "env") {
                if (e.path.empty() || !e.path[0].is_string())
                    return template_error("write {{env.NAME}} to read an environment variable", e.offset);
                std::string var = e.path[0].get<std::string>();
                const char* v = env_var(var);
                if (!v) return template_error("environment variable " + var + " is not set", e.offset);
                env_holder = std::string(v);
                cur = &env_holder;
                first = 1;
            } else {
                cur = lookup ? lookup(e.name) : nullptr;
                if (!cur) return template_error("unknown variable \"" + e.name + "\"", e.offset);
            }
            std::string shown = e.name;
            Json parsed;
            for (size_t k = first; k < e.path.size(); ++k) {
                const Json& seg = e.path[k];
                // A string holding JSON (a captured body, say) can be walked into.
                if (cur->is_string()) {
                    auto p = core::parse_json(cur->get<std::string>());
                    if (p && p->is_structured()) {
                        parsed = std::move(*p);
                        cur = &parsed;
                    }
                }
                if (seg.is_string()) {
                    std::string key = seg.get<std::string>();
                    if (cur->is_object() && cur->contains(key)) {
                        cur = &(*cur)[key];
                    } else if (key == "length" && (cur->is_array() || cur->is_string())) {
                        parsed = cur->is_array() ? cur->size() : core::utf8_length(cur->get<std::string>());
                        cur = &parsed;
                    } else {
                        std::string message = shown;
                        message += " has no member \"";
                        message += key;
                        message += '"';
                        return template_error(std::move(message), e.offset);
                    }
                    shown += "." + key;
                } else {
                    long long idx = seg.is_number_integer() ? seg.get<long long>() : -1;
                    if (!cur->is_array()) return template_error(shown + " is not an array", e.offset);
                    if (idx < 0) idx += static_cast<long long>(cur->size());
                    if (idx < 0 || idx >= static_cast<long long>(cur->size()))
                        return template_error(shown + " has no element " + core::dump(seg), e.offset);
                    cur = &(*cur)[static_cast<size_t>(idx)];
                    shown += "[" + core::dump(seg) + "]";
                }
            }
            return *cur;
        }
    }
    return Json();
}

void collect_refs(const Expr& e, std::vector<std::pair<std::string, size_t>>& out) {
    if (e.kind == Expr::Kind::kRef && e.name != "env") out.emplace_back(e.name, e.offset);
    for (const auto& a : e.args) collect_refs(*a, out);
}

}  // namespace

const std::vector<std::string>& template_functions() {
    static const std::vector<std::string> kFns = {
        "uuid",      "now",           "unix",   "unix_ms", "random_digits", "random_hex",  "random_string", "base64",
        "base64url", "base64_decode", "sha256", "sha1",    "md5",           "hmac_sha256", "urlencode",     "jwt_claim",
        "json",      "upper",         "lower",  "concat",  "default",       "env",         "number",        "add",
        "sub",       "mul",           "div",    "round",   "int",           "str"};
    return kFns;
}

std::string to_text(const core::Json& value) {
    if (value.is_string()) return value.get<std::string>();
    return core::dump(value);
}

core::Result<Template> Template::compile(std::string_view text, TemplateError* error) {
    Template t;
    size_t i = 0;
    std::string literal;
    while (i < text.size()) {
        size_t open = text.find("{{", i);
        if (open == std::string_view::npos) {
            literal.append(text.substr(i));
            break;
        }
        literal.append(text.substr(i, open - i));
        size_t close = text.find("}}", open + 2);
        if (close == std::string_view::npos) {
            if (error) *error = TemplateError{open, 2, "unclosed \"{{\" in template", "close it with \"}}\""};
            return template_error("unclosed \"{{\" in template", open);
        }
        if (!literal.empty()) {
            t.parts_.push_back(Part{std::move(literal), nullptr, 0, 0});
            literal.clear();
        }
        ExprParser parser(text.substr(open + 2, close - open - 2), open + 2);
        TemplateError local;
        auto e = parser.parse(&local);
        if (!e) {
            if (local.message.empty()) local = TemplateError{open, close + 2 - open, "bad template", {}};
            if (error) *error = local;
            return template_error(local.message, local.offset);
        }
        t.parts_.push_back(Part{{}, e, open, close + 2 - open});
        i = close + 2;
    }
    if (!literal.empty()) t.parts_.push_back(Part{std::move(literal), nullptr, 0, 0});
    return t;
}

core::Result<core::Json> Template::evaluate(const Lookup& lookup) const {
    if (parts_.size() == 1 && parts_[0].expr) return eval(*parts_[0].expr, lookup);
    std::string out;
    for (const auto& p : parts_) {
        if (!p.expr) {
            out += p.literal;
            continue;
        }
        auto v = eval(*p.expr, lookup);
        if (!v) return v.error();
        out += to_text(*v);
    }
    return core::Json(out);
}

std::vector<std::pair<std::string, size_t>> Template::references() const {
    std::vector<std::pair<std::string, size_t>> out;
    for (const auto& p : parts_) {
        if (p.expr) collect_refs(*p.expr, out);
    }
    return out;
}

core::Result<std::string> render_string(std::string_view text, const Lookup& lookup) {
    if (text.find("{{") == std::string_view::npos) return std::string(text);
    auto t = Template::compile(text);
    if (!t) return t.error();
    auto v = t->evaluate(lookup);
    if (!v) return v.error();
    return to_text(*v);
}

namespace {

template <class J>
core::Result<J> render_any(const J& value, const Lookup& lookup) {
    if (value.is_string()) {
        const auto& s = value.template get_ref<const std::string&>();
        if (s.find("{{") == std::string::npos) return value;
        auto t = Template::compile(s);
        if (!t) return t.error();
        auto v = t->evaluate(lookup);
        if (!v) return v.error();
        return J(*v);
    }
    if (value.is_array()) {
        J out = J::array();
        for (const auto& item : value) {
            auto r = render_any(item, lookup);
            if (!r) return r;
            out.push_back(std::move(*r));
        }
        return out;
    }
    if (value.is_object()) {
        J out = J::object();
        for (auto it = value.begin(); it != value.end(); ++it) {
            auto key = render_string(it.key(), lookup);
            if (!key) return key.error();
            auto r = render_any(it.value(), lookup);
            if (!r) return r;
            out[*key] = std::move(*r);
        }
        return out;
    }
    return value;
}

}  // namespace

core::Result<core::OrderedJson> render_json(const core::OrderedJson& value, const Lookup& lookup) {
    return render_any(value, lookup);
}
core::Result<core::Json> render_json(const core::Json& value, const Lookup& lookup) {
    return render_any(value, lookup);
}

}  // namespace mpemu::scenario
