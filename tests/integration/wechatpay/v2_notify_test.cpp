// WeChat Pay v2 (XML) notifications through the shared outbox: the payment notification signed with
// the order's algorithm and the API v2 key, exactly the spec's fields; retries until the merchant's
// reply has return_code SUCCESS (with or without return_msg / CDATA); the refund notification's
// encrypted req_info; and the legacy sandbox key.
#include <catch2/catch.hpp>

#include "core/time_format.hpp"
#include "tests/integration/wechatpay/v2_client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::wxpay2;
using core::Json;

TEST_CASE("wechatpay v2: payment notification: v2 XML, MD5 over exactly the spec's fields", "[wechatpay][v2][notify]") {
    HttpSink sink;
    sink.script(
        {}, {200, "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"});
    EmulatorProcess emu;
    emu.admin("POST", "/__admin/clock", {{"now", "2024-01-01T12:35:01+08:00"}, {"freeze", true}});
    V2Session s(emu);
    REQUIRE(s.order("V2NOTIFY_01", 1, Params{{"attach", "a&b=c"}, {"notify_url", sink.url("/api/pay/notify")}}).ok());
    s.pay("V2NOTIFY_01");
    auto got = sink.wait_for(1);
    REQUIRE(got.size() == 1);
    const auto& n = got[0];
    CHECK(n.method == "POST");
    CHECK(n.target == "/api/pay/notify");
    REQUIRE(n.header("Content-Type"));
    CHECK(*n.header("Content-Type") == "text/xml");
    auto parsed = wechatpay::v2::parse_xml(n.body);
    REQUIRE(parsed.ok);
    const Params& x = parsed.params;
    CHECK(parsed.params.root == "xml");
    CHECK(wechatpay::v2::verify(x, s.key, SignType::kMd5));
    std::vector<std::string> keys;
    for (const auto& [k, v] : x.fields()) keys.push_back(k);
    CHECK(keys == std::vector<std::string>{"appid", "attach", "bank_type", "cash_fee", "fee_type", "is_subscribe",
                                           "mch_id", "nonce_str", "openid", "out_trade_no", "result_code",
                                           "return_code", "sign", "time_end", "total_fee", "trade_type",
                                           "transaction_id"});
    CHECK(x.get_or("attach") == "a&b=c");
    CHECK(x.get_or("bank_type") == "CFT");
    CHECK(x.get_or("time_end") == "20240101123501");
    CHECK(x.get_or("nonce_str").size() == 32);
    CHECK(x.get_or("openid") == kOpenid);
    CHECK(x.get_or("transaction_id") == s.query("V2NOTIFY_01").get("transaction_id"));
    CHECK(n.body.find("<total_fee>1</total_fee>\n") != std::string::npos);
    CHECK(n.body.find("<attach><![CDATA[a&b=c]]></attach>\n") != std::string::npos);
    auto rec = wxpay::wait_delivered(emu, "wechatpay.v2", "V2NOTIFY_01");
    CHECK(rec["status"] == "delivered");
    CHECK(rec["attempts"].size() == 1);
    CHECK(rec["event"] == "TRANSACTION.SUCCESS");

    // HMAC orders: HMAC-SHA256 with <sign_type>.
    s.type = SignType::kHmacSha256;
    REQUIRE(s.order("V2NOTIFY_02", 2, Params{{"notify_url", sink.url("/hmac")}}).ok());
    s.pay("V2NOTIFY_02");
    got = sink.wait_for(2);
    REQUIRE(got.size() == 2);
    auto h = wechatpay::v2::parse_xml(got[1].body);
    REQUIRE(h.ok);
    CHECK(h.params.get_or("sign_type") == "HMAC-SHA256");
    CHECK(wechatpay::v2::verify(h.params, s.key, SignType::kHmacSha256));
    CHECK_FALSE(h.params.has("attach"));
}

TEST_CASE("wechatpay v2: notifications are retried until return_code SUCCESS, tenpay's bare reply is accepted",
          "[wechatpay][v2][notify]") {
    HttpSink sink;
    sink.script(
        {{200, "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg>签名失败</return_msg></xml>"},
         {500, ""},
         {200, "SUCCESS"},
         {200, "{\"return_code\":\"SUCCESS\"}"}},
        {200, "<?xml version=\"1.0\"?>\n<xml>\n  <return_code>SUCCESS</return_code>\n</xml>\n", "application/xml"});
    EmulatorProcess emu({"--notify-time-scale", "0.001"});
    V2Session s(emu);
    REQUIRE(s.order("V2RETRY_001", 5, Params{{"notify_url", sink.url()}}).ok());
    s.pay("V2RETRY_001");
    auto got = sink.wait_for(5, std::chrono::seconds(30));
    REQUIRE(got.size() == 5);
    for (const auto& g : got) {
        auto p = wechatpay::v2::parse_xml(g.body);
        REQUIRE(p.ok);
        CHECK(wechatpay::v2::verify(p.params, s.key, SignType::kMd5));
        CHECK(p.params.get_or("out_trade_no") == "V2RETRY_001");
    }
    auto rec = wxpay::wait_delivered(emu, "wechatpay.v2", "V2RETRY_001");
    CHECK(rec["status"] == "delivered");
    REQUIRE(rec["attempts"].size() == 5);
    CHECK(rec["attempts"][0]["accepted"] == false);
    CHECK(rec["attempts"][1]["status"] == 500);
    CHECK(rec["attempts"][2]["accepted"] == false);  // plain "SUCCESS" is not XML (strict, §12.4)
    CHECK(rec["attempts"][3]["accepted"] == false);
    CHECK(rec["attempts"][4]["accepted"] == true);
}

