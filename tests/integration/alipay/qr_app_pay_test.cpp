// Alipay precreate (QR: qr_code is the emulator's cashier, paid by scanning or the admin API) and app
// pay (the admin API plays the Alipay app: it takes sdkExec's order string, verifies it, creates and
// pays the trade and answers {resultStatus, result, memo}); both flow through query, refund, notify.
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

TEST_CASE("alipay precreate: qr_code opens the cashier; scanning pays through the admin API or the page",
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
    CHECK(ok["memo"] == "");
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
