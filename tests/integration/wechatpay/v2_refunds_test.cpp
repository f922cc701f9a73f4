// WeChat Pay v2 (XML) refunds over HTTP: refund rules and idempotency by out_refund_no, refund query
// by each key with subscripts from 0 and offset paging, and the daily bill built from the trades.
#include <catch2/catch.hpp>

#include "tests/integration/wechatpay/v2_client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::wxpay2;

TEST_CASE("wechatpay v2: refund: rules, idempotency by out_refund_no, order state REFUND", "[wechatpay][v2][refund]") {
    EmulatorProcess emu;
    V2Session s(emu);
    REQUIRE(s.order("V2REFUND_01", 100).ok());

    auto unpaid = s.refund("V2REFUND_01", "V2R_UNPAID", 10, 100);
    CHECK(unpaid.get("err_code") == "ORDERNOTEXIST");
    CHECK(s.verified(unpaid));
    s.pay("V2REFUND_01");

    auto r1 = s.refund("V2REFUND_01", "V2R1", 30, 100, Params{{"refund_desc", "退货"}});
    INFO(r1.body);
    REQUIRE(r1.ok());
    CHECK(s.verified(r1));
    CHECK(r1.get("out_refund_no") == "V2R1");
    CHECK(r1.get("out_trade_no") == "V2REFUND_01");
    CHECK(r1.get("refund_fee") == "30");
    CHECK(r1.get("total_fee") == "100");
    CHECK(r1.get("cash_fee") == "100");
    CHECK(r1.get("cash_refund_fee") == "30");
    CHECK(r1.get("coupon_refund_fee") == "0");
    CHECK(r1.get("transaction_id").size() == 28);
    std::string refund_id = r1.get("refund_id");
    CHECK(refund_id.size() == 29);

    // Same out_refund_no, same amounts: the same refund. Other amounts: INVALID_REQUEST.
    auto again = s.refund("V2REFUND_01", "V2R1", 30, 100);
    REQUIRE(again.ok());
    CHECK(again.get("refund_id") == refund_id);
    auto differ = s.refund("V2REFUND_01", "V2R1", 31, 100);
    CHECK(differ.get("err_code") == "INVALID_REQUEST");
    CHECK(differ.get("err_code_des") == "订单金额或退款金额与之前请求不一致，请核实后再试");
    auto total = s.refund("V2REFUND_01", "V2R2", 10, 99);
    CHECK(total.get("err_code_des") == "订单金额或退款金额与之前请求不一致，请核实后再试");
    auto over = s.refund("V2REFUND_01", "V2R3", 71, 100);
    CHECK(over.get("err_code") == "INVALID_REQUEST");
    CHECK(over.get("err_code_des") == "退款金额大于支付金额");
    // By transaction_id (with op_user_id, an unknown field that is still signed).
    auto by_tx = s.call("/secapi/pay/refund", Params{{"transaction_id", r1.get("transaction_id")},
                                                     {"out_refund_no", "V2R4"},
                                                     {"total_fee", "100"},
                                                     {"refund_fee", "70"},
                                                     {"op_user_id", kMchid}});
    REQUIRE(by_tx.ok());
    auto bad_tx = s.call("/secapi/pay/refund", Params{{"transaction_id", "4200000000000000000000000000"},
                                                      {"out_refund_no", "V2R5"},
                                                      {"total_fee", "100"},
                                                      {"refund_fee", "1"}});
    CHECK(bad_tx.get("err_code") == "INVALID_TRANSACTIONID");
    CHECK(s.refund("V2REFUND_01", "bad refund no", 1, 100).get("return_msg") == "out_refund_no参数格式错误");
    CHECK(s.refund("V2REFUND_01", "V2R6", 1, 100, Params{{"refund_fee", ""}}).get("err_code") == "LACK_PARAMS");

    auto q = s.query("V2REFUND_01");
    CHECK(q.get("trade_state") == "REFUND");
    CHECK(q.get("trade_state_desc") == "订单发生过退款，退款详情请查询退款单");

    // The refunds are in the shared admin list as v2 refunds.
    auto list = emu.admin("GET", "/__admin/wechatpay/refunds?out_trade_no=V2REFUND_01");
    REQUIRE(list["refunds"].size() == 2);
    CHECK(list["refunds"][0]["api_version"] == "v2");
}

