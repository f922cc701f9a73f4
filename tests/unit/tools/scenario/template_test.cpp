// Templates: parsing errors with offsets, variable lookups, types kept, every function.
#include <catch2/catch.hpp>

#include "core/crypto.hpp"
#include "tools/scenario/template.hpp"

using namespace mpemu;
using scenario::Template;
using scenario::TemplateError;

namespace {

core::Json vars = {{"name", "mpemu"},
                   {"amount", 100},
                   {"order", {{"id", "T1"}, {"items", {"a", "b", "c"}}}},
                   {"body", "{\"nested\":{\"x\":7}}"},
                   {"jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTQyIiwic2NvcGUiOiJwYXkifQ.c2ln"}};

scenario::Lookup lookup() {
    return [](std::string_view n) -> const core::Json* {
        auto it = vars.find(std::string(n));
        return it == vars.end() ? nullptr : &*it;
    };
}

core::Json eval(const std::string& text) {
    auto t = Template::compile(text);
    REQUIRE(t.ok());
    auto v = t->evaluate(lookup());
    INFO(text << ": " << (v ? std::string() : v.error().message));
    REQUIRE(v.ok());
    return *v;
}

std::string eval_error(const std::string& text) {
    auto t = Template::compile(text);
    REQUIRE(t.ok());
    auto v = t->evaluate(lookup());
    REQUIRE_FALSE(v.ok());
    return v.error().message;
}

}  // namespace

TEST_CASE("templates substitute variables and keep JSON types for a whole-string expression", "[scenario][template]") {
    CHECK(eval("plain text") == "plain text");
    CHECK(eval("hello {{name}}!") == "hello mpemu!");
    CHECK(eval("{{amount}}") == 100);
    CHECK(eval("{{ amount }}") == 100);
    CHECK(eval("total={{amount}}") == "total=100");
    CHECK(eval("{{order.id}}") == "T1");
    CHECK(eval("{{order.items[1]}}") == "b");
    CHECK(eval("{{order.items[-1]}}") == "c");
    CHECK(eval("{{order.items.length}}") == 3);
    CHECK(eval("{{order}}") == vars["order"]);
    CHECK(eval("{{body.nested.x}}") == 7);  // a string holding JSON can be walked into
    CHECK(eval("{{'literal'}}") == "literal");
}

