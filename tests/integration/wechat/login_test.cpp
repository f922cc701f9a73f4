// GET /sns/jscode2session over HTTP: codes minted by the admin API, single use, 5-minute expiry on the
// emulator clock, session keys per user and app, unionid, every errcode with its errmsg and rid.
#include "tests/integration/wechat/wechat_helpers.hpp"

#include <set>

#include "core/crypto.hpp"

using namespace wxtest;

TEST_CASE("wechat: jscode2session exchanges a minted code for openid, session_key and unionid", "[wechat][login]") {
    EmulatorProcess emu;
    auto code = login_code(emu);
    CHECK(code.size() == 32);
    auto r = emu.get(session_url(code));
    auto j = wx(r);
    CHECK_FALSE(j.contains("errcode"));
    CHECK(j["openid"] == kOpenid);
    CHECK(j["unionid"] == kUnionid);
    auto key = mpemu::core::crypto::base64_decode(j["session_key"].get<std::string>());
    REQUIRE(key.ok());
    CHECK(key->size() == 16);
    // Real replies: exactly these keys, in this order.
    CHECK(r.body.rfind("{\"session_key\":", 0) == 0);
    CHECK(r.body.find("\"openid\"") < r.body.find("\"unionid\""));

    // A user without unionid gets none; a second login keeps the user's session key.
    auto other = login(emu, kAppid, kSecret, kOpenidNoUnion);
    CHECK(other["openid"] == kOpenidNoUnion);
    CHECK_FALSE(other.contains("unionid"));
    CHECK(login(emu)["session_key"] == j["session_key"]);
    CHECK(other["session_key"] != j["session_key"]);

    // The same person in the second app: another openid, same unionid, own session key.
    auto second = login(emu, kAppid2, kSecret2, kOpenid2);
    CHECK(second["openid"] == kOpenid2);
    CHECK(second["unionid"] == kUnionid);
    CHECK(second["session_key"] != j["session_key"]);
}

TEST_CASE("wechat: a code works once: the second exchange is 40163", "[wechat][login]") {
    EmulatorProcess emu;
    auto code = login_code(emu);
    CHECK(wx(emu.get(session_url(code))).contains("openid"));
    check_error(wx(emu.get(session_url(code))), 40163, "code been used");
}

TEST_CASE("wechat: a code expires 5 minutes after minting on the emulator clock", "[wechat][login]") {
    EmulatorProcess emu;
    freeze(emu);
    auto fresh = login_code(emu);
    auto stale = login_code(emu);
    advance(emu, "4m59s");
    CHECK(wx(emu.get(session_url(fresh))).contains("openid"));
    advance(emu, "1s");
    check_error(wx(emu.get(session_url(stale))), 40029, "invalid code");
}

TEST_CASE("wechat: jscode2session errors: every errcode with its text, always HTTP 200", "[wechat][login]") {
    EmulatorProcess emu;
    auto code = login_code(emu);
    SECTION("unknown, malformed and other-app codes are 40029") {
        check_error(wx(emu.get(session_url("0819eKXN0IJREb20XO0O0JAIXN09eKXs"))), 40029, "invalid code");
        check_error(wx(emu.get(session_url("short"))), 40029, "invalid code");
        check_error(wx(emu.get("/sns/jscode2session?appid=" + kAppid + "&secret=" + kSecret)), 40029, "invalid code");
        check_error(wx(emu.get(session_url(code, kAppid2, kSecret2))), 40029, "invalid code");
    }
    SECTION("unknown appid 40013, wrong secret 40125, missing ones 41002 / 41004, grant_type 40002") {
        check_error(wx(emu.get(session_url(code, "wx0000000000000000", kSecret))), 40013, "invalid appid");
        check_error(wx(emu.get(session_url(code, kAppid, kSecret2))), 40125, "invalid appsecret");
        check_error(wx(emu.get("/sns/jscode2session?secret=" + kSecret + "&js_code=" + code)), 41002, "appid missing");
        check_error(wx(emu.get("/sns/jscode2session?appid=" + kAppid + "&js_code=" + code)), 41004,
                    "appsecret missing");
        check_error(wx(emu.get("/sns/jscode2session?appid=" + kAppid + "&secret=" + kSecret + "&js_code=" + code +
                               "&grant_type=client_credential")),
                    40002, "invalid grant_type");
    }
    SECTION("a blocked user's code is 40226") {
        check_error(wx(emu.get(session_url(login_code(emu, kAppid, kOpenidBlocked)))), 40226, "code blocked");
    }
    SECTION("wrong method is 43001") {
        check_error(wx(emu.post(session_url(code), "")), 43001, "require GET method");
    }
    // None of the refused calls used the code up.
    CHECK(wx(emu.get(session_url(code)))["openid"] == kOpenid);
}

TEST_CASE("wechat: paths under /sns, /cgi-bin and /wxa that are not emulated answer in WeChat's format", "[wechat]") {
    EmulatorProcess emu;
    for (std::string path : {"/sns/userinfo", "/cgi-bin/menu/create", "/wxa/getwxacode"}) {
        auto j = wx(emu.post(path, "{}"));
        CHECK(j["errcode"] == 48001);
        CHECK(j["errmsg"].get<std::string>().find("POST " + path) != std::string::npos);
        CHECK(j["errmsg"].get<std::string>().find(" rid: ") != std::string::npos);
    }
}

