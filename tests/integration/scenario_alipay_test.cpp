// The Alipay step kinds end to end through `mpemu run`: an `alipay_notify` received by a loopback
// sink and verified with Alipay's public key as a merchant backend would, and `alipay_request`
// calls against the emulated gateway (reply signatures checked by the step).
#include <catch2/catch.hpp>

#include "core/json.hpp"
#include "core/text.hpp"
#include "core/time_format.hpp"
#include "core/url.hpp"
#include "emulator/alipay/protocol.hpp"
#include "tests/support/emulator_process.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scenario_cli.hpp"

using namespace mpemu;
using testing::run_scenario;

namespace {

// The notification's fields, and whether its signature verifies the way the SDKs check it
// (sign and sign_type left out, sorted, raw values) with the app's Alipay public key.
bool notify_verifies(const core::Params& fields, const std::string& key_dir) {
    auto pub = core::crypto::load_public_key(*core::read_file(key_dir + "/alipay_public_key.pem"));
    REQUIRE(pub.ok());
    const std::string* sign = core::find_param(fields, "sign");
    const std::string* type = core::find_param(fields, "sign_type");
    REQUIRE(sign);
    REQUIRE(type);
    auto st = alipay::parse_sign_type(*type);
    REQUIRE(st);
    return alipay::verify(*pub, *st, alipay::notify_sign_content(fields), *sign);
}

}  // namespace

TEST_CASE("run: an Alipay notification step sends what Alipay would send", "[scenario][run][alipay]") {
    testing::HttpSink sink;
    sink.script({}, {200, "success"});
    std::string dir = testing::temp_dir();
    std::string keys = testing::default_fixtures_dir() + "/keys/alipay";
    std::string file = dir + "/alipay_notify.json";
    core::write_file(file, R"({
  "name": "notify a backend with Alipay notifications",
  "vars": {"order": "A1001"},
  "steps": [
    {"alipay_notify": {"url": "{{sink}}", "app_id": "2021004100000001", "keys": ")" +
                               keys + R"(",
       "params": {"trade_no": "2024050122001404650500000001", "out_trade_no": "{{order}}", "trade_status": "TRADE_SUCCESS",
                  "total_amount": "88.80", "subject": "测试 a+b&c=d", "body": "", "buyer_id": "2088102177846880"}},
     "assert": {"status": 200, "body": "success"}},
    {"alipay_notify": {"url": "{{sink}}", "app_id": "2021004100000002", "keys": ")" +
                               keys + R"(/2021004100000002",
       "sign_type": "RSA", "headers": {"X-Test": "refund"},
       "params": {"out_trade_no": "{{order}}", "trade_status": "TRADE_CLOSED", "out_biz_no": "R1", "refund_fee": "88.80",
                  "gmt_refund": "2024-05-01 12:00:00.000", "notify_id": "fixed-id", "version": null}}}
  ]
})");
    auto r = run_scenario(file, {"--target", "http://127.0.0.1:9", "--var", "sink=" + sink.url("/alipay/notify")});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    auto got = sink.wait_for(2);
    REQUIRE(got.size() == 2);

    const auto& pay = got[0];
    CHECK(pay.method == "POST");
    CHECK(pay.target == "/alipay/notify");
    REQUIRE(pay.header("Content-Type"));
    CHECK(core::starts_with(*pay.header("Content-Type"), "application/x-www-form-urlencoded"));
    auto fields = core::parse_query(pay.body);
    CHECK(notify_verifies(fields, keys));
    CHECK(*core::find_param(fields, "sign_type") == "RSA2");
    CHECK(*core::find_param(fields, "notify_type") == "trade_status_sync");
    CHECK(*core::find_param(fields, "app_id") == "2021004100000001");
    CHECK(*core::find_param(fields, "auth_app_id") == "2021004100000001");
    CHECK(*core::find_param(fields, "charset") == "utf-8");
    CHECK(*core::find_param(fields, "version") == "1.0");
    CHECK(*core::find_param(fields, "out_trade_no") == "A1001");
    CHECK(*core::find_param(fields, "subject") == "测试 a+b&c=d");
    CHECK(core::find_param(fields, "body") == nullptr);  // empty values are never sent
    const std::string* notify_id = core::find_param(fields, "notify_id");
    REQUIRE(notify_id);
    CHECK(notify_id->size() == 34);
    const std::string* notify_time = core::find_param(fields, "notify_time");
    REQUIRE(notify_time);
    CHECK(core::parse_datetime(*notify_time).has_value());

    // A tampered field no longer verifies: the signature covers the business fields.
    auto tampered = fields;
    for (auto& [k, v] : tampered) {
        if (k == "total_amount") v = "0.01";
    }
    CHECK_FALSE(notify_verifies(tampered, keys));

    const auto& refund = got[1];
    auto rf = core::parse_query(refund.body);
    CHECK(notify_verifies(rf, keys + "/2021004100000002"));
    CHECK_FALSE(notify_verifies(rf, keys));  // the other app's key does not
    CHECK(*core::find_param(rf, "sign_type") == "RSA");
    CHECK(*core::find_param(rf, "out_biz_no") == "R1");
    CHECK(*core::find_param(rf, "refund_fee") == "88.80");
    CHECK(*core::find_param(rf, "notify_id") == "fixed-id");
    CHECK(core::find_param(rf, "version") == nullptr);
    REQUIRE(refund.header("X-Test"));
    CHECK(*refund.header("X-Test") == "refund");
}

