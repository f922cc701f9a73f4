// Alipay trades over HTTP: create (idempotency and every ACQ error), query, pay through the admin
// API, refunds (partial, idempotent, beyond paid, concurrent), refund query, close, timeouts.
#include <atomic>
#include <map>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/integration/alipay/client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::alipay_test;
using core::Json;

namespace {

void check_business(const Reply& r, const std::string& sub_code, const std::string& sub_msg) {
    INFO(r.body);
    CHECK(r.status == 200);
    CHECK(r.sign_ok);
    CHECK(r.node["code"] == "40004");
    CHECK(r.node["msg"] == "Business Failed");
    CHECK(r.node["sub_code"] == sub_code);
    CHECK(r.node["sub_msg"] == sub_msg);
}

Json create_biz(const std::string& out_trade_no, const Json& amount, const std::string& buyer = kUser1) {
    return {{"out_trade_no", out_trade_no},
            {"total_amount", amount},
            {"subject", "测试 a+b&c=d"},
            {"buyer_id", buyer},
            {"product_code", "JSAPI_PAY"}};
}

}  // namespace

TEST_CASE("alipay trade.create: trade numbers, idempotency and every create error", "[alipay][trade]") {
    EmulatorProcess emu;
    Client c(emu);
    auto r = c.exec("alipay.trade.create", create_biz("T1", "88.80"));
    REQUIRE(r.node["code"] == "10000");
    CHECK(r.sign_ok);
    CHECK(r.node_key == "alipay_trade_create_response");
    std::string trade_no = r.node["trade_no"].get<std::string>();
    CHECK(trade_no.size() == 28);
    CHECK(trade_no.find_first_not_of("0123456789") == std::string::npos);
    CHECK(r.node["out_trade_no"] == "T1");
    // Exact node layout: code, msg, out_trade_no, trade_no.
    CHECK(
        r.body.find("{\"alipay_trade_create_response\":{\"code\":\"10000\",\"msg\":\"Success\",\"out_trade_no\":\"T1\","
                    "\"trade_no\":\"" +
                    trade_no + "\"},\"sign\":\"") == 0);

    // Same request again: same trade.
    auto again = c.exec("alipay.trade.create", create_biz("T1", "88.80"));
    CHECK(again.node["trade_no"] == trade_no);
    // Numbers are accepted as amounts.
    CHECK(c.exec("alipay.trade.create", create_biz("T1", Json::parse("88.8"))).node["trade_no"] == trade_no);

    check_business(c.exec("alipay.trade.create", create_biz("T1", "88.81")), "ACQ.CONTEXT_INCONSISTENT",
                   "交易信息被篡改");
    check_business(c.exec("alipay.trade.create", create_biz("T1", "88.80", kUser2)), "ACQ.TRADE_BUYER_NOT_MATCH",
                   "交易买家不匹配");
    check_business(c.exec("alipay.trade.create", create_biz("T2", "abc")), "ACQ.INVALID_PARAMETER",
                   "参数无效: total_amount");
    check_business(c.exec("alipay.trade.create", create_biz("T2", "1.001")), "ACQ.INVALID_PARAMETER",
                   "参数无效: total_amount");
    check_business(c.exec("alipay.trade.create", create_biz("T2", "0.00")), "ACQ.TOTAL_FEE_EXCEED",
                   "订单总金额超过限额");
    check_business(c.exec("alipay.trade.create", create_biz("T2", "100000000.01")), "ACQ.TOTAL_FEE_EXCEED",
                   "订单总金额超过限额");
    check_business(c.exec("alipay.trade.create", create_biz("T2", "1.00", "2088004100000001")),
                   "ACQ.BUYER_SELLER_EQUAL", "买卖家不能相同");
    Json no_buyer = create_biz("T2", "1.00");
    no_buyer.erase("buyer_id");
    CHECK(c.exec("alipay.trade.create", no_buyer).node["sub_code"] == "ACQ.INVALID_PARAMETER");
    Json no_subject = create_biz("T2", "1.00");
    no_subject.erase("subject");
    CHECK(c.exec("alipay.trade.create", no_subject).node["sub_code"] == "ACQ.INVALID_PARAMETER");
    CHECK(c.exec("alipay.trade.create", create_biz("", "1.00")).node["sub_code"] == "ACQ.INVALID_PARAMETER");

    // buyer_open_id: an open_id of this mini program, or refused.
    Json open = create_biz("T3", "1.00");
    open.erase("buyer_id");
    open["buyer_open_id"] = kOpenId1;
    auto ok = c.exec("alipay.trade.create", open);
    CHECK(ok.node["code"] == "10000");
    open["out_trade_no"] = "T4";
    open["buyer_open_id"] = "074aNotIssuedToThisApp000000000000000000000000";
    check_business(c.exec("alipay.trade.create", open), "ACQ.OPEN_ID_NOT_TINY_APP", "请求的应用id非小程序应用类型");
    open["buyer_open_id"] = kOpenId1;
    open["op_app_id"] = kApp2;  // the open_id belongs to app 1, not to the paying mini program
    check_business(c.exec("alipay.trade.create", open), "ACQ.OPEN_ID_NOT_TINY_APP", "请求的应用id非小程序应用类型");

    // Listed by the admin API with the fields it was created with.
    auto trades = emu.admin("GET", "/__admin/alipay/trades?app_id=2021004100000001")["trades"];
    REQUIRE(trades.size() == 2);
    CHECK(trades[0]["trade_status"] == "WAIT_BUYER_PAY");
    CHECK(trades[0]["product_code"] == "JSAPI_PAY");
    CHECK(trades[1]["buyer_open_id"] == kOpenId1);
}

