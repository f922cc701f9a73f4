// The WeChat error catalogue as Failures: API errors answer HTTP 200 with the errcode as the code, admin
// errors carry an admin code that admin::error_response maps to its status.
#include <catch2/catch.hpp>

#include "emulator/admin/admin_http.hpp"
#include "emulator/wechat/errors.hpp"

using namespace mpemu;
using namespace mpemu::wechat;

TEST_CASE("wechat errors: API failures are HTTP 200 with errcode, catalogue text and log detail", "[wechat][errors]") {
    auto f = make_error(Errc::kCodeBeenUsed, "used at 12:00");
    CHECK(f.status == 200);
    CHECK(f.code == "40163");
    CHECK(f.message == "code been used");
    CHECK(f.log == "used at 12:00");
    CHECK(f.detail.is_null());
    CHECK(errcode_of(f) == 40163);

    auto t = make_error_text(Errc::kDataFormatError, "specific text");
    CHECK(t.code == "47001");
    CHECK(t.message == "specific text");

    auto n = not_emulated("GET", "/wxa/nope");
    CHECK(n.code == "48001");
    CHECK(n.message ==
          "api unauthorized: mpemu does not emulate GET /wxa/nope (GET /__admin/operations lists what it does)");
}

TEST_CASE("wechat errors: admin failures render as {error:{code,message}} with the admin status", "[wechat][errors]") {
    auto r = admin::error_response(no_user("o1", "wx1"));
    CHECK(r.status == 404);
    CHECK(r.body == R"({"error":{"code":"not_found","message":"no user o1 of app wx1 in the fixture set"}})");
    CHECK(admin::error_response(no_phone("o1")).status == 400);
    CHECK(admin::error_response(bad_count(100000)).body ==
          R"({"error":{"code":"bad_request","message":"\"count\" must be 1 to 100000"}})");
    CHECK(admin::error_response(admin_failure("internal", "x")).status == 500);
}
