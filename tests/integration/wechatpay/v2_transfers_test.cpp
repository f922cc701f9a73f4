// WeChat Pay v2 企业付款到零钱 over HTTP: /mmpaymkttransfers/promotion/transfers pays at once with the
// operation's own field names (mch_appid, mchid) and an unsigned reply, re-entry, the business refusals,
// and /mmpaymkttransfers/gettransferinfo.
#include <catch2/catch.hpp>

#include "tests/integration/wechatpay/v2_client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::wxpay2;
using core::Json;

namespace {

// Signed as WxJava / wechatpy send it: mch_appid and mchid instead of appid and mch_id.
Reply transfer(V2Session& s, Params p) {
    if (!p.get("mch_appid")) p.set("mch_appid", kAppid);
    if (!p.get("mchid")) p.set("mchid", kMchid);
    p.set("nonce_str", "n" + std::to_string(++s.nonce) + "abcdefABCDEF0123");
    p.set("sign", wechatpay::v2::sign(p, s.key, SignType::kMd5));
    return s.raw("/mmpaymkttransfers/promotion/transfers", wechatpay::v2::render_xml(p));
}

Params pay(const std::string& no, long long amount = 100) {
    return Params{{"partner_trade_no", no},           {"openid", kOpenid},    {"check_name", "NO_CHECK"},
                  {"amount", std::to_string(amount)}, {"desc", "mpemu 理赔"}, {"spbill_create_ip", "203.0.113.9"}};
}

}  // namespace

TEST_CASE("wechatpay v2 transfers: paid at once, unsigned reply, re-entry, gettransferinfo", "[wechatpay][v2]") {
    EmulatorProcess emu;
    V2Session s(emu);
    auto r = transfer(s, pay("PAYOUT0001", 150));
    REQUIRE(r.ok());
    CHECK(r.get("mch_appid") == kAppid);
    CHECK(r.get("mchid") == kMchid);
    CHECK_FALSE(r.p.has("sign"));
    CHECK(r.get("partner_trade_no") == "PAYOUT0001");
    std::string payment_no = r.get("payment_no");
    CHECK(payment_no.size() == 28);
    CHECK(r.get("payment_time").size() == 19);
    // The same request again: the same payment; other parameters: FATAL_ERROR.
    CHECK(transfer(s, pay("PAYOUT0001", 150)).get("payment_no") == payment_no);
    auto other = transfer(s, pay("PAYOUT0001", 151));
    CHECK(other.get("return_code") == "SUCCESS");
    CHECK(other.get("result_code") == "FAIL");
    CHECK(other.get("err_code") == "FATAL_ERROR");
    CHECK(other.get("return_msg") == other.get("err_code_des"));

    auto info = s.call("/mmpaymkttransfers/gettransferinfo", Params{{"partner_trade_no", "PAYOUT0001"}});
    REQUIRE(info.ok());
    CHECK(info.get("status") == "SUCCESS");
    CHECK(info.get("detail_id") == payment_no);
    CHECK(info.get("payment_amount") == "150");
    CHECK(info.get("openid") == kOpenid);
    CHECK(info.get("desc") == "mpemu 理赔");
    CHECK(s.call("/mmpaymkttransfers/gettransferinfo", Params{{"partner_trade_no", "NOSUCH0001"}}).get("err_code") ==
          "NOT_FOUND");
    // Kept apart from the v3 transfer bills.
    auto list = emu.admin("GET", "/__admin/wechatpay/transfer-bills")["transfer_bills"];
    REQUIRE(list.size() == 1);
    CHECK(list[0]["state"] == "SUCCESS");
}

TEST_CASE("wechatpay v2 transfers: refusals change nothing", "[wechatpay][v2]") {
    EmulatorProcess emu;
    V2Session s(emu);
    CHECK(transfer(s, pay("PAYOUT0101", 29)).get("err_code") == "AMOUNT_LIMIT");
    Params p = pay("PAYOUT0102");
    p.set("check_name", "FORCE_CHECK");
    CHECK(transfer(s, p).get("err_code") == "PARAM_ERROR");
    p = pay("PAYOUT0103");
    p.erase("openid");
    CHECK(transfer(s, p).get("err_code") == "LACK_PARAMS");
    p = pay("PAYOUT_0104");
    CHECK(transfer(s, p).get("return_msg") == "partner_trade_no参数格式错误");
    p = pay("PAYOUT0105");
    p.set("mch_appid", "wx051b3a21b3d6ae57");
    CHECK(transfer(s, p).get("return_msg") == "appid和mch_id不匹配");
    p = pay("PAYOUT0106");
    p.set("mchid", "1999999999");
    auto unknown = transfer(s, p);
    CHECK(unknown.get("return_code") == "FAIL");
    CHECK(unknown.get("return_msg") == "mchid参数格式错误");
    // A wrong sign: the protocol FAIL.
    std::string body = wechatpay::v2::render_xml(Params{{"mch_appid", kAppid},
                                                        {"mchid", kMchid},
                                                        {"nonce_str", "abc"},
                                                        {"partner_trade_no", "PAYOUT0107"},
                                                        {"openid", kOpenid},
                                                        {"check_name", "NO_CHECK"},
                                                        {"amount", "100"},
                                                        {"desc", "x"},
                                                        {"sign", "0123456789ABCDEF0123456789ABCDEF"}});
    CHECK(s.raw("/mmpaymkttransfers/promotion/transfers", body).get("return_msg") == "签名错误，请检查后再试");
    CHECK(emu.admin("GET", "/__admin/wechatpay/transfer-bills")["transfer_bills"].empty());
    // Red packets stay refused, naming the operation.
    CHECK(s.raw("/mmpaymkttransfers/sendredpack", body).get("return_msg").find("现金红包") != std::string::npos);
}
