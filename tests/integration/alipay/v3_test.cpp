// Alipay OpenAPI v3 over HTTP: Authorization verification over the raw target and body, signed
// response headers on every answer, the same methods as the gateway, errors as {code,message,links}.
#include <catch2/catch.hpp>

#include "tests/integration/alipay/client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::alipay_test;
using core::Json;

TEST_CASE("alipay v3: every method, signed replies", "[alipay][v3]") {
    EmulatorProcess emu;
    Client c(emu);
    auto r = c.v3("POST", "/v3/alipay/trade/create",
                  R"({"out_trade_no":"V1","total_amount":"10.00","subject":"v3","buyer_id":"2088102177846880"})");
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(c.v3_sign_ok(r));
    REQUIRE(r.header("alipay-trace-id"));
    auto body = Json::parse(r.body);
    CHECK(body["out_trade_no"] == "V1");
    CHECK_FALSE(body.contains("code"));
    std::string trade_no = body["trade_no"].get<std::string>();

    // GET with the query string signed exactly as sent ('+' for spaces would be kept verbatim too).
    r = c.v3("GET", "/v3/alipay/trade/query?out_trade_no=V1&query_options=fund_bill_list");
    REQUIRE(r.status == 200);
    CHECK(c.v3_sign_ok(r));
    CHECK(Json::parse(r.body)["trade_status"] == "WAIT_BUYER_PAY");
    c.pay("V1");
    r = c.v3("POST", "/v3/alipay/trade/query",
             R"({"trade_no":")" + trade_no + R"(","query_options":["fund_bill_list"]})");
    CHECK(Json::parse(r.body)["fund_bill_list"][0]["amount"] == "10.00");

    r = c.v3("POST", "/v3/alipay/trade/refund", R"({"out_trade_no":"V1","refund_amount":"4.00","out_request_no":"A"})");
    CHECK(c.v3_sign_ok(r));
    CHECK(Json::parse(r.body)["fund_change"] == "Y");
    r = c.v3("POST", "/v3/alipay/trade/fastpay/refund/query", R"({"out_trade_no":"V1","out_request_no":"A"})");
    CHECK(Json::parse(r.body)["refund_amount"] == "4.00");

    c.v3("POST", "/v3/alipay/trade/create",
         R"({"out_trade_no":"V2","total_amount":"1.00","subject":"v3","buyer_id":"2088102177846880"})");
    r = c.v3("POST", "/v3/alipay/trade/close", R"({"out_trade_no":"V2"})");
    CHECK(r.status == 200);
    CHECK(Json::parse(r.body)["out_trade_no"] == "V2");

    auto code = emu.admin("POST", "/__admin/alipay/auth-codes", {{"app_id", kApp1}, {"user_id", kUser1}})["auth_code"]
                    .get<std::string>();
    r = c.v3("POST", "/v3/alipay/system/oauth/token", R"({"grant_type":"authorization_code","code":")" + code + "\"}");
    CHECK(c.v3_sign_ok(r));
    auto token = Json::parse(r.body);
    CHECK(token["user_id"] == kUser1);
    CHECK(token["expires_in"].is_number());
    r = c.v3("POST", "/v3/alipay/user/info/share",
             R"({"auth_token":")" + token["access_token"].get<std::string>() + "\"}");
    CHECK(Json::parse(r.body)["nick_name"] == "支付宝用户");
}

TEST_CASE("alipay v3: errors are {code,message,links} with the provider's status", "[alipay][v3]") {
    EmulatorProcess emu;
    Client c(emu);
    auto r = c.v3("POST", "/v3/alipay/trade/query", R"({"out_trade_no":"NOPE"})");
    CHECK(r.status == 400);
    auto body = Json::parse(r.body);
    CHECK(body["code"] == "ACQ.TRADE_NOT_EXIST");
    CHECK(body["message"] == "交易不存在");
    CHECK(body["links"].is_array());
    CHECK(c.v3_sign_ok(r));  // signed anyway; SDKs ignore it on errors

    r = c.v3("POST", "/v3/alipay/user/info/share", R"({"auth_token":"nope"})");
    CHECK(r.status == 401);
    CHECK(Json::parse(r.body)["code"] == "invalid-auth-token");

    r = c.v3("POST", "/v3/alipay/system/oauth/token", R"({"grant_type":"authorization_code","code":"nope"})");
    CHECK(r.status == 400);
    CHECK(Json::parse(r.body)["code"] == "code-invalid");

    // A signature over another body, a missing header, another scheme, an unknown app.
    auto good = c.v3("POST", "/v3/alipay/trade/query", R"({"out_trade_no":"A"})");
    CHECK(good.status == 400);  // verified: business error only
    core::HeaderList h{{"Authorization", "ALIPAY-SHA256withRSA app_id=2021004100000001,nonce=n,timestamp=1,sign=AAAA"},
                       {"Content-Type", "application/json"}};
    r = emu.post("/v3/alipay/trade/query", R"({"out_trade_no":"A"})", h);
    CHECK(r.status == 401);
    CHECK(Json::parse(r.body)["code"] == "invalid-signature");
    r = emu.post("/v3/alipay/trade/query", R"({"out_trade_no":"A"})");
    CHECK(r.status == 401);
    CHECK(Json::parse(r.body)["code"] == "missing-signature");
    r = emu.post("/v3/alipay/trade/query", "{}", {{"Authorization", "Bearer x"}});
    CHECK(r.status == 401);
    h[0].second = "ALIPAY-SHA256withRSA app_id=2021009999999999,nonce=n,timestamp=1,sign=AAAA";
    r = emu.post("/v3/alipay/trade/query", "{}", h);
    CHECK(r.status == 400);
    CHECK(Json::parse(r.body)["code"] == "invalid-app-id");

    r = c.v3("POST", "/v3/alipay/trade/create", "[1,2]");
    CHECK(r.status == 400);
    CHECK(Json::parse(r.body)["code"] == "invalid-parameter");

    // Paths that are not emulated, and wrong methods, still answer in the v3 format.
    r = c.v3("POST", "/v3/alipay/trade/pay", "{}");
    CHECK(r.status == 404);
    CHECK(Json::parse(r.body)["code"] == "invalid-method");
    CHECK(Json::parse(r.body)["message"].get<std::string>().find("/v3/alipay/trade/pay") != std::string::npos);
    r = emu.request("DELETE", "/v3/alipay/trade/create");
    CHECK(r.status == 405);
    REQUIRE(r.header("Allow"));
}
