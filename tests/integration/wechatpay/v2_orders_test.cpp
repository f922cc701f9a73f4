// WeChat Pay v2 (XML) orders over HTTP: unified order (JSAPI prepay_id, NATIVE code_url), re-entry,
// query before and after the admin pay, close, expiry on the emulator clock, and replies signed
// with the request's algorithm in the spec's byte layout.
#include <thread>

#include <catch2/catch.hpp>

#include "core/time_format.hpp"
#include "tests/integration/wechatpay/v2_client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::wxpay2;
using core::Json;

TEST_CASE("wechatpay v2: unifiedorder JSAPI answers a signed prepay_id in the spec's layout", "[wechatpay][v2]") {
    EmulatorProcess emu;
    V2Session s(emu);
    auto r = s.order("V2ORDER_001", 100, Params{{"attach", "a&b=c"}, {"device_info", "WEB"}});
    CHECK(r.status == 200);
    REQUIRE(r.ok());
    CHECK(s.verified(r));
    CHECK(r.get("return_msg") == "OK");
    CHECK(r.get("appid") == kAppid);
    CHECK(r.get("mch_id") == kMchid);
    CHECK(r.get("device_info") == "WEB");
    CHECK(r.get("trade_type") == "JSAPI");
    CHECK(r.get("nonce_str").size() == 16);
    std::string prepay = r.get("prepay_id");
    CHECK(prepay.size() == 36);
    CHECK(prepay.rfind("wx", 0) == 0);
    CHECK_FALSE(r.p.has("code_url"));
    // §5.2 field order; no sign_type in replies.
    std::vector<std::string> keys;
    for (const auto& [k, v] : r.p.fields()) keys.push_back(k);
    CHECK(keys == std::vector<std::string>{"return_code", "return_msg", "appid", "mch_id", "device_info", "nonce_str",
                                           "sign", "result_code", "prepay_id", "trade_type"});
    // §2.3: root <xml>, every element followed by "\n", CDATA values, no declaration.
    CHECK(r.body.rfind("<xml><return_code><![CDATA[SUCCESS]]></return_code>\n<return_msg><![CDATA[OK]]></return_msg>\n",
                       0) == 0);
    CHECK(r.body.size() > 6);
    CHECK(r.body.substr(r.body.size() - 7) == "\n</xml>");

    // Re-entry with the same parameters (new nonce) answers the same prepay_id.
    auto again = s.order("V2ORDER_001", 100, Params{{"attach", "a&b=c"}, {"device_info", "WEB"}});
    REQUIRE(again.ok());
    CHECK(again.get("prepay_id") == prepay);
    // ... with another amount: INVALID_REQUEST 201 商户订单号重复, signed.
    auto other = s.order("V2ORDER_001", 101, Params{{"attach", "a&b=c"}, {"device_info", "WEB"}});
    CHECK(other.get("return_code") == "SUCCESS");
    CHECK(other.get("result_code") == "FAIL");
    CHECK(other.get("err_code") == "INVALID_REQUEST");
    CHECK(other.get("err_code_des") == "201 商户订单号重复");
    CHECK(s.verified(other));
    // After 2 hours the re-entry gets a fresh prepay_id.
    emu.admin("POST", "/__admin/clock", {{"advance", "2h1m"}});
    auto later = s.order("V2ORDER_001", 100, Params{{"attach", "a&b=c"}, {"device_info", "WEB"}});
    REQUIRE(later.ok());
    CHECK(later.get("prepay_id") != prepay);

    // The order shows in the shared admin list as a v2 order.
    auto list = emu.admin("GET", "/__admin/wechatpay/transactions?mchid=1900000109");
    REQUIRE(list["transactions"].size() == 1);
    CHECK(list["transactions"][0]["api_version"] == "v2");
}

TEST_CASE("wechatpay v2: NATIVE answers code_url, HMAC-SHA256 requests get HMAC-signed replies", "[wechatpay][v2]") {
    EmulatorProcess emu;
    V2Session s(emu);
    s.type = SignType::kHmacSha256;
    auto r = s.order("V2NATIVE_01", 1, Params{{"trade_type", "NATIVE"}, {"openid", ""}, {"product_id", "P1"}});
    REQUIRE(r.ok());
    CHECK(s.verified(r));
    CHECK(r.get("sign").size() == 64);
    CHECK(r.get("trade_type") == "NATIVE");
    CHECK(r.get("code_url").rfind("weixin://wxpay/bizpayurl?pr=", 0) == 0);
    // NATIVE without product_id, JSAPI without openid: PARAM_ERROR.
    auto np = s.order("V2NATIVE_02", 1, Params{{"trade_type", "NATIVE"}, {"openid", ""}});
    CHECK(np.get("err_code") == "PARAM_ERROR");
    auto jo = s.order("V2NATIVE_03", 1, Params{{"openid", ""}});
    CHECK(jo.get("err_code") == "PARAM_ERROR");
    CHECK(jo.get("err_code_des") == "JSAPI支付必须传openid");
    CHECK(s.verified(jo));
}

