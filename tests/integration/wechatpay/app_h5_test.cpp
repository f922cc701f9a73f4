// WeChat Pay v3 APP and H5 orders over HTTP: prepay_id / h5_url, their field rules, the admin pay call
// checking the app's signed parameter set, the emulator's H5 cashier page (view, pay, cancel, fail,
// redirect_url, expiry, altered links), and the shared query / close / refund / notify machinery.
#include <catch2/catch.hpp>

#include "core/url.hpp"
#include "tests/integration/wechatpay/client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::wxpay;
using core::Json;

namespace {

Json app_body(const MerchantKeys& k, const std::string& out_trade_no, long long total = 100) {
    Json b = order_body(k, out_trade_no, total);
    b.erase("payer");
    return b;
}

Json h5_body(const MerchantKeys& k, const std::string& out_trade_no, long long total = 100) {
    Json b = app_body(k, out_trade_no, total);
    b["scene_info"] = {{"payer_client_ip", "203.0.113.7"}, {"h5_info", {{"type", "Wap"}, {"app_name", "mpemu"}}}};
    return b;
}

// The set an app hands the WeChat SDK, signed with the merchant key as the docs' 调起支付 page says.
Json app_payment(const MerchantKeys& k, const std::string& prepay_id, const std::string& ts = "1700000000") {
    std::string nonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";
    auto sig = wechatpay::protocol::sign(k.private_key,
                                         wechatpay::protocol::app_pay_sign_message(kAppid, ts, nonce, prepay_id));
    REQUIRE(sig.ok());
    return Json{{"appid", kAppid},   {"partnerid", k.mchid}, {"prepayid", prepay_id}, {"package", "Sign=WXPay"},
                {"noncestr", nonce}, {"timestamp", ts},      {"sign", *sig}};
}

// The path + query of an h5_url (the emulator's own origin checked by the caller).
std::string target_of(const std::string& h5_url, const std::string& origin) {
    REQUIRE(h5_url.rfind(origin, 0) == 0);
    return h5_url.substr(origin.size());
}

core::HttpResponse press(EmulatorProcess& emu, const std::string& target, const std::string& action) {
    return emu.post(target, "action=" + action, {{"Content-Type", "application/x-www-form-urlencoded"}});
}

}  // namespace

TEST_CASE("wechatpay: app order: prepay_id, the app's signed set pays it, trade_type APP, notified",
          "[wechatpay][app]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    auto r = s.send("POST", "/v3/pay/transactions/app", core::dump(app_body(s.k, "APP_000001", 88)));
    REQUIRE(r.status == 200);
    CHECK(verified(r, s.k));
    auto b = body_of(r);
    REQUIRE(b.size() == 1);
    std::string prepay = b["prepay_id"];
    CHECK(prepay.rfind("wx", 0) == 0);
    CHECK(prepay.size() == 36);

    const std::string pay_path = "/__admin/wechatpay/transactions/APP_000001/pay";
    Json good = app_payment(s.k, prepay);
    // Everything the WeChat app would refuse, each answered 400 with the order left unpaid.
    std::vector<std::pair<const char*, Json>> wrong;
    Json w = good;
    w["sign"] = *wechatpay::protocol::sign(s.k.private_key, "something else");
    wrong.emplace_back("sign", w);
    w = good;
    w["package"] = "prepay_id=" + prepay;
    wrong.emplace_back("package", w);
    w = good;
    w["partnerid"] = "1900000209";
    wrong.emplace_back("partnerid", w);
    w = good;
    w["prepayid"] = "wx0000";
    wrong.emplace_back("prepayid", w);
    wrong.emplace_back("timestamp", app_payment(s.k, prepay, "1700000000000"));  // milliseconds
    w = good;
    w.erase("noncestr");
    wrong.emplace_back("noncestr", w);
    w = good;
    w["appid"] = "wx0000000000000000";
    wrong.emplace_back("appid", w);
    for (const auto& [field, ap] : wrong) {
        auto res = emu.post(pay_path, core::dump(Json{{"result", "SUCCESS"}, {"app_payment", ap}}));
        INFO(field << ": " << res.body);
        CHECK(res.status == 400);
        CHECK(res.body.find(field) != std::string::npos);
    }
    // JSAPI's request_payment is not how an APP order is paid.
    auto rp = emu.post(pay_path, R"({"result":"SUCCESS","request_payment":{"package":"x"}})");
    CHECK(rp.status == 400);
    CHECK(rp.body.find("app_payment") != std::string::npos);
    CHECK(body_of(s.query("APP_000001"))["trade_state"] == "NOTPAY");

    auto paid = s.pay("APP_000001", {{"result", "SUCCESS"}, {"app_payment", good}});
    CHECK(paid["trade_state"] == "SUCCESS");
    auto q = body_of(s.query("APP_000001"));
    CHECK(q["trade_type"] == "APP");
    CHECK(q["amount"]["total"] == 88);
    CHECK(q["payer"]["openid"].get<std::string>().size() == 28);
    auto n = emu.admin("GET", "/__admin/notifications?channel=wechatpay.v3")["notifications"];
    REQUIRE(n.size() == 1);

    // The same order again: ORDERPAID; a refund works as for any order.
    CHECK(body_of(s.send("POST", "/v3/pay/transactions/app", core::dump(app_body(s.k, "APP_000001", 88))))["code"] ==
          "ORDERPAID");
    auto refund = s.refund("APP_000001", "APP_R_0001", 88, 88);
    CHECK(refund.status == 200);
    CHECK(body_of(s.query("APP_000001"))["trade_state"] == "REFUND");
}

