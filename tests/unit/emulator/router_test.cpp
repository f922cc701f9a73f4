// The operation table: templates, literal-over-parameter precedence, methods, prefixes and suffixes.
#include <catch2/catch.hpp>

#include "emulator/router.hpp"

namespace mpemu::emulator {
namespace {

Router make_router() {
    Router r;
    RouteGroup pay;
    pay.name = "pay";
    pay.prefixes = {"/v3/pay/"};
    pay.refuse = [](const Request&, const RefusalInfo&) { return Response{}; };
    r.add_group(std::move(pay));
    RouteGroup gw;
    gw.name = "gateway";
    gw.prefixes = {"/gateway.do"};
    gw.suffixes = {"/gateway.do"};
    gw.refuse = [](const Request&, const RefusalInfo&) { return Response{}; };
    r.add_group(std::move(gw));
    auto op = [](std::string method, std::string path, std::string id) {
        return Operation{std::move(method), std::move(path), std::move(id), [](Request&) { return Response{}; }};
    };
    r.add("pay", op("GET", "/v3/pay/transactions/id/{transaction_id}", "by-id"));
    r.add("pay", op("GET", "/v3/pay/transactions/{kind}/{no}", "by-kind"));
    r.add("pay", op("POST", "/v3/pay/transactions/out-trade-no/{no}/close", "close"));
    r.add("gateway", op("POST", "/**/gateway.do", "gateway"));
    return r;
}

}  // namespace

TEST_CASE("router: literal segments beat parameters and parameters are decoded", "[router]") {
    Router r = make_router();
    auto m = r.match("GET", "/v3/pay/transactions/id/4200%2F01");
    REQUIRE(m.operation);
    CHECK(m.operation->id == "by-id");
    CHECK(m.params.at("transaction_id") == "4200/01");
    m = r.match("GET", "/v3/pay/transactions/out-trade-no/A1");
    REQUIRE(m.operation);
    CHECK(m.operation->id == "by-kind");
    CHECK(m.params.at("kind") == "out-trade-no");
    CHECK(m.params.at("no") == "A1");
}

TEST_CASE("router: a path served with other methods reports them, unknown paths fall to their prefix's group",
          "[router]") {
    Router r = make_router();
    auto m = r.match("GET", "/v3/pay/transactions/out-trade-no/A1/close");
    CHECK_FALSE(m.operation);
    REQUIRE(m.group);
    CHECK(m.group->name == "pay");
    CHECK(m.allowed_methods == std::vector<std::string>{"POST"});
    m = r.match("GET", "/v3/pay/nothing/here/at/all");
    CHECK_FALSE(m.operation);
    REQUIRE(m.group);
    CHECK(m.group->name == "pay");
    CHECK(m.allowed_methods.empty());
    CHECK_FALSE(r.match("GET", "/elsewhere").group);
}

TEST_CASE("router: a leading /** matches the same path under any prefix, and suffixes claim the group", "[router]") {
    Router r = make_router();
    for (const char* path : {"/gateway.do", "/alipay/gateway.do", "/a/b/c/gateway.do"}) {
        INFO(path);
        auto m = r.match("POST", path);
        REQUIRE(m.operation);
        CHECK(m.operation->id == "gateway");
    }
    CHECK_FALSE(r.match("POST", "/gateway.do/x").operation);
    CHECK_FALSE(r.match("POST", "/xgateway.do").operation);
    auto m = r.match("PUT", "/proxy/gateway.do");
    CHECK_FALSE(m.operation);
    REQUIRE(m.group);
    CHECK(m.group->name == "gateway");
    CHECK(m.allowed_methods == std::vector<std::string>{"POST"});
    REQUIRE(r.group_for("/proxy/gateway.do"));
    CHECK(r.group_for("/proxy/gateway.do")->name == "gateway");
}

TEST_CASE("router: with a service, only that service's groups match (a per-service port)", "[router][ports]") {
    Router r = make_router();
    RouteGroup v2;
    v2.name = "pay_v2";  // "pay_"-prefixed: pay's too
    v2.prefixes = {"/pay/"};
    v2.refuse = [](const Request&, const RefusalInfo&) { return Response{}; };
    r.add_group(std::move(v2));
    r.add("pay_v2", Operation{"POST", "/pay/orderquery", "v2-query", [](Request&) { return Response{}; }});

    auto m = r.match("POST", "/pay/orderquery", "pay");
    REQUIRE(m.operation);
    CHECK(m.operation->id == "v2-query");
    m = r.match("POST", "/gateway.do", "pay");
    CHECK_FALSE(m.operation);
    CHECK_FALSE(m.group);  // the gateway's path is not pay's, even by suffix
    CHECK(r.match("POST", "/gateway.do", "gateway").operation);
    CHECK(r.match("POST", "/gateway.do").operation);  // no service: every group
    CHECK_FALSE(r.group_for("/v3/pay/x", "gateway"));
    CHECK(r.group_for("/v3/pay/x", "pay"));
    // A name that merely starts the same is not the service's.
    RouteGroup payroll;
    payroll.name = "payroll";
    CHECK_FALSE(Router::in_service(payroll, "pay"));
    REQUIRE(r.group_named("pay_v2"));
    CHECK(Router::in_service(*r.group_named("pay_v2"), "pay"));
    CHECK_FALSE(r.group_named("nope"));
}

}  // namespace mpemu::emulator
