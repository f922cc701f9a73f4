// Alipay's in-person and app payments: precreate (QR: qr_code is the emulator's cashier, paid by
// scanning or the admin API), app pay (the admin API plays the Alipay app: it takes sdkExec's order
// string, verifies it, creates and pays the trade and answers {resultStatus, result, memo}), barcode
// trade.pay with minted payment codes (SUCCESS, 10003 then a later pay, failures) and trade.cancel;
// all flow through query, refund and notify.
#include <catch2/catch.hpp>

#include "tests/integration/alipay/client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::alipay_test;
using core::Json;

namespace {

Json query(Client& c, const std::string& out_trade_no) {
    auto q = c.exec("alipay.trade.query", {{"out_trade_no", out_trade_no}});
    REQUIRE(q.sign_ok);
    return q.node;
}

}  // namespace

TEST_CASE("alipay precreate: qr_code opens the cashier, scanning pays through the admin API or the page",
          "[alipay][precreate]") {
    EmulatorProcess emu({"--notify-time-scale", "0.0001"});
    HttpSink sink;
    sink.script({}, {200, "success"});
    Client c(emu);
    auto r =
        c.exec("alipay.trade.precreate", {{"out_trade_no", "QR1"}, {"total_amount", "25.00"}, {"subject", "当面付 QR"}},
               {{"notify_url", sink.url("/alipay/notify")}});
    INFO(r.body);
    REQUIRE(r.node["code"] == "10000");
    CHECK(r.sign_ok);
    CHECK(r.node_key == "alipay_trade_precreate_response");
    CHECK(r.node["out_trade_no"] == "QR1");
    std::string qr = r.node["qr_code"].get<std::string>();
    CHECK(r.body.find("{\"alipay_trade_precreate_response\":{\"code\":\"10000\",\"msg\":\"Success\",\"out_trade_no\":"
                      "\"QR1\",\"qr_code\":\"") == 0);
    std::string prefix = "http://127.0.0.1:" + std::to_string(emu.port()) + "/__alipay/cashier/";
    REQUIRE(qr.rfind(prefix, 0) == 0);
    // Same request again: the same unpaid trade and code.
    CHECK(
        c.exec("alipay.trade.precreate", {{"out_trade_no", "QR1"}, {"total_amount", "25.00"}, {"subject", "当面付 QR"}})
            .node["qr_code"] == qr);
    auto q = query(c, "QR1");
    CHECK(q["trade_status"] == "WAIT_BUYER_PAY");
    CHECK(qr == prefix + q["trade_no"].get<std::string>());
    // Scanning: the cashier page.
    auto page = emu.get(qr.substr(qr.find("/__alipay/")));
    CHECK(page.status == 200);
    CHECK(page.body.find("25.00") != std::string::npos);
    CHECK(page.body.find("alipay.trade.precreate") != std::string::npos);

    // The admin pay chooses the buyer (the trade named none); an unknown one is refused.
    CHECK(emu.post("/__admin/alipay/trades/QR1/pay", R"({"buyer_id":"somebody"})").status == 400);
    CHECK(query(c, "QR1")["trade_status"] == "WAIT_BUYER_PAY");
    auto paid = emu.admin("POST", "/__admin/alipay/trades/QR1/pay", {{"buyer_id", kUser2}});
    CHECK(paid["result_code"] == "9000");
    CHECK(paid["trade"]["buyer_id"] == kUser2);
    auto got = sink.wait_for(1);
    REQUIRE(!got.empty());
    auto n = core::parse_query(got[0].body);
    CHECK(*core::find_param(n, "trade_status") == "TRADE_SUCCESS");
    CHECK(*core::find_param(n, "buyer_id") == kUser2);
    q = query(c, "QR1");
    CHECK(q["trade_status"] == "TRADE_SUCCESS");
    CHECK(q["buyer_user_id"] == kUser2);
    CHECK(c.exec("alipay.trade.refund", {{"out_trade_no", "QR1"}, {"refund_amount", "5.00"}}).node["code"] == "10000");

    // Without a buyer, the app's first fixture user pays; errors as trade.create.
    REQUIRE(c.exec("alipay.trade.precreate", {{"out_trade_no", "QR2"}, {"total_amount", "1.00"}, {"subject", "x"}})
                .node["code"] == "10000");
    CHECK(emu.admin("POST", "/__admin/alipay/trades/QR2/pay", Json::object())["trade"]["buyer_id"] == kUser1);
    auto err = c.exec("alipay.trade.precreate", {{"out_trade_no", "QR3"}, {"total_amount", "0"}, {"subject", "x"}});
    CHECK(err.node["sub_code"] == "ACQ.TOTAL_FEE_EXCEED");
    CHECK(err.sign_ok);

    // OpenAPI v3.
    auto v3 =
        c.v3("POST", "/v3/alipay/trade/precreate", R"({"out_trade_no":"QR4","total_amount":"3.00","subject":"v3"})");
    CHECK(v3.status == 200);
    CHECK(c.v3_sign_ok(v3));
    auto body = core::parse_json(v3.body);
    REQUIRE(body);
    CHECK((*body)["out_trade_no"] == "QR4");
    CHECK((*body)["qr_code"].get<std::string>().rfind(prefix, 0) == 0);
}