TEST_CASE("wechatpay: app order field rules and app_payment on other orders", "[wechatpay][app]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    Json b = app_body(s.k, "APP_000002");
    b.erase("appid");
    auto r = s.send("POST", "/v3/pay/transactions/app", core::dump(b));
    CHECK(r.status == 400);
    CHECK(body_of(r)["code"] == "PARAM_ERROR");
    CHECK(body_of(r)["message"] == "输入源“/appid”映射到字段“公众号ID”必填性规则校验失败,此字段为必填项");
    b = app_body(s.k, "APP_000002");
    b["scene_info"] = {{"device_id", "POS1"}};
    r = s.send("POST", "/v3/pay/transactions/app", core::dump(b));
    CHECK(r.status == 400);
    CHECK(body_of(r)["message"] ==
          "输入源“/scene_info/payer_client_ip”映射到字段“用户终端IP”必填性规则校验失败,此字段为必填项");
    b = app_body(s.k, "APP_000002");
    b["appid"] = "wx0000000000000000";
    CHECK(body_of(s.send("POST", "/v3/pay/transactions/app", core::dump(b)))["code"] == "APPID_MCHID_NOT_MATCH");
    CHECK(emu.admin("GET", "/__admin/wechatpay/transactions")["transactions"].empty());

    // app_payment belongs to APP orders only.
    auto j = s.order("JSAPI_0002");
    REQUIRE(j.status == 200);
    auto res = emu.post("/__admin/wechatpay/transactions/JSAPI_0002/pay",
                        core::dump(Json{{"app_payment", app_payment(s.k, body_of(j)["prepay_id"])}}));
    CHECK(res.status == 400);
    CHECK(res.body.find("APP orders") != std::string::npos);
}

