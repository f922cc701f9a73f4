// WeChat Pay v2 payment-code payments over HTTP: payment codes minted by the admin API, /pay/micropay
// paying at once, waiting for the user's password (USERPAYING, settled by the admin pay call) or failing
// with WeChat's codes, and /secapi/pay/reverse closing or refunding such orders.
#include <catch2/catch.hpp>

#include "tests/integration/wechatpay/v2_client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::wxpay2;
using core::Json;

namespace {

std::string mint(EmulatorProcess& emu, const std::string& result = "SUCCESS", const std::string& mchid = {}) {
    Json b = {{"openid", kOpenid}, {"result", result}};
    if (!mchid.empty()) b["mchid"] = mchid;
    auto r = emu.admin("POST", "/__admin/wechatpay/payment-codes", b);
    std::string code = r["auth_code"];
    return code;
}

Reply micropay(V2Session& s, const std::string& no, const std::string& auth_code, long long total = 100) {
    return s.call("/pay/micropay", Params{{"body", "mpemu 付款码"},
                                          {"out_trade_no", no},
                                          {"total_fee", std::to_string(total)},
                                          {"spbill_create_ip", "203.0.113.5"},
                                          {"auth_code", auth_code}});
}

}  // namespace

TEST_CASE("wechatpay v2 micropay: a payment code pays at once, orderquery shows MICROPAY", "[wechatpay][v2]") {
    EmulatorProcess emu;
    V2Session s(emu);
    std::string code = mint(emu);
    CHECK(code.size() == 18);
    CHECK(code[0] == '1');
    CHECK(code[1] >= '0');
    CHECK(code[1] <= '5');
    auto r = micropay(s, "MICRO_0001", code, 250);
    REQUIRE(r.ok());
    CHECK(s.verified(r));
    CHECK(r.get("trade_type") == "MICROPAY");
    CHECK(r.get("openid") == kOpenid);
    CHECK(r.get("total_fee") == "250");
    CHECK(r.get("cash_fee") == "250");
    CHECK(r.get("transaction_id").size() == 28);
    CHECK(r.get("time_end").size() == 14);
    auto q = s.query("MICRO_0001");
    CHECK(q.get("trade_state") == "SUCCESS");
    CHECK(q.get("trade_type") == "MICROPAY");
    // No notification: payment-code payments are answered synchronously.
    CHECK(emu.admin("GET", "/__admin/notifications")["notifications"].empty());

    // The code is single use; the same order number again is ORDERPAID.
    auto again = micropay(s, "MICRO_0002", code);
    CHECK(again.get("result_code") == "FAIL");
    CHECK(again.get("err_code") == "AUTHCODEEXPIRE");
    CHECK(again.get("err_code_des") == "二维码已过期，请用户在微信上刷新后再试");
    CHECK(micropay(s, "MICRO_0001", mint(emu), 250).get("err_code") == "ORDERPAID");
    CHECK(s.query("MICRO_0002").get("err_code") == "ORDERNOTEXIST");
}

TEST_CASE("wechatpay v2 micropay: refused codes and bad input change nothing", "[wechatpay][v2]") {
    EmulatorProcess emu;
    V2Session s(emu);
    emu.admin("POST", "/__admin/clock", {{"now", "2030-01-01T12:00:00+08:00"}, {"freeze", true}});
    auto bad = micropay(s, "MICRO_0101", "12345");
    CHECK(bad.get("err_code") == "AUTH_CODE_ERROR");
    CHECK(s.verified(bad));
    auto alipay_code = micropay(s, "MICRO_0102", "281234567890123456");  // an Alipay code (25-30 prefix)
    CHECK(alipay_code.get("err_code") == "AUTH_CODE_INVALID");
    CHECK(alipay_code.get("err_code_des") == "请扫描微信支付授权码(以10/11/12/13/14/15为前缀的18位数字)");
    CHECK(micropay(s, "MICRO_0103", "134567890123456789").get("err_code") == "AUTH_CODE_INVALID");  // never minted
    // A code minted for another merchant.
    CHECK(micropay(s, "MICRO_0104", mint(emu, "SUCCESS", "1900000209")).get("err_code") == "AUTH_CODE_INVALID");
    // Expired after a minute.
    std::string late = mint(emu);
    emu.admin("POST", "/__admin/clock", {{"advance", "61s"}});
    CHECK(micropay(s, "MICRO_0105", late).get("err_code") == "AUTHCODEEXPIRE");
    // Not enough balance.
    auto poor = micropay(s, "MICRO_0106", mint(emu, "NOTENOUGH"));
    CHECK(poor.get("err_code") == "NOTENOUGH");
    CHECK(poor.get("err_code_des") == "余额不足");
    // Missing auth_code, bad amount.
    auto missing = s.call(
        "/pay/micropay",
        Params{{"body", "x"}, {"out_trade_no", "MICRO_0107"}, {"total_fee", "1"}, {"spbill_create_ip", "203.0.113.5"}});
    CHECK(missing.get("err_code") == "LACK_PARAMS");
    auto amount = micropay(s, "MICRO_0108", mint(emu), 0);
    CHECK(amount.get("return_code") == "FAIL");
    CHECK(amount.get("return_msg") == "total_fee参数格式错误");
    CHECK(emu.admin("GET", "/__admin/wechatpay/transactions")["transactions"].empty());
    // Admin call input.
    CHECK(emu.post("/__admin/wechatpay/payment-codes", R"({"result":"SUCCESS"})").status == 400);
    CHECK(emu.post("/__admin/wechatpay/payment-codes", R"({"openid":"o1","result":"MAYBE"})").status == 400);
    CHECK(emu.post("/__admin/wechatpay/payment-codes", R"({"openid":"o1","mchid":"1"})").status == 404);
}

