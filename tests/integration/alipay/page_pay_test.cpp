// Alipay redirect payments over HTTP: page.pay / wap.pay requests (GET URL and POST form) verified like
// API calls, the cashier page, its Pay / Cancel / Fail buttons, the signed return_url redirect, the
// notification, browser error pages, and the cashier of a trade.create trade (my.tradePay).
#include <catch2/catch.hpp>

#include "tests/integration/alipay/client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::alipay_test;
using core::Json;

namespace {

Json page_biz(const std::string& out_trade_no, const std::string& amount = "88.80") {
    return {{"out_trade_no", out_trade_no},
            {"total_amount", amount},
            {"subject", "测试 <b>&\"商品\""},
            {"product_code", "FAST_INSTANT_TRADE_PAY"}};
}

// The cashier's form target out of the page ("/__alipay/cashier/<trade_no>").
std::string cashier_action(const std::string& html) {
    auto at = html.find("action=\"/__alipay/cashier/");
    REQUIRE(at != std::string::npos);
    at += 8;
    return html.substr(at, html.find('"', at) - at);
}

// The query of a redirect's Location. The test HTTP client (cpp-httplib) hands Location over already
// percent-decoded, so the parts are split without decoding again ('+' in a signature stays '+').
core::Params location_params(const std::string& location) {
    core::Params out;
    for (const auto& part : core::split(location.substr(location.find('?') + 1), '&')) {
        auto eq = part.find('=');
        REQUIRE(eq != std::string::npos);
        out.emplace_back(part.substr(0, eq), part.substr(eq + 1));
    }
    return out;
}

std::string trade_status(Client& c, const std::string& out_trade_no) {
    auto q = c.exec("alipay.trade.query", {{"out_trade_no", out_trade_no}});
    REQUIRE(q.sign_ok);
    return q.node.value("trade_status", q.node.value("sub_code", std::string()));
}

}  // namespace