TEST_CASE("template functions", "[scenario][template]") {
    CHECK(eval("{{uuid()}}").get<std::string>().size() == 36);
    CHECK(eval("{{random_digits(6)}}").get<std::string>().find_first_not_of("0123456789") == std::string::npos);
    CHECK(eval("{{random_digits(6)}}").get<std::string>().size() == 6);
    CHECK(eval("{{random_hex(4)}}").get<std::string>().size() == 4);
    CHECK(eval("{{base64('hi')}}") == "aGk=");
    CHECK(eval("{{base64_decode('aGk=')}}") == "hi");
    CHECK(eval("{{sha256('abc')}}") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(eval("{{md5('')}}") == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(eval("{{hmac_sha256('key', name)}}") == core::crypto::hmac_sha256_hex("key", "mpemu"));
    CHECK(eval("{{urlencode('a b&c')}}") == "a%20b%26c");
    CHECK(eval("{{jwt_claim(jwt, 'sub')}}") == "u-42");
    CHECK(eval("{{upper(name)}}") == "MPEMU");
    CHECK(eval("{{concat(name, '-', amount)}}") == "mpemu-100");
    CHECK(eval("{{add(amount, 5)}}") == 105);
    CHECK(eval("{{sub(amount, 5)}}") == 95);
    CHECK(eval("{{number('42')}}") == 42);
    CHECK(eval("{{json(order.items)}}") == "[\"a\",\"b\",\"c\"]");
    CHECK(eval("{{default('', 'x')}}") == "x");
    // Time: formats and offsets (wall clock of the harness).
    CHECK(eval("{{now()}}").get<std::string>().size() == 25);  // 2024-01-01T12:00:00+08:00
    CHECK(eval("{{now('', 'utc')}}").get<std::string>().back() == 'Z');
    long long u = eval("{{unix()}}").get<long long>();
    long long later = eval("{{unix('+2h')}}").get<long long>();
    CHECK(later - u >= 7199);
    CHECK(later - u <= 7201);
    CHECK(eval("{{now('-1d', 'compact')}}").get<std::string>().size() == 14);
    CHECK(eval("{{now('', 'datetime')}}").get<std::string>().size() == 19);
}

TEST_CASE("template errors at compile time carry offsets and hints", "[scenario][template]") {
    TemplateError err;
    CHECK_FALSE(Template::compile("abc {{name", &err).ok());
    CHECK(err.offset == 4);
    CHECK(err.message == "unclosed \"{{\" in template");

    CHECK_FALSE(Template::compile("x{{sha265(name)}}", &err).ok());
    CHECK(err.offset == 3);
    CHECK(err.length == 6);
    CHECK(err.message == "unknown template function \"sha265\"");
    CHECK(err.hint == "did you mean \"sha256\"?");

    CHECK_FALSE(Template::compile("{{uuid(}}", &err).ok());
    CHECK(err.message == "expected a value");

    CHECK_FALSE(Template::compile("{{ }}", &err).ok());
    CHECK(err.message == "empty {{ }}");

    CHECK_FALSE(Template::compile("{{'open}}", &err).ok());
    CHECK(err.message == "unterminated string in template");
}

TEST_CASE("template errors at run time name the problem", "[scenario][template]") {
    CHECK(eval_error("{{nope}}") == "unknown variable \"nope\"");
    CHECK(eval_error("{{order.nope}}") == "order has no member \"nope\"");
    CHECK(eval_error("{{order.items[9]}}") == "order.items has no element 9");
    CHECK(eval_error("{{env.MPEMU_SURELY_UNSET_VAR}}") == "environment variable MPEMU_SURELY_UNSET_VAR is not set");
    CHECK(eval_error("{{jwt_claim(name, 'sub')}}") == "not a JWT (expected header.payload.signature)");
    CHECK(eval_error("{{random_digits('x')}}") == "random_digits() argument 1 must be an integer, got x");
    CHECK(eval_error("{{now('soon')}}") == "bad time offset \"soon\" (try \"+2h\", \"-30m\")");
    // Found by fuzz_template: an offset whose nanoseconds overflow the clock.
    CHECK(eval_error("{{now('8888888888888')}}") == "time offset \"8888888888888\" is beyond 100 years");
    CHECK(eval_error("{{unix('-40000d')}}") == "time offset \"-40000d\" is beyond 100 years");
}

TEST_CASE("references list the variables a template reads", "[scenario][template]") {
    auto t = Template::compile("{{a}}-{{hmac_sha256(b, env.X)}}-{{c.d}}");
    REQUIRE(t.ok());
    auto refs = t->references();
    REQUIRE(refs.size() == 3);
    CHECK(refs[0].first == "a");
    CHECK(refs[0].second == 2);
    CHECK(refs[1].first == "b");
    CHECK(refs[2].first == "c");
}

TEST_CASE("render_json renders strings inside objects, keys too", "[scenario][template]") {
    core::OrderedJson in = {{"amount", "{{amount}}"}, {"{{name}}_key", "x {{order.id}}"}, {"list", {"{{amount}}", 1}}};
    auto out = scenario::render_json(in, lookup());
    REQUIRE(out.ok());
    CHECK((*out)["amount"] == 100);
    CHECK((*out)["mpemu_key"] == "x T1");
    CHECK((*out)["list"][0] == 100);
}

TEST_CASE("arithmetic and conversion functions: yuan to fen and back", "[scenario][template]") {
    CHECK(eval("{{round(mul(\"9.99\", 100))}}") == core::Json(999));  // 998.999... without round
    CHECK(eval("{{mul(amount, 3)}}") == core::Json(300));
    CHECK(eval("{{mul(amount, 3)}}").is_number_integer());
    CHECK(eval("{{div(amount, 4)}}") == core::Json(25));
    CHECK(eval("{{div(amount, 4)}}").is_number_integer());
    CHECK(eval("{{div(999, 100)}}") == core::Json(9.99));
    CHECK(eval("{{round(div(999, 100), 1)}}") == core::Json(10.0));
    CHECK(eval("{{round(3.14159, 2)}}") == core::Json(3.14));
    CHECK(eval("{{round(2.5)}}") == core::Json(3));
    CHECK(eval("{{int(\"12.7\")}}") == core::Json(12));
    CHECK(eval("{{int(-12.7)}}") == core::Json(-12));
    CHECK(eval("{{int(\"42\")}}") == core::Json(42));
    CHECK(eval("{{str(amount)}}") == core::Json("100"));
    CHECK(eval("{{str(order.id)}}") == core::Json("T1"));
    CHECK(eval("fen={{mul(amount, 100)}}") == core::Json("fen=10000"));
    CHECK(eval_error("{{div(amount, 0)}}").find("division by zero") != std::string::npos);
    CHECK(eval_error("{{mul(name, 2)}}").find("must be a number, got mpemu") != std::string::npos);
    CHECK(eval_error("{{int(\"ten\")}}").find("must be a number") != std::string::npos);
}