TEST_CASE("wechatpay v2: orderquery before and after payment, the admin pay works for v2 orders", "[wechatpay][v2]") {
    EmulatorProcess emu;
    emu.admin("POST", "/__admin/clock", {{"now", "2024-01-01T12:34:56+08:00"}, {"freeze", true}});
    V2Session s(emu);
    REQUIRE(s.order("V2QUERY_001", 88, Params{{"attach", "备注"}}).ok());

    auto q = s.query("V2QUERY_001");
    REQUIRE(q.ok());
    CHECK(s.verified(q));
    CHECK(q.get("trade_state") == "NOTPAY");
    CHECK(q.get("trade_state_desc") == "订单未支付");
    CHECK(q.get("total_fee") == "88");
    CHECK(q.get("out_trade_no") == "V2QUERY_001");
    CHECK(q.get("attach") == "备注");
    CHECK_FALSE(q.p.has("transaction_id"));
    CHECK_FALSE(q.p.has("openid"));
    CHECK(q.body.find("<total_fee>88</total_fee>") != std::string::npos);

    auto paid = s.pay("V2QUERY_001");
    CHECK(paid["api_version"] == "v2");
    CHECK(paid["trade_state"] == "SUCCESS");

    q = s.query("V2QUERY_001");
    REQUIRE(q.ok());
    CHECK(q.get("trade_state") == "SUCCESS");
    CHECK(q.get("trade_state_desc") == "支付成功");
    CHECK(q.get("openid") == kOpenid);
    CHECK(q.get("is_subscribe") == "N");
    CHECK(q.get("trade_type") == "JSAPI");
    CHECK(q.get("bank_type") == "CFT");
    CHECK(q.get("fee_type") == "CNY");
    CHECK(q.get("cash_fee") == "88");
    CHECK(q.get("time_end") == "20240101123456");
    std::string txid = q.get("transaction_id");
    CHECK(txid.size() == 28);

    // By transaction_id, with silenceper's root element and an empty out_trade_no.
    auto by_tx = s.raw("/pay/orderquery", [&] {
        Params p{{"appid", kAppid},
                 {"mch_id", kMchid},
                 {"nonce_str", "abc123"},
                 {"transaction_id", txid},
                 {"out_trade_no", ""}};
        p.set("sign", wechatpay::v2::sign(p, s.key, SignType::kMd5));
        std::string xml = "<queryRequest>";
        for (const auto& [k, v] : p.fields()) {
            xml += '<';
            xml += k;
            xml += '>';
            xml += v;
            xml += "</";
            xml += k;
            xml += '>';
        }
        return xml + "</queryRequest>";
    }());
    REQUIRE(by_tx.ok());
    CHECK(by_tx.get("out_trade_no") == "V2QUERY_001");

    // Paid: unifiedorder again -> ORDERPAID 该订单已支付; close -> ORDERPAID 订单已支付.
    auto again = s.order("V2QUERY_001", 88, Params{{"attach", "备注"}});
    CHECK(again.get("err_code") == "ORDERPAID");
    CHECK(again.get("err_code_des") == "该订单已支付");
    auto close = s.close("V2QUERY_001");
    CHECK(close.get("err_code") == "ORDERPAID");
    CHECK(close.get("err_code_des") == "订单已支付");
    CHECK(s.verified(close));

    // Unknown order.
    auto none = s.query("V2NOPE_0001");
    CHECK(none.get("result_code") == "FAIL");
    CHECK(none.get("err_code") == "ORDERNOTEXIST");
    CHECK(none.get("err_code_des") == "此交易订单号不存在");
    // Neither key: PARAM_ERROR.
    CHECK(s.call("/pay/orderquery", Params{}).get("err_code") == "PARAM_ERROR");
}

