// Limits the server core keeps (issue 15): codes and tokens do not pile up for ever, the emulator clock
// refuses times it cannot represent, and the admin API checks its token before saying what exists.
#include <catch2/catch.hpp>

#include "tests/integration/wechat/wechat_helpers.hpp"

using namespace wxtest;

TEST_CASE("limits: used and expired login codes are forgotten on the emulator clock", "[limits][wechat]") {
    EmulatorProcess emu;
    freeze(emu);
    auto used = login_code(emu);
    CHECK(wx(emu.get(session_url(used))).contains("openid"));
    check_error(wx(emu.get(session_url(used))), 40163, "code been used");
    // Past its 5 minutes and a minute's grace, the next mint purges it: a replay is then just an unknown
    // code (40029, as for any code past its window).
    advance(emu, "7m");
    auto fresh = login_code(emu);
    check_error(wx(emu.get(session_url(used))), 40029, "invalid code");
    CHECK(wx(emu.get(session_url(fresh))).contains("openid"));
    // A token that expired keeps its 42001 for a day.
    auto token = access_token(emu);
    advance(emu, "2h1m");
    access_token(emu);  // a write that may purge: the expired token is within its day
    auto r = wx(emu.get("/wxaapi/newtmpl/getcategory?access_token=" + token));
    CHECK(r["errcode"] == 42001);
}

TEST_CASE("limits: the admin clock refuses times outside 1970..2199 and changes nothing", "[limits][admin]") {
    EmulatorProcess emu;
    auto before = emu.admin("GET", "/__admin/clock");
    for (const char* body : {R"({"advance":"300000d"})", R"({"advance":"-200000d"})",
                             R"({"advance":9223372036854775807})", R"({"now":"2300-01-01T00:00:00Z"})",
                             R"({"now":"1969-12-31T23:59:59Z"})", R"({"advance":"99999999999999999999999w"})"}) {
        INFO(body);
        auto r = emu.post("/__admin/clock", body, {{"Content-Type", "application/json"}});
        CHECK(r.status == 400);
        CHECK(r.body.find("bad_request") != std::string::npos);
    }
    auto after = emu.admin("GET", "/__admin/clock");
    CHECK(after["offset_ms"] == before["offset_ms"]);
    auto ok = emu.post("/__admin/clock", R"({"now":"2199-06-01T00:00:00Z"})", {{"Content-Type", "application/json"}});
    CHECK(ok.status == 200);
}

TEST_CASE("limits: with --admin-token, unknown admin paths need the token too", "[limits][admin]") {
    EmulatorProcess emu({"--admin-token", "s3cret"});
    CHECK(emu.get("/__admin/no-such-thing").status == 401);
    CHECK(emu.request("PUT", "/__admin/health").status == 401);  // a method not allowed: still 401 first
    CHECK(emu.get("/__admin/no-such-thing", {{"Authorization", "Bearer s3cret"}}).status == 404);
}
