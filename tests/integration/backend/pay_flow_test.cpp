// The whole journey through the backend mimic, as a mini program and its backend live it:
// login (WeChat / Alipay) -> order -> pay action -> the user pays -> the provider notifies the
// mimic -> the order is paid. Runs against the real emulated providers when they are in the build;
// without them the actions must be refused with a clear 501 (never stubbed).
#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "core/json.hpp"
#include "tests/support/emulator_process.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using core::Json;

namespace {

bool action_available(EmulatorProcess& emu, const std::string& action) {
    auto f = emu.admin("GET", "/__admin/fixtures");
    for (const auto& r : f["backend"]["routes"]) {
        if (r.value("action", "") == action) return !r.contains("unavailable");
    }
    FAIL("no route with action " << action << " in fixtures/default");
    return false;
}

core::HeaderList bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
}

// Waits (bounded) for the provider's notification to reach the mimic and mark the order paid.
Json wait_paid(EmulatorProcess& emu, const std::string& token, long long id) {
    Json order;
    for (int i = 0; i < 200; ++i) {
        auto r = emu.get("/api/orders/" + std::to_string(id), bearer(token));
        REQUIRE(r.status == 200);
        order = Json::parse(r.body);
        if (order["status"] == "paid") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return order;
}

long long create_order(EmulatorProcess& emu, const std::string& token) {
    auto r = emu.post("/api/orders",
                      R"({"items":[{"productId":5,"quantity":1,"price":1}],"total":1,"description":"Tea tasting set"})",
                      bearer(token));
    REQUIRE(r.status == 201);
    auto order = Json::parse(r.body);
    CHECK(order["status"] == "created");
    return order["id"].get<long long>();
}

}  // namespace

TEST_CASE("backend flow: WeChat login -> order -> WeChat Pay JSAPI -> notification -> paid",
          "[backend][flow][wechatpay]") {
    EmulatorProcess emu;
    if (!action_available(emu, "wechat_login") || !action_available(emu, "wechatpay_jsapi")) {
        auto r = emu.post("/api/login/wechat", R"({"code":"x"})", {{"Content-Type", "application/json"}});
        REQUIRE(r.status == 501);
        CHECK(Json::parse(r.body)["type"] == "https://mpemu.dev/problems/action-unavailable");
        return;
    }
    auto code = emu.admin("POST", "/__admin/wechat/login-codes",
                          {{"appid", "wx8f3b6c2a1d4e5f60"}, {"openid", "odcwjOoGUI01iEFT059hgovC9JPn"}})["code"];
    auto r = emu.post("/api/login/wechat", Json({{"code", code}}).dump(), {{"Content-Type", "application/json"}});
    REQUIRE(r.status == 200);
    auto login = Json::parse(r.body);
    std::string token = login["token"];
    CHECK(login["user"]["openid"] == "odcwjOoGUI01iEFT059hgovC9JPn");

    long long id = create_order(emu, token);
    r = emu.post("/api/orders/" + std::to_string(id) + "/pay/wechat", "", bearer(token));
    INFO(r.body);
    REQUIRE(r.status == 200);
    auto pay = Json::parse(r.body);
    const auto& rp = pay["requestPayment"];
    CHECK(rp["signType"] == "RSA");
    CHECK(rp["package"].get<std::string>().rfind("prepay_id=", 0) == 0);

    // The user pays in WeChat; the emulator checks the wx.requestPayment parameters as WeChat would.
    Json pay_req = {{"result", "SUCCESS"},
                    {"mchid", "1900000109"},
                    {"request_payment",
                     {{"appId", pay["appId"]},
                      {"timeStamp", rp["timeStamp"]},
                      {"nonceStr", rp["nonceStr"]},
                      {"package", rp["package"]},
                      {"signType", rp["signType"]},
                      {"paySign", rp["paySign"]}}}};
    emu.admin("POST", "/__admin/wechatpay/transactions/" + pay["outTradeNo"].get<std::string>() + "/pay", pay_req);

    auto order = wait_paid(emu, token, id);
    CHECK(order["status"] == "paid");
    CHECK(order["payment"]["provider"] == "wechatpay");
    CHECK(order["payment"]["transactionId"].get<std::string>().size() == 28);

    // A paid order cannot be paid again.
    r = emu.post("/api/orders/" + std::to_string(id) + "/pay/wechat", "", bearer(token));
    CHECK(r.status == 409);
}

TEST_CASE("backend flow: Alipay login -> order -> trade.create -> notification -> paid", "[backend][flow][alipay]") {
    EmulatorProcess emu;
    if (!action_available(emu, "alipay_login") || !action_available(emu, "alipay_trade")) {
        auto r = emu.post("/api/login/alipay", R"({"authCode":"x"})", {{"Content-Type", "application/json"}});
        REQUIRE(r.status == 501);
        CHECK(Json::parse(r.body)["detail"].get<std::string>().find("alipay") != std::string::npos);
        return;
    }
    auto code = emu.admin("POST", "/__admin/alipay/auth-codes",
                          {{"app_id", "2021004100000001"}, {"user_id", "2088102177846881"}})["auth_code"];
    auto r = emu.post("/api/login/alipay", Json({{"authCode", code}}).dump(), {{"Content-Type", "application/json"}});
    INFO(r.body);
    REQUIRE(r.status == 200);
    std::string token = Json::parse(r.body)["token"];

    long long id = create_order(emu, token);
    r = emu.post("/api/orders/" + std::to_string(id) + "/pay/alipay", "", bearer(token));
    INFO(r.body);
    REQUIRE(r.status == 200);
    auto pay = Json::parse(r.body);
    CHECK(pay["tradeNO"].get<std::string>().size() >= 28);

    emu.admin("POST", "/__admin/alipay/trades/" + pay["outTradeNo"].get<std::string>() + "/pay",
              {{"result", "TRADE_SUCCESS"}, {"app_id", "2021004100000001"}});
    auto order = wait_paid(emu, token, id);
    CHECK(order["status"] == "paid");
    CHECK(order["payment"]["provider"] == "alipay");

    // WeChat Pay needs a WeChat login: an Alipay user is told so.
    long long other = create_order(emu, token);
    r = emu.post("/api/orders/" + std::to_string(other) + "/pay/wechat", "", bearer(token));
    if (r.status != 501) CHECK(r.status == 409);
}
