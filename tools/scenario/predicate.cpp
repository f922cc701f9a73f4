// The predicate table: one small function per predicate, all total (no throwing on odd inputs).
#include "tools/scenario/predicate.hpp"

#include <cstdlib>
#include <optional>
#include <regex>

#include "core/text.hpp"
#include "tools/scenario/template.hpp"

namespace mpemu::scenario {

namespace {

using core::Json;

std::optional<double> as_number(const Json& j) {
    if (j.is_number()) return j.get<double>();
    if (j.is_string()) {
        const auto& s = j.get_ref<const std::string&>();
        if (s.empty()) return std::nullopt;
        char* end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        if (end && *end == 0) return d;
    }
    return std::nullopt;
}

std::string shown(const Json& j) {
    return core::dump(j);
}

bool type_matches(const std::string& want, const Json& actual) {
    std::string got = core::json_type_name(actual);
    return got == want || (want == "number" && got == "integer");
}

}  // namespace

const std::vector<std::string>& predicate_names() {
    static const std::vector<std::string> kNames = {"equals",   "not_equals",  "exists", "type", "matches",
                                                    "contains", "starts_with", "gt",     "gte",  "lt",
                                                    "lte",      "length",      "one_of"};
    return kNames;
}

bool json_equal(const Json& a, const Json& b) {
    if (a.is_number() && b.is_number()) {
        if (a.is_number_float() || b.is_number_float()) return a.get<double>() == b.get<double>();
        if (a.is_number_unsigned() || b.is_number_unsigned())
            return a.get<unsigned long long>() == b.get<unsigned long long>() &&
                   (a.get<long long>() >= 0) == (b.get<long long>() >= 0);
        return a.get<long long>() == b.get<long long>();
    }
    if (a.type() != b.type()) return false;
    if (a.is_array()) {
        if (a.size() != b.size()) return false;
        for (size_t i = 0; i < a.size(); ++i) {
            if (!json_equal(a[i], b[i])) return false;
        }
        return true;
    }
    if (a.is_object()) {
        if (a.size() != b.size()) return false;
        for (auto it = a.begin(); it != a.end(); ++it) {
            auto other = b.find(it.key());
            if (other == b.end() || !json_equal(it.value(), *other)) return false;
        }
        return true;
    }
    return a == b;
}

PredicateOutcome evaluate_predicate(const std::string& op, const Json* actual, const Json& expected) {
    PredicateOutcome out;
    auto missing = [&](std::string expected_text) {
        out.passed = false;
        out.expected = std::move(expected_text);
        out.message = "no value";
        return out;
    };
    if (op == "exists") {
        bool want = !expected.is_boolean() || expected.get<bool>();
        out.passed = (actual != nullptr) == want;
        out.expected = want ? "exists" : "does not exist";
        return out;
    }
    if (op == "equals") {
        out.expected = shown(expected);
        if (!actual) return missing(out.expected);
        out.passed = json_equal(*actual, expected);
        return out;
    }
    if (op == "not_equals") {
        out.expected = "!= " + shown(expected);
        out.passed = !actual || !json_equal(*actual, expected);
        return out;
    }
    if (op == "one_of") {
        out.expected = "one of " + shown(expected);
        if (!actual) return missing(out.expected);
        if (expected.is_array()) {
            for (const auto& e : expected) {
                if (json_equal(*actual, e)) out.passed = true;
            }
        }
        return out;
    }
    if (op == "type") {
        std::vector<std::string> types;
        if (expected.is_array()) {
            for (const auto& t : expected) types.push_back(to_text(t));
        } else {
            types.push_back(to_text(expected));
        }
        out.expected = "type " + core::join(types, " or ");
        if (!actual) return missing(out.expected);
        for (const auto& t : types) {
            if (type_matches(t, *actual)) out.passed = true;
        }
        if (!out.passed) out.message = "type is " + core::json_type_name(*actual);
        return out;
    }
    if (op == "matches") {
        std::string pattern = to_text(expected);
        out.expected = "matches /" + pattern + "/";
        if (!actual) return missing(out.expected);
        try {
            std::regex re(pattern, std::regex::ECMAScript);
            out.passed = std::regex_search(to_text(*actual), re);
        } catch (const std::regex_error& e) {
            out.message = std::string("bad regular expression: ") + e.what();
        }
        return out;
    }
    if (op == "starts_with") {
        std::string prefix = to_text(expected);
        out.expected = "starts with " + shown(Json(prefix));
        if (!actual) return missing(out.expected);
        out.passed = core::starts_with(to_text(*actual), prefix);
        return out;
    }
    if (op == "contains") {
        out.expected = "contains " + shown(expected);
        if (!actual) return missing(out.expected);
        if (actual->is_string()) {
            out.passed = actual->get_ref<const std::string&>().find(to_text(expected)) != std::string::npos;
        } else if (actual->is_array()) {
            for (const auto& e : *actual) {
                if (json_equal(e, expected)) out.passed = true;
            }
        } else if (actual->is_object()) {
            out.passed = expected.is_string() && actual->contains(expected.get<std::string>());
        } else {
            out.message = "cannot look inside a value of type " + core::json_type_name(*actual);
        }
        return out;
    }
    if (op == "gt" || op == "gte" || op == "lt" || op == "lte") {
        const char* sym = op == "gt" ? "> " : op == "gte" ? ">= " : op == "lt" ? "< " : "<= ";
        out.expected = sym + to_text(expected);
        if (!actual) return missing(out.expected);
        auto a = as_number(*actual);
        auto b = as_number(expected);
        if (!a) {
            out.message = "not a number";
            return out;
        }
        if (!b) {
            out.message = "the expected value " + shown(expected) + " is not a number";
            return out;
        }
        out.passed = op == "gt" ? *a > *b : op == "gte" ? *a >= *b : op == "lt" ? *a < *b : *a <= *b;
        return out;
    }
    if (op == "length") {
        out.expected = "length " + to_text(expected);
        if (!actual) return missing(out.expected);
        long long n = -1;
        if (actual->is_array() || actual->is_object()) n = static_cast<long long>(actual->size());
        if (actual->is_string()) n = static_cast<long long>(core::utf8_length(actual->get_ref<const std::string&>()));
        auto want = as_number(expected);
        if (n < 0) {
            out.message = "a value of type " + core::json_type_name(*actual) + " has no length";
            return out;
        }
        out.passed = want && static_cast<double>(n) == *want;
        if (!out.passed) out.message = "length is " + std::to_string(n);
        return out;
    }
    out.message = "unknown predicate \"" + op + "\"";
    return out;
}

}  // namespace mpemu::scenario
