// `alipay_v3_request` end to end through `mpemu run`: OpenAPI v3 calls signed into Authorization are
// accepted by the emulated Alipay, the Authorization has the Node SDK's shape, and the answers'
// alipay-signature is checked by the step (a wrong Alipay key fails it; error answers are not checked).
#include <filesystem>

#include <catch2/catch.hpp>

#include "core/json.hpp"
#include "core/text.hpp"
#include "tests/support/emulator_process.hpp"
#include "tests/support/scenario_cli.hpp"

using namespace mpemu;
using testing::report_steps;
using testing::run_scenario;

namespace {

std::vector<core::Json> signature_checks(const core::Json& step) {
    return testing::step_checks(step, "alipay signature");
}

}  // namespace

TEST_CASE("run: alipay_v3_request signs v3 calls and checks the answer's signature", "[scenario][run][alipay]") {
    testing::EmulatorProcess emu;
    std::string dir = testing::temp_dir();
    std::string fixtures = testing::default_fixtures_dir();
    std::string file = dir + "/v3.json";
    core::write_file(file, R"({
  "name": "v3 calls",
  "fixtures": ")" + fixtures + R"(",
  "vars": {"app": "2021004100000002"},
  "steps": [
    {"alipay_v3_request": {"url": "/v3/alipay/trade/create", "app_id": "{{app}}",
                           "json": {"out_trade_no": "V3-1", "total_amount": "1.00", "subject": "s", "buyer_id": "2088102177846880"}},
     "capture": {"trade_no": "$.trade_no"},
     "assert": {"status": 200}},
    {"alipay_v3_request": {"url": "/v3/alipay/trade/query", "app_id": "{{app}}", "query": {"trade_no": "{{trade_no}}", "query_options": "fund_bill_list"}},
     "assert": {"status": 200, "jsonpath": {"$.trade_status": "WAIT_BUYER_PAY", "$.out_trade_no": "V3-1"}}},
    {"alipay_v3_request": {"url": "/v3/alipay/trade/query", "app_id": "{{app}}", "query": {"out_trade_no": "no such"}},
     "assert": {"status": 400, "jsonpath": {"$.code": "ACQ.TRADE_NOT_EXIST"}}}
  ]
})");
    auto ok = run_scenario(file, {"--target", emu.url(), "--json", dir + "/ok.json"});
    INFO(ok.out << ok.err);
    CHECK(ok.exit_code == 0);
    auto steps = report_steps(dir + "/ok.json", "alipay_v3_request");
    REQUIRE(steps.size() == 3);
    for (int i = 0; i < 2; ++i) {
        auto checks = signature_checks(steps[i]);
        REQUIRE(checks.size() == 1);
        CHECK(checks[0]["passed"] == true);
        CHECK(checks[0]["actual"] == "valid signature");
    }
    CHECK(signature_checks(steps[2]).empty());  // an error answer is not checked (as curl() does)
    // The request as alipay-sdk v4 sends it: the Authorization's shape, the form-encoded query.
    const auto& request = steps[1]["exchange"]["request"];
    INFO(request.dump());
    std::string auth;
    for (const auto& h : request["headers"]) {
        if (core::iequals(h["name"].get<std::string>(), "Authorization")) auth = h["value"].get<std::string>();
    }
    CHECK(core::starts_with(auth, "ALIPAY-SHA256withRSA app_id=2021004100000002,nonce="));
    CHECK(auth.find(",timestamp=") != std::string::npos);
    CHECK(auth.find(",sign=") != std::string::npos);
    CHECK(core::ends_with(request["url"].get<std::string>(),
                          "/v3/alipay/trade/query?trade_no=" + steps[0]["captures"][0]["value"].get<std::string>() +
                              "&query_options=fund_bill_list"));

    // Signed by app 1 but checked with app 2's folder: the emulator accepts the call (app 1's key),
    // the answer is signed with app 1's Alipay key, which app 2's folder does not hold.
    std::string keys = dir + "/mixed";
    std::filesystem::create_directories(keys);
    std::filesystem::copy_file(fixtures + "/keys/alipay/app_private_key.pem", keys + "/app_private_key.pem");
    std::filesystem::copy_file(fixtures + "/keys/alipay/2021004100000002/alipay_public_key.pem",
                               keys + "/alipay_public_key.pem");
    std::string bad = dir + "/bad.json";
    core::write_file(bad, R"({"name": "wrong Alipay key", "steps": [
    {"alipay_v3_request": {"url": "/v3/alipay/trade/query", "app_id": "2021004100000001", "keys": ")" +
                              keys + R"(",
                           "json": {"out_trade_no": "V3-1"}},
     "assert": {"status": 400}},
    {"alipay_v3_request": {"url": "/v3/alipay/trade/create", "app_id": "2021004100000001", "keys": ")" +
                              keys + R"(",
                           "json": {"out_trade_no": "V3-2", "total_amount": "1.00", "subject": "s", "buyer_id": "2088102177846880"}},
     "assert": {"status": 200}}
]})");
    auto refused = run_scenario(bad, {"--target", emu.url(), "--json", dir + "/bad.json.report"});
    INFO(refused.out << refused.err);
    CHECK(refused.exit_code == 1);
    steps = report_steps(dir + "/bad.json.report", "alipay_v3_request");
    REQUIRE(steps.size() == 2);
    CHECK(signature_checks(steps[0]).empty());
    auto checks = signature_checks(steps[1]);
    REQUIRE(checks.size() == 1);
    CHECK(checks[0]["passed"] == false);
    CHECK(checks[0]["actual"] == "alipay-signature does not verify");
    CHECK(refused.out.find("alipay signature") != std::string::npos);
}
