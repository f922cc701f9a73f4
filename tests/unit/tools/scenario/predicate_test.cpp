// Every predicate, passing and failing, with the texts reports show.
#include <catch2/catch.hpp>

#include "tools/scenario/predicate.hpp"

using namespace mpemu;
using core::Json;
using scenario::evaluate_predicate;

namespace {
bool holds(const std::string& op, const Json& actual, const Json& expected) {
    return evaluate_predicate(op, &actual, expected).passed;
}
bool holds_missing(const std::string& op, const Json& expected) {
    return evaluate_predicate(op, nullptr, expected).passed;
}
}  // namespace

TEST_CASE("equals and not_equals compare JSON, numbers by value", "[scenario][predicate]") {
    CHECK(holds("equals", 1, 1));
    CHECK(holds("equals", 1, 1.0));
    CHECK_FALSE(holds("equals", 1, "1"));
    CHECK(holds("equals", Json{{"a", {1, 2}}}, Json{{"a", {1, 2}}}));
    CHECK_FALSE(holds("equals", Json{{"a", {1, 2}}}, Json{{"a", {2, 1}}}));
    CHECK_FALSE(holds_missing("equals", 0));
    CHECK(holds("not_equals", 1, 2));
    CHECK_FALSE(holds("not_equals", "x", "x"));
    CHECK(holds_missing("not_equals", 1));
    auto out = evaluate_predicate("equals", nullptr, 0);
    CHECK(out.expected == "0");
    CHECK(out.message == "no value");
}

TEST_CASE("exists, type", "[scenario][predicate]") {
    CHECK(holds("exists", nullptr, true));  // a JSON null exists
    CHECK(holds_missing("exists", false));
    CHECK_FALSE(holds_missing("exists", true));
    CHECK(holds("type", 3, "integer"));
    CHECK(holds("type", 3, "number"));
    CHECK(holds("type", 3.5, "number"));
    CHECK_FALSE(holds("type", 3.5, "integer"));
    CHECK(holds("type", "s", Json::array({"number", "string"})));
    auto out = evaluate_predicate("type", &static_cast<const Json&>(Json("s")), "object");
    CHECK_FALSE(out.passed);
    CHECK(out.message == "type is string");
    CHECK(out.expected == "type object");
}

TEST_CASE("matches, contains, starts_with", "[scenario][predicate]") {
    CHECK(holds("matches", "oABC", "^o[A-Z]+$"));
    CHECK_FALSE(holds("matches", "xABC", "^o"));
    CHECK(holds("matches", 40029, "^400"));  // scalars are matched as text
    Json s = "abc";
    auto bad = evaluate_predicate("matches", &s, "([");
    CHECK_FALSE(bad.passed);
    CHECK(bad.message.rfind("bad regular expression", 0) == 0);
    CHECK(holds("contains", "application/json; charset=utf-8", "json"));
    CHECK(holds("contains", Json::array({1, 2, 3}), 2));
    CHECK_FALSE(holds("contains", Json::array({1, 2, 3}), 4));
    CHECK(holds("contains", Json{{"k", 1}}, "k"));
    CHECK(holds("starts_with", "wx123", "wx"));
    CHECK_FALSE(holds("starts_with", "ox123", "wx"));
}

TEST_CASE("gt, gte, lt, lte on numbers and numeric strings", "[scenario][predicate]") {
    CHECK(holds("gt", 2, 1));
    CHECK_FALSE(holds("gt", 1, 1));
    CHECK(holds("gte", 1, 1));
    CHECK(holds("lt", "10", 11));
    CHECK(holds("lte", 5.5, "5.5"));
    Json word = "ten";
    auto out = evaluate_predicate("lt", &word, 5);
    CHECK_FALSE(out.passed);
    CHECK(out.message == "not a number");
    CHECK(out.expected == "< 5");
}

TEST_CASE("length and one_of", "[scenario][predicate]") {
    CHECK(holds("length", Json::array({1, 2}), 2));
    CHECK(holds("length", "小程序", 3));  // code points, not bytes
    CHECK(holds("length", Json{{"a", 1}}, 1));
    CHECK_FALSE(holds("length", Json::array({1}), 2));
    Json n = 5;
    auto out = evaluate_predicate("length", &n, 1);
    CHECK(out.message == "a value of type integer has no length");
    CHECK(holds("one_of", "SUCCESS", Json::array({"SUCCESS", "REFUND"})));
    CHECK_FALSE(holds("one_of", "CLOSED", Json::array({"SUCCESS", "REFUND"})));
    CHECK(holds("one_of", 200, Json::array({200, 201})));
}
