// /cgi-bin/token and /cgi-bin/stable_token: expiry, the 5-minute overlap, force_refresh rules, and the
// access-token checks (41001/40014/40001/42001) on every endpoint that takes one.
#include "tests/integration/wechat/wechat_helpers.hpp"

using namespace wxtest;

namespace {

Json stable(EmulatorProcess& emu, bool force = false, const std::string& appid = kAppid,
            const std::string& secret = kSecret) {
    return wx(emu.post(
        "/cgi-bin/stable_token",
        Json{{"grant_type", "client_credential"}, {"appid", appid}, {"secret", secret}, {"force_refresh", force}}
            .dump()));
}

// 0 when the token is accepted, else the errcode (checked on checksession, which needs a token first).
int token_status(EmulatorProcess& emu, const std::string& token) {
    auto j = wx(emu.get("/wxa/checksession?access_token=" + token + "&openid=" + kOpenid +
                        "&signature=00&sig_method=hmac_sha256"));
    int code = j["errcode"].get<int>();
    return code == 87009 ? 0 : code;  // 87009: the token passed, the (dummy) signature did not
}

}  // namespace

TEST_CASE("wechat: cgi-bin/token: each call rotates, the previous token lives 5 more minutes", "[wechat][token]") {
    EmulatorProcess emu;
    freeze(emu);
    auto r = emu.get("/cgi-bin/token?grant_type=client_credential&appid=" + kAppid + "&secret=" + kSecret);
    auto j = wx(r);
    CHECK(j["expires_in"] == 7200);
    CHECK_FALSE(j.contains("errcode"));
    CHECK(r.body.rfind("{\"access_token\":", 0) == 0);
    std::string t1 = j["access_token"];
    CHECK(std::regex_match(t1, std::regex(R"([0-9]{2}_[A-Za-z0-9_-]{100,})")));
    CHECK(token_status(emu, t1) == 0);
    advance(emu, "1m");
    std::string t2 = access_token(emu);
    CHECK(t2 != t1);
    advance(emu, "4m59s");
    CHECK(token_status(emu, t1) == 0);
    advance(emu, "1s");
    CHECK(token_status(emu, t1) == 40001);
    CHECK(token_status(emu, t2) == 0);
    advance(emu, "1h54m59s");
    CHECK(token_status(emu, t2) == 0);
    advance(emu, "1s");
    CHECK(token_status(emu, t2) == 42001);
}

TEST_CASE("wechat: cgi-bin/token errors", "[wechat][token]") {
    EmulatorProcess emu;
    const std::string base = "/cgi-bin/token?grant_type=client_credential";
    check_error(wx(emu.get(base + "&secret=" + kSecret)), 41002, "appid missing");
    check_error(wx(emu.get(base + "&appid=" + kAppid)), 41004, "appsecret missing");
    check_error(wx(emu.get("/cgi-bin/token?grant_type=authorization_code&appid=" + kAppid + "&secret=" + kSecret)),
                40002, "invalid grant_type");
    check_error(wx(emu.get(base + "&appid=wx0000000000000000&secret=" + kSecret)), 40013, "invalid appid");
    check_error(wx(emu.get(base + "&appid=" + kAppid + "&secret=" + kSecret2)), 40125, "invalid appsecret");
}

TEST_CASE("wechat: stable_token: same token while valid, a successor in the last 5 minutes, both accepted",
          "[wechat][token]") {
    EmulatorProcess emu;
    freeze(emu);
    auto a = stable(emu);
    CHECK(a["expires_in"] == 7200);
    advance(emu, "1h");
    auto b = stable(emu);
    CHECK(b["access_token"] == a["access_token"]);
    CHECK(b["expires_in"] == 3600);
    advance(emu, "55m");  // 300 s left
    auto c = stable(emu);
    CHECK(c["access_token"] != a["access_token"]);
    CHECK(c["expires_in"] == 7200);
    CHECK(token_status(emu, a["access_token"]) == 0);
    CHECK(token_status(emu, c["access_token"]) == 0);
    advance(emu, "5m");
    CHECK(token_status(emu, a["access_token"]) == 42001);
    CHECK(token_status(emu, c["access_token"]) == 0);
    CHECK(stable(emu)["access_token"] == c["access_token"]);

    // The two worlds are separate: a token call does not retire the stable token, nor the reverse.
    std::string plain = access_token(emu);
    CHECK(token_status(emu, c["access_token"]) == 0);
    stable(emu, true);
    CHECK(token_status(emu, plain) == 0);
}

