// WeChat Pay v3 orders over HTTP: authentication, signed replies in both platform modes, JSAPI and
// native orders with field limits and re-entry, queries per state, close, expiry, certificates and
// the refusal of paths that are not emulated.
#include <catch2/catch.hpp>

#include "tests/integration/wechatpay/client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::wxpay;
using core::Json;

TEST_CASE("wechatpay: jsapi order: 200, prepay_id, reply signed with the platform certificate", "[wechatpay]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    auto r = s.order("ORDER_0001");
    REQUIRE(r.status == 200);
    auto b = body_of(r);
    std::string prepay = b["prepay_id"];
    CHECK(prepay.size() == 36);
    CHECK(prepay.rfind("wx", 0) == 0);
    CHECK(*r.header("Wechatpay-Serial") == s.k.platform_serial);
    CHECK(verified(r, s.k));
    CHECK(r.header("Request-ID"));
    CHECK(r.header("Content-Type")->find("application/json") == 0);
    // The body is compact JSON (JSON.stringify(JSON.parse(body)) === body).
    CHECK(core::dump(core::parse_ordered_json(r.body).value()) == r.body);

    // Wechatpay-Serial naming the public key id switches the signing serial.
    auto p = s.send("GET", "/v3/pay/transactions/out-trade-no/ORDER_0001?mchid=1900000109", "",
                    {{"Wechatpay-Serial", s.k.public_key_id}});
    REQUIRE(p.status == 200);
    CHECK(*p.header("Wechatpay-Serial") == s.k.public_key_id);
    CHECK(verified(p, s.k));
}

TEST_CASE("wechatpay: public-key-mode merchants get PUB_KEY_ID serials", "[wechatpay]") {
    EmulatorProcess emu;
    Session s(emu, pubkey_merchant());
    auto r = s.order("PKORDER_0001");
    REQUIRE(r.status == 200);
    CHECK(*r.header("Wechatpay-Serial") == s.k.public_key_id);
    CHECK(s.k.public_key_id.rfind("PUB_KEY_ID_", 0) == 0);
    CHECK(verified(r, s.k));
}

TEST_CASE("wechatpay: order re-entry: same parameters same prepay_id, different parameters refused", "[wechatpay]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    auto a = s.order("REENTRY_01", 100);
    auto b = s.order("REENTRY_01", 100);
    REQUIRE(a.status == 200);
    REQUIRE(b.status == 200);
    CHECK(body_of(a)["prepay_id"] == body_of(b)["prepay_id"]);

    auto c = s.order("REENTRY_01", 200);
    CHECK(c.status == 400);
    CHECK(c.body == R"({"code":"INVALID_REQUEST","message":"201 商户订单号重复"})");
    CHECK_FALSE(c.header("Wechatpay-Signature"));  // non-2xx replies are not signed

    Json withexp = order_body(s.k, "REENTRY_01");
    withexp["time_expire"] = "2099-01-01T00:00:00+08:00";
    auto d = s.send("POST", "/v3/pay/transactions/jsapi", core::dump(withexp));
    CHECK(d.status == 400);
    CHECK(d.body == R"({"code":"PARAM_ERROR","message":"订单重入参数校验失败"})");

    // A prepay_id older than 2 hours is replaced on re-entry.
    emu.admin("POST", "/__admin/clock", {{"advance", "2h1m"}});
    auto e = s.order("REENTRY_01", 100);
    REQUIRE(e.status == 200);
    CHECK(body_of(e)["prepay_id"] != body_of(a)["prepay_id"]);
}

