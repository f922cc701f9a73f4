// Per-scenario fixture overlays through `mpemu run`: the emulator runs the merged set for the
// scenario that declares it, and the next scenario of the same run that names the plain set gets the
// plain set back (no overlay data leaks).
#include <filesystem>

#include <catch2/catch.hpp>

#include "core/json.hpp"
#include "core/text.hpp"
#include "tests/support/emulator_process.hpp"
#include "tests/support/process.hpp"

using namespace mpemu;

TEST_CASE("run: an overlay applies to its scenario only", "[scenario][run][overlay]") {
    testing::EmulatorProcess emu;
    std::string dir = testing::temp_dir();
    std::string fixtures = testing::default_fixtures_dir();
    core::write_file(dir + "/a_overlay.json", R"({
  "name": "with overlay",
  "fixtures": ")" + fixtures + R"(",
  "overlay": {"alipay": {"users": [{"user_id": "2088000000000077", "app_id": "2021004100000001", "nick_name": "overlay buyer"}]},
              "backend": {"collections": {"products": {"seed": [{"id": 7, "name": "extra", "price": 5, "category": "tea", "stock": 1}]}}}},
  "steps": [
    {"admin": "fixtures", "assert": {"jsonpath": {"$.name": {"starts_with": "default+overlay-"}}}},
    {"request": {"url": "/api/products/7"}, "assert": {"status": 200, "jsonpath": {"$.name": "extra"}}},
    {"admin": "alipay_auth_code", "body": {"app_id": "2021004100000001", "user_id": "2088000000000077"}, "capture": {"code": "$.auth_code"}},
    {"alipay_request": {"method": "alipay.system.oauth.token", "app_id": "2021004100000001",
                        "params": {"grant_type": "authorization_code", "code": "{{code}}"}},
     "capture": {"token": "$.alipay_system_oauth_token_response.access_token"}},
    {"alipay_request": {"method": "alipay.user.info.share", "app_id": "2021004100000001", "params": {"auth_token": "{{token}}"}},
     "assert": {"jsonpath": {"$.alipay_user_info_share_response.nick_name": "overlay buyer"}}}
  ]
})");
    core::write_file(dir + "/b_plain.json", R"({
  "name": "plain set afterwards",
  "fixtures": ")" + fixtures + R"(",
  "steps": [
    {"admin": "fixtures", "assert": {"jsonpath": {"$.name": "default"}}},
    {"request": {"url": "/api/products/7"}, "assert": {"status": 404}},
    {"request": {"url": "/api/products"}, "assert": {"jsonpath": {"$.total": 5}}}
  ]
})");
    auto r = testing::run_command({MPEMU_BINARY, "run", dir, "--target", emu.url()}, {}, std::chrono::seconds(60),
                                  {{"NO_COLOR", "1"}}, testing::source_dir());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("2 scenarios: 2 passed") != std::string::npos);
}

TEST_CASE("run: an overlay that breaks the fixture set fails the reset with the loader's message",
          "[scenario][run][overlay]") {
    testing::EmulatorProcess emu;
    std::string dir = testing::temp_dir();
    core::write_file(dir + "/bad_overlay.json", R"({
  "name": "bad overlay",
  "fixtures": ")" + testing::default_fixtures_dir() +
                                                    R"(",
  "overlay": {"alipay": {"apps": [{"app_id": 42}]}},
  "steps": [{"admin": "health"}]
})");
    auto r = testing::run_command({MPEMU_BINARY, "run", dir + "/bad_overlay.json", "--target", emu.url()}, {},
                                  std::chrono::seconds(60), {{"NO_COLOR", "1"}}, testing::source_dir());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("with the scenario's overlay") != std::string::npos);
    CHECK(r.out.find("reset refused with status 400") != std::string::npos);
    // The emulator keeps serving its previous set.
    CHECK(emu.admin("GET", "/__admin/fixtures")["name"] == "default");
}