TEST_CASE("wechat: stable_token force_refresh: kills the old token, 30 s spacing, 20 per day", "[wechat][token]") {
    EmulatorProcess emu;
    emu.admin("POST", "/__admin/clock", {{"now", "2024-03-01T09:00:00+08:00"}, {"freeze", true}});
    auto a = stable(emu);
    auto b = stable(emu, true);
    CHECK(b["access_token"] != a["access_token"]);
    CHECK(token_status(emu, a["access_token"]) == 40001);
    CHECK(token_status(emu, b["access_token"]) == 0);
    advance(emu, "10s");
    auto early = stable(emu, true);  // closer than 30 s: does not refresh
    CHECK(early["access_token"] == b["access_token"]);
    for (int i = 2; i <= 20; ++i) {
        advance(emu, "31s");
        CHECK(stable(emu, true)["access_token"] != b["access_token"]);
    }
    advance(emu, "31s");
    check_error(stable(emu, true), 45009, "reach max api daily quota limit");
    // A new Beijing day resets the quota.
    emu.admin("POST", "/__admin/clock", {{"now", "2024-03-02T00:00:01+08:00"}});
    CHECK(stable(emu, true).contains("access_token"));
}

TEST_CASE("wechat: stable_token errors", "[wechat][token]") {
    EmulatorProcess emu;
    check_error(wx(emu.get("/cgi-bin/stable_token")), 43002, "require POST method");
    check_error(wx(emu.post("/cgi-bin/stable_token", "")), 44002, "empty post data");
    check_error(wx(emu.post("/cgi-bin/stable_token", "grant_type=client_credential")), 47001, "data format error");
    check_error(wx(emu.post("/cgi-bin/stable_token", R"({"grant_type":"client_credential","appid":")" + kAppid +
                                                         R"(","secret":")" + kSecret + R"(","force_refresh":"yes"})")),
                47001, "data format error");
    check_error(wx(emu.post("/cgi-bin/stable_token", R"({"grant_type":"client_credential","secret":"x"})")), 41002,
                "appid missing");
    check_error(
        wx(emu.post("/cgi-bin/stable_token", R"({"grant_type":"client_credential","appid":")" + kAppid + "\"}")), 41004,
        "appsecret missing");
    check_error(
        wx(emu.post("/cgi-bin/stable_token", Json{{"grant_type", "x"}, {"appid", kAppid}, {"secret", kSecret}}.dump())),
        40002, "invalid grant_type");
    check_error(stable(emu, false, "wx0000000000000000", kSecret), 40013, "invalid appid");
    check_error(stable(emu, false, kAppid, kSecret2), 40125, "invalid appsecret");
}

TEST_CASE("wechat: every endpoint that takes an access_token checks it: 41001, 40014, 40001, 42001",
          "[wechat][token]") {
    EmulatorProcess emu;
    freeze(emu);
    std::string expired = access_token(emu);
    advance(emu, "2h");
    struct Endpoint {
        std::string method, path, body;
    };
    std::vector<Endpoint> endpoints = {
        {"POST", "/wxa/business/getuserphonenumber", R"({"code":"x"})"},
        {"GET", "/wxa/checksession", ""},
        {"GET", "/wxa/resetusersessionkey", ""},
        {"POST", "/wxa/resetusersessionkey", ""},
        {"POST", "/wxa/msg_sec_check", R"({"version":2})"},
        {"POST", "/cgi-bin/message/subscribe/send", R"({"touser":"x"})"},
        {"POST", "/wxa/getwxacodeunlimit", R"({"scene":"a"})"},
    };
    for (const auto& e : endpoints) {
        INFO(e.method << " " << e.path);
        auto call = [&](const std::string& query) { return wx(emu.request(e.method, e.path + query, e.body)); };
        check_error(call(""), 41001, "access_token missing");
        check_error(call("?access_token="), 41001, "access_token missing");
        check_error(call("?access_token=ACCESS_TOKEN"), 40001, kInvalidCredential);
        check_error(call("?access_token=86_not.a.token"), 40014, "invalid access_token");
        check_error(call("?access_token=86_notatokenthisemulatorissued"), 40001, kInvalidCredential);
        check_error(call("?access_token=" + expired), 42001, "access_token expired");
    }
}
