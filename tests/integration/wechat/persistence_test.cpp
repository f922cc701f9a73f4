// --state FILE: login codes (fresh and used), session keys, access tokens, JS-SDK tickets, added subscribe
// templates, customer service windows and shipping orders survive a restart of the emulator.
#include "tests/integration/wechat/wechat_helpers.hpp"

using namespace wxtest;

TEST_CASE("wechat: WeChat state survives a restart with --state", "[wechat][state]") {
    const std::string state = mpemu::testing::temp_dir() + "/wechat.sqlite";
    std::string fresh, used, token, stable, session_key, ticket, template_id;
    const std::string tx = "4200001927202309157703139548";
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
        ticket = wx(emu.get("/cgi-bin/ticket/getticket?type=jsapi&access_token=" + token))["ticket"];
        template_id = wx(emu.post("/wxaapi/newtmpl/addtemplate?access_token=" + token,
                                  Json{{"tid", 1856}, {"kidList", {1, 2}}}.dump()))["priTmplId"];
        emu.admin("POST", "/__admin/wechat/customer-service/events",
                  {{"appid", kAppid}, {"openid", kOpenid}, {"action", "user_message"}});
        auto up = wx(emu.post("/wxa/sec/order/upload_shipping_info?access_token=" + token,
                              Json{{"order_key", {{"order_number_type", 2}, {"transaction_id", tx}}},
                                   {"logistics_type", 3},
                                   {"delivery_mode", 1},
                                   {"shipping_list", {{{"item_desc", "gift card"}}}},
                                   {"upload_time", "2024-03-01T12:00:00+08:00"},
                                   {"payer", {{"openid", kOpenid}}}}
                                  .dump()));
        CHECK(up["errcode"] == 0);
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
    // The ticket, the added template, the reply window and the shipped order are still there.
    CHECK(wx(emu.get("/cgi-bin/ticket/getticket?type=jsapi&access_token=" + token))["ticket"] == ticket);
    auto templates = wx(emu.get("/wxaapi/newtmpl/gettemplate?access_token=" + token))["data"];
    REQUIRE(templates.size() == 3);
    CHECK(templates[2]["priTmplId"] == template_id);
    CHECK(wx(emu.post(
              "/cgi-bin/message/custom/send?access_token=" + token,
              Json{{"touser", kOpenid}, {"msgtype", "text"}, {"text", {{"content", "hi"}}}}.dump()))["errcode"] == 0);
    CHECK(wx(emu.post("/wxa/sec/order/get_order?access_token=" + token,
                      Json{{"transaction_id", tx}}.dump()))["order"]["order_state"] == 2);
    // A reset goes back to the seeded state: the codes are gone.
    emu.admin("POST", "/__admin/reset");
    check_error(wx(emu.get(session_url(fresh))), 40029, "invalid code");
    CHECK(emu.admin("GET", "/__admin/wechat/shipping/orders")["orders"].empty());
}