TEST_CASE("wechatpay v2: v2_notify_reply lenient also takes a bare SUCCESS reply", "[wechatpay][v2][notify]") {
    HttpSink sink;
    sink.script({}, {200, "\"SUCCESS\""});
    EmulatorProcess emu({}, fixtures_with([](Json& j) { j["wechatpay"]["v2_notify_reply"] = "lenient"; }));
    V2Session s(emu);
    REQUIRE(s.order("V2LENIENT_1", 5, Params{{"notify_url", sink.url()}}).ok());
    s.pay("V2LENIENT_1");
    REQUIRE(sink.wait_for(1).size() == 1);
    auto rec = wxpay::wait_delivered(emu, "wechatpay.v2", "V2LENIENT_1");
    CHECK(rec["status"] == "delivered");
    CHECK(rec["attempts"].size() == 1);
}

TEST_CASE("wechatpay v2: refund notification carries req_info (AES-256-ECB) and no sign",
          "[wechatpay][v2][notify][refund]") {
    HttpSink sink;
    sink.script({}, {200, "<xml><return_code>SUCCESS</return_code></xml>"});
    EmulatorProcess emu;
    emu.admin("POST", "/__admin/clock", {{"now", "2024-01-02T09:00:00+08:00"}, {"freeze", true}});
    V2Session s(emu);
    REQUIRE(s.order("V2RNOTIFY_1", 50).ok());
    s.pay("V2RNOTIFY_1");
    REQUIRE(s.refund("V2RNOTIFY_1", "V2RN1", 20, 50, Params{{"notify_url", sink.url("/refund")}}).ok());
    // Refunds without notify_url are not notified.
    REQUIRE(s.refund("V2RNOTIFY_1", "V2RN2", 5, 50).ok());
    auto got = sink.wait_for(1);
    REQUIRE(got.size() == 1);
    CHECK(got[0].target == "/refund");
    auto env = wechatpay::v2::parse_xml(got[0].body);
    REQUIRE(env.ok);
    CHECK(env.params.get_or("return_code") == "SUCCESS");
    CHECK(env.params.get_or("appid") == kAppid);
    CHECK(env.params.get_or("mch_id") == kMchid);
    CHECK(env.params.get_or("nonce_str").size() == 16);
    CHECK_FALSE(env.params.has("sign"));
    auto plain = wechatpay::v2::decrypt_req_info(env.params.get_or("req_info"), s.key);
    REQUIRE(plain.ok());
    CHECK(plain->rfind("<root>\n", 0) == 0);
    auto info = wechatpay::v2::parse_xml(*plain);
    REQUIRE(info.ok);
    CHECK(info.params.root == "root");
    CHECK(info.params.get_or("out_refund_no") == "V2RN1");
    CHECK(info.params.get_or("out_trade_no") == "V2RNOTIFY_1");
    CHECK(info.params.get_or("refund_fee") == "20");
    CHECK(info.params.get_or("total_fee") == "50");
    CHECK(info.params.get_or("refund_status") == "SUCCESS");
    CHECK(info.params.get_or("success_time") == "2024-01-02 09:00:00");
    CHECK(info.params.get_or("refund_account") == "REFUND_SOURCE_UNSETTLED_FUNDS");
    CHECK(info.params.get_or("refund_recv_accout") == "支付用户零钱");
    CHECK(info.params.get_or("refund_request_source") == "API");
    CHECK(info.params.get_or("refund_id").size() == 29);
    CHECK(info.params.get_or("transaction_id").size() == 28);
    auto rec = wxpay::wait_delivered(emu, "wechatpay.v2", "V2RN1");
    CHECK(rec["status"] == "delivered");
    CHECK(rec["event"] == "REFUND.SUCCESS");
}

TEST_CASE("wechatpay v2: legacy sandbox: getsignkey, then calls signed with the sandbox key",
          "[wechatpay][v2][sandbox]") {
    EmulatorProcess emu;
    V2Session s(emu);
    auto k = s.call("/sandboxnew/pay/getsignkey", Params{{"appid", ""}});
    INFO(k.body);
    REQUIRE(k.get("return_code") == "SUCCESS");
    std::string sandbox = k.get("sandbox_signkey");
    CHECK(sandbox.size() == 32);
    CHECK(sandbox != s.key);
    auto xdc = s.call("/xdc/apiv2getsignkey/sign/getsignkey", Params{});
    CHECK(xdc.get("sandbox_signkey") == sandbox);

    // The real key does not sign sandbox calls; the sandbox key does.
    auto refused = s.call("/sandboxnew/pay/unifiedorder", Params{{"body", "b"},
                                                                 {"out_trade_no", "V2SANDBOX_1"},
                                                                 {"total_fee", "101"},
                                                                 {"trade_type", "JSAPI"},
                                                                 {"openid", kOpenid},
                                                                 {"notify_url", "https://x.example/n"}});
    CHECK(refused.get("return_msg") == "签名错误，请检查后再试");
    std::string real = s.key;
    s.key = sandbox;
    auto ok = s.call("/sandboxnew/pay/unifiedorder", Params{{"body", "b"},
                                                            {"out_trade_no", "V2SANDBOX_1"},
                                                            {"total_fee", "101"},
                                                            {"trade_type", "JSAPI"},
                                                            {"openid", kOpenid},
                                                            {"notify_url", "https://x.example/n"}});
    REQUIRE(ok.ok());
    CHECK(s.verified(ok));
    CHECK(s.call("/xdc/apiv2sandbox/pay/orderquery", Params{{"out_trade_no", "V2SANDBOX_1"}}).get("trade_state") ==
          "NOTPAY");
    s.key = real;
}
