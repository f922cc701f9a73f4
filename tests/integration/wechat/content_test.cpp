// msg_sec_check v2, subscribe/send (stored and listed by the admin API) and getwxacodeunlimit (a PNG).
#include "tests/integration/wechat/wechat_helpers.hpp"

using namespace wxtest;

namespace {
Json post(EmulatorProcess& emu, const std::string& path, const std::string& token, const Json& body) {
    return wx(emu.post(path + "?access_token=" + token, body.dump()));
}
Json sec_body(const std::string& content, int scene = 2, const std::string& openid = kOpenid) {
    return {{"version", 2}, {"openid", openid}, {"scene", scene}, {"content", content}};
}
}  // namespace

TEST_CASE("wechat: msg_sec_check v2 gives a verdict with detail, trace_id and result", "[wechat][security]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    auto pass = post(emu, "/wxa/msg_sec_check", token, sec_body("今天天气不错"));
    CHECK(pass["errcode"] == 0);
    CHECK(pass["errmsg"] == "ok");
    CHECK(pass["result"] == Json{{"suggest", "pass"}, {"label", 100}});
    REQUIRE(pass["detail"].size() == 2);
    CHECK(pass["detail"][0]["strategy"] == "content_model");
    CHECK(pass["detail"][1] == Json{{"strategy", "keyword"}, {"errcode", 0}});
    CHECK(std::regex_match(pass["trace_id"].get<std::string>(), std::regex("[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}")));

    auto risky = post(emu, "/wxa/msg_sec_check", token, sec_body("一起来赌博吧"));
    CHECK(risky["errcode"] == 0);
    CHECK(risky["result"] == Json{{"suggest", "risky"}, {"label", 20006}});
    CHECK(risky["detail"][1]["keyword"] == "赌博");
    auto review = post(emu, "/wxa/msg_sec_check", token, sec_body("hello mpemu:review"));
    CHECK(review["result"]["suggest"] == "review");
    auto model = post(emu, "/wxa/msg_sec_check", token, sec_body("特3456书yuuo莞6543李zxcz蒜7782法fgnv级"));
    CHECK(model["result"]["suggest"] == "risky");
    CHECK(model["detail"][0]["suggest"] == "risky");
}

TEST_CASE("wechat: msg_sec_check errors", "[wechat][security]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    check_error(post(emu, "/wxa/msg_sec_check", token, sec_body("hi", 5)), 40129, "invalid scene");
    check_error(post(emu, "/wxa/msg_sec_check", token, sec_body("hi", 2, "oUnknownUserxxxxxxxxxxxxxxxx")), 40003,
                "invalid openid");
    check_error(post(emu, "/wxa/msg_sec_check", token, sec_body("hi", 2, kOpenid2)), 43104,
                "appid and openid not match");
    check_error(post(emu, "/wxa/msg_sec_check", token, {{"version", 1}, {"content", "hi"}}), 47001,
                "data format error");
    check_error(post(emu, "/wxa/msg_sec_check", token, sec_body(std::string(2501, 'a'))), 47001, "data format error");
    check_error(wx(emu.post("/wxa/msg_sec_check?access_token=" + token, "")), 44002, "empty post data");
    check_error(wx(emu.post("/wxa/msg_sec_check?access_token=" + token, "[1,2]")), 47001, "data format error");
    check_error(wx(emu.get("/wxa/msg_sec_check?access_token=" + token)), 43002, "require POST method");
}

TEST_CASE("wechat: subscribe/send stores the message and uses up one subscription", "[wechat][subscribe]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    Json msg = {{"touser", kOpenid},
                {"template_id", kTemplate},
                {"page", "pages/order/detail?id=42"},
                {"lang", "zh_CN"},
                {"data",
                 {{"character_string1", {{"value", "SO20240301"}}},
                  {"thing2", {{"value", "已发货"}}},
                  {"time3", {{"value", "2024-03-01 12:00"}}}}}};
    auto r = emu.post("/cgi-bin/message/subscribe/send?access_token=" + token, msg.dump());
    auto j = wx(r);
    CHECK(j["errcode"] == 0);
    CHECK(j["errmsg"] == "ok");
    REQUIRE(j["msgid"].is_number_unsigned());
    auto list = emu.admin("GET", "/__admin/wechat/messages")["messages"];
    REQUIRE(list.size() == 1);
    CHECK(list[0]["msgid"] == std::to_string(j["msgid"].get<unsigned long long>()));
    CHECK(list[0]["touser"] == kOpenid);
    CHECK(list[0]["template_id"] == kTemplate);
    CHECK(list[0]["page"] == "pages/order/detail?id=42");
    CHECK(list[0]["miniprogram_state"] == "formal");
    CHECK(list[0]["data"]["thing2"]["value"] == "已发货");
    CHECK(emu.admin("GET", "/__admin/wechat/messages?touser=" + kOpenidNoUnion)["messages"].empty());

    // The fixture allows 3 sends of this template; the 4th is refused (43101) and not stored.
    post(emu, "/cgi-bin/message/subscribe/send", token, msg);
    post(emu, "/cgi-bin/message/subscribe/send", token, msg);
    check_error(post(emu, "/cgi-bin/message/subscribe/send", token, msg), 43101, "user refuse to accept the msg");
    CHECK(emu.admin("GET", "/__admin/wechat/messages")["messages"].size() == 3);
    // A user who never subscribed.
    msg["touser"] = kOpenidNoUnion;
    check_error(post(emu, "/cgi-bin/message/subscribe/send", token, msg), 43101, "user refuse to accept the msg");
}

