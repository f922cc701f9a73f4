// Bad input never crashes the emulator and never changes WeChat state: every endpoint gets malformed
// bodies, wrong types and odd query strings, answers HTTP 200 with a non-zero errcode, and afterwards
// codes, session keys, subscriptions and messages are as before.
#include "tests/integration/wechat/wechat_helpers.hpp"

using namespace wxtest;

TEST_CASE("wechat: malformed requests get WeChat errors and change nothing", "[wechat][robustness]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    auto code = login_code(emu);
    auto pcode = phone_code(emu);
    std::string key = login(emu)["session_key"];

    const std::vector<std::string> bodies = {
        "",
        "null",
        "[]",
        "{",
        "\"x\"",
        "42",
        "{\"code\":{}}",
        "{\"code\":[\"" + pcode + "\"]}",
        "{\"touser\":null,\"template_id\":null}",
        std::string(64, '[') + std::string(64, ']'),
        "{\"scene\":" + std::string(20000, '9') + "}",
        std::string("\xff\xfe\x00\x01", 4),
        "{\"version\":2,\"openid\":{},\"scene\":2,\"content\":1}",
        "{\"data\":{\"thing2\":{\"value\":[]}}}",
        "{\"width\":1e400}",
        "{\"scene\":\"a\",\"line_color\":[1,2,3]}",
        "{\"force_refresh\":1}",
    };
    const std::vector<std::pair<std::string, std::string>> endpoints = {
        {"POST", "/wxa/business/getuserphonenumber?access_token=" + token},
        {"POST", "/wxa/msg_sec_check?access_token=" + token},
        {"POST", "/cgi-bin/message/subscribe/send?access_token=" + token},
        {"POST", "/wxa/getwxacodeunlimit?access_token=" + token},
        {"POST", "/wxa/resetusersessionkey?access_token=" + token},
        {"POST", "/cgi-bin/stable_token"},
        {"POST", "/cgi-bin/message/custom/send?access_token=" + token},
        {"POST", "/wxaapi/newtmpl/addtemplate?access_token=" + token},
        {"POST", "/wxaapi/newtmpl/deltemplate?access_token=" + token},
        {"POST", "/wxa/sec/order/upload_shipping_info?access_token=" + token},
        {"POST", "/wxa/sec/order/upload_combined_shipping_info?access_token=" + token},
        {"POST", "/wxa/sec/order/get_order?access_token=" + token},
        {"POST", "/wxa/sec/order/notify_confirm_receive?access_token=" + token},
        {"POST", "/wxa/sec/order/set_msg_jump_path?access_token=" + token},
        {"POST", "/wxa/sec/order/is_trade_managed?access_token=" + token},
    };
    for (const auto& [method, target] : endpoints) {
        for (const auto& body : bodies) {
            INFO(method << " " << target << " body: " << body.substr(0, 80));
            auto r = emu.request(method, target, body);
            REQUIRE(r.status == 200);
            auto j = Json::parse(r.body);
            CHECK(j["errcode"].get<int>() != 0);
        }
    }
    const std::vector<std::string> queries = {
        "/sns/jscode2session?appid=%ZZ&secret=%00&js_code=%",
        "/sns/jscode2session?appid=" + kAppid + "&appid=x&secret=" + kSecret + "&js_code=" + std::string(5000, 'a'),
        "/sns/jscode2session?js_code=" + code + "&js_code=" + code,
        "/cgi-bin/token?grant_type[]=client_credential&appid=" + kAppid,
        "/wxa/checksession?access_token=" + token + "&openid=" + kOpenid + "&signature=%FF%FE&sig_method=hmac_sha256",
        "/wxa/checksession?access_token=" + token + "%00",
        "/cgi-bin/ticket/getticket?access_token=" + token + "&type=%FF",
        "/wxaapi/newtmpl/getpubtemplatetitles?access_token=" + token + "&ids=307,,x&start=1e9&limit=-1",
        "/wxaapi/newtmpl/getpubtemplatetitles?access_token=" + token + "&ids=" + std::string(5000, '9') +
            "&start=0&limit=1",
        "/wxaapi/newtmpl/getpubtemplatekeywords?access_token=" + token + "&tid=99999999999999999999999",
        "/wxa/resetusersessionkey?access_token=" + token + "&openid=" + kOpenid +
            "&sig_method=hmac_sha256&signature=" + std::string(300, 'f'),
    };
    for (const auto& q : queries) {
        INFO(q.substr(0, 120));
        auto r = emu.get(q);
        REQUIRE(r.status == 200);
        CHECK(Json::parse(r.body)["errcode"].get<int>() != 0);
    }

    // Nothing changed: the codes still work once, the session key is the same, no message was stored.
    CHECK(emu.admin("GET", "/__admin/health")["status"] == "ok");
    auto s = wx(emu.get(session_url(code)));
    CHECK(s["session_key"] == key);
    CHECK(wx(emu.post("/wxa/business/getuserphonenumber?access_token=" + token,
                      Json{{"code", pcode}}.dump()))["errcode"] == 0);
    CHECK(emu.admin("GET", "/__admin/wechat/messages")["messages"].empty());
    CHECK(emu.admin("GET", "/__admin/wechat/custom-messages")["messages"].empty());
    CHECK(emu.admin("GET", "/__admin/wechat/shipping/orders")["orders"].empty());
    CHECK(wx(emu.get("/wxaapi/newtmpl/gettemplate?access_token=" + token))["data"].size() == 2);
    Json msg = {{"touser", kOpenid}, {"template_id", kTemplate}, {"data", {{"thing2", {{"value", "ok"}}}}}};
    for (int i = 0; i < 3; ++i) {
        CHECK(wx(emu.post("/cgi-bin/message/subscribe/send?access_token=" + token, msg.dump()))["errcode"] == 0);
    }
}