TEST_CASE("wechatpay: order field limits and PARAM_ERROR bodies", "[wechatpay]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    auto post = [&](const Json& b) { return s.send("POST", "/v3/pay/transactions/jsapi", core::dump(b)); };

    Json b = order_body(s.k, "FIELDS_001");
    b.erase("appid");
    auto r = post(b);
    CHECK(r.status == 400);
    CHECK(body_of(r)["code"] == "PARAM_ERROR");
    CHECK(body_of(r)["message"] == "输入源“/appid”映射到字段“公众号ID”必填性规则校验失败,此字段为必填项");

    b = order_body(s.k, "FIELDS_001");
    b["amount"]["total"] = 0.01;
    r = post(b);
    CHECK(r.status == 400);
    CHECK(
        r.body ==
        R"({"code":"PARAM_ERROR","detail":{"location":"body","value":0.01},"message":"无法将 JSON 输入源“/body/amount/total”映射到目标字段“总金额”中，此字段需要一个合法的 64 位有符号整数"})");

    for (const std::string& bad : std::vector<std::string>{"abc", "ORDER#0001", std::string(33, 'A')}) {
        b = order_body(s.k, bad);
        r = post(b);
        CHECK(r.status == 400);
        CHECK(body_of(r)["detail"]["field"] == "/out_trade_no");
    }
    b = order_body(s.k, "FIELDS|*-_1");  // every allowed punctuation
    CHECK(post(b).status == 200);

    b = order_body(s.k, "FIELDS_002");
    b["description"] = std::string(127, 'x');
    CHECK(post(b).status == 200);
    b = order_body(s.k, "FIELDS_003");
    std::string cjk;
    for (int i = 0; i < 128; ++i) cjk += "商";
    b["description"] = cjk;
    r = post(b);
    CHECK(r.status == 400);
    CHECK(body_of(r)["detail"]["field"] == "/description");
    b["description"] = "emoji \xF0\x9F\x98\x80";
    r = post(b);
    CHECK(r.status == 400);
    CHECK(body_of(r)["code"] == "PARAM_ERROR");

    b = order_body(s.k, "FIELDS_004");
    b["attach"] = std::string(129, 'a');
    CHECK(post(b).status == 400);
    b = order_body(s.k, "FIELDS_004");
    b["notify_url"] = "https://example.com/n?x=1";
    CHECK(post(b).status == 400);
    b = order_body(s.k, "FIELDS_004");
    b["notify_url"] = "https://example.com/" + std::string(240, 'n');
    CHECK(post(b).status == 400);
    b = order_body(s.k, "FIELDS_004");
    b["amount"]["currency"] = "USD";
    CHECK(body_of(post(b))["detail"]["field"] == "/amount/currency");
    b = order_body(s.k, "FIELDS_004");
    b["amount"]["total"] = 0;
    CHECK(post(b).status == 400);
    b = order_body(s.k, "FIELDS_004");
    b.erase("payer");
    CHECK(body_of(post(b))["message"].get<std::string>().find("/payer") != std::string::npos);
    b = order_body(s.k, "FIELDS_004");
    b["scene_info"] = {{"device_id", "x"}};
    CHECK(body_of(post(b))["message"].get<std::string>().find("/scene_info/payer_client_ip") != std::string::npos);
    b = order_body(s.k, "FIELDS_004");
    b["time_expire"] = "tomorrow";
    CHECK(body_of(post(b))["detail"]["field"] == "/time_expire");
    b = order_body(s.k, "FIELDS_004");
    b["appid"] = "wx0000000000000000";
    r = post(b);
    CHECK(r.status == 400);
    CHECK(r.body == R"({"code":"APPID_MCHID_NOT_MATCH","message":"appid和mch_id不匹配,请检查后再试"})");
    b = order_body(s.k, "FIELDS_004");
    b["mchid"] = "1900000209";
    r = post(b);
    CHECK(r.status == 400);
    CHECK(body_of(r)["detail"]["field"] == "/mchid");
    r = s.send("POST", "/v3/pay/transactions/jsapi", "{not json");
    CHECK(r.status == 400);
    CHECK(body_of(r)["code"] == "PARAM_ERROR");
}

