// Shared helpers for the WeChat mini program API integration tests: fixture ids, admin minting,
// WeChat-format error checks.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "core/json.hpp"
#include "core/url.hpp"
#include "tests/support/emulator_process.hpp"

namespace wxtest {

using mpemu::core::Json;
using mpemu::testing::EmulatorProcess;

inline const std::string kAppid = "wx8f3b6c2a1d4e5f60";
inline const std::string kSecret = "409fba12ba68f46d2c43ff6c2477a632";
inline const std::string kOpenid = "obO5FeYx9pM5gNfdKwkEJ3PEVVIP";  // unionid, phone +86, subscriptions
inline const std::string kUnionid = "ocP4Y7p4tD14z4gzM_jppZxO4z7K";
inline const std::string kOpenidNoUnion = "odcwjOoGUI01iEFT059hgovC9JPn";
inline const std::string kOpenidHk = "oa2EFygOgeda9-neeMyJTVQmey7W";  // phone +852
inline const std::string kOpenidBlocked = "oFr-GOhZF_4WO4APcP7cptH9LkYh";
inline const std::string kAppid2 = "wx051b3a21b3d6ae57";
inline const std::string kSecret2 = "6af839deb628abd4321a607b18096efb";
inline const std::string kOpenid2 = "oDq3mZ8KxV2nYc7LwR5tB1pH9sJe";
inline const std::string kTemplate = "Xs8CgXTUwh2x-JhGKq9FFv_W4KF0T9obHRp_N9NIbUY";
// 40001 as api.weixin.qq.com words it on /cgi-bin and /wxa since 2023.
inline const std::string kInvalidCredential =
    "invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, "
    "more details at https://mmbizurl.cn/s/JtxxFh33r";

// A WeChat reply: HTTP 200, WeChat's JSON content type, parsed body.
inline Json wx(const mpemu::core::HttpResponse& r) {
    INFO("body: " << r.body);
    REQUIRE(r.status == 200);
    REQUIRE(r.header("Content-Type"));
    CHECK(*r.header("Content-Type") == "application/json; encoding=utf-8");
    return Json::parse(r.body);
}

inline void check_error(const Json& j, int errcode, const std::string& text) {
    INFO("reply: " << j.dump());
    CHECK(j["errcode"] == errcode);
    REQUIRE(j["errmsg"].is_string());
    static const std::regex kRid(R"( rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$)");
    std::string msg = j["errmsg"].get<std::string>();
    CHECK(msg.rfind(text + " rid: ", 0) == 0);
    CHECK(std::regex_search(msg, kRid));
}

inline std::string login_code(EmulatorProcess& emu, const std::string& appid = kAppid,
                              const std::string& openid = kOpenid) {
    return emu.admin("POST", "/__admin/wechat/login-codes", {{"appid", appid}, {"openid", openid}})["code"]
        .get<std::string>();
}

inline std::string phone_code(EmulatorProcess& emu, const std::string& appid = kAppid,
                              const std::string& openid = kOpenid) {
    return emu.admin("POST", "/__admin/wechat/phone-codes", {{"appid", appid}, {"openid", openid}})["code"]
        .get<std::string>();
}

inline std::string session_url(const std::string& code, const std::string& appid = kAppid,
                               const std::string& secret = kSecret) {
    return "/sns/jscode2session?appid=" + appid + "&secret=" + secret + "&js_code=" + mpemu::core::url_encode(code) +
           "&grant_type=authorization_code";
}

inline Json login(EmulatorProcess& emu, const std::string& appid = kAppid, const std::string& secret = kSecret,
                  const std::string& openid = kOpenid) {
    return wx(emu.get(session_url(login_code(emu, appid, openid), appid, secret)));
}

inline std::string access_token(EmulatorProcess& emu, const std::string& appid = kAppid,
                                const std::string& secret = kSecret) {
    auto j = wx(emu.get("/cgi-bin/token?grant_type=client_credential&appid=" + appid + "&secret=" + secret));
    REQUIRE(j.contains("access_token"));
    return j["access_token"].get<std::string>();
}

inline void advance(EmulatorProcess& emu, const std::string& by) {
    emu.admin("POST", "/__admin/clock", {{"advance", by}});
}
inline void freeze(EmulatorProcess& emu) {
    emu.admin("POST", "/__admin/clock", {{"freeze", true}});
}

// A copy of the default fixture set with fixture.json edited; returns its folder.
inline std::string fixtures_with(const std::function<void(Json&)>& edit) {
    namespace fs = std::filesystem;
    std::string dir = mpemu::testing::temp_dir() + "/fixtures";
    fs::copy(mpemu::testing::default_fixtures_dir(), dir, fs::copy_options::recursive);
    std::ifstream in(dir + "/fixture.json");
    std::stringstream text;
    text << in.rdbuf();
    Json j = Json::parse(text.str());
    edit(j);
    std::ofstream(dir + "/fixture.json") << j.dump(2);
    return dir;
}

// The newest journal entry (REQUIREs one).
inline Json last_request(EmulatorProcess& emu) {
    auto list = emu.admin("GET", "/__admin/requests?limit=1")["requests"];
    REQUIRE(list.size() == 1);
    return list[0];
}

}  // namespace wxtest
