// What serve keeps and for how long, on the emulator clock: without --retain every order and notification
// stays (as the providers keep them); with --retain, settled rows and delivered notifications go once their
// last change is older than that, and nothing else does.
#include <catch2/catch.hpp>

#include "tests/support/process.hpp"

#include "tests/integration/alipay/client.hpp"
#include "tests/integration/wechatpay/client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::wxpay;
using core::Json;

namespace {

Json notifications_about(EmulatorProcess& emu, const std::string& out_trade_no) {
    return emu.admin("GET", "/__admin/notifications?channel=wechatpay.v3&subject=" + out_trade_no)["notifications"];
}

void advance(EmulatorProcess& emu, const std::string& by) {
    REQUIRE(emu.admin("POST", "/__admin/clock", {{"advance", by}})["unix_ms"].is_number());
}

}  // namespace

TEST_CASE("retention: --retain forgets settled orders and delivered notifications, keeps the rest",
          "[retention][wechatpay]") {
    EmulatorProcess emu({"--retain", "1h"});
    HttpSink sink;
    Session s(emu, cert_merchant());
    REQUIRE(s.order("RET_PAID", 100, sink.url()).status == 200);
    REQUIRE(s.order("RET_OPEN", 100, sink.url()).status == 200);
    s.pay("RET_PAID");
    REQUIRE(wait_delivered(emu, "wechatpay.v3", "RET_PAID")["status"] == "delivered");

    // Younger than the retention: everything stays.
    advance(emu, "30m");
    CHECK(s.query("RET_PAID").status == 200);
    CHECK(notifications_about(emu, "RET_PAID").size() == 1);

    // Older: the paid order and its delivered notification are gone; the unpaid order is not settled and stays.
    advance(emu, "31m");
    auto gone = s.query("RET_PAID");
    CHECK(gone.status == 404);
    CHECK(body_of(gone)["code"] == "ORDER_NOT_EXIST");
    CHECK(notifications_about(emu, "RET_PAID").empty());
    CHECK(s.query("RET_OPEN").status == 200);

    // An order changed after the cutoff (paid now) stays for another hour.
    s.pay("RET_OPEN");
    advance(emu, "59m");
    CHECK(s.query("RET_OPEN").status == 200);
    advance(emu, "2m");
    CHECK(s.query("RET_OPEN").status == 404);
}

TEST_CASE("retention: --retain forgets paid Alipay trades, not those still awaiting payment", "[retention][alipay]") {
    EmulatorProcess emu({"--retain", "1h"});
    HttpSink sink;
    sink.script({}, {200, "success", "text/plain", {}});
    alipay_test::Client c(emu);
    c.create("RET_A_PAID", "1.00", sink.url("/alipay/notify"));
    c.create("RET_A_OPEN", "1.00", sink.url("/alipay/notify"));
    REQUIRE(emu.admin("POST", "/__admin/alipay/trades/RET_A_PAID/pay", {{"result", "TRADE_SUCCESS"}})["result_code"] ==
            "9000");
    advance(emu, "61m");
    auto gone = c.exec("alipay.trade.query", {{"out_trade_no", "RET_A_PAID"}});
    CHECK(gone.node["sub_code"] == "ACQ.TRADE_NOT_EXIST");
    auto open = c.exec("alipay.trade.query", {{"out_trade_no", "RET_A_OPEN"}});
    CHECK(open.node["code"] == "10000");
}

TEST_CASE("retention: without --retain orders and notifications are kept however old", "[retention][wechatpay]") {
    EmulatorProcess emu;
    HttpSink sink;
    Session s(emu, cert_merchant());
    REQUIRE(s.order("KEEP_PAID", 100, sink.url()).status == 200);
    s.pay("KEEP_PAID");
    REQUIRE(wait_delivered(emu, "wechatpay.v3", "KEEP_PAID")["status"] == "delivered");
    advance(emu, "400d");
    CHECK(s.query("KEEP_PAID").status == 200);
    CHECK(notifications_about(emu, "KEEP_PAID").size() == 1);
}

TEST_CASE("retention: a pending notification outlives --retain until it is delivered or given up",
          "[retention][wechatpay]") {
    EmulatorProcess emu({"--retain", "1h"});
    HttpSink sink;
    sink.script({}, {503, "busy", "text/plain", {}});  // never accepted: stays pending, retried for hours
    Session s(emu, cert_merchant());
    REQUIRE(s.order("RET_PENDING", 100, sink.url()).status == 200);
    s.pay("RET_PENDING");
    sink.wait_for(1);
    advance(emu, "2h");
    auto list = notifications_about(emu, "RET_PENDING");
    REQUIRE(list.size() == 1);
    CHECK(list[0]["status"] != "delivered");
}

TEST_CASE("retention: --retain refuses what is not a duration", "[retention][cli]") {
    for (const char* bad : {"soon", "0s"}) {
        auto r = run_command({MPEMU_BINARY, "serve", "--port", "0", "--retain", bad}, {}, std::chrono::seconds(10));
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("--retain") != std::string::npos);
    }
}