TEST_CASE("wechatpay: authentication failures answer 401 SIGN_ERROR", "[wechatpay]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    std::string body = core::dump(order_body(s.k, "AUTH_00001"));

    auto r = emu.post("/v3/pay/transactions/jsapi", body, {{"Content-Type", "application/json"}});
    CHECK(r.status == 401);
    CHECK(body_of(r)["code"] == "SIGN_ERROR");

    r = emu.post("/v3/pay/transactions/jsapi", body, {{"Authorization", "Bearer x"}});
    CHECK(r.status == 401);

    // A signature over other bytes: the reply explains what the server signed.
    std::string nonce = "n1";
    auto auth =
        wechatpay::protocol::sign_request(s.k.private_key, s.k.mchid, s.k.serial, "POST", "/v3/pay/transactions/jsapi",
                                          body + " ", core::Clock::wall_unix(), nonce);
    r = emu.post("/v3/pay/transactions/jsapi", body, {{"Authorization", *auth}, {"Content-Type", "application/json"}});
    CHECK(r.status == 401);
    auto j = body_of(r);
    CHECK(j["code"] == "SIGN_ERROR");
    CHECK(j["message"] == "错误的签名，验签失败");
    CHECK(j["detail"]["detail"]["issue"] == "sign not match");
    CHECK(j["detail"]["sign_information"]["url"] == "/v3/pay/transactions/jsapi");
    CHECK(j["detail"]["sign_information"]["sign_message_length"] ==
          wechatpay::protocol::request_message("POST", "/v3/pay/transactions/jsapi",
                                               auth->substr(auth->find("timestamp=\"") + 11, 10), nonce, body)
              .size());

    // Stale timestamp (real time, not the emulator clock).
    r = s.send("POST", "/v3/pay/transactions/jsapi", body, {}, -400);
    CHECK(r.status == 401);
    CHECK(body_of(r)["code"] == "SIGN_ERROR");
    emu.admin("POST", "/__admin/clock", {{"advance", "30d"}});
    CHECK(s.send("POST", "/v3/pay/transactions/jsapi", body).status == 200);

    // Unknown merchant serial; lower-case serial is the same serial.
    MerchantKeys other = s.k;
    other.serial = "0123456789ABCDEF0123456789ABCDEF01234567";
    core::HttpClient http;
    r = call(http, emu.url(), other, "GET", "/v3/certificates");
    CHECK(r.status == 401);
    CHECK(body_of(r)["message"] == "商户证书序列号有误");
    other.serial = s.k.serial;
    for (auto& c : other.serial) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(call(http, emu.url(), other, "GET", "/v3/certificates").status == 200);

    // Unknown mchid.
    other = s.k;
    other.mchid = "1999999999";
    r = call(http, emu.url(), other, "GET", "/v3/certificates");
    CHECK(r.status == 401);
    CHECK(body_of(r)["code"] == "SIGN_ERROR");

    // The other merchant's key does not sign for this merchant.
    other = s.k;
    other.private_key = pubkey_merchant().private_key;
    CHECK(call(http, emu.url(), other, "GET", "/v3/certificates").status == 401);
}

TEST_CASE("wechatpay: query by out_trade_no and by transaction_id: fields per state", "[wechatpay]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    REQUIRE(s.order("QUERY_0001", 321).status == 200);
    auto q = s.query("QUERY_0001");
    REQUIRE(q.status == 200);
    CHECK(verified(q, s.k));
    auto j = body_of(q);
    CHECK(j["trade_state"] == "NOTPAY");
    CHECK(j["trade_state_desc"] == "订单未支付");
    CHECK(j["amount"] == Json{{"payer_currency", "CNY"}, {"total", 321}});
    CHECK_FALSE(j.contains("transaction_id"));
    CHECK_FALSE(j.contains("payer"));
    CHECK_FALSE(j.contains("success_time"));
    CHECK(j["appid"] == kAppid);
    CHECK(j["mchid"] == s.k.mchid);

    auto paid = s.pay("QUERY_0001");
    CHECK(paid["trade_state"] == "SUCCESS");
    j = body_of(s.query("QUERY_0001"));
    CHECK(j["trade_state"] == "SUCCESS");
    CHECK(j["trade_state_desc"] == "支付成功");
    std::string tid = j["transaction_id"];
    CHECK(tid.size() == 28);
    CHECK(tid.rfind("4200", 0) == 0);
    CHECK(j["trade_type"] == "JSAPI");
    CHECK(j["bank_type"] == "OTHERS");
    // Not Json::empty(), which is false for every string: attach is present as the empty string.
    CHECK(j["attach"].get<std::string>().empty());
    CHECK(j["payer"]["openid"] == kOpenid);
    CHECK(j["amount"] == Json{{"currency", "CNY"}, {"payer_currency", "CNY"}, {"payer_total", 321}, {"total", 321}});
    CHECK(j["promotion_detail"] == Json::array());
    CHECK(j["success_time"].get<std::string>().size() == 25);

    auto byid = s.send("GET", "/v3/pay/transactions/id/" + tid + "?mchid=" + s.k.mchid);
    REQUIRE(byid.status == 200);
    CHECK(body_of(byid) == j);

    auto none = s.query("NO_SUCH_ORDER");
    CHECK(none.status == 404);
    CHECK(none.body == R"({"code":"ORDER_NOT_EXIST","message":"订单不存在"})");
    CHECK(s.send("GET", "/v3/pay/transactions/id/4200000000000000000000000000?mchid=" + s.k.mchid).status == 404);
    auto nomchid = s.send("GET", "/v3/pay/transactions/out-trade-no/QUERY_0001");
    CHECK(nomchid.status == 400);
    CHECK(body_of(nomchid)["detail"]["location"] == "query");
    CHECK(s.send("GET", "/v3/pay/transactions/out-trade-no/QUERY_0001?mchid=1900000209").status == 400);
    // Another merchant cannot see the order.
    Session other(emu, pubkey_merchant());
    CHECK(other.send("GET", "/v3/pay/transactions/out-trade-no/QUERY_0001?mchid=1900000209").status == 404);
}