TEST_CASE("alipay pay, query and notification: signed form, success ends the retries", "[alipay][trade][notify]") {
    EmulatorProcess emu({"--notify-time-scale", "0.0001"});
    HttpSink sink;
    sink.script({{500, "oops"}, {200, "fail"}}, {200, "success"});
    Client c(emu);
    std::string trade_no = c.create("P1", "88.80", sink.url("/alipay/notify"));

    auto q = c.exec("alipay.trade.query", {{"out_trade_no", "P1"}});
    CHECK(q.sign_ok);
    CHECK(q.node["trade_status"] == "WAIT_BUYER_PAY");
    CHECK(q.node["buyer_pay_amount"] == "0.00");
    CHECK_FALSE(q.node.contains("send_pay_date"));
    CHECK(sink.received().empty());  // no notification for WAIT_BUYER_PAY

    auto paid = emu.admin("POST", "/__admin/alipay/trades/P1/pay", {{"result", "TRADE_SUCCESS"}});
    CHECK(paid["result_code"] == "9000");
    CHECK(paid["trade"]["trade_status"] == "TRADE_SUCCESS");
    // Paying twice is refused.
    CHECK(emu.post("/__admin/alipay/trades/P1/pay", R"({"result":"TRADE_SUCCESS"})").status == 409);
    CHECK(emu.post("/__admin/alipay/trades/NOPE/pay", R"({"result":"TRADE_SUCCESS"})").status == 404);
    CHECK(emu.post("/__admin/alipay/trades/P1/pay", R"({"result":"MAYBE"})").status == 400);

    auto got = sink.wait_for(3);
    REQUIRE(got.size() == 3);
    for (const auto& n : got) {
        CHECK(n.method == "POST");
        CHECK(n.target == "/alipay/notify");
        REQUIRE(n.header("Content-Type"));
        CHECK(core::starts_with(*n.header("Content-Type"), "application/x-www-form-urlencoded"));
        auto form = core::parse_query(n.body);
        std::map<std::string, std::string> f(form.begin(), form.end());
        CHECK(f["notify_type"] == "trade_status_sync");
        CHECK(f["trade_status"] == "TRADE_SUCCESS");
        CHECK(f["trade_no"] == trade_no);
        CHECK(f["out_trade_no"] == "P1");
        CHECK(f["total_amount"] == "88.80");
        CHECK(f["subject"] == "测试 a+b&c=d");
        CHECK(f["sign_type"] == "RSA2");
        CHECK(f["app_id"] == kApp1);
        CHECK(f["fund_bill_list"] == R"([{"amount":"88.80","fundChannel":"ALIPAYACCOUNT"}])");
        for (const auto& [k, v] : form) CHECK_FALSE(v.empty());
        CHECK(alipay::verify(c.alipay_public(), alipay::SignType::kRSA2, alipay::notify_sign_content(form), f["sign"]));
    }
    // notify_id stays the same across retries.
    auto id_of = [](const HttpSink::Received& n) { return *core::find_param(core::parse_query(n.body), "notify_id"); };
    CHECK(id_of(got[0]) == id_of(got[2]));

    // The outbox recorded three attempts and stopped after "success".
    Json list;
    for (int i = 0; i < 500; ++i) {  // the outbox records the reply just after the sink answered
        list = emu.admin("GET", "/__admin/notifications?channel=alipay");
        if (!list["notifications"].empty() && list["notifications"][0]["status"] == "delivered") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(list["notifications"].size() == 1);
    CHECK(list["notifications"][0]["status"] == "delivered");
    CHECK(list["notifications"][0]["attempts"].size() == 3);

    q = c.exec("alipay.trade.query", {{"trade_no", trade_no}, {"query_options", Json::array({"fund_bill_list"})}});
    CHECK(q.sign_ok);
    CHECK(q.node["trade_status"] == "TRADE_SUCCESS");
    CHECK(q.node["buyer_user_id"] == kUser1);
    CHECK(q.node["buyer_logon_id"] == "138****8000");
    CHECK(q.node["buyer_pay_amount"] == "88.80");
    CHECK(q.node["receipt_amount"] == "88.80");
    CHECK(q.node["send_pay_date"].is_string());
    CHECK(q.node["fund_bill_list"][0]["fund_channel"] == "ALIPAYACCOUNT");

    // Creating the paid order again.
    Client c2(emu);
    Json biz = create_biz("P1", "88.80");
    biz["subject"] = "测试 a+b&c=d";
    auto dup = c2.exec("alipay.trade.create", biz);
    check_business(dup, "ACQ.TRADE_HAS_SUCCESS", "交易已被支付");

    // Query errors.
    check_business(c.exec("alipay.trade.query", Json::object()), "ACQ.INVALID_PARAMETER",
                   "参数无效: trade_no 和 out_trade_no 不能同时为空");
    check_business(c.exec("alipay.trade.query", {{"trade_no", "2024"}}), "ACQ.TRADE_NOT_EXIST", "交易不存在");
}

TEST_CASE("alipay refunds: partial, idempotent, never beyond the total, then closed", "[alipay][refund]") {
    EmulatorProcess emu;
    Client c(emu);
    std::string trade_no = c.create("R1", "100.00");
    Json unpaid{{"out_trade_no", "R1"}, {"refund_amount", "1.00"}, {"out_request_no", "RQ0"}};
    auto r = c.exec("alipay.trade.refund", unpaid);
    check_business(r, "ACQ.TRADE_STATUS_ERROR", "交易状态非法");
    CHECK(r.node["refund_fee"] == "0.00");
    c.pay("R1");

    auto first =
        c.exec("alipay.trade.refund", {{"out_trade_no", "R1"}, {"refund_amount", "30.00"}, {"out_request_no", "RQ1"}});
    CHECK(first.sign_ok);
    CHECK(first.node["code"] == "10000");
    CHECK(first.node["fund_change"] == "Y");
    CHECK(first.node["refund_fee"] == "30.00");
    CHECK(first.node["send_back_fee"] == "30.00");
    CHECK(first.node["trade_no"] == trade_no);
    CHECK(first.node["gmt_refund_pay"].is_string());

    auto repeat =
        c.exec("alipay.trade.refund", {{"out_trade_no", "R1"}, {"refund_amount", "30.00"}, {"out_request_no", "RQ1"}});
    CHECK(repeat.node["code"] == "10000");
    CHECK(repeat.node["fund_change"] == "N");
    CHECK(repeat.node["refund_fee"] == "30.00");

    check_business(
        c.exec("alipay.trade.refund", {{"out_trade_no", "R1"}, {"refund_amount", "31.00"}, {"out_request_no", "RQ1"}}),
        "ACQ.DISCORDANT_REPEAT_REQUEST", "不一致的请求");
    auto over =
        c.exec("alipay.trade.refund", {{"trade_no", trade_no}, {"refund_amount", "70.01"}, {"out_request_no", "RQ2"}});
    check_business(over, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限");
    CHECK(over.node["out_trade_no"] == "R1");
    CHECK(over.node["refund_fee"] == "30.00");
    CHECK(over.node["send_back_fee"] == "0.00");
    check_business(c.exec("alipay.trade.refund", {{"out_trade_no", "R1"}, {"refund_amount", "-1"}}),
                   "ACQ.REASON_TRADE_REFUND_FEE_ERR", "退款金额无效");
    check_business(c.exec("alipay.trade.refund", {{"out_trade_no", "R1"}, {"refund_amount", "0"}}),
                   "ACQ.REASON_TRADE_REFUND_FEE_ERR", "退款金额无效");
    CHECK(c.exec("alipay.trade.refund", {{"out_trade_no", "R1"}}).node["sub_code"] == "ACQ.INVALID_PARAMETER");
    check_business(c.exec("alipay.trade.refund", {{"out_trade_no", "NOPE"}, {"refund_amount", "1"}}),
                   "ACQ.TRADE_NOT_EXIST", "交易不存在");

    // A number amount, the rest of the money: the trade closes.
    auto rest = c.exec("alipay.trade.refund",
                       {{"out_trade_no", "R1"}, {"refund_amount", Json::parse("70")}, {"out_request_no", "RQ3"}});
    CHECK(rest.node["refund_fee"] == "100.00");
    auto q = c.exec("alipay.trade.query", {{"out_trade_no", "R1"}});
    CHECK(q.node["trade_status"] == "TRADE_CLOSED");
    check_business(
        c.exec("alipay.trade.refund", {{"out_trade_no", "R1"}, {"refund_amount", "1.00"}, {"out_request_no", "RQ4"}}),
        "ACQ.TRADE_HAS_CLOSE", "交易已经关闭");
    // A repeat of an earlier refund is still answered idempotently.
    CHECK(c.exec("alipay.trade.refund", {{"out_trade_no", "R1"}, {"refund_amount", "30.00"}, {"out_request_no", "RQ1"}})
              .node["fund_change"] == "N");

    // Refund query: found, with gmt_refund_pay on request; not found -> 10000 without refund fields.
    auto rq =
        c.exec("alipay.trade.fastpay.refund.query",
               {{"out_trade_no", "R1"}, {"out_request_no", "RQ1"}, {"query_options", Json::array({"gmt_refund_pay"})}});
    CHECK(rq.sign_ok);
    CHECK(rq.node["code"] == "10000");
    CHECK(rq.node["refund_amount"] == "30.00");
    CHECK(rq.node["total_amount"] == "100.00");
    CHECK(rq.node["refund_status"] == "REFUND_SUCCESS");
    CHECK(rq.node["out_request_no"] == "RQ1");
    CHECK(rq.node["gmt_refund_pay"].is_string());
    auto none = c.exec("alipay.trade.fastpay.refund.query", {{"out_trade_no", "R1"}, {"out_request_no", "RQ9"}});
    CHECK(none.node["code"] == "10000");
    CHECK_FALSE(none.node.contains("refund_amount"));
    CHECK_FALSE(none.node.contains("refund_status"));
    check_business(c.exec("alipay.trade.fastpay.refund.query", {{"out_trade_no", "NOPE"}, {"out_request_no", "RQ1"}}),
                   "ACQ.TRADE_NOT_EXIST", "交易不存在");
    CHECK(c.exec("alipay.trade.fastpay.refund.query", Json::object()).node["sub_code"] == "ACQ.INVALID_PARAMETER");

    auto refunds = emu.admin("GET", "/__admin/alipay/refunds?out_trade_no=R1")["refunds"];
    REQUIRE(refunds.size() == 2);
    CHECK(refunds[0]["out_request_no"] == "RQ1");
    CHECK(refunds[1]["refund_fee"] == "100.00");
}

TEST_CASE("alipay refunds: 100 concurrent requests never refund beyond the paid total",
          "[alipay][refund][concurrency]") {
    EmulatorProcess emu;
    Client c(emu);
    c.create("C1", "100.00");
    c.pay("C1");
    // 100 distinct refunds of 1.50 (150.00 asked, 100.00 paid) and 20 repeats of one request, at once.
    std::vector<core::Params> requests;
    for (int i = 0; i < 100; ++i) {
        requests.push_back(c.signed_params(
            "alipay.trade.refund",
            {{"out_trade_no", "C1"}, {"refund_amount", "1.50"}, {"out_request_no", "D" + std::to_string(i)}}));
    }
    std::atomic<int> ok{0}, over{0}, other{0}, fund_y{0};
    std::vector<std::thread> threads;
    std::atomic<bool> go{false};
    for (int t = 0; t < 20; ++t) {
        threads.emplace_back([&, t] {
            core::HttpClient http;
            while (!go) std::this_thread::yield();
            for (int i = t; i < 100; i += 20) {
                const auto& p = requests[i];
                core::HttpRequest req;
                req.method = "POST";
                req.url = emu.url() + "/gateway.do";
                req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
                req.body = core::build_form(p);
                auto res = http.send(req);
                if (!res) {
                    ++other;
                    continue;
                }
                auto node = Json::parse(res->body)["alipay_trade_refund_response"];
                if (node["code"] == "10000") {
                    ++ok;
                    if (node["fund_change"] == "Y") ++fund_y;
                } else if (node["sub_code"] == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL") {
                    ++over;
                } else {
                    ++other;
                }
            }
        });
    }
    go = true;
    for (auto& th : threads) th.join();
    CHECK(ok == 66);  // 66 x 1.50 = 99.00; the 67th would exceed 100.00
    CHECK(fund_y == 66);
    CHECK(over == 34);
    CHECK(other == 0);
    auto q = c.exec("alipay.trade.query", {{"out_trade_no", "C1"}});
    CHECK(q.node["trade_status"] == "TRADE_SUCCESS");
    auto refunds = emu.admin("GET", "/__admin/alipay/refunds?out_trade_no=C1")["refunds"];
    CHECK(refunds.size() == 66);
    CHECK(refunds.back()["refund_fee"] == "99.00");

    // The same out_request_no sent 20 times at once moves money once.
    auto same = c.signed_params("alipay.trade.refund",
                                {{"out_trade_no", "C1"}, {"refund_amount", "1.00"}, {"out_request_no", "SAME"}});
    std::atomic<int> same_y{0}, same_n{0};
    threads.clear();
    go = false;
    for (int t = 0; t < 20; ++t) {
        threads.emplace_back([&] {
            core::HttpClient http;
            while (!go) std::this_thread::yield();
            core::HttpRequest req;
            req.method = "POST";
            req.url = emu.url() + "/gateway.do";
            req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
            req.body = core::build_form(same);
            auto res = http.send(req);
            if (!res) return;
            auto node = Json::parse(res->body)["alipay_trade_refund_response"];
            if (node["fund_change"] == "Y") ++same_y;
            if (node["fund_change"] == "N") ++same_n;
        });
    }
    go = true;
    for (auto& th : threads) th.join();
    CHECK(same_y == 1);
    CHECK(same_n == 19);
    CHECK(c.exec("alipay.trade.query", {{"out_trade_no", "C1"}}).node["trade_status"] == "TRADE_CLOSED");
}

TEST_CASE("alipay trade.close and the unpaid timeout on the emulator clock", "[alipay][trade][close]") {
    EmulatorProcess emu({"--notify-time-scale", "0.0001"});
    HttpSink sink;
    Client c(emu);
    std::string trade_no = c.create("K1", "5.00", sink.url());
    auto r = c.exec("alipay.trade.close", {{"trade_no", trade_no}});
    CHECK(r.sign_ok);
    CHECK(r.node["code"] == "10000");
    CHECK(r.node["trade_no"] == trade_no);
    CHECK(r.node["out_trade_no"] == "K1");
    auto n = sink.wait_for(1);
    REQUIRE(n.size() == 1);
    CHECK(*core::find_param(core::parse_query(n[0].body), "trade_status") == "TRADE_CLOSED");
    CHECK(core::find_param(core::parse_query(n[0].body), "gmt_close"));

    check_business(c.exec("alipay.trade.close", {{"trade_no", trade_no}}), "ACQ.TRADE_STATUS_ERROR", "交易状态不合法");
    check_business(c.exec("alipay.trade.close", {{"out_trade_no", "NOPE"}}), "ACQ.TRADE_NOT_EXIST", "交易不存在");
    CHECK(c.exec("alipay.trade.close", Json::object()).node["sub_code"] == "ACQ.INVALID_PARAMETER");
    auto closed_create = c.exec("alipay.trade.create", create_biz("K1", "5.00"));
    check_business(closed_create, "ACQ.TRADE_HAS_CLOSE", "交易已经关闭");

    c.create("K2", "5.00");
    c.pay("K2");
    check_business(c.exec("alipay.trade.close", {{"out_trade_no", "K2"}}), "ACQ.TRADE_STATUS_ERROR", "交易状态不合法");

    // Unpaid trades close after 90 minutes by default, or after timeout_express.
    c.create("K3", "5.00");
    Json biz = create_biz("K4", "5.00");
    biz["timeout_express"] = "5m";
    REQUIRE(c.exec("alipay.trade.create", biz).node["code"] == "10000");
    emu.admin("POST", "/__admin/clock", {{"advance", "6m"}});
    CHECK(c.exec("alipay.trade.query", {{"out_trade_no", "K4"}}).node["trade_status"] == "TRADE_CLOSED");
    CHECK(c.exec("alipay.trade.query", {{"out_trade_no", "K3"}}).node["trade_status"] == "WAIT_BUYER_PAY");
    CHECK(emu.post("/__admin/alipay/trades/K4/pay", R"({"result":"TRADE_SUCCESS"})").status == 409);
    emu.admin("POST", "/__admin/clock", {{"advance", "85m"}});
    CHECK(c.exec("alipay.trade.query", {{"out_trade_no", "K3"}}).node["trade_status"] == "TRADE_CLOSED");

    // Paid trades finish when the refund window passes; refunds are then refused.
    emu.admin("POST", "/__admin/clock", {{"advance", "91d"}});
    CHECK(c.exec("alipay.trade.query", {{"out_trade_no", "K2"}}).node["trade_status"] == "TRADE_FINISHED");
    check_business(c.exec("alipay.trade.refund", {{"out_trade_no", "K2"}, {"refund_amount", "1.00"}}),
                   "ACQ.TRADE_HAS_FINISHED", "交易已完结");

    // Admin controls: cancel leaves the trade unpaid, TRADE_CLOSED forces the timeout.
    c.create("K5", "5.00");
    auto cancel = emu.admin("POST", "/__admin/alipay/trades/K5/pay", {{"result", "CANCEL"}});
    CHECK(cancel["result_code"] == "6001");
    CHECK(cancel["trade"]["trade_status"] == "WAIT_BUYER_PAY");
    auto forced = emu.admin("POST", "/__admin/alipay/trades/K5/pay", {{"result", "TRADE_CLOSED"}});
    CHECK(forced["trade"]["trade_status"] == "TRADE_CLOSED");
}

TEST_CASE("alipay notifications: refunds (partial, full), finish, and v3 notify_url", "[alipay][notify]") {
    EmulatorProcess emu({"--notify-time-scale", "0.0001"});
    HttpSink sink;
    sink.script({}, {200, "success"});
    Client c(emu);
    auto form_of = [](const HttpSink::Received& n) {
        auto p = core::parse_query(n.body);
        return std::map<std::string, std::string>(p.begin(), p.end());
    };
    c.create("N1", "10.00", sink.url("/n"));
    c.pay("N1");
    REQUIRE(sink.wait_for(1).size() == 1);
    REQUIRE(c.exec("alipay.trade.refund", {{"out_trade_no", "N1"}, {"refund_amount", "4.00"}, {"out_request_no", "A"}})
                .node["code"] == "10000");
    auto got = sink.wait_for(2);
    REQUIRE(got.size() == 2);
    auto partial = form_of(got[1]);
    CHECK(partial["trade_status"] == "TRADE_SUCCESS");
    CHECK(partial["out_biz_no"] == "A");
    CHECK(partial["refund_fee"] == "4.00");
    CHECK(partial["gmt_refund"].size() == 23);  // yyyy-MM-dd HH:mm:ss.SSS
    CHECK(alipay::verify(c.alipay_public(), alipay::SignType::kRSA2,
                         alipay::notify_sign_content(core::parse_query(got[1].body)), partial["sign"]));
    // The idempotent repeat moves no money and sends nothing.
    c.exec("alipay.trade.refund", {{"out_trade_no", "N1"}, {"refund_amount", "4.00"}, {"out_request_no", "A"}});
    c.exec("alipay.trade.refund", {{"out_trade_no", "N1"}, {"refund_amount", "6.00"}, {"out_request_no", "B"}});
    got = sink.wait_for(3);
    REQUIRE(got.size() == 3);
    auto full = form_of(got[2]);
    CHECK(full["trade_status"] == "TRADE_CLOSED");
    CHECK(full["out_biz_no"] == "B");
    CHECK(full["refund_fee"] == "10.00");
    CHECK(full.count("gmt_close") == 1);

    // Finished after the refund window: one more notification.
    c.create("N2", "1.00", sink.url("/n"));
    c.pay("N2");
    emu.admin("POST", "/__admin/clock", {{"advance", "91d"}});
    got = sink.wait_for(5);
    REQUIRE(got.size() >= 5);
    bool finished = false;
    for (const auto& n : got)
        finished = finished || (form_of(n)["trade_status"] == "TRADE_FINISHED" && form_of(n)["out_trade_no"] == "N2");
    CHECK(finished);

    // v3 trade.create takes notify_url from the body.
    auto r = c.v3(
        "POST", "/v3/alipay/trade/create",
        R"({"out_trade_no":"N3","total_amount":"2.00","subject":"v3","buyer_id":"2088102177846880","notify_url":")" +
            sink.url("/v3") + "\"}");
    REQUIRE(r.status == 200);
    c.pay("N3");
    bool v3 = false;
    for (int i = 0; i < 500 && !v3; ++i) {
        for (const auto& n : sink.received()) v3 = v3 || n.target == "/v3";
        if (!v3) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(v3);
    auto list = emu.admin("GET", "/__admin/notifications?channel=alipay&subject=N1")["notifications"];
    CHECK(list.size() == 3);
}
