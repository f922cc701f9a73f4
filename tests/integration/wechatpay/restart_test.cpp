// WeChat Pay v3 state and notifications survive a crash with --state: orders stay, and a payment
// notification that was not yet acknowledged is delivered by the restarted emulator.
#include <thread>

#include <catch2/catch.hpp>

#include "tests/integration/wechatpay/client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::wxpay;
using core::Json;

TEST_CASE("wechatpay: undelivered notifications are sent after a crash and restart with --state",
          "[wechatpay][notify][state]") {
    HttpSink sink;
    sink.script({{500, R"({"code":"FAIL","message":"失败"})"}}, {200, ""});
    std::string state = temp_dir() + "/state.db";
    std::string body;
    {
        EmulatorProcess emu({"--state", state});
        Session s(emu, cert_merchant());
        REQUIRE(s.order("CRASH_0001", 7, sink.url()).status == 200);
        s.pay("CRASH_0001");
        auto got = sink.wait_for(1);
        REQUIRE(got.size() == 1);  // refused with 500; the retry is 15 s away
        body = got[0].body;
        emu.kill_now();
    }
    EmulatorProcess emu({"--state", state});
    Session s(emu, cert_merchant());
    CHECK(body_of(s.query("CRASH_0001"))["trade_state"] == "SUCCESS");
    emu.admin("POST", "/__admin/clock", {{"advance", "1m"}});
    auto got = sink.wait_for(2);
    REQUIRE(got.size() == 2);
    CHECK(got[1].body == body);  // same notification, same id and ciphertext
    CHECK(Json::parse(got[1].body)["event_type"] == "TRANSACTION.SUCCESS");
}