TEST_CASE("alipay app.pay: the admin API runs sdkExec's order string like the Alipay app", "[alipay][app_pay]") {
    EmulatorProcess emu({"--notify-time-scale", "0.0001"});
    HttpSink sink;
    sink.script({}, {200, "success"});
    Client c(emu);
    Json biz{{"out_trade_no", "AP1"},
             {"total_amount", "18.80"},
             {"subject", "App 支付"},
             {"product_code", "QUICK_MSECURITY_PAY"}};
    auto params = c.signed_params("alipay.trade.app.pay", biz, {{"notify_url", sink.url("/alipay/notify")}});
    std::string order = core::build_query(params);

    // Tampered: resultStatus 4000 naming the error, no trade.
    std::string tampered = order;
    tampered.replace(tampered.find("18.80"), 5, "00.01");
    auto bad = emu.admin("POST", "/__admin/alipay/app-pay", {{"order_string", tampered}});
    CHECK(bad["resultStatus"] == "4000");
    CHECK(bad["memo"].get<std::string>().rfind("invalid-signature", 0) == 0);
    CHECK(emu.admin("GET", "/__admin/alipay/trades")["trades"].empty());
    // Not an app.pay order string.
    auto other = emu.admin("POST", "/__admin/alipay/app-pay",
                           {{"order_string", core::build_query(c.signed_params("alipay.trade.query", biz))}});
    CHECK(other["resultStatus"] == "4000");
    CHECK(emu.post("/__admin/alipay/app-pay", R"({"order_string":"x","action":"steal"})").status == 400);
    CHECK(emu.post("/__admin/alipay/app-pay", R"({})").status == 400);

    // Cancel: 6001, the trade exists unpaid. Open: the cashier.
    auto cancel = emu.admin("POST", "/__admin/alipay/app-pay", {{"order_string", order}, {"action", "cancel"}});
    CHECK(cancel["resultStatus"] == "6001");
    CHECK(query(c, "AP1")["trade_status"] == "WAIT_BUYER_PAY");
    auto open = emu.admin("POST", "/__admin/alipay/app-pay", {{"order_string", order}, {"action", "open"}});
    CHECK(open["cashier_path"].get<std::string>().rfind("/__alipay/cashier/", 0) == 0);
    CHECK(open["trade"]["product_code"] == "QUICK_MSECURITY_PAY");

    auto ok = emu.admin("POST", "/__admin/alipay/app-pay", {{"order_string", order}, {"buyer_id", kUser2}});
    REQUIRE(ok["resultStatus"] == "9000");
    CHECK(ok["memo"].get<std::string>().empty());
    std::string result = ok["result"].get<std::string>();
    INFO(result);
    auto rj = core::parse_json(result);
    REQUIRE(rj);
    const Json& node = (*rj)["alipay_trade_app_pay_response"];
    CHECK(node["code"] == "10000");
    CHECK(node["msg"] == "Success");
    CHECK(node["app_id"] == kApp1);
    CHECK(node["out_trade_no"] == "AP1");
    CHECK(node["total_amount"] == "18.80");
    CHECK(node["trade_no"] == query(c, "AP1")["trade_no"]);
    CHECK((*rj)["sign_type"] == "RSA2");
    CHECK(result.size() > 14);
    CHECK(result.substr(result.size() - 20) == ",\"sign_type\":\"RSA2\"}");
    auto cut = alipay::extract_signed_node(result, "alipay_trade_app_pay_response");
    REQUIRE(cut);
    CHECK(alipay::verify(c.alipay_public(), alipay::SignType::kRSA2, *cut, (*rj)["sign"].get<std::string>()));

    auto q = query(c, "AP1");
    CHECK(q["trade_status"] == "TRADE_SUCCESS");
    CHECK(q["buyer_user_id"] == kUser2);
    auto got = sink.wait_for(1);
    REQUIRE(!got.empty());
    CHECK(*core::find_param(core::parse_query(got[0].body), "trade_status") == "TRADE_SUCCESS");
    // The same order string again: the trade is paid.
    auto again = emu.admin("POST", "/__admin/alipay/app-pay", {{"order_string", order}});
    CHECK(again["resultStatus"] == "4000");
    CHECK(again["sub_code"] == "ACQ.TRADE_HAS_SUCCESS");
    CHECK(c.exec("alipay.trade.refund", {{"out_trade_no", "AP1"}, {"refund_amount", "18.80"}}).node["code"] == "10000");
    CHECK(query(c, "AP1")["trade_status"] == "TRADE_CLOSED");
}

