// WeChat Pay v3 refunds over HTTP (partial, repeated, never beyond the amount paid, also under 100
// concurrent requests), pay-vs-close races, and encrypted signed notifications with retries.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/integration/wechatpay/client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::wxpay;
using core::Json;

namespace {

// A copy of the default fixture set with `refund_delay` set (refunds stay PROCESSING).
std::string fixtures_with_refund_delay(const std::string& delay) {
    namespace fs = std::filesystem;
    std::string dir = temp_dir() + "/fixtures";
    fs::copy(default_fixtures_dir(), dir, fs::copy_options::recursive);
    auto j = Json::parse(slurp(dir + "/fixture.json"));
    j["wechatpay"]["refund_delay"] = delay;
    j["wechatpay"]["expired_state"] = "CLOSED";
    j["wechatpay"]["merchants"][1]["balance"] = 150;
    std::ofstream(dir + "/fixture.json") << j.dump(2);
    return dir;
}

Json decrypt_notification(const HttpSink::Received& n, const MerchantKeys& k) {
    auto env = wechatpay::protocol::parse_envelope(n.body);
    REQUIRE(env.ok());
    auto plain = wechatpay::protocol::decrypt(k.apiv3_key, env->resource.nonce, env->resource.associated_data,
                                              env->resource.ciphertext);
    REQUIRE(plain.ok());
    return Json::parse(*plain);
}

bool notification_verified(const HttpSink::Received& n, const MerchantKeys& k) {
    const std::string* ts = n.header("Wechatpay-Timestamp");
    const std::string* nonce = n.header("Wechatpay-Nonce");
    const std::string* sig = n.header("Wechatpay-Signature");
    const std::string* serial = n.header("Wechatpay-Serial");
    if (!ts || !nonce || !sig || !serial) return false;
    wechatpay::protocol::SignedHeaders h{*ts, *nonce, *sig, *serial};
    return wechatpay::protocol::verify_message(k.platform_public, h, n.body, core::Clock::wall_unix()).ok();
}

}  // namespace

TEST_CASE("wechatpay: refunds: partial, repeated, idempotent by out_refund_no, never beyond the paid amount",
          "[wechatpay][refund]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    REQUIRE(s.order("REFUND_001", 100).status == 200);

    auto unpaid = s.refund("REFUND_001", "R_UNPAID", 10, 100);
    CHECK(unpaid.status == 404);
    CHECK(body_of(unpaid)["code"] == "RESOURCE_NOT_EXISTS");
    s.pay("REFUND_001");

    auto r1 = s.refund("REFUND_001", "R1", 30, 100);
    REQUIRE(r1.status == 200);
    CHECK(verified(r1, s.k));
    auto j = body_of(r1);
    CHECK(j["status"] == "PROCESSING");
    CHECK(j["out_refund_no"] == "R1");
    CHECK(j["refund_id"].get<std::string>().size() == 29);
    CHECK(j["amount"]["refund"] == 30);
    CHECK(j["amount"]["total"] == 100);
    CHECK(j["amount"]["payer_refund"] == 30);
    CHECK(j["channel"] == "ORIGINAL");
    CHECK_FALSE(j.contains("success_time"));

    // Default delay: immediate. The query shows SUCCESS with success_time.
    auto q = s.send("GET", "/v3/refund/domestic/refunds/R1");
    REQUIRE(q.status == 200);
    CHECK(verified(q, s.k));
    CHECK(body_of(q)["status"] == "SUCCESS");
    CHECK(body_of(q)["success_time"].is_string());
    CHECK(body_of(s.query("REFUND_001"))["trade_state"] == "REFUND");
    CHECK(body_of(s.query("REFUND_001"))["trade_state_desc"] == "订单发生过退款");

    // Same out_refund_no: the same refund, not a second one.
    auto again = s.refund("REFUND_001", "R1", 30, 100);
    CHECK(body_of(again)["refund_id"] == j["refund_id"]);

    std::string tid = body_of(s.query("REFUND_001"))["transaction_id"];
    auto byid = s.send("POST", "/v3/refund/domestic/refunds",
                       core::dump(Json{{"transaction_id", tid},
                                       {"out_refund_no", "R2"},
                                       {"amount", {{"refund", 70}, {"total", 100}, {"currency", "CNY"}}}}));
    CHECK(byid.status == 200);
    auto over = s.refund("REFUND_001", "R3", 1, 100);
    CHECK(over.status == 400);
    CHECK(body_of(over)["code"] == "INVALID_REQUEST");

    auto mismatch = s.refund("REFUND_001", "R4", 1, 99);
    CHECK(mismatch.status == 400);
    CHECK(body_of(mismatch)["code"] == "INVALID_REQUEST");
    CHECK(s.refund("NO_SUCH_ORDER", "R5", 1, 100).status == 404);
    auto bad = s.send("POST", "/v3/refund/domestic/refunds", R"({"out_trade_no":"REFUND_001","out_refund_no":"R6"})");
    CHECK(bad.status == 400);
    CHECK(body_of(bad)["code"] == "PARAM_ERROR");
    bad = s.send("POST", "/v3/refund/domestic/refunds",
                 R"({"out_refund_no":"R6","amount":{"refund":1,"total":100,"currency":"CNY"}})");
    CHECK(bad.status == 400);
    bad = s.refund("REFUND_001", "R#6", 1, 100);
    CHECK(body_of(bad)["detail"]["field"] == "/out_refund_no");

    auto unknown = s.send("GET", "/v3/refund/domestic/refunds/NOPE");
    CHECK(unknown.status == 404);
    CHECK(body_of(unknown)["code"] == "RESOURCE_NOT_EXISTS");

    auto list = emu.admin("GET", "/__admin/wechatpay/refunds?out_trade_no=REFUND_001");
    CHECK(list["refunds"].size() == 2);
}