TEST_CASE("wechatpay v2: refundquery by refund_id, out_refund_no, transaction_id, out_trade_no with offset",
          "[wechatpay][v2][refund]") {
    EmulatorProcess emu;
    emu.admin("POST", "/__admin/clock", {{"now", "2024-01-02T08:00:00+08:00"}, {"freeze", true}});
    V2Session s(emu);
    REQUIRE(s.order("V2RQ_000001", 1000).ok());
    s.pay("V2RQ_000001");
    std::string txid = s.query("V2RQ_000001").get("transaction_id");
    std::vector<std::string> ids;
    for (int i = 0; i < 12; ++i) {
        auto r = s.refund("V2RQ_000001", "V2RQR" + std::to_string(100 + i), 10 + i, 1000);
        REQUIRE(r.ok());
        ids.push_back(r.get("refund_id"));
    }

    auto one = s.call("/pay/refundquery", Params{{"out_refund_no", "V2RQR105"}});
    INFO(one.body);
    REQUIRE(one.ok());
    CHECK(s.verified(one));
    CHECK(one.get("refund_count") == "1");
    CHECK(one.get("out_refund_no_0") == "V2RQR105");
    CHECK(one.get("refund_id_0") == ids[5]);
    CHECK(one.get("refund_fee_0") == "15");
    CHECK(one.get("refund_status_0") == "SUCCESS");
    CHECK(one.get("refund_channel_0") == "ORIGINAL");
    CHECK(one.get("refund_account_0") == "REFUND_SOURCE_UNSETTLED_FUNDS");
    CHECK(one.get("refund_recv_accout_0") == "支付用户零钱");
    CHECK(one.get("refund_success_time_0") == "2024-01-02 08:00:00");
    CHECK(one.get("total_fee") == "1000");
    CHECK(one.get("transaction_id") == txid);
    CHECK_FALSE(one.p.has("total_refund_count"));

    // refund_id wins over the other keys.
    auto by_id = s.call("/pay/refundquery", Params{{"refund_id", ids[7]}, {"out_refund_no", "V2RQR100"}});
    REQUIRE(by_id.ok());
    CHECK(by_id.get("out_refund_no_0") == "V2RQR107");

    // By order: 10 per page in creation order, total_refund_count, offset.
    auto page = s.call("/pay/refundquery", Params{{"out_trade_no", "V2RQ_000001"}});
    REQUIRE(page.ok());
    CHECK(page.get("total_refund_count") == "12");
    CHECK(page.get("refund_count") == "10");
    CHECK(page.get("out_refund_no_0") == "V2RQR100");
    CHECK(page.get("out_refund_no_9") == "V2RQR109");
    CHECK_FALSE(page.p.has("out_refund_no_10"));
    auto rest = s.call("/pay/refundquery", Params{{"transaction_id", txid}, {"offset", "10"}});
    REQUIRE(rest.ok());
    CHECK(rest.get("refund_count") == "2");
    CHECK(rest.get("out_refund_no_0") == "V2RQR110");
    CHECK(s.call("/pay/refundquery", Params{{"out_trade_no", "V2RQ_000001"}, {"offset", "12"}}).get("err_code") ==
          "PARAM_ERROR");

    CHECK(s.call("/pay/refundquery", Params{{"out_refund_no", "V2NONE"}}).get("err_code") == "REFUNDNOTEXIST");
    CHECK(s.call("/pay/refundquery", Params{{"out_refund_no", "V2NONE"}}).get("err_code_des") == "退款订单查询失败");
    CHECK(s.call("/pay/refundquery", Params{{"transaction_id", "4200000000000000000000000001"}}).get("err_code") ==
          "INVALID_TRANSACTIONID");
    CHECK(s.call("/pay/refundquery", Params{}).get("err_code") == "PARAM_ERROR");
}

