// The `wechatpay_request` step end to end through `mpemu run`: 2xx replies of the emulated WeChat Pay
// v3 API are verified by the step with the platform key named by Wechatpay-Serial, and a wrong key,
// an unknown serial or a missing key are reported.
#include <filesystem>

#include <catch2/catch.hpp>

#include "core/json.hpp"
#include "core/text.hpp"
#include "tests/support/emulator_process.hpp"
#include "tests/support/scenario_cli.hpp"

using namespace mpemu;
using testing::run_scenario;

namespace {

// A key folder assembled from files of the default set's merchant folders: {file, from folder}.
std::string key_folder(const std::string& dir, const std::vector<std::pair<std::string, std::string>>& files) {
    std::filesystem::create_directories(dir);
    for (const auto& [file, from] : files) {
        std::filesystem::copy_file(std::filesystem::path(testing::default_fixtures_dir()) / "keys" / from / file,
                                   std::filesystem::path(dir) / file,
                                   std::filesystem::copy_options::overwrite_existing);
    }
    return dir;
}

// A 404 query (not checked) and a 200 prepay of order {{order}}<suffix> signed with `keys`.
std::string query_step(const std::string& keys, const std::string& extra = {}, const std::string& suffix = {}) {
    return R"({"name": "query", "wechatpay_request": {"url": "/v3/pay/transactions/out-trade-no/W1-not-there?mchid=1900000109",
      "mchid": "1900000109", "keys": ")" +
           keys + "\"" + extra + R"(}, "assert": {"status": 404}},
    {"name": "prepay", "wechatpay_request": {"url": "/v3/pay/transactions/jsapi", "mchid": "1900000109", "keys": ")" +
           keys + "\"" + extra + R"(,
      "json": {"appid": "wx8f3b6c2a1d4e5f60", "mchid": "1900000109", "description": "d", "out_trade_no": "{{order}})" +
           suffix + R"(",
               "notify_url": "https://example.com/n", "amount": {"total": 1}, "payer": {"openid": "obO5FeYx9pM5gNfdKwkEJ3PEVVIP"}}},
     "assert": {"status": 200}})";
}

std::string scenario(const std::string& steps) {
    return R"({"name": "wechatpay replies", "vars": {"order": "W{{random_digits(10)}}"}, "steps": [)" + steps + "]}";
}

}  // namespace

TEST_CASE("run: wechatpay_request verifies 2xx replies by Wechatpay-Serial", "[scenario][run][wechatpay]") {
    testing::EmulatorProcess emu;
    std::string dir = testing::temp_dir();
    std::string fixtures = testing::default_fixtures_dir();

    // Certificate mode (first merchant) and public key mode (a templated mchid picks its folder).
    std::string file = dir + "/modes.json";
    core::write_file(file, R"({"name": "modes", "fixtures": ")" + fixtures + R"(",
  "vars": {"m2": "1900000209", "order": "W{{random_digits(10)}}"}, "steps": [)" +
                               query_step(fixtures + "/keys/wechatpay") + R"(,
    {"wechatpay_request": {"url": "/v3/pay/transactions/jsapi", "mchid": "{{m2}}",
      "json": {"appid": "wx8f3b6c2a1d4e5f60", "mchid": "{{m2}}", "description": "d", "out_trade_no": "{{order}}2",
               "notify_url": "https://example.com/n", "amount": {"total": 1}, "payer": {"openid": "obO5FeYx9pM5gNfdKwkEJ3PEVVIP"}}},
     "assert": {"status": 200, "headers": {"Wechatpay-Serial": {"starts_with": "PUB_KEY_ID_01"}}}}]})");
    auto ok = run_scenario(file, {"--target", emu.url(), "--json", dir + "/modes-report.json"});
    INFO(ok.out << ok.err);
    CHECK(ok.exit_code == 0);
    auto checks = testing::report_checks(dir + "/modes-report.json", "wechatpay signature");
    REQUIRE(checks.size() == 2);  // the 404 is not checked
    CHECK(checks[0]["passed"] == true);
    CHECK(core::starts_with(checks[0]["actual"].get<std::string>(), "valid signature by "));
    CHECK(checks[1]["passed"] == true);
    CHECK(core::starts_with(checks[1]["actual"].get<std::string>(), "valid signature by PUB_KEY_ID_01"));

    // The certificate's serial with another platform's certificate: the signature does not verify.
    std::string wrong = key_folder(dir + "/wrong-cert", {{"merchant_private_key.pem", "wechatpay"},
                                                         {"merchant_cert_serial.txt", "wechatpay"},
                                                         {"platform_serial.txt", "wechatpay"},
                                                         {"platform_cert.pem", "wechatpay/1900000209"}});
    file = dir + "/wrong.json";
    core::write_file(file, scenario(query_step(wrong)));
    auto bad = run_scenario(file, {"--target", emu.url(), "--json", dir + "/wrong-report.json"});
    INFO(bad.out << bad.err);
    CHECK(bad.exit_code == 1);
    checks = testing::report_checks(dir + "/wrong-report.json", "wechatpay signature");
    REQUIRE(checks.size() == 1);
    CHECK(checks[0]["passed"] == false);
    CHECK(core::starts_with(checks[0]["actual"].get<std::string>(), "Wechatpay-Signature does not verify (serial "));
    CHECK(bad.out.find("wechatpay signature") != std::string::npos);

    // Only the public key pair, but the merchant replies in certificate mode: an unknown serial.
    std::string pub = key_folder(dir + "/pub-only", {{"merchant_private_key.pem", "wechatpay"},
                                                     {"merchant_cert_serial.txt", "wechatpay"},
                                                     {"platform_public_key.pem", "wechatpay"},
                                                     {"platform_public_key_id.txt", "wechatpay"}});
    file = dir + "/pub.json";
    core::write_file(file, scenario(query_step(pub)));
    auto unknown = run_scenario(file, {"--target", emu.url(), "--json", dir + "/pub-report.json"});
    INFO(unknown.out << unknown.err);
    CHECK(unknown.exit_code == 1);
    checks = testing::report_checks(dir + "/pub-report.json", "wechatpay signature");
    REQUIRE(checks.size() == 1);
    CHECK(checks[0]["actual"].get<std::string>().find("is none of the folder's (PUB_KEY_ID_01") != std::string::npos);

    // No platform key: not checked by default; "verify": false also passes with a wrong key.
    std::string merchant_only = key_folder(
        dir + "/merchant-only", {{"merchant_private_key.pem", "wechatpay"}, {"merchant_cert_serial.txt", "wechatpay"}});
    file = dir + "/unverified.json";
    core::write_file(file, scenario(query_step(merchant_only) + "," + query_step(wrong, R"(, "verify": false)", "B")));
    auto unverified = run_scenario(file, {"--target", emu.url(), "--json", dir + "/unverified-report.json"});
    INFO(unverified.out << unverified.err);
    CHECK(unverified.exit_code == 0);
    CHECK(testing::report_checks(dir + "/unverified-report.json", "wechatpay signature").empty());

    // "verify": true requires a platform key: refused before anything runs.
    file = dir + "/required.json";
    core::write_file(file, scenario(query_step(merchant_only, R"(, "verify": true)")));
    auto required = run_scenario(file, {"--target", emu.url()});
    CHECK(required.exit_code == 2);
    CHECK((required.out + required.err).find("no platform key in " + merchant_only) != std::string::npos);
}