TEST_CASE("wechatpay: percent-encoded out_trade_no in the path verifies over the raw target", "[wechatpay]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    REQUIRE(s.order("PIPE|0001").status == 200);
    auto q = s.send("GET", "/v3/pay/transactions/out-trade-no/PIPE%7C0001?mchid=" + s.k.mchid);
    REQUIRE(q.status == 200);
    CHECK(body_of(q)["out_trade_no"] == "PIPE|0001");
}

TEST_CASE("wechatpay: close: 204 signed over an empty body, closed and paid orders", "[wechatpay]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    std::string mch = core::dump(Json{{"mchid", s.k.mchid}});
    REQUIRE(s.order("CLOSE_0001").status == 200);
    auto c = s.send("POST", "/v3/pay/transactions/out-trade-no/CLOSE_0001/close", mch);
    CHECK(c.status == 204);
    CHECK(c.body.empty());
    CHECK(verified(c, s.k));
    CHECK(body_of(s.query("CLOSE_0001"))["trade_state"] == "CLOSED");
    CHECK(body_of(s.query("CLOSE_0001"))["trade_state_desc"] == "订单已关闭");
    CHECK(s.send("POST", "/v3/pay/transactions/out-trade-no/CLOSE_0001/close", mch).status == 204);  // idempotent
    auto again = s.order("CLOSE_0001");
    CHECK(again.status == 400);
    CHECK(again.body == R"({"code":"ORDER_CLOSED","message":"订单已关闭"})");
    auto pay = emu.post("/__admin/wechatpay/transactions/CLOSE_0001/pay", R"({"result":"SUCCESS"})");
    CHECK(pay.status == 409);

    REQUIRE(s.order("CLOSE_0002").status == 200);
    s.pay("CLOSE_0002");
    auto cp = s.send("POST", "/v3/pay/transactions/out-trade-no/CLOSE_0002/close", mch);
    CHECK(cp.status == 400);
    CHECK(cp.body == R"({"code":"ORDERPAID","message":"订单已支付"})");
    auto op = s.order("CLOSE_0002");
    CHECK(op.status == 400);
    CHECK(body_of(op)["code"] == "ORDERPAID");

    CHECK(s.send("POST", "/v3/pay/transactions/out-trade-no/CLOSE_9999/close", mch).status == 404);
    CHECK(s.send("POST", "/v3/pay/transactions/out-trade-no/CLOSE_0001/close", "{}").status == 400);
}

TEST_CASE("wechatpay: native order returns a code_url, the admin pay sets the payer", "[wechatpay]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    Json b = order_body(s.k, "NATIVE_001");
    b.erase("payer");
    auto r = s.send("POST", "/v3/pay/transactions/native", core::dump(b));
    REQUIRE(r.status == 200);
    CHECK(body_of(r)["code_url"].get<std::string>().rfind("weixin://wxpay/bizpayurl?pr=", 0) == 0);
    CHECK(verified(r, s.k));
    s.pay("NATIVE_001", {{"result", "SUCCESS"}, {"openid", kOpenid}});
    auto q = body_of(s.query("NATIVE_001"));
    CHECK(q["trade_type"] == "NATIVE");
    CHECK(q["payer"]["openid"] == kOpenid);
}