TEST_CASE("wechatpay v2: refund_delay keeps refunds PROCESSING until the clock passes it", "[wechatpay][v2][refund]") {
    EmulatorProcess emu({}, fixtures_with([](core::Json& j) { j["wechatpay"]["refund_delay"] = "5m"; }));
    V2Session s(emu);
    REQUIRE(s.order("V2DELAY_001", 10).ok());
    s.pay("V2DELAY_001");
    REQUIRE(s.refund("V2DELAY_001", "V2D1", 6, 10).ok());
    auto q = s.call("/pay/refundquery", Params{{"out_refund_no", "V2D1"}});
    CHECK(q.get("refund_status_0") == "PROCESSING");
    CHECK_FALSE(q.p.has("refund_success_time_0"));
    emu.admin("POST", "/__admin/clock", {{"advance", "6m"}});
    q = s.call("/pay/refundquery", Params{{"out_refund_no", "V2D1"}});
    CHECK(q.get("refund_status_0") == "SUCCESS");
    // The admin outcome works for v2 refunds too: ABNORMAL / CLOSED read CHANGE / REFUNDCLOSE in v2.
    REQUIRE(s.refund("V2DELAY_001", "V2D2", 4, 10).ok());
    emu.admin("POST", "/__admin/wechatpay/refunds/V2D2/outcome", {{"status", "ABNORMAL"}});
    CHECK(s.call("/pay/refundquery", Params{{"out_refund_no", "V2D2"}}).get("refund_status_0") == "CHANGE");
    emu.admin("POST", "/__admin/wechatpay/refunds/V2D2/outcome", {{"status", "CLOSED"}});
    CHECK(s.call("/pay/refundquery", Params{{"out_refund_no", "V2D2"}}).get("refund_status_0") == "REFUNDCLOSE");
    // CLOSED frees the money: 4 fen can be refunded again.
    CHECK(s.refund("V2DELAY_001", "V2D3", 4, 10).ok());
    CHECK(s.refund("V2DELAY_001", "V2D4", 1, 10).get("err_code") == "INVALID_REQUEST");
}

TEST_CASE("wechatpay v2: downloadbill: a real bill of the day's trades, or No Bill Exist", "[wechatpay][v2][bill]") {
    EmulatorProcess emu;
    emu.admin("POST", "/__admin/clock", {{"now", "2024-01-05T10:00:00+08:00"}, {"freeze", true}});
    V2Session s(emu);
    REQUIRE(s.order("V2BILL_0001", 1000, Params{{"attach", "x"}}).ok());
    REQUIRE(s.order("V2BILL_0002", 250).ok());
    REQUIRE(s.order("V2BILL_0003", 99).ok());  // never paid: not in the bill
    s.pay("V2BILL_0001");
    s.pay("V2BILL_0002");
    REQUIRE(s.refund("V2BILL_0001", "V2BILLR1", 300, 1000).ok());

    // Today's bill does not exist yet.
    auto early = s.call("/pay/downloadbill", Params{{"bill_date", "20240105"}, {"bill_type", "ALL"}});
    CHECK(early.get("return_code") == "FAIL");
    CHECK(early.get("return_msg") == "No Bill Exist");
    CHECK(early.get("error_code") == "20002");
    CHECK_FALSE(early.p.has("sign"));

    emu.admin("POST", "/__admin/clock", {{"advance", "24h"}});
    auto all = emu.post("/pay/downloadbill",
                        wechatpay::v2::render_xml(s.sign(Params{{"bill_date", "20240105"}, {"bill_type", "ALL"}})));
    REQUIRE(all.status == 200);
    INFO(all.body);
    CHECK(all.body.rfind("交易时间,公众账号ID,商户号,", 0) == 0);
    std::vector<std::string> lines;
    for (size_t pos = 0; pos < all.body.size();) {
        size_t e = all.body.find("\r\n", pos);
        lines.push_back(all.body.substr(pos, e - pos));
        pos = e == std::string::npos ? all.body.size() : e + 2;
    }
    REQUIRE(lines.size() == 6);  // header, 2 payments, 1 refund, totals header, totals
    CHECK(lines[1].rfind("`2024-01-05 10:00:00,`wx8f3b6c2a1d4e5f60,`1900000109,`0,", 0) == 0);
    CHECK(lines[1].find(",`V2BILL_0001,") != std::string::npos);
    CHECK(lines[1].find(",`SUCCESS,`CFT,`CNY,`10.00,`0.00,") != std::string::npos);
    CHECK(lines[3].find(",`REFUND,") != std::string::npos);
    CHECK(lines[3].find(",`V2BILLR1,`3.00,") != std::string::npos);
    CHECK(lines[4] == "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额");
    CHECK(lines[5] == "`3,`12.50,`3.00,`0.00,`0.06,`12.50,`3.00");

    auto success = s.call("/pay/downloadbill", Params{{"bill_date", "20240105"}, {"bill_type", "SUCCESS"}});
    CHECK(success.p.fields().empty());  // not XML: a bill
    auto bad = s.call("/pay/downloadbill", Params{{"bill_date", "2024-01-05"}});
    CHECK(bad.get("return_msg") == "invalid bill_date");
    auto none = s.call("/pay/downloadbill", Params{{"bill_date", "20240101"}});
    CHECK(none.get("return_msg") == "No Bill Exist");
}
