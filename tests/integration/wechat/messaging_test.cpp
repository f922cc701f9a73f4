// JS-SDK tickets (/cgi-bin/ticket/getticket) and customer service messages (/cgi-bin/message/custom/send):
// ticket lifetime per access token, the reply windows user actions open (45015, 45047), message types and
// their errors.
#include "emulator/wechat/protocol.hpp"
#include "tests/integration/wechat/wechat_helpers.hpp"

using namespace wxtest;

namespace {

Json ticket(EmulatorProcess& emu, const std::string& token, const std::string& type = "jsapi") {
    return wx(emu.get("/cgi-bin/ticket/getticket?access_token=" + token + "&type=" + type));
}

Json custom(EmulatorProcess& emu, const std::string& token, const Json& msg) {
    return wx(emu.post("/cgi-bin/message/custom/send?access_token=" + token, msg.dump()));
}

Json text_to(const std::string& openid, const std::string& text = "您好，订单已发货") {
    return {{"touser", openid}, {"msgtype", "text"}, {"text", {{"content", text}}}};
}

void user_action(EmulatorProcess& emu, const std::string& action, const std::string& openid = kOpenid) {
    emu.admin("POST", "/__admin/wechat/customer-service/events",
              {{"appid", kAppid}, {"openid", openid}, {"action", action}});
}

}  // namespace

