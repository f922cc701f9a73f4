// Stub response templates: parsing errors with offsets, typed single values, interpolation, lookups.
#include <catch2/catch.hpp>

#include "emulator/backend/template.hpp"

using namespace mpemu;
using core::Json;

TEST_CASE("template: a lone expression keeps its JSON type, mixed text interpolates", "[backend][template]") {
    emulator::Request req;
    req.method = "POST";
    req.path = "/api/x/7";
    req.query = {{"q", "tea"}};
    req.headers = {{"X-Trace", "t-1"}};
    std::map<std::string, std::string> params = {{"id", "7"}};
    Json body = {{"items", {{{"sku", "A"}, {"n", 2}}}}, {"count", 3}};
    Json claims = {{"sub", "wechat:o1"}};
    backend::TemplateContext ctx;
    ctx.request = &req;
    ctx.path_params = &params;
    ctx.body = &body;
    ctx.claims = &claims;
    ctx.lookup = [](const std::string& c, const std::string& id) -> Json {
        if (c == "products" && id == "7") return {{"name", "Tea"}, {"price", 100}};
        return nullptr;
    };
    std::vector<backend::JsonTemplate::Problem> problems;
    auto t = backend::JsonTemplate::compile(
        {{"count", "{{body.count}}"},
         {"first", "{{body.items.0}}"},
         {"text", "{{method}} {{path}} q={{query.q}} id={{path.id}} by {{jwt.sub}} ({{header.x-trace}})"},
         {"price", "{{lookup products path.id price}}"},
         {"product", "{{lookup products '7'}}"},
         {"missing", "{{body.nope}}"},
         {"plain", "no templates"}},
        {"products"}, &problems);
    REQUIRE(problems.empty());
    Json out = t.render(ctx);
    CHECK(out["count"] == 3);
    CHECK(out["first"] == Json({{"sku", "A"}, {"n", 2}}));
    CHECK(out["text"] == "POST /api/x/7 q=tea id=7 by wechat:o1 (t-1)");
    CHECK(out["price"] == 100);
    CHECK(out["product"]["name"] == "Tea");
    CHECK(out["missing"].is_null());
    CHECK(out["plain"] == "no templates");
}

TEST_CASE("template: errors name the problem and its offset inside the string", "[backend][template]") {
    auto t = backend::Template::compile("hello {{qeury.name}}");
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().detail == "6");
    CHECK(t.error().message.find("did you mean \"query\"") != std::string::npos);

    t = backend::Template::compile("x {{now");
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().message.find("closing") != std::string::npos);

    t = backend::Template::compile("{{lookup prodcts path.id}}", {"products", "orders"});
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().message.find("did you mean \"products\"") != std::string::npos);

    t = backend::Template::compile("{{query}}");
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().message.find("exactly one name") != std::string::npos);
}

TEST_CASE("template: path parameters are checked against the route's {names}", "[backend][template]") {
    std::vector<std::string> params{"shopId", "itemId"};
    CHECK(backend::Template::compile("{{path.shopId}}/{{path.itemId}}", {}, &params).ok());
    CHECK(backend::Template::compile("{{path}}", {}, &params).ok());  // the request path itself

    auto t = backend::Template::compile("shop {{path.shopid}}", {}, &params);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().detail == "5");
    CHECK(t.error().message == "unknown path parameter \"shopid\" (did you mean \"shopId\"?)");

    t = backend::Template::compile("{{lookup products path.id}}", {"products"}, &params);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().message == "unknown path parameter \"id\": the route's path has {shopId}, {itemId}");

    std::vector<std::string> none;
    t = backend::Template::compile("{{params.id}}", {}, &none);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().message.find("the route's path has no {parameters}") != std::string::npos);
    // Without the route's names (other callers), nothing is assumed.
    CHECK(backend::Template::compile("{{path.anything}}").ok());
}
