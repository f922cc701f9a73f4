// Bad input across the payment providers: correctly signed but malformed bodies, oversized bodies and
// deep nesting each get an error in the caller's own protocol, never a crash or a 5xx, and change no
// state. (The WeChat mini program API has its own, finer test in wechat/robustness_test.cpp.)
#include <catch2/catch.hpp>

#include "tests/integration/alipay/client.hpp"
#include "tests/integration/wechatpay/client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using core::Json;

namespace {

const std::vector<std::string>& malformed_bodies() {
    static const std::vector<std::string> kBodies = {
        "",
        "null",
        "[]",
        "{",
        "\"x\"",
        "42",
        "{\"amount\":{}}",
        "{\"amount\":{\"total\":\"100\"}}",
        "{\"amount\":{\"total\":1e400}}",
        "{\"amount\":{\"total\":-1},\"out_trade_no\":[]}",
        "{\"out_trade_no\":null,\"mchid\":{}}",
        std::string(200, '[') + std::string(200, ']'),
        std::string("{\"description\":\"\xff\xfe\"}"),
        "{\"description\":\"" + std::string(70000, 'a') + "\"}",
    };
    return kBodies;
}

}  // namespace

TEST_CASE("robustness: WeChat Pay v3 answers signed malformed bodies with its JSON errors and changes nothing",
          "[robustness][wechatpay]") {
    EmulatorProcess emu;
    wxpay::Session s(emu, wxpay::cert_merchant());
    const std::vector<std::string> targets = {
        "/v3/pay/transactions/jsapi",
        "/v3/pay/transactions/native",
        "/v3/pay/transactions/out-trade-no/NOPE/close",
        "/v3/refund/domestic/refunds",
    };
    for (const auto& target : targets) {
        for (const auto& body : malformed_bodies()) {
            INFO("POST " << target << " body: " << body.substr(0, 80));
            auto r = s.send("POST", target, body);
            CHECK(r.status >= 400);
            CHECK(r.status < 500);
            auto j = core::parse_json(r.body);
            REQUIRE(j);
            CHECK((*j)["code"].is_string());
            CHECK((*j)["message"].is_string());
        }
    }
    CHECK(emu.admin("GET", "/__admin/wechatpay/transactions")["transactions"].empty());
    CHECK(emu.admin("GET", "/__admin/wechatpay/refunds")["refunds"].empty());
    // The emulator is unharmed: a well-formed order still goes through.
    CHECK(s.order("AFTER-BAD-INPUT").status == 200);
}

TEST_CASE("robustness: the Alipay gateway answers malformed biz_content with signed error nodes and changes nothing",
          "[robustness][alipay]") {
    EmulatorProcess emu;
    alipay_test::Client c(emu);
    const std::vector<std::string> methods = {"alipay.trade.create", "alipay.trade.query", "alipay.trade.refund",
                                              "alipay.trade.fastpay.refund.query", "alipay.trade.close"};
    for (const auto& method : methods) {
        for (const auto& biz : malformed_bodies()) {
            INFO(method << " biz_content: " << biz.substr(0, 80));
            auto r = c.send(c.signed_params(method, nullptr, {{"biz_content", biz}}), method);
            CHECK(r.status == 200);
            REQUIRE(r.node.is_object());
            CHECK(r.node["code"] != "10000");
            CHECK(r.sign_ok);
        }
    }
    CHECK(emu.admin("GET", "/__admin/alipay/trades")["trades"].empty());
    CHECK(emu.admin("GET", "/__admin/alipay/refunds")["refunds"].empty());
    auto ok = c.exec("alipay.trade.create", Json{{"out_trade_no", "AFTER-BAD-INPUT"},
                                                 {"total_amount", "1.00"},
                                                 {"subject", "x"},
                                                 {"buyer_id", alipay_test::kUser1}});
    CHECK(ok.node["code"] == "10000");
}

TEST_CASE("robustness: an oversized body is refused in each provider's own format", "[robustness]") {
    EmulatorProcess emu;
    const std::string big(size_t{2} * 1024 * 1024, 'a');
    SECTION("WeChat mini program API: errcode JSON, HTTP 200") {
        auto r = emu.post("/wxa/msg_sec_check?access_token=x", big, {{"Content-Type", "application/json"}});
        CHECK(r.status == 200);
        auto j = core::parse_json(r.body);
        REQUIRE(j);
        CHECK((*j)["errcode"].get<int>() != 0);
    }
    SECTION("WeChat Pay v3: {code, message}") {
        auto r = emu.post("/v3/pay/transactions/jsapi", big, {{"Content-Type", "application/json"}});
        CHECK(r.status == 413);
        auto j = core::parse_json(r.body);
        REQUIRE(j);
        CHECK((*j)["code"].is_string());
        CHECK((*j)["message"].is_string());
    }
    SECTION("Alipay gateway: a signed error_response, HTTP 200") {
        auto r = emu.post("/gateway.do", big, {{"Content-Type", "application/x-www-form-urlencoded"}});
        CHECK(r.status == 200);
        auto j = core::parse_json(r.body);
        REQUIRE(j);
        CHECK(j->contains("error_response"));
    }
    SECTION("the app backend mimic: problem+json") {
        auto r = emu.post("/api/cart", big, {{"Content-Type", "application/json"}});
        CHECK(r.status == 413);
        const std::string* type = r.header("Content-Type");
        REQUIRE(type);
        CHECK(type->find("application/problem+json") != std::string::npos);
    }
    CHECK(emu.admin("GET", "/__admin/health")["status"] == "ok");
}