TEST_CASE("wechatpay: time_expire runs on the emulator clock, admin pay results and request_payment checks",
          "[wechatpay]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    emu.admin("POST", "/__admin/clock", {{"now", "2030-01-01T12:00:00+08:00"}, {"freeze", true}});
    Json b = order_body(s.k, "EXPIRE_001");
    b["time_expire"] = "2030-01-01T04:05:00Z";  // 12:05 Beijing
    REQUIRE(s.send("POST", "/v3/pay/transactions/jsapi", core::dump(b)).status == 200);
    emu.admin("POST", "/__admin/clock", {{"advance", "6m"}});
    auto late = emu.post("/__admin/wechatpay/transactions/EXPIRE_001/pay", R"({"result":"SUCCESS"})");
    CHECK(late.status == 409);
    CHECK(late.body.find("expired") != std::string::npos);
    CHECK(body_of(s.query("EXPIRE_001"))["trade_state"] == "NOTPAY");
    CHECK(s.send("POST", "/v3/pay/transactions/jsapi", core::dump(b)).status == 400);
    // Unpaid orders are closed automatically after 7 days.
    emu.admin("POST", "/__admin/clock", {{"advance", "7d"}});
    CHECK(body_of(s.query("EXPIRE_001"))["trade_state"] == "CLOSED");
    CHECK(body_of(s.send("POST", "/v3/pay/transactions/jsapi", core::dump(b)))["code"] == "ORDER_CLOSED");

    // USERPAYING then SUCCESS; PAYERROR is final.
    REQUIRE(s.order("STATES_001").status == 200);
    CHECK(s.pay("STATES_001", {{"result", "USERPAYING"}})["trade_state"] == "USERPAYING");
    CHECK(s.pay("STATES_001")["trade_state"] == "SUCCESS");
    REQUIRE(s.order("STATES_002").status == 200);
    CHECK(s.pay("STATES_002", {{"result", "PAYERROR"}})["trade_state"] == "PAYERROR");
    CHECK(emu.post("/__admin/wechatpay/transactions/STATES_002/pay", R"({"result":"SUCCESS"})").status == 409);
    CHECK(emu.post("/__admin/wechatpay/transactions/STATES_002/pay", R"({"result":"MAYBE"})").status == 400);
    CHECK(emu.post("/__admin/wechatpay/transactions/NOPE_00001/pay", R"({"result":"SUCCESS"})").status == 404);

    // request_payment: paySign made with the merchant key over appId/timeStamp/nonceStr/package.
    auto o = s.order("RPAY_00001");
    std::string pkg = "prepay_id=" + body_of(o)["prepay_id"].get<std::string>();
    std::string ts = "1700000000", nonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";
    auto sig =
        wechatpay::protocol::sign(s.k.private_key, wechatpay::protocol::pay_sign_message(kAppid, ts, nonce, pkg));
    Json rp = {{"timeStamp", ts}, {"nonceStr", nonce}, {"package", pkg}, {"signType", "RSA"}, {"paySign", *sig}};
    Json bad = rp;
    bad["paySign"] = *wechatpay::protocol::sign(s.k.private_key, "other");
    auto refused = emu.post("/__admin/wechatpay/transactions/RPAY_00001/pay",
                            core::dump(Json{{"result", "SUCCESS"}, {"request_payment", bad}}));
    CHECK(refused.status == 400);
    bad = rp;
    bad["package"] = "prepay_id=wx0";
    CHECK(emu.post("/__admin/wechatpay/transactions/RPAY_00001/pay",
                   core::dump(Json{{"result", "SUCCESS"}, {"request_payment", bad}}))
              .status == 400);
    CHECK(s.pay("RPAY_00001", {{"result", "SUCCESS"}, {"request_payment", rp}})["trade_state"] == "SUCCESS");

    auto list = emu.admin("GET", "/__admin/wechatpay/transactions?mchid=1900000109");
    CHECK(list["transactions"].size() == 4);
    CHECK(list["transactions"][0]["api_version"] == "v3");
}