TEST_CASE("wechatpay v2 micropay: USERPAYING, then the admin pay call settles it, reverse", "[wechatpay][v2]") {
    EmulatorProcess emu;
    V2Session s(emu);
    auto r = micropay(s, "MICRO_0201", mint(emu, "USERPAYING"), 300);
    CHECK(r.get("return_code") == "SUCCESS");
    CHECK(r.get("result_code") == "FAIL");
    CHECK(r.get("err_code") == "USERPAYING");
    CHECK(r.get("err_code_des") == "需要用户输入支付密码");
    CHECK(s.query("MICRO_0201").get("trade_state") == "USERPAYING");
    // The cashier retries the same order: still waiting.
    CHECK(micropay(s, "MICRO_0201", mint(emu), 300).get("err_code") == "USERPAYING");
    CHECK(micropay(s, "MICRO_0201", mint(emu), 301).get("err_code") == "OUT_TRADE_NO_USED");
    auto paid = emu.admin("POST", "/__admin/wechatpay/transactions/MICRO_0201/pay", {{"result", "SUCCESS"}});
    CHECK(paid["trade_state"] == "SUCCESS");
    CHECK(s.query("MICRO_0201").get("trade_state") == "SUCCESS");

    // Reverse a paid order: refunded in full and REVOKED; again: the same answer.
    auto rev = s.call("/secapi/pay/reverse", Params{{"out_trade_no", "MICRO_0201"}});
    REQUIRE(rev.ok());
    CHECK(s.verified(rev));
    CHECK(rev.get("recall") == "N");
    auto q = s.query("MICRO_0201");
    CHECK(q.get("trade_state") == "REVOKED");
    CHECK(q.get("trade_state_desc") == "已撤销");
    auto refunds = emu.admin("GET", "/__admin/wechatpay/refunds?out_trade_no=MICRO_0201")["refunds"];
    REQUIRE(refunds.size() == 1);
    CHECK(refunds[0]["amount"]["refund"] == 300);
    CHECK(s.call("/secapi/pay/reverse", Params{{"out_trade_no", "MICRO_0201"}}).get("recall") == "N");
    CHECK(emu.admin("GET", "/__admin/wechatpay/refunds?out_trade_no=MICRO_0201")["refunds"].size() == 1);
    CHECK(micropay(s, "MICRO_0201", mint(emu), 300).get("err_code") == "ORDERREVERSED");

    // Reverse a waiting order: closed, the admin pay refused.
    REQUIRE(micropay(s, "MICRO_0202", mint(emu, "USERPAYING")).get("err_code") == "USERPAYING");
    REQUIRE(s.call("/secapi/pay/reverse", Params{{"out_trade_no", "MICRO_0202"}}).ok());
    CHECK(s.query("MICRO_0202").get("trade_state") == "REVOKED");
    CHECK(emu.post("/__admin/wechatpay/transactions/MICRO_0202/pay", R"({"result":"SUCCESS"})").status == 409);

    // Unknown orders, other trade types, more than 7 days.
    CHECK(s.call("/secapi/pay/reverse", Params{{"out_trade_no", "NOPE_00001"}}).get("err_code") == "ORDERNOTEXIST");
    REQUIRE(s.order("JSAPI_0203").ok());
    CHECK(s.call("/secapi/pay/reverse", Params{{"out_trade_no", "JSAPI_0203"}}).get("err_code") == "TRADE_ERROR");
    REQUIRE(micropay(s, "MICRO_0204", mint(emu)).ok());
    emu.admin("POST", "/__admin/clock", {{"advance", "8d"}});
    CHECK(s.call("/secapi/pay/reverse", Params{{"out_trade_no", "MICRO_0204"}}).get("err_code") == "REVERSE_EXPIRE");
    CHECK(s.query("MICRO_0204").get("trade_state") == "SUCCESS");
}