TEST_CASE("run: alipay_request signs gateway calls and checks the reply's signature", "[scenario][run][alipay]") {
    testing::EmulatorProcess emu;
    std::string dir = testing::temp_dir();
    std::string file = dir + "/alipay_request.json";
    core::write_file(file, R"({
  "name": "signed gateway calls",
  "fixtures": ")" + testing::default_fixtures_dir() +
                               R"(",
  "steps": [
    {"alipay_request": {"method": "alipay.trade.create", "app_id": "2021004100000002",
                        "biz_content": {"out_trade_no": "SR-1", "total_amount": "1.00", "subject": "s", "buyer_id": "2088102177846880"}},
     "capture": {"trade_no": "$.alipay_trade_create_response.trade_no"},
     "assert": {"jsonpath": {"$.alipay_trade_create_response.code": "10000"}}},
    {"alipay_request": {"method": "alipay.trade.query", "app_id": "2021004100000002", "sign_type": "RSA",
                        "biz_content": {"trade_no": "{{trade_no}}"}},
     "assert": {"jsonpath": {"$.alipay_trade_query_response.trade_status": "WAIT_BUYER_PAY"}}}
  ]
})");
    auto ok = run_scenario(file, {"--target", emu.url(), "--json", dir + "/ok.json"});
    INFO(ok.out << ok.err);
    CHECK(ok.exit_code == 0);
    auto checks = testing::report_checks(dir + "/ok.json", "alipay signature");
    REQUIRE(checks.size() == 2);
    for (const auto& c : checks) CHECK(c["passed"] == true);

    // Signed with the other app's key: the gateway refuses it, and the step reports the code.
    std::string bad = dir + "/alipay_bad_sign.json";
    core::write_file(bad, R"({
  "name": "wrong key",
  "steps": [
    {"alipay_request": {"method": "alipay.trade.query", "app_id": "2021004100000001",
                        "keys": ")" +
                              testing::default_fixtures_dir() + R"(/keys/alipay/2021004100000002",
                        "biz_content": {"out_trade_no": "SR-1"}},
     "assert": {"jsonpath": {"$.alipay_trade_query_response.sub_code": "isv.invalid-signature"}}}
  ]
})");
    auto refused = run_scenario(bad, {"--target", emu.url(), "--json", dir + "/bad.json"});
    INFO(refused.out << refused.err);
    // The sub_code assertion holds, but the reply is signed with app 1's Alipay key, which the
    // folder of app 2 does not hold: the step's own signature check fails.
    CHECK(refused.exit_code == 1);
    auto bad_checks = testing::report_checks(dir + "/bad.json", "alipay signature");
    REQUIRE(bad_checks.size() == 1);
    CHECK(bad_checks[0]["passed"] == false);
    CHECK(bad_checks[0]["actual"] == "signature over alipay_trade_query_response does not verify");
    CHECK(refused.out.find("alipay signature") != std::string::npos);
}