TEST_CASE("wechatpay: GET /v3/certificates: the platform certificate encrypted with the APIv3 key", "[wechatpay]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    auto r = s.send("GET", "/v3/certificates");
    REQUIRE(r.status == 200);
    CHECK(verified(r, s.k));
    auto j = body_of(r);
    REQUIRE(j["data"].size() == 1);
    auto& d = j["data"][0];
    CHECK(d["serial_no"] == s.k.platform_serial);
    CHECK(d["encrypt_certificate"]["algorithm"] == "AEAD_AES_256_GCM");
    CHECK(d["encrypt_certificate"]["associated_data"] == "certificate");
    CHECK(d["encrypt_certificate"]["nonce"].get<std::string>().size() == 12);
    auto pem = wechatpay::protocol::decrypt(s.k.apiv3_key, d["encrypt_certificate"]["nonce"].get<std::string>(),
                                            "certificate", d["encrypt_certificate"]["ciphertext"].get<std::string>());
    REQUIRE(pem.ok());
    auto cert = core::crypto::load_certificate(*pem);
    REQUIRE(cert.ok());
    CHECK(cert->serial_hex == s.k.platform_serial);
    CHECK(d["effective_time"].get<std::string>().find("+08:00") != std::string::npos);
}

TEST_CASE("wechatpay: GET /v3/certificates for a public-key-mode merchant: 404 RESOURCE_NOT_EXISTS, unsigned",
          "[wechatpay]") {
    EmulatorProcess emu;
    Session s(emu, pubkey_merchant());
    auto r = s.send("GET", "/v3/certificates");
    CHECK(r.status == 404);
    CHECK(
        r.body ==
        R"({"code":"RESOURCE_NOT_EXISTS","message":"无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥。可查看指引https://pay.weixin.qq.com/docs/merchant/products/platform-certificate/wxp-pub-key-guide.html"})");
    CHECK_FALSE(r.header("Wechatpay-Signature"));
    // Its orders are signed with the public key id as before.
    auto o = s.order("PKCERT_001");
    REQUIRE(o.status == 200);
    CHECK(*o.header("Wechatpay-Serial") == s.k.public_key_id);
    // The default fixture's first merchant is the certificate-mode one most SDKs expect.
    auto f = emu.admin("GET", "/__admin/fixtures");
    CHECK(f["wechatpay"]["merchants"][0]["platform_mode"] == "certificate");
}

TEST_CASE("wechatpay: other /v3/ paths answer in WeChat Pay's format naming the operation", "[wechatpay]") {
    EmulatorProcess emu;
    auto r = emu.post("/v3/profitsharing/orders", "{}");
    CHECK(r.status == 404);
    auto j = body_of(r);
    CHECK(j["code"] == "NOT_FOUND");
    CHECK(j["message"].get<std::string>().find("wechatpay.profitsharing") != std::string::npos);
    r = emu.get("/v3/pay/transactions/whatever");
    CHECK(r.status == 404);
    CHECK(body_of(r)["message"].get<std::string>().find("/v3/pay/transactions/whatever") != std::string::npos);
    r = emu.request("DELETE", "/v3/pay/transactions/jsapi");
    CHECK(r.status == 405);
    CHECK(body_of(r)["code"] == "METHOD_NOT_ALLOWED");
    // Nesting beyond the limit is refused in WeChat Pay's format, before authentication.
    std::string deep = std::string(100, '[') + std::string(100, ']');
    r = emu.post("/v3/pay/transactions/jsapi", deep, {{"Content-Type", "application/json"}});
    CHECK(r.status == 400);
    CHECK(body_of(r)["code"] == "PARAM_ERROR");

    // The journal names the operations.
    Session s(emu, cert_merchant());
    REQUIRE(s.order("JOURNAL_01").status == 200);
    auto journal = emu.admin("GET", "/__admin/requests?operation=wechatpay.transactions.jsapi");
    REQUIRE_FALSE(journal["requests"].empty());
}

TEST_CASE("wechatpay: fixtures summary lists the merchants with serials and modes", "[wechatpay]") {
    EmulatorProcess emu;
    auto f = emu.admin("GET", "/__admin/fixtures");
    auto ms = f["wechatpay"]["merchants"];
    REQUIRE(ms.size() == 2);
    CHECK(ms[0]["mchid"] == "1900000109");
    CHECK(ms[0]["platform_mode"] == "certificate");
    CHECK(ms[0]["merchant_serial"] == cert_merchant().serial);
    CHECK(ms[1]["platform_mode"] == "public_key");
    CHECK(ms[1]["platform_public_key_id"] == pubkey_merchant().public_key_id);
}