TEST_CASE("alipay page.pay by GET: cashier page, pay, signed return_url redirect, notification", "[alipay][page]") {
    EmulatorProcess emu({"--notify-time-scale", "0.0001"});
    HttpSink sink;
    sink.script({}, {200, "success"});
    Client c(emu);
    auto params = c.signed_params("alipay.trade.page.pay", page_biz("PG1"),
                                  {{"notify_url", sink.url("/alipay/notify")}, {"return_url", sink.url("/return")}});
    auto page = emu.get("/gateway.do?" + core::build_query(params));
    INFO(page.body);
    REQUIRE(page.status == 200);
    REQUIRE(page.header("Content-Type"));
    CHECK(page.header("Content-Type")->find("text/html") == 0);
    // Subject escaped, amount and merchant shown, three buttons.
    CHECK(page.body.find("测试 &lt;b&gt;&amp;&quot;商品&quot;") != std::string::npos);
    CHECK(page.body.find("<b>") == std::string::npos);
    CHECK(page.body.find("88.80") != std::string::npos);
    CHECK(page.body.find("mpemu Demo Shop") != std::string::npos);
    for (const char* b : {"value=\"pay\"", "value=\"cancel\"", "value=\"fail\""})
        CHECK(page.body.find(b) != std::string::npos);
    std::string action = cashier_action(page.body);

    CHECK(trade_status(c, "PG1") == "WAIT_BUYER_PAY");
    auto listed = emu.admin("GET", "/__admin/alipay/trades?app_id=" + std::string(kApp1));
    REQUIRE(listed["trades"].size() == 1);
    CHECK(listed["trades"][0]["method"] == "alipay.trade.page.pay");
    CHECK(listed["trades"][0]["product_code"] == "FAST_INSTANT_TRADE_PAY");
    std::string trade_no = listed["trades"][0]["trade_no"].get<std::string>();
    CHECK(action == "/__alipay/cashier/" + trade_no);

    // Opening the same request again shows the same unpaid trade.
    auto again = emu.get("/gateway.do?" + core::build_query(params));
    CHECK(cashier_action(again.body) == action);

    auto paid = emu.post(action, "action=pay&buyer_id=" + std::string(kUser2),
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
    REQUIRE(paid.status == 302);
    const std::string* location = paid.header("Location");
    REQUIRE(location);
    REQUIRE(location->rfind(sink.url("/return") + "?", 0) == 0);
    core::Params ret = location_params(*location);
    std::vector<std::string> keys;
    for (const auto& [k, v] : ret) keys.push_back(k);
    CHECK(keys == std::vector<std::string>{"charset", "out_trade_no", "method", "total_amount", "sign", "trade_no",
                                           "auth_app_id", "version", "app_id", "sign_type", "seller_id", "timestamp"});
    CHECK(*core::find_param(ret, "method") == "alipay.trade.page.pay.return");
    CHECK(*core::find_param(ret, "out_trade_no") == "PG1");
    CHECK(*core::find_param(ret, "trade_no") == trade_no);
    CHECK(*core::find_param(ret, "total_amount") == "88.80");
    CHECK(*core::find_param(ret, "sign_type") == "RSA2");
    CHECK(*core::find_param(ret, "app_id") == kApp1);
    CHECK(alipay::verify(c.alipay_public(), alipay::SignType::kRSA2, alipay::notify_sign_content(ret),
                         *core::find_param(ret, "sign")));

    auto got = sink.wait_for(1);
    REQUIRE(!got.empty());
    auto n = core::parse_query(got[0].body);
    CHECK(*core::find_param(n, "trade_status") == "TRADE_SUCCESS");
    CHECK(*core::find_param(n, "buyer_id") == kUser2);
    CHECK(alipay::verify(c.alipay_public(), alipay::SignType::kRSA2, alipay::notify_sign_content(n),
                         *core::find_param(n, "sign")));
    CHECK(trade_status(c, "PG1") == "TRADE_SUCCESS");

    // Out of order: paying twice is refused with a page, nothing changes; the page says it is paid.
    auto twice = emu.post(action, "action=pay&buyer_id=" + std::string(kUser2),
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
    CHECK(twice.status == 409);
    CHECK(emu.get(action).body.find("TRADE_SUCCESS") != std::string::npos);
    CHECK(emu.get(action).body.find("value=\"pay\"") == std::string::npos);
    // The same page.pay request again: the trade is paid.
    auto paid_again = emu.get("/gateway.do?" + core::build_query(params));
    CHECK(paid_again.status == 200);
    CHECK(paid_again.body.find("ACQ.TRADE_HAS_SUCCESS") != std::string::npos);

    // The trade flows through refund like any other.
    auto r = c.exec("alipay.trade.refund", {{"out_trade_no", "PG1"}, {"refund_amount", "88.80"}});
    CHECK(r.node["code"] == "10000");
    CHECK(trade_status(c, "PG1") == "TRADE_CLOSED");
}

TEST_CASE("alipay wap.pay by POST form: quit_url on cancel, fail keeps the trade payable", "[alipay][page]") {
    EmulatorProcess emu;
    Client c(emu);
    Json biz = page_biz("WP1", "0.01");
    biz["product_code"] = "QUICK_WAP_WAY";
    biz["quit_url"] = "https://shop.example/quit";
    auto params = c.signed_params("alipay.trade.wap.pay", biz, {{"return_url", "https://shop.example/return?x=1"}});
    // As pageExec's POST form sends it: public parameters in the action's query, the rest in the body.
    core::Params query, form;
    for (const auto& kv : params) (kv.first == "biz_content" ? form : query).push_back(kv);
    auto page = emu.post("/gateway.do?" + core::build_query(query), core::build_form(form),
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
    INFO(page.body);
    REQUIRE(page.status == 200);
    std::string action = cashier_action(page.body);
    const core::HeaderList kForm{{"Content-Type", "application/x-www-form-urlencoded"}};

    auto cancel = emu.post(action, "action=cancel", kForm);
    CHECK(cancel.status == 302);
    REQUIRE(cancel.header("Location"));
    CHECK(*cancel.header("Location") == "https://shop.example/quit");
    auto fail = emu.post(action, "action=fail", kForm);
    CHECK(fail.status == 200);
    CHECK(fail.body.find("4000") != std::string::npos);
    CHECK(trade_status(c, "WP1") == "WAIT_BUYER_PAY");
    CHECK(emu.post(action, "action=steal", kForm).status == 400);
    CHECK(emu.post(action, "action=pay&buyer_id=nobody", kForm).status == 400);
    CHECK(trade_status(c, "WP1") == "WAIT_BUYER_PAY");

    auto paid = emu.post(action, "action=pay&buyer_id=" + std::string(kUser1), kForm);
    REQUIRE(paid.status == 302);
    std::string loc = *paid.header("Location");
    CHECK(loc.rfind("https://shop.example/return?x=1&charset=utf-8&", 0) == 0);
    core::Params ret = location_params(loc);
    CHECK(*core::find_param(ret, "method") == "alipay.trade.wap.pay.return");
    ret.erase(ret.begin());  // the merchant's own x=1 is not signed
    CHECK(alipay::verify(c.alipay_public(), alipay::SignType::kRSA2, alipay::notify_sign_content(ret),
                         *core::find_param(ret, "sign")));
    auto listed = emu.admin("GET", "/__admin/alipay/trades");
    CHECK(listed["trades"][0]["product_code"] == "QUICK_WAP_WAY");
    CHECK(listed["trades"][0]["buyer_id"] == kUser1);
}

TEST_CASE("alipay page.pay errors: an HTML error page with Alipay's code, and no trade", "[alipay][page]") {
    EmulatorProcess emu;
    Client c(emu);
    auto expect_error = [&](const core::Params& params, const std::string& code) {
        auto r = emu.get("/gateway.do?" + core::build_query(params));
        INFO(r.body);
        CHECK(r.status == 200);
        REQUIRE(r.header("Content-Type"));
        CHECK(r.header("Content-Type")->find("text/html") == 0);
        CHECK(r.body.find("<dd class=\"code\" id=\"error-code\">" + code + "</dd>") != std::string::npos);
    };
    auto params = c.signed_params("alipay.trade.page.pay", page_biz("E1"));
    auto tampered = params;
    for (auto& kv : tampered) {
        if (kv.first == "biz_content") kv.second = core::dump(page_biz("E1", "0.01"));
    }
    expect_error(tampered, "invalid-signature");
    auto unsigned_params = params;
    unsigned_params.pop_back();
    expect_error(unsigned_params, "missing-signature");
    Json bad = page_biz("E2");
    bad.erase("total_amount");
    expect_error(c.signed_params("alipay.trade.page.pay", bad), "ACQ.INVALID_PARAMETER");
    expect_error(c.signed_params("alipay.trade.page.pay", page_biz("E3", "0.00")), "ACQ.TOTAL_FEE_EXCEED");
    CHECK(emu.admin("GET", "/__admin/alipay/trades")["trades"].empty());

    // Unknown cashier, and the error escapes what it echoes.
    auto unknown = emu.get("/__alipay/cashier/NOPE%3Cx%3E");
    CHECK(unknown.status == 404);
    CHECK(unknown.body.find("<x>") == std::string::npos);
}

TEST_CASE("alipay cashier for a trade.create trade (my.tradePay): fixed buyer, paid page, notify", "[alipay][page]") {
    EmulatorProcess emu({"--notify-time-scale", "0.0001"});
    HttpSink sink;
    sink.script({}, {200, "success"});
    Client c(emu);
    std::string trade_no = c.create("MP1", "12.00", sink.url("/alipay/notify"));
    auto link = emu.admin("GET", "/__admin/alipay/trades/MP1/cashier");
    CHECK(link["trade_no"] == trade_no);
    CHECK(link["cashier_path"] == "/__alipay/cashier/" + trade_no);
    CHECK(link["cashier_url"].get<std::string>().find("/__alipay/cashier/" + trade_no) != std::string::npos);
    CHECK(emu.request("GET", "/__admin/alipay/trades/NOPE/cashier").status == 404);

    auto page = emu.get(link["cashier_path"].get<std::string>());
    REQUIRE(page.status == 200);
    CHECK(page.body.find("12.00") != std::string::npos);
    // The trade names its buyer: the only choice offered.
    CHECK(page.body.find("value=\"" + std::string(kUser1) + "\"") != std::string::npos);
    CHECK(page.body.find("value=\"" + std::string(kUser2) + "\"") == std::string::npos);
    // A different buyer posted is ignored: the trade's buyer pays.
    auto paid = emu.post(link["cashier_path"].get<std::string>(), "action=pay&buyer_id=" + std::string(kUser2),
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
    CHECK(paid.status == 200);
    CHECK(paid.body.find("9000") != std::string::npos);
    auto got = sink.wait_for(1);
    REQUIRE(!got.empty());
    auto n = core::parse_query(got[0].body);
    CHECK(*core::find_param(n, "trade_status") == "TRADE_SUCCESS");
    CHECK(*core::find_param(n, "buyer_id") == kUser1);
    CHECK(trade_status(c, "MP1") == "TRADE_SUCCESS");
}