TEST_CASE("wechatpay v2: closeorder, ORDERCLOSED, and time_expire closing orders on the emulator clock",
          "[wechatpay][v2]") {
    EmulatorProcess emu;
    emu.admin("POST", "/__admin/clock", {{"now", "2024-03-01T10:00:00+08:00"}, {"freeze", true}});
    V2Session s(emu);
    REQUIRE(s.order("V2CLOSE_001").ok());
    auto c = s.close("V2CLOSE_001");
    REQUIRE(c.ok());
    CHECK(c.get("result_msg") == "OK");
    CHECK(s.verified(c));
    CHECK(s.query("V2CLOSE_001").get("trade_state") == "CLOSED");
    CHECK(s.close("V2CLOSE_001").get("err_code") == "ORDERCLOSED");
    auto re = s.order("V2CLOSE_001");
    CHECK(re.get("err_code") == "ORDERCLOSED");
    CHECK(re.get("err_code_des") == "订单已关闭");
    CHECK(s.close("V2CLOSE_404").get("err_code") == "ORDERNOTEXIST");

    // time_expire too close to now.
    auto shortly = s.order("V2EXPIRE_01", 100, Params{{"time_expire", "20240301100030"}});
    CHECK(shortly.get("err_code") == "INVALID_REQUEST");
    CHECK(shortly.get("err_code_des") == "time_expire时间过短，刷卡至少1分钟，其他5分钟");
    CHECK(s.order("V2EXPIRE_01", 100, Params{{"time_expire", "2024030110"}}).get("return_msg") ==
          "time_expire参数格式错误");
    // Valid time_expire: NOTPAY until it passes, CLOSED after; the admin pay then refuses.
    REQUIRE(s.order("V2EXPIRE_02", 100, Params{{"time_expire", "20240301103000"}}).ok());
    emu.admin("POST", "/__admin/clock", {{"advance", "29m"}});
    CHECK(s.query("V2EXPIRE_02").get("trade_state") == "NOTPAY");
    emu.admin("POST", "/__admin/clock", {{"advance", "2m"}});
    CHECK(s.query("V2EXPIRE_02").get("trade_state") == "CLOSED");
    auto late = emu.post("/__admin/wechatpay/transactions/V2EXPIRE_02/pay", R"({"result":"SUCCESS"})");
    CHECK(late.status == 409);
    // Without time_expire a v2 order stays NOTPAY (no 7-day auto-close by default).
    REQUIRE(s.order("V2NOEXP_001").ok());
    emu.admin("POST", "/__admin/clock", {{"advance", "240h"}});
    CHECK(s.query("V2NOEXP_001").get("trade_state") == "NOTPAY");
    CHECK(s.pay("V2NOEXP_001")["trade_state"] == "SUCCESS");
}

TEST_CASE("wechatpay v2: the admin pay verifies the wx.requestPayment values of a v2 order", "[wechatpay][v2]") {
    EmulatorProcess emu;
    V2Session s(emu);
    auto r = s.order("V2PAYSIGN_1");
    REQUIRE(r.ok());
    std::string package = "prepay_id=" + r.get("prepay_id");
    std::string pay_sign =
        wechatpay::v2::pay_sign(kAppid, "1704083696", r.get("nonce_str"), package, SignType::kMd5, s.key);
    Json rp = {{"timeStamp", "1704083696"},
               {"nonceStr", r.get("nonce_str")},
               {"package", package},
               {"signType", "MD5"},
               {"paySign", pay_sign}};
    Json bad = rp;
    bad["paySign"] = "00000000000000000000000000000000";
    auto refused =
        emu.post("/__admin/wechatpay/transactions/V2PAYSIGN_1/pay", core::dump(Json{{"request_payment", bad}}));
    CHECK(refused.status == 400);
    CHECK(refused.body.find("支付验证签名失败") != std::string::npos);
    bad = rp;
    bad["signType"] = "HMAC-SHA256";
    CHECK(emu.post("/__admin/wechatpay/transactions/V2PAYSIGN_1/pay", core::dump(Json{{"request_payment", bad}}))
              .status == 400);
    CHECK(s.query("V2PAYSIGN_1").get("trade_state") == "NOTPAY");
    auto ok = s.pay("V2PAYSIGN_1", Json{{"request_payment", rp}});
    CHECK(ok["trade_state"] == "SUCCESS");
}

TEST_CASE("wechatpay v2: concurrent re-entries of one order create it once and share its prepay_id",
          "[wechatpay][v2][concurrency]") {
    EmulatorProcess emu;
    V2Session s(emu);
    // Signed up front (V2Session is not thread-safe); each body has its own nonce.
    std::vector<std::string> bodies;
    for (int i = 0; i < 30; ++i) {
        Params p{{"body", "race"},    {"out_trade_no", "V2RACE_0001"},
                 {"total_fee", "7"},  {"trade_type", "JSAPI"},
                 {"openid", kOpenid}, {"notify_url", "https://shop.example.com/n"}};
        bodies.push_back(wechatpay::v2::render_xml(s.sign(p)));
    }
    std::vector<std::string> prepay(bodies.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < bodies.size(); ++i) {
        threads.emplace_back([&, i] {
            core::HttpClient http;
            auto res = http.send(core::HttpRequest{"POST", emu.url() + "/pay/unifiedorder", {}, bodies[i]});
            if (res) prepay[i] = wechatpay::v2::parse_xml(res->body).params.get_or("prepay_id");
        });
    }
    for (auto& t : threads) t.join();
    for (const auto& id : prepay) CHECK(id == prepay[0]);
    CHECK(prepay[0].size() == 36);
    CHECK(emu.admin("GET", "/__admin/wechatpay/transactions")["transactions"].size() == 1);
}