TEST_CASE("wechatpay: 100 concurrent refunds never exceed the paid amount", "[wechatpay][refund][concurrency]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    REQUIRE(s.order("CONCUR_001", 37).status == 200);
    s.pay("CONCUR_001");
    std::atomic<int> ok{0}, refused{0}, other{0};
    std::vector<std::thread> threads;
    threads.reserve(100);
    for (int i = 0; i < 100; ++i) {
        threads.emplace_back([&, i] {
            core::HttpClient http;
            core::Json b = {{"out_trade_no", "CONCUR_001"},
                            {"out_refund_no", "CR" + std::to_string(i)},
                            {"amount", {{"refund", 1}, {"total", 37}, {"currency", "CNY"}}}};
            auto r = call(http, emu.url(), s.k, "POST", "/v3/refund/domestic/refunds", core::dump(b));
            if (r.status == 200) {
                ++ok;
            } else if (r.status == 400 && r.body.find("INVALID_REQUEST") != std::string::npos) {
                ++refused;
            } else {
                ++other;
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(ok == 37);
    CHECK(refused == 63);
    CHECK(other == 0);
    auto list = emu.admin("GET", "/__admin/wechatpay/refunds?out_trade_no=CONCUR_001");
    long long sum = 0;
    for (const auto& r : list["refunds"]) sum += r["amount"]["refund"].get<long long>();
    CHECK(sum == 37);
}

TEST_CASE("wechatpay: paying and closing the same order concurrently: exactly one wins", "[wechatpay][concurrency]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    const int n = 20;
    for (int i = 0; i < n; ++i) REQUIRE(s.order("RACE_" + std::to_string(1000 + i)).status == 200);
    std::vector<int> pay_status(n), close_status(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
        std::string no = "RACE_" + std::to_string(1000 + i);
        threads.emplace_back([&, i, no] {
            core::HttpClient http;
            core::HttpRequest r;
            r.method = "POST";
            r.url = emu.url() + "/__admin/wechatpay/transactions/" + no + "/pay";
            r.body = R"({"result":"SUCCESS"})";
            r.headers = {{"Content-Type", "application/json"}};
            pay_status[i] = http.send(r)->status;
        });
        threads.emplace_back([&, i, no] {
            core::HttpClient http;
            close_status[i] = call(http, emu.url(), s.k, "POST", "/v3/pay/transactions/out-trade-no/" + no + "/close",
                                   core::dump(Json{{"mchid", s.k.mchid}}))
                                  .status;
        });
    }
    for (auto& t : threads) t.join();
    for (int i = 0; i < n; ++i) {
        std::string state = body_of(s.query("RACE_" + std::to_string(1000 + i)))["trade_state"];
        INFO("order " << i << " pay " << pay_status[i] << " close " << close_status[i]);
        if (state == "SUCCESS") {
            CHECK(pay_status[i] == 200);
            CHECK(close_status[i] == 400);
        } else {
            CHECK(state == "CLOSED");
            CHECK(close_status[i] == 204);
            CHECK(pay_status[i] == 409);
        }
    }
}

TEST_CASE("wechatpay: payment notification: encrypted, signed, acknowledged by 200", "[wechatpay][notify]") {
    HttpSink sink;
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    REQUIRE(s.order("NOTIFY_001", 888, sink.url("/pay/notify")).status == 200);
    s.pay("NOTIFY_001");
    auto got = sink.wait_for(1);
    REQUIRE(got.size() == 1);
    const auto& n = got[0];
    CHECK(n.method == "POST");
    CHECK(n.target == "/pay/notify");
    CHECK(notification_verified(n, s.k));
    CHECK(*n.header("Wechatpay-Serial") == s.k.platform_serial);
    CHECK(*n.header("Wechatpay-Signature-Type") == "WECHATPAY2-SHA256-RSA2048");
    CHECK(core::dump(core::parse_ordered_json(n.body).value()) == n.body);
    auto env = Json::parse(n.body);
    CHECK(env["event_type"] == "TRANSACTION.SUCCESS");
    CHECK(env["summary"] == "支付成功");
    CHECK(env["resource_type"] == "encrypt-resource");
    CHECK(env["id"].get<std::string>().size() == 36);
    CHECK(env["resource"]["associated_data"] == "transaction");
    CHECK(env["resource"]["nonce"].get<std::string>().size() == 12);
    auto plain = decrypt_notification(n, s.k);
    CHECK(plain["out_trade_no"] == "NOTIFY_001");
    CHECK(plain["trade_state"] == "SUCCESS");
    CHECK(plain["amount"]["total"] == 888);
    CHECK(plain["payer"]["openid"] == kOpenid);
    CHECK(plain["transaction_id"] == body_of(s.query("NOTIFY_001"))["transaction_id"]);

    // Recorded as delivered with one attempt.
    Json delivered = wait_delivered(emu, "wechatpay.v3");
    CHECK(emu.admin("GET", "/__admin/notifications?channel=wechatpay.v3")["notifications"].size() == 1);
    CHECK(delivered["status"] == "delivered");
    CHECK(delivered["attempts"].size() == 1);

    // Public-key merchant: PUB_KEY_ID serial on notifications.
    Session p(emu, pubkey_merchant());
    REQUIRE(p.order("NOTIFY_002", 1, sink.url("/pk")).status == 200);
    p.pay("NOTIFY_002");
    got = sink.wait_for(2);
    REQUIRE(got.size() == 2);
    CHECK(*got[1].header("Wechatpay-Serial") == p.k.public_key_id);
    CHECK(notification_verified(got[1], p.k));
    CHECK(decrypt_notification(got[1], p.k)["mchid"] == "1900000209");
}

TEST_CASE("wechatpay: notifications are retried on the spec's schedule until the merchant answers 200/204",
          "[wechatpay][notify]") {
    HttpSink sink;
    sink.script({{500, R"({"code":"FAIL","message":"失败"})"}, {404, ""}, {302, ""}}, {204, ""});
    EmulatorProcess emu({"--notify-time-scale", "0.001"});  // 15 s -> 15 ms
    Session s(emu, cert_merchant());
    REQUIRE(s.order("RETRY_0001", 5, sink.url()).status == 200);
    s.pay("RETRY_0001");
    auto got = sink.wait_for(4, std::chrono::seconds(20));
    REQUIRE(got.size() == 4);
    // Same notification id on every retry, fresh signature each time.
    std::string id = Json::parse(got[0].body)["id"];
    for (const auto& g : got) {
        CHECK(Json::parse(g.body)["id"] == id);
        CHECK(notification_verified(g, s.k));
    }
    Json n = wait_delivered(emu, "wechatpay.v3");
    CHECK(n["status"] == "delivered");
    REQUIRE(n["attempts"].size() == 4);
    CHECK(n["attempts"][0]["status"] == 500);
    CHECK(n["attempts"][0]["accepted"] == false);
    CHECK(n["attempts"][2]["status"] == 302);
    CHECK(n["attempts"][3]["accepted"] == true);
    // Retry waits follow 15 s, 15 s, 30 s on the emulator clock (scaled).
    CHECK(n["event"] == "TRANSACTION.SUCCESS");

    // Redelivery sends the same body again.
    emu.admin("POST", "/__admin/notifications/" + n["id"].get<std::string>() + "/redeliver");
    got = sink.wait_for(5, std::chrono::seconds(10));
    REQUIRE(got.size() == 5);
    CHECK(got[4].body == got[0].body);
}

TEST_CASE("wechatpay: refund notifications: REFUND.SUCCESS at once by default", "[wechatpay][notify][refund]") {
    HttpSink sink;
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    REQUIRE(s.order("RNOTIFY_01", 50).status == 200);
    s.pay("RNOTIFY_01");
    REQUIRE(s.refund("RNOTIFY_01", "RN1", 20, 50, sink.url("/refund")).status == 200);
    auto got = sink.wait_for(1);
    REQUIRE(got.size() == 1);
    CHECK(notification_verified(got[0], s.k));
    auto env = Json::parse(got[0].body);
    CHECK(env["event_type"] == "REFUND.SUCCESS");
    CHECK(env["summary"] == "退款成功");
    CHECK(env["resource"]["original_type"] == "refund");
    CHECK(env["resource"]["associated_data"] == "refund");
    auto plain = decrypt_notification(got[0], s.k);
    CHECK(plain["refund_status"] == "SUCCESS");
    CHECK(plain["out_refund_no"] == "RN1");
    CHECK(plain["amount"]["refund"] == 20);
    CHECK(plain["amount"]["total"] == 50);
    CHECK(plain["success_time"].is_string());
}

TEST_CASE("wechatpay: refund delay, forced ABNORMAL/CLOSED outcomes and NOT_ENOUGH", "[wechatpay][notify][refund]") {
    HttpSink sink;
    EmulatorProcess emu({}, fixtures_with_refund_delay("1m"));
    Session s(emu, cert_merchant());
    REQUIRE(s.order("RDELAY_001", 90).status == 200);
    s.pay("RDELAY_001");
    REQUIRE(s.refund("RDELAY_001", "RD1", 10, 90, sink.url("/r")).status == 200);
    REQUIRE(s.refund("RDELAY_001", "RD2", 20, 90, sink.url("/r")).status == 200);
    REQUIRE(s.refund("RDELAY_001", "RD3", 30, 90, sink.url("/r")).status == 200);
    CHECK(body_of(s.send("GET", "/v3/refund/domestic/refunds/RD1"))["status"] == "PROCESSING");

    auto ab = emu.admin("POST", "/__admin/wechatpay/refunds/RD2/outcome", {{"status", "ABNORMAL"}});
    CHECK(ab["status"] == "ABNORMAL");
    auto cl = emu.admin("POST", "/__admin/wechatpay/refunds/RD3/outcome", {{"status", "CLOSED"}});
    CHECK(cl["status"] == "CLOSED");
    auto got = sink.wait_for(2);
    REQUIRE(got.size() == 2);
    std::set<std::string> events;
    for (const auto& g : got) {
        CHECK(notification_verified(g, s.k));
        events.insert(Json::parse(g.body)["event_type"].get<std::string>());
    }
    CHECK(events == std::set<std::string>{"REFUND.ABNORMAL", "REFUND.CLOSED"});
    CHECK(emu.post("/__admin/wechatpay/refunds/RD3/outcome", R"({"status":"SUCCESS"})").status == 409);
    CHECK(emu.post("/__admin/wechatpay/refunds/RD1/outcome", R"({"status":"LATER"})").status == 400);
    CHECK(emu.post("/__admin/wechatpay/refunds/NOPE/outcome", R"({"status":"SUCCESS"})").status == 404);

    // The CLOSED refund freed its 30: 90 - 10 - 20 = 60 refundable.
    CHECK(s.refund("RDELAY_001", "RD4", 60, 90).status == 200);
    CHECK(s.refund("RDELAY_001", "RD5", 1, 90).status == 400);

    // Moving the clock past the delay settles RD1 and notifies.
    emu.admin("POST", "/__admin/clock", {{"advance", "2m"}});
    got = sink.wait_for(3);
    REQUIRE(got.size() == 3);
    CHECK(Json::parse(got[2].body)["event_type"] == "REFUND.SUCCESS");
    CHECK(decrypt_notification(got[2], s.k)["out_refund_no"] == "RD1");
    CHECK(body_of(s.send("GET", "/v3/refund/domestic/refunds/RD1"))["status"] == "SUCCESS");

    // The public-key merchant has a balance of 150 in this set.
    Session p(emu, pubkey_merchant());
    REQUIRE(p.order("BALANCE_01", 200).status == 200);
    p.pay("BALANCE_01");
    CHECK(p.refund("BALANCE_01", "B1", 150, 200).status == 200);
    auto ne = p.refund("BALANCE_01", "B2", 1, 200);
    CHECK(ne.status == 403);
    CHECK(body_of(ne)["code"] == "NOT_ENOUGH");

    // expired_state CLOSED: an unpaid order shows CLOSED once its time_expire has passed.
    emu.admin("POST", "/__admin/clock", {{"now", "2031-01-01T00:00:00+08:00"}, {"freeze", true}});
    Json eb = order_body(s.k, "EXPCLOSE_1");
    eb["time_expire"] = "2031-01-01T00:10:00+08:00";
    REQUIRE(s.send("POST", "/v3/pay/transactions/jsapi", core::dump(eb)).status == 200);
    CHECK(body_of(s.query("EXPCLOSE_1"))["trade_state"] == "NOTPAY");
    emu.admin("POST", "/__admin/clock", {{"advance", "11m"}});
    CHECK(body_of(s.query("EXPCLOSE_1"))["trade_state"] == "CLOSED");
    CHECK(body_of(s.send("POST", "/v3/pay/transactions/jsapi", core::dump(eb)))["code"] == "ORDER_CLOSED");
}