TEST_CASE("wechat: getticket gives one ticket per access token and type, valid 7200 s", "[wechat][ticket]") {
    EmulatorProcess emu;
    freeze(emu);
    auto token = access_token(emu);
    auto r = emu.get("/cgi-bin/ticket/getticket?access_token=" + token + "&type=jsapi");
    auto a = wx(r);
    CHECK(r.body.rfind(R"({"errcode":0,"errmsg":"ok","ticket":")", 0) == 0);
    REQUIRE(a["ticket"].is_string());
    CHECK(std::regex_match(a["ticket"].get<std::string>(), std::regex("[A-Za-z0-9_-]{86}")));
    CHECK(a["expires_in"] == 7200);
    // The same token: the same ticket, with the time it has left.
    advance(emu, "10m");
    auto b = ticket(emu, token);
    CHECK(b["ticket"] == a["ticket"]);
    CHECK(b["expires_in"] == 6600);
    // wx_card is a separate ticket.
    auto card = ticket(emu, token, "wx_card");
    CHECK(card["ticket"] != a["ticket"]);
    CHECK(card["expires_in"] == 7200);
    // A new access token gets a new ticket.
    auto token2 = access_token(emu);
    auto c = ticket(emu, token2);
    CHECK(c["ticket"] != a["ticket"]);
    CHECK(c["expires_in"] == 7200);
    // The ticket outlives nothing: past 7200 s the token is gone too (42001), and a fresh token gets a fresh
    // ticket.
    advance(emu, "2h");
    check_error(ticket(emu, token2), 42001, "access_token expired");
    auto d = ticket(emu, access_token(emu));
    CHECK(d["ticket"] != c["ticket"]);
    CHECK(d["expires_in"] == 7200);
}

TEST_CASE("wechat: wx.config signatures are checked against the app's live jsapi tickets", "[wechat][ticket]") {
    EmulatorProcess emu;
    freeze(emu);
    auto verify = [&](const Json& body) {
        return emu.request("POST", "/__admin/wechat/jsapi-config/verify", body.dump());
    };
    const std::string url = "https://shop.example.com/pay?order=42";
    Json cfg = {{"appid", kAppid}, {"url", url}, {"nonceStr", "Wm3WZYTPz0wzccnW"}, {"timestamp", 1414587457}};
    cfg["signature"] = std::string(40, '0');
    CHECK(verify(cfg).status == 400);  // no ticket yet
    auto t = ticket(emu, access_token(emu));
    cfg["signature"] =
        mpemu::wechat::protocol::jsapi_signature(t["ticket"].get<std::string>(), "Wm3WZYTPz0wzccnW", "1414587457", url);
    auto ok = verify(cfg);
    REQUIRE(ok.status == 200);
    CHECK(Json::parse(ok.body)["valid"] == true);
    cfg["url"] = url + "#section";  // the fragment is not signed
    CHECK(verify(cfg).status == 200);
    cfg["url"] = "https://shop.example.com/pay?order=43";
    auto bad = verify(cfg);
    CHECK(bad.status == 400);
    CHECK(Json::parse(bad.body)["error"]["message"].get<std::string>().find("invalid signature") != std::string::npos);
    // Past its 7200 s the ticket no longer signs a valid config.
    cfg["url"] = url;
    advance(emu, "2h");
    CHECK(verify(cfg).status == 400);
}

TEST_CASE("wechat: getticket errors", "[wechat][ticket]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    check_error(wx(emu.get("/cgi-bin/ticket/getticket?access_token=" + token)), 40097, "invalid args");
    check_error(wx(emu.get("/cgi-bin/ticket/getticket?access_token=" + token + "&type=card")), 40097, "invalid args");
    check_error(wx(emu.get("/cgi-bin/ticket/getticket?type=jsapi")), 41001, "access_token missing");
    check_error(wx(emu.get("/cgi-bin/ticket/getticket?access_token=ACCESS_TOKEN&type=jsapi")), 40001,
                kInvalidCredential);
    check_error(wx(emu.post("/cgi-bin/ticket/getticket?access_token=" + token + "&type=jsapi", "")), 43001,
                "require GET method");
}

TEST_CASE("wechat: custom/send needs a user action: 5 sends in 48 h after a message", "[wechat][custom]") {
    EmulatorProcess emu;
    freeze(emu);
    auto token = access_token(emu);
    check_error(custom(emu, token, text_to(kOpenid)), 45015, "response out of time limit or subscription is canceled");
    user_action(emu, "user_message");
    CHECK(custom(emu, token, text_to(kOpenid)) == Json({{"errcode", 0}, {"errmsg", "ok"}}));
    CHECK(custom(emu, token,
                 {{"touser", kOpenid}, {"msgtype", "image"}, {"image", {{"media_id", "MEDIA_ID_1"}}}})["errcode"] == 0);
    CHECK(custom(emu, token,
                 {{"touser", kOpenid},
                  {"msgtype", "link"},
                  {"link",
                   {{"title", "订单详情"},
                    {"description", "点击查看"},
                    {"url", "https://shop.example.com/o/42"},
                    {"thumb_url", "https://shop.example.com/t.png"}}}})["errcode"] == 0);
    CHECK(custom(emu, token,
                 {{"touser", kOpenid},
                  {"msgtype", "miniprogrampage"},
                  {"miniprogrampage",
                   {{"title", "订单"},
                    {"pagepath", "pages/order/detail?id=42"},
                    {"thumb_media_id", "THUMB"}}}})["errcode"] == 0);
    CHECK(custom(emu, token, text_to(kOpenid, "第五条"))["errcode"] == 0);
    check_error(custom(emu, token, text_to(kOpenid, "第六条")), 45047, "out of response count limit");
    auto list = emu.admin("GET", "/__admin/wechat/custom-messages?touser=" + kOpenid)["messages"];
    REQUIRE(list.size() == 5);
    CHECK(list[0]["msgtype"] == "text");
    CHECK(list[0]["body"]["text"]["content"] == "您好，订单已发货");
    CHECK(list[3]["msgtype"] == "miniprogrampage");
    // A new user message opens a new window; it closes after 48 hours.
    user_action(emu, "user_message");
    CHECK(custom(emu, token, text_to(kOpenid))["errcode"] == 0);
    advance(emu, "48h");
    check_error(custom(emu, access_token(emu), text_to(kOpenid)), 45015,
                "response out of time limit or subscription is canceled");
}

TEST_CASE("wechat: entering customer service allows 2 sends within a minute", "[wechat][custom]") {
    EmulatorProcess emu;
    freeze(emu);
    auto token = access_token(emu);
    user_action(emu, "user_enter");
    CHECK(custom(emu, token, text_to(kOpenid))["errcode"] == 0);
    CHECK(custom(emu, token, text_to(kOpenid))["errcode"] == 0);
    check_error(custom(emu, token, text_to(kOpenid)), 45047, "out of response count limit");
    user_action(emu, "user_enter");
    advance(emu, "1m");
    check_error(custom(emu, token, text_to(kOpenid)), 45015, "response out of time limit or subscription is canceled");
}

TEST_CASE("wechat: custom/send errors change nothing", "[wechat][custom]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    user_action(emu, "user_message");
    check_error(custom(emu, token, text_to("oUnknownUserxxxxxxxxxxxxxxxx")), 40003, "invalid openid");
    check_error(custom(emu, token, text_to(kOpenid2)), 40003, "invalid openid");
    check_error(custom(emu, token, {{"touser", kOpenid}, {"msgtype", "voice"}, {"voice", {{"media_id", "x"}}}}), 40008,
                "invalid message type");
    check_error(custom(emu, token, {{"touser", kOpenid}, {"msgtype", "text"}}), 47001, "data format error");
    check_error(custom(emu, token, text_to(kOpenid, "")), 44004, "empty content");
    check_error(custom(emu, token, text_to(kOpenid, std::string(2049, 'a'))), 47001, "data format error");
    check_error(custom(emu, token, {{"touser", kOpenid}, {"msgtype", "image"}, {"image", {{"media_id", ""}}}}), 40007,
                "invalid media_id");
    check_error(custom(emu, token,
                       {{"touser", kOpenid},
                        {"msgtype", "miniprogrampage"},
                        {"miniprogrampage", {{"title", "x"}, {"pagepath", "pages/nope/x"}, {"thumb_media_id", "T"}}}}),
                41030, "invalid page");
    check_error(custom(emu, token, {{"touser", 42}, {"msgtype", "text"}}), 47001, "data format error");
    check_error(wx(emu.post("/cgi-bin/message/custom/send?access_token=" + token, "")), 44002, "empty post data");
    check_error(wx(emu.post("/cgi-bin/message/custom/send?access_token=" + token, "[]")), 47001, "data format error");
    CHECK(emu.admin("GET", "/__admin/wechat/custom-messages")["messages"].empty());
    // The window still allows its 5 sends: refused requests used none.
    for (int i = 0; i < 5; ++i) CHECK(custom(emu, token, text_to(kOpenid))["errcode"] == 0);
    // Admin errors.
    auto bad = emu.request("POST", "/__admin/wechat/customer-service/events",
                           Json{{"appid", kAppid}, {"openid", kOpenid}, {"action", "wave"}}.dump());
    CHECK(bad.status == 400);
    auto unknown = emu.request("POST", "/__admin/wechat/customer-service/events",
                               Json{{"appid", kAppid}, {"openid", kOpenid2}, {"action", "user_message"}}.dump());
    CHECK(unknown.status == 404);
}