TEST_CASE("wechat: admin login codes: bulk minting and refusals", "[wechat][admin]") {
    EmulatorProcess emu;
    auto bulk =
        emu.admin("POST", "/__admin/wechat/login-codes", {{"appid", kAppid}, {"openid", kOpenid}, {"count", 50}});
    REQUIRE(bulk["codes"].size() == 50);
    std::set<std::string> unique;
    for (const auto& c : bulk["codes"]) unique.insert(c.get<std::string>());
    CHECK(unique.size() == 50);
    CHECK(wx(emu.get(session_url(bulk["codes"][49].get<std::string>())))["openid"] == kOpenid);

    auto r =
        emu.post("/__admin/wechat/login-codes", Json{{"appid", kAppid}, {"openid", kOpenid}, {"count", 100001}}.dump());
    CHECK(r.status == 400);
    r = emu.post("/__admin/wechat/login-codes", Json{{"appid", kAppid}, {"openid", kOpenid}, {"count", "3"}}.dump());
    CHECK(r.status == 400);
    r = emu.post("/__admin/wechat/login-codes", Json{{"appid", "wx0000000000000000"}, {"openid", kOpenid}}.dump());
    CHECK(r.status == 404);
    CHECK(Json::parse(r.body)["error"]["code"] == "not_found");
    r = emu.post("/__admin/wechat/login-codes", Json{{"appid", kAppid2}, {"openid", kOpenid}}.dump());
    CHECK(r.status == 404);
    r = emu.post("/__admin/wechat/login-codes", Json{{"appid", kAppid}}.dump());
    CHECK(r.status == 400);
    r = emu.post("/__admin/wechat/login-codes", "{not json");
    CHECK(r.status == 400);
    r = emu.post("/__admin/wechat/phone-codes",
                 Json{{"appid", kAppid}, {"openid", "oUnknownUserxxxxxxxxxxxxxxxx"}}.dump());
    CHECK(r.status == 404);
}

TEST_CASE("wechat: the rate limit and session key rotation follow the fixture set", "[wechat][login]") {
    EmulatorProcess emu({}, MPEMU_TEST_DATA_DIR "/fixtures/wechat-limits");
    const std::string appid = "wx1111111111111111", secret = "11111111111111111111111111111111";
    const std::string openid = "oLimitsUser00000000000000001";
    freeze(emu);
    auto codes =
        emu.admin("POST", "/__admin/wechat/login-codes", {{"appid", appid}, {"openid", openid}, {"count", 4}})["codes"];
    // This app rotates the session key whenever codes are minted: the exchange returns the current key.
    auto first = wx(emu.get(session_url(codes[0], appid, secret)));
    CHECK(wx(emu.get(session_url(codes[1], appid, secret)))["session_key"] == first["session_key"]);
    // login_rate_limit_per_minute = 2: the third call in the same minute is 45011.
    check_error(wx(emu.get(session_url(codes[2], appid, secret))), 45011,
                "api minute-quota reach limit mustslower retry next minute");
    advance(emu, "1m");
    CHECK(wx(emu.get(session_url(codes[2], appid, secret)))["openid"] == openid);
    auto more = login_code(emu, appid, openid);
    auto rotated = wx(emu.get(session_url(more, appid, secret)));
    CHECK(rotated["session_key"] != first["session_key"]);
}

TEST_CASE("wechat: fixture summary lists WeChat apps and users", "[wechat][admin]") {
    EmulatorProcess emu;
    auto f = emu.admin("GET", "/__admin/fixtures");
    REQUIRE(f["wechat"]["apps"].size() == 2);
    CHECK(f["wechat"]["apps"][0]["appid"] == kAppid);
    CHECK(f["wechat"]["apps"][0]["secret"] == kSecret);
    bool found = false;
    for (const auto& u : f["users"]) {
        if (u.value("openid", "") == kOpenid) {
            found = true;
            CHECK(u["appid"] == kAppid);
            CHECK(u["unionid"] == kUnionid);
            CHECK(u["phone"] == "+8613800138000");
            CHECK(u["nickname"] == "张三");
        }
        if (u.value("openid", "") == kOpenidNoUnion) CHECK_FALSE(u.contains("unionid"));
    }
    CHECK(found);
}

TEST_CASE("wechat: fault rules reach the errors the emulator does not produce by itself (-1 system error)",
          "[wechat][faults]") {
    EmulatorProcess emu;
    auto code = login_code(emu);
    emu.admin("POST", "/__admin/faults",
              {{"match", {{"operation", "wechat.auth.code2session"}}},
               {"response", {{"status", 200}, {"body", {{"errcode", -1}, {"errmsg", "system error"}}}}},
               {"times", 1}});
    auto j = Json::parse(emu.get(session_url(code)).body);
    CHECK(j["errcode"] == -1);
    // The faulted call never reached the service: the code is still fresh.
    CHECK(wx(emu.get(session_url(code)))["openid"] == kOpenid);
}