TEST_CASE("alipay trade.pay (bar_code): payment codes pay at once, wait for the buyer, or fail", "[alipay][barcode]") {
    EmulatorProcess emu({"--notify-time-scale", "0.0001"});
    HttpSink sink;
    sink.script({}, {200, "success"});
    Client c(emu);
    auto mint = [&](const std::string& result) {
        auto r = emu.admin("POST", "/__admin/alipay/payment-codes", {{"user_id", kUser2}, {"result", result}});
        std::string code = r["payment_code"].get<std::string>();
        CHECK(code.size() == 18);
        CHECK(code.rfind("28", 0) == 0);
        CHECK(code.find_first_not_of("0123456789") == std::string::npos);
        return code;
    };
    auto pay = [&](const std::string& out_trade_no, const std::string& code, const std::string& amount = "9.90") {
        return c.exec("alipay.trade.pay",
                      {{"out_trade_no", out_trade_no},
                       {"scene", "bar_code"},
                       {"auth_code", code},
                       {"total_amount", amount},
                       {"subject", "收银台 条码"}},
                      {{"notify_url", sink.url("/alipay/notify")}});
    };

    // SUCCESS: paid at once, signed node with the buyer and the fund bill, notify.
    std::string code = mint("SUCCESS");
    auto r = pay("BC1", code);
    INFO(r.body);
    REQUIRE(r.node["code"] == "10000");
    CHECK(r.sign_ok);
    CHECK(r.node_key == "alipay_trade_pay_response");
    CHECK(r.node["buyer_user_id"] == kUser2);
    CHECK(r.node["total_amount"] == "9.90");
    CHECK(r.node["receipt_amount"] == "9.90");
    CHECK(r.node["fund_bill_list"][0]["fund_channel"] == "ALIPAYACCOUNT");
    CHECK(r.node.contains("gmt_payment"));
    CHECK(query(c, "BC1")["trade_status"] == "TRADE_SUCCESS");
    auto got = sink.wait_for(1);
    REQUIRE(!got.empty());
    CHECK(*core::find_param(core::parse_query(got[0].body), "trade_status") == "TRADE_SUCCESS");
    // The code is spent.
    auto reused = pay("BC2", code);
    CHECK(reused.node["sub_code"] == "ACQ.PAYMENT_AUTH_CODE_INVALID");
    CHECK(reused.sign_ok);
    CHECK(pay("BC2", "281234567890123456").node["sub_code"] == "ACQ.PAYMENT_AUTH_CODE_INVALID");
    CHECK(query(c, "BC2")["sub_code"] == "ACQ.TRADE_NOT_EXIST");

    // WAIT_BUYER_PAY: 10003, the trade waits; the buyer confirms later (admin pay) and the notify follows.
    auto wait = pay("BC3", mint("WAIT_BUYER_PAY"));
    CHECK(wait.sign_ok);
    CHECK(wait.node["code"] == "10003");
    CHECK(wait.node["msg"] == "Order success pay inprocess");
    CHECK(wait.node["receipt_amount"] == "0.00");
    CHECK(wait.body.find("{\"alipay_trade_pay_response\":{\"code\":\"10003\",\"msg\":\"Order success pay inprocess\","
                         "\"trade_no\":") == 0);
    CHECK(query(c, "BC3")["trade_status"] == "WAIT_BUYER_PAY");
    CHECK(emu.admin("POST", "/__admin/alipay/trades/BC3/pay", Json::object())["trade"]["buyer_id"] == kUser2);
    CHECK(query(c, "BC3")["trade_status"] == "TRADE_SUCCESS");
    CHECK(sink.wait_for(2).size() >= 2);

    // Failures: Alipay's codes, no trade.
    auto poor = pay("BC4", mint("ACQ.BUYER_BALANCE_NOT_ENOUGH"));
    CHECK(poor.node["code"] == "40004");
    CHECK(poor.node["sub_code"] == "ACQ.BUYER_BALANCE_NOT_ENOUGH");
    CHECK(poor.node["sub_msg"] == "买家余额不足");
    CHECK(query(c, "BC4")["sub_code"] == "ACQ.TRADE_NOT_EXIST");
    CHECK(pay("BC5", mint("SUCCESS"), "0.00").node["sub_code"] == "ACQ.TOTAL_FEE_EXCEED");
    auto no_scene =
        c.exec("alipay.trade.pay",
               {{"out_trade_no", "BC6"}, {"auth_code", mint("SUCCESS")}, {"total_amount", "1.00"}, {"subject", "x"}});
    CHECK(no_scene.node["sub_code"] == "ACQ.INVALID_PARAMETER");
    // A paid out_trade_no cannot be paid again.
    CHECK(pay("BC1", mint("SUCCESS")).node["sub_code"] == "ACQ.TRADE_HAS_SUCCESS");
    // Admin errors.
    CHECK(emu.post("/__admin/alipay/payment-codes", R"({"user_id":"nobody"})").status == 404);
    CHECK(emu.post("/__admin/alipay/payment-codes", R"({"user_id":"2088102177846881","result":"MAYBE"})").status ==
          400);
}