TEST_CASE("wechatpay: h5 order field rules: scene_info, payer_client_ip and h5_info are required", "[wechatpay][h5]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    auto send = [&](const Json& b) { return s.send("POST", "/v3/pay/transactions/h5", core::dump(b)); };
    Json b = h5_body(s.k, "H5_0000001");
    b.erase("scene_info");
    auto r = send(b);
    CHECK(r.status == 400);
    CHECK(body_of(r)["code"] == "PARAM_ERROR");
    CHECK(body_of(r)["message"] == "输入源“/scene_info”映射到字段“场景信息”必填性规则校验失败,此字段为必填项");
    b = h5_body(s.k, "H5_0000001");
    b["scene_info"].erase("h5_info");
    r = send(b);
    CHECK(r.status == 400);
    CHECK(body_of(r)["message"] ==
          "输入源“/scene_info/h5_info”映射到字段“H5场景信息”必填性规则校验失败,此字段为必填项");
    b = h5_body(s.k, "H5_0000001");
    b["scene_info"].erase("payer_client_ip");
    CHECK(body_of(send(b))["message"] ==
          "输入源“/scene_info/payer_client_ip”映射到字段“用户终端IP”必填性规则校验失败,此字段为必填项");
    b = h5_body(s.k, "H5_0000001");
    b["scene_info"]["h5_info"].erase("type");
    CHECK(body_of(send(b))["message"] ==
          "输入源“/scene_info/h5_info/type”映射到字段“场景类型”必填性规则校验失败,此字段为必填项");
    b = h5_body(s.k, "H5_0000001");
    b["scene_info"]["h5_info"]["type"] = "Windows";
    r = send(b);
    CHECK(r.status == 400);
    CHECK(body_of(r)["code"] == "PARAM_ERROR");
    CHECK(body_of(r)["detail"]["field"] == "/scene_info/h5_info/type");
    b = h5_body(s.k, "H5_0000001");
    b["scene_info"]["h5_info"] = "Wap";
    CHECK(body_of(send(b))["detail"]["issue"] == "must be an object");
    CHECK(emu.admin("GET", "/__admin/wechatpay/transactions")["transactions"].empty());
}

TEST_CASE("wechatpay: h5 cashier: the page, Pay, and the redirect to the merchant's redirect_url", "[wechatpay][h5]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    Json b = h5_body(s.k, "H5_0000002", 123);
    b["description"] = "<b>T&\"恤\"</b>";
    auto r = s.send("POST", "/v3/pay/transactions/h5", core::dump(b));
    REQUIRE(r.status == 200);
    CHECK(verified(r, s.k));
    auto body = body_of(r);
    REQUIRE(body.size() == 1);
    std::string h5_url = body["h5_url"];
    CHECK(h5_url.find("/__pay/wechatpay/h5/checkmweb?prepay_id=wx") != std::string::npos);
    std::string target = target_of(h5_url, emu.url());
    CHECK(target.find("&package=") != std::string::npos);

    auto page = emu.get(target);
    REQUIRE(page.status == 200);
    CHECK(page.header("Content-Type")->find("text/html") == 0);
    CHECK(page.body.find("&lt;b&gt;T&amp;&quot;恤&quot;&lt;/b&gt;") != std::string::npos);
    CHECK(page.body.find("<b>T&") == std::string::npos);
    CHECK(page.body.find("\xC2\xA5"
                         "1.23") != std::string::npos);
    CHECK(page.body.find("mpemu Demo Shop") != std::string::npos);
    CHECK(page.body.find("value=\"pay\"") != std::string::npos);
    CHECK(page.body.find("value=\"cancel\"") != std::string::npos);
    CHECK(page.body.find("value=\"fail\"") != std::string::npos);
    CHECK(page.body.find("name=\"viewport\"") != std::string::npos);
    CHECK(page.body.find("<script") == std::string::npos);
    CHECK(page.body.find("src=") == std::string::npos);

    // The merchant appends its URL-encoded redirect_url; Pay settles the order and sends the browser there.
    const std::string back = "https://shop.example/return?order=H5_0000002&from=wx";
    std::string with_back = target + "&redirect_url=" + core::url_encode(back);
    auto paid = press(emu, with_back, "pay");
    CHECK(paid.status == 303);
    REQUIRE(paid.header("Location"));
    CHECK(*paid.header("Location") == back);
    auto q = body_of(s.query("H5_0000002"));
    CHECK(q["trade_state"] == "SUCCESS");
    CHECK(q["trade_type"] == "MWEB");
    CHECK(emu.admin("GET", "/__admin/notifications?channel=wechatpay.v3")["notifications"].size() == 1);

    // Paid: the page shows it without buttons; pressing Pay again changes nothing.
    auto again = emu.get(target);
    CHECK(again.status == 200);
    CHECK(again.body.find("<form") == std::string::npos);
    CHECK(again.body.find("已支付") != std::string::npos);
    CHECK(press(emu, target, "pay").status == 409);
    CHECK(emu.admin("GET", "/__admin/notifications?channel=wechatpay.v3")["notifications"].size() == 1);
    CHECK(s.refund("H5_0000002", "H5_R_00001", 23, 123).status == 200);
}

