// --state FILE: login codes (fresh and used), session keys, access tokens and sent messages survive a
// restart of the emulator.
#include "tests/integration/wechat/wechat_helpers.hpp"

using namespace wxtest;

TEST_CASE("wechat: WeChat state survives a restart with --state", "[wechat][state]") {
    const std::string state = mpemu::testing::temp_dir() + "/wechat.sqlite";
    std::string fresh, used, token, stable, session_key;
    {
        EmulatorProcess emu({"--state", state});
        fresh = login_code(emu);
        used = login_code(emu);
        auto s = wx(emu.get(session_url(used)));
        session_key = s["session_key"];
        token = access_token(emu);
        stable = wx(emu.post(
            "/cgi-bin/stable_token",
            Json{{"grant_type", "client_credential"}, {"appid", kAppid}, {"secret", kSecret}}.dump()))["access_token"];
        CHECK(emu.stop() == 0);
    }
    EmulatorProcess emu({"--state", state});
    check_error(wx(emu.get(session_url(used))), 40163, "code been used");
    auto s = wx(emu.get(session_url(fresh)));
    CHECK(s["openid"] == kOpenid);
    CHECK(s["session_key"] == session_key);
    // Both tokens are still accepted (87009 = past the token check, the dummy signature fails).
    for (const auto& t : {token, stable}) {
        std::string url = "/wxa/checksession?access_token=";
        url += t;
        url += "&openid=";
        url += kOpenid;
        url += "&signature=00&sig_method=hmac_sha256";
        auto j = wx(emu.get(url));
        CHECK(j["errcode"] == 87009);
    }
    // The stable token is the same one after the restart.
    CHECK(wx(emu.post("/cgi-bin/stable_token",
                      Json{{"grant_type", "client_credential"}, {"appid", kAppid}, {"secret", kSecret}}
                          .dump()))["access_token"] == stable);
    // A reset goes back to the seeded state: the codes are gone.
    emu.admin("POST", "/__admin/reset");
    check_error(wx(emu.get(session_url(fresh))), 40029, "invalid code");
}