TEST_CASE("alipay trade.cancel: closes an unpaid trade, refunds a paid one", "[alipay][barcode]") {
    EmulatorProcess emu({"--notify-time-scale", "0.0001"});
    HttpSink sink;
    sink.script({}, {200, "success"});
    Client c(emu);
    // Unpaid (a barcode payment left waiting): close.
    auto code = emu.admin("POST", "/__admin/alipay/payment-codes", {{"user_id", kUser1}, {"result", "WAIT_BUYER_PAY"}});
    auto w = c.exec("alipay.trade.pay",
                    {{"out_trade_no", "CX1"},
                     {"scene", "bar_code"},
                     {"auth_code", code["payment_code"]},
                     {"total_amount", "5.00"},
                     {"subject", "x"}},
                    {{"notify_url", sink.url("/alipay/notify")}});
    REQUIRE(w.node["code"] == "10003");
    auto r = c.exec("alipay.trade.cancel", {{"out_trade_no", "CX1"}});
    INFO(r.body);
    CHECK(r.sign_ok);
    CHECK(r.node_key == "alipay_trade_cancel_response");
    CHECK(r.node["code"] == "10000");
    CHECK(r.node["retry_flag"] == "N");
    CHECK(r.node["action"] == "close");
    CHECK(query(c, "CX1")["trade_status"] == "TRADE_CLOSED");
    // Again: nothing left to do.
    auto again = c.exec("alipay.trade.cancel", {{"out_trade_no", "CX1"}});
    CHECK(again.node["code"] == "10000");
    CHECK_FALSE(again.node.contains("action"));

    // Paid: refunded in full.
    std::string trade_no = c.create("CX2", "7.00", sink.url("/alipay/notify"));
    c.pay("CX2");
    auto paid = c.exec("alipay.trade.cancel", {{"trade_no", trade_no}});
    CHECK(paid.node["action"] == "refund");
    auto q = query(c, "CX2");
    CHECK(q["trade_status"] == "TRADE_CLOSED");
    auto refunds = emu.admin("GET", "/__admin/alipay/refunds?out_trade_no=CX2");
    REQUIRE(refunds["refunds"].size() == 1);
    CHECK(refunds["refunds"][0]["refund_amount"] == "7.00");

    CHECK(c.exec("alipay.trade.cancel", {{"out_trade_no", "NOPE"}}).node["sub_code"] == "ACQ.TRADE_NOT_EXIST");
    CHECK(c.exec("alipay.trade.cancel", Json::object()).node["sub_code"] == "ACQ.INVALID_PARAMETER");
    // v3 path.
    c.create("CX3", "1.00");
    auto v3 = c.v3("POST", "/v3/alipay/trade/cancel", R"({"out_trade_no":"CX3"})");
    CHECK(v3.status == 200);
    CHECK(v3.body.find("\"action\":\"close\"") != std::string::npos);
}