TEST_CASE("wechatpay: h5 cashier: cancel, fail, altered links, bad input, expiry and re-entry", "[wechatpay][h5]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    emu.admin("POST", "/__admin/clock", {{"now", "2030-01-01T12:00:00+08:00"}, {"freeze", true}});
    auto order = [&](const std::string& no) {
        auto r = s.send("POST", "/v3/pay/transactions/h5", core::dump(h5_body(s.k, no)));
        REQUIRE(r.status == 200);
        return target_of(body_of(r)["h5_url"], emu.url());
    };
    std::string t = order("H5_0000003");
    const std::string back = "http://127.0.0.1:9/back";

    // Cancel: back to the merchant, the order still unpaid; without redirect_url a result page.
    auto c = press(emu, t + "&redirect_url=" + core::url_encode(back), "cancel");
    CHECK(c.status == 303);
    CHECK(*c.header("Location") == back);
    auto c2 = press(emu, t, "cancel");
    CHECK(c2.status == 200);
    CHECK(c2.body.find("已取消支付") != std::string::npos);
    CHECK(c2.body.find("value=\"pay\"") != std::string::npos);  // still payable from the same page
    CHECK(body_of(s.query("H5_0000003"))["trade_state"] == "NOTPAY");

    // Refused: missing or unknown action, a redirect_url that is not http(s), altered or unknown links.
    CHECK(emu.post(t, "", {{"Content-Type", "application/x-www-form-urlencoded"}}).status == 400);
    CHECK(press(emu, t, "refund").status == 400);
    CHECK(emu.get(t + "&redirect_url=" + core::url_encode("javascript:alert(1)")).status == 400);
    std::string altered = t.substr(0, t.size() - 1) + (t.back() == '1' ? "2" : "1");
    auto bad = emu.get(altered);
    CHECK(bad.status == 404);
    CHECK(bad.body.find("商家参数格式有误") != std::string::npos);
    CHECK(press(emu, altered, "pay").status == 404);
    CHECK(emu.get("/__pay/wechatpay/h5/checkmweb").status == 404);
    CHECK(emu.get("/__pay/wechatpay/elsewhere").status == 404);
    CHECK(emu.request("PUT", t, "").status == 405);
    CHECK(body_of(s.query("H5_0000003"))["trade_state"] == "NOTPAY");

    // Fail: PAYERROR, final.
    CHECK(press(emu, t, "fail").status == 200);
    CHECK(body_of(s.query("H5_0000003"))["trade_state"] == "PAYERROR");
    CHECK(press(emu, t, "pay").status == 409);

    // The link lasts 5 minutes; re-entry with the same parameters hands out a fresh one.
    std::string t4 = order("H5_0000004");
    emu.admin("POST", "/__admin/clock", {{"advance", "6m"}});
    auto gone = emu.get(t4);
    CHECK(gone.status == 410);
    std::string t4b = order("H5_0000004");
    CHECK(t4b != t4);
    CHECK(emu.get(t4b).status == 200);
    CHECK(press(emu, t4b, "pay").status == 200);
    CHECK(body_of(s.query("H5_0000004"))["trade_state"] == "SUCCESS");

    // Closed orders show their state and cannot be paid.
    std::string t5 = order("H5_0000005");
    auto closed =
        s.send("POST", "/v3/pay/transactions/out-trade-no/H5_0000005/close", core::dump(Json{{"mchid", s.k.mchid}}));
    CHECK(closed.status == 204);
    CHECK(emu.get(t5).body.find("已关闭") != std::string::npos);
    CHECK(press(emu, t5, "pay").status == 409);
}