TEST_CASE("wechat: subscribe/send errors", "[wechat][subscribe]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    Json msg = {{"touser", kOpenid}, {"template_id", kTemplate}, {"data", {{"thing2", {{"value", "ok"}}}}}};
    auto with = [&](const char* key, const Json& v) {
        Json m = msg;
        m[key] = v;
        return post(emu, "/cgi-bin/message/subscribe/send", token, m);
    };
    check_error(with("touser", "oUnknownUserxxxxxxxxxxxxxxxx"), 40003, "invalid openid");
    check_error(with("touser", kOpenid2), 40003, "invalid openid");
    check_error(with("template_id", "nope"), 40037, "invalid template_id");
    check_error(with("page", "pages/nope/index"), 41030, "invalid page");
    check_error(with("page", "?id=1"), 41030, "invalid page");
    check_error(with("data", {{"thing9", {{"value", "x"}}}}), 47003, "argument invalid!");
    check_error(with("data", {{"thing2", "x"}}), 47003, "argument invalid!");
    check_error(with("data", {{"thing2", {{"value", std::string(21, 'x')}}}}), 47003, "argument invalid!");
    check_error(with("data", Json::array()), 47003, "argument invalid!");
    check_error(with("miniprogram_state", "beta"), 47003, "argument invalid!");
    check_error(with("touser", 42), 47001, "data format error");
    check_error(wx(emu.post("/cgi-bin/message/subscribe/send?access_token=" + token, "")), 44002, "empty post data");
    CHECK(emu.admin("GET", "/__admin/wechat/messages")["messages"].empty());
    // Another app's token does not know this app's templates or users.
    check_error(post(emu, "/cgi-bin/message/subscribe/send", access_token(emu, kAppid2, kSecret2), msg), 40003,
                "invalid openid");
}

TEST_CASE("wechat: getwxacodeunlimit returns a PNG naming the scene and page", "[wechat][wxacode]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    auto r = emu.post("/wxa/getwxacodeunlimit?access_token=" + token,
                      Json{{"scene", "id=42"}, {"page", "pages/product/detail"}, {"width", 280}}.dump());
    REQUIRE(r.status == 200);
    REQUIRE(r.header("Content-Type"));
    CHECK(*r.header("Content-Type") == "image/png");
    REQUIRE(r.body.size() > 100);
    CHECK(r.body.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
    CHECK(r.body.find(std::string("mpemu:scene\0id=42", 17)) != std::string::npos);
    CHECK(r.body.find(std::string("mpemu:page\0pages/product/detail", 31)) != std::string::npos);
    // Width is clamped to 280..1280 (IHDR width at byte 16).
    auto width_of = [](const std::string& png) {
        return (uint8_t(png[16]) << 24) | (uint8_t(png[17]) << 16) | (uint8_t(png[18]) << 8) | uint8_t(png[19]);
    };
    CHECK(width_of(r.body) == 280);
    auto big = emu.post("/wxa/getwxacodeunlimit?access_token=" + token, Json{{"scene", "a"}, {"width", 5000}}.dump());
    CHECK(width_of(big.body) == 1280);
    // check_path false lets an unreleased page through.
    auto unreleased = emu.post(
        "/wxa/getwxacodeunlimit?access_token=" + token,
        Json{{"scene", "a"}, {"page", "pages/new/index"}, {"check_path", false}, {"env_version", "develop"}}.dump());
    CHECK(*unreleased.header("Content-Type") == "image/png");
}

TEST_CASE("wechat: getwxacodeunlimit errors are JSON", "[wechat][wxacode]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    auto call = [&](const Json& body) { return post(emu, "/wxa/getwxacodeunlimit", token, body); };
    check_error(call({{"page", "pages/index/index"}}), 40169,
                "invalid length for scene, or the data is not json string");
    check_error(call({{"scene", std::string(33, 'a')}}), 40169,
                "invalid length for scene, or the data is not json string");
    check_error(call({{"scene", "100%"}}), 40169, "invalid length for scene, or the data is not json string");
    check_error(call({{"scene", "a"}, {"page", "pages/nope/index"}}), 41030, "invalid page");
    check_error(call({{"scene", "a"}, {"page", "/pages/index/index"}}), 41030, "invalid page");
    check_error(call({{"scene", "a"}, {"check_path", "false"}}), 47001, "data format error");
    check_error(call({{"scene", "a"}, {"width", "430"}}), 47001, "data format error");
    check_error(call({{"scene", "a"}, {"env_version", "beta"}}), 47001, "data format error");
    check_error(call({{"scene", "a"}, {"line_color", {{"r", 300}}}}), 47001, "data format error");
    check_error(wx(emu.post("/wxa/getwxacodeunlimit?access_token=" + token, "")), 44002, "empty post data");
}
