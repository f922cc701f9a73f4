// `wechatpay_v2_request` end to end through `mpemu run`: the XML it sends is what a v2 SDK sends
// (verified here with the merchant's API v2 key), the reply's fields reach JSONPath, and a reply
// signed with another key, or a body that is not XML, fail the step's own sign check.
#include <catch2/catch.hpp>

#include "core/json.hpp"
#include "core/text.hpp"
#include "emulator/wechatpay/protocol_v2.hpp"
#include "tests/support/emulator_process.hpp"
#include "tests/support/scenario_cli.hpp"

using namespace mpemu;
using testing::report_steps;
using testing::run_scenario;

TEST_CASE("run: wechatpay_v2_request signs XML calls and checks the reply's sign", "[scenario][run][wechatpay]") {
    namespace v2 = wechatpay::v2;
    testing::EmulatorProcess emu;
    std::string dir = testing::temp_dir();
    std::string fixtures = testing::default_fixtures_dir();
    std::string file = dir + "/v2.json";
    core::write_file(file,
                     R"({"name": "v2 calls", "fixtures": ")" + fixtures + R"(", "vars": {"m": "1900000209"}, "steps": [
    {"wechatpay_v2_request": {"url": "/pay/unifiedorder", "mchid": "{{m}}", "sign_type": "HMAC-SHA256",
      "fields": {"appid": "wx8f3b6c2a1d4e5f60", "body": "a ]]> b", "notify_url": "https://example.com/n", "openid": "o1",
                 "out_trade_no": "V2T-1", "total_fee": 5, "trade_type": "JSAPI"}},
     "capture": {"prepay_id": "$.prepay_id"},
     "assert": {"jsonpath": {"$.result_code": "SUCCESS", "$.mch_id": "{{m}}"}}},
    {"wechatpay_v2_request": {"url": "/pay/orderquery", "mchid": "1900000109", "fields": {"appid": "wx8f3b6c2a1d4e5f60", "out_trade_no": "V2T-1"}},
     "assert": {"jsonpath": {"$.err_code": "ORDERNOTEXIST"}}}
  ]})");
    auto ok = run_scenario(file, {"--target", emu.url(), "--json", dir + "/ok.json"});
    INFO(ok.out << ok.err);
    CHECK(ok.exit_code == 0);
    auto steps = report_steps(dir + "/ok.json", "wechatpay_v2_request");
    REQUIRE(steps.size() == 2);
    auto checks = testing::step_checks(steps[0], "wechatpay signature");
    REQUIRE(checks.size() == 1);
    CHECK(checks[0]["actual"] == "valid HMAC-SHA256 sign");
    CHECK(testing::step_checks(steps[1], "wechatpay signature").at(0)["actual"] == "valid MD5 sign");
    // What was sent: XML with mch_id, a 32-character nonce_str and sign_type added, signed with the
    // second merchant's API v2 key (picked by the rendered mchid).
    auto sent = v2::parse_xml(steps[0]["exchange"]["request"]["body"].get<std::string>());
    REQUIRE(sent.ok);
    CHECK(sent.params.get_or("mch_id") == "1900000209");
    CHECK(sent.params.get_or("nonce_str").size() == 32);
    CHECK(sent.params.get_or("sign_type") == "HMAC-SHA256");
    CHECK(sent.params.get_or("body") == "a ]]> b");
    auto key2 = core::read_file(fixtures + "/keys/wechatpay/1900000209/api_v2_key.txt");
    REQUIRE(key2);
    CHECK(v2::verify(sent.params, core::trim(*key2), v2::SignType::kHmacSha256));

    // The reply is checked with a folder whose API v2 key differs from the one the emulator holds
    // (the call signed with it is refused unsigned; "sign" makes it pass the gateway): the request is
    // signed by hand with the real key, the reply then fails the step's check with the wrong key.
    std::string keys = testing::temp_dir();
    REQUIRE(core::write_file(keys + "/api_v2_key.txt", "0123456789abcdef0123456789abcdef"));
    auto key1 = core::read_file(fixtures + "/keys/wechatpay/api_v2_key.txt");
    REQUIRE(key1);
    v2::Params p{
        {"appid", "wx8f3b6c2a1d4e5f60"}, {"mch_id", "1900000109"}, {"nonce_str", "n1"}, {"out_trade_no", "V2T-1"}};
    std::string sign = v2::sign(p, core::trim(*key1), v2::SignType::kMd5);
    std::string bad = dir + "/bad.json";
    core::write_file(bad, R"({"name": "wrong key", "steps": [
    {"wechatpay_v2_request": {"url": "/pay/orderquery", "mchid": "1900000109", "keys": ")" +
                              keys + R"(", "sign": ")" + sign + R"(",
      "fields": {"appid": "wx8f3b6c2a1d4e5f60", "nonce_str": "n1", "out_trade_no": "V2T-1"}},
     "assert": {"jsonpath": {"$.return_code": "SUCCESS"}}}
  ]})");
    auto refused = run_scenario(bad, {"--target", emu.url(), "--json", dir + "/bad-report.json"});
    INFO(refused.out << refused.err);
    CHECK(refused.exit_code == 1);
    steps = report_steps(dir + "/bad-report.json", "wechatpay_v2_request");
    REQUIRE(steps.size() == 1);
    checks = testing::step_checks(steps[0], "wechatpay signature");
    REQUIRE(checks.size() == 1);
    CHECK(checks[0]["passed"] == false);
    CHECK(checks[0]["actual"] == "MD5 sign does not match");

    // A reply that is not v2 XML: the sign check says so, and JSONPath has nothing to read.
    std::string notxml = dir + "/notxml.json";
    core::write_file(notxml, R"({"name": "not xml", "steps": [
    {"wechatpay_v2_request": {"url": "/__admin/health", "mchid": "1900000109", "keys": ")" +
                                 keys + R"("}}
  ]})");
    auto odd = run_scenario(notxml, {"--target", emu.url(), "--json", dir + "/odd-report.json"});
    INFO(odd.out << odd.err);
    CHECK(odd.exit_code == 1);
    checks = testing::report_checks(dir + "/odd-report.json", "wechatpay signature");
    REQUIRE(checks.size() == 1);
    CHECK(core::starts_with(checks[0]["actual"].get<std::string>(), "the reply is not v2 XML ("));
}
