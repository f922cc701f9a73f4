// Subscribe message templates (/wxaapi/newtmpl/*): the public library from the fixture, private templates
// added and deleted through the API, and subscribe/send with an added template.
#include "tests/integration/wechat/wechat_helpers.hpp"

using namespace wxtest;

namespace {

Json call(EmulatorProcess& emu, const std::string& method, const std::string& path, const std::string& token,
          const std::string& query = "", const std::string& body = "", const mpemu::core::HeaderList& headers = {}) {
    return wx(emu.request(method, "/wxaapi/newtmpl/" + path + "?access_token=" + token + query, body, headers));
}

}  // namespace

TEST_CASE("wechat: template library: categories, titles, keywords", "[wechat][templates]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    auto cats = call(emu, "GET", "getcategory", token);
    CHECK(cats["errcode"] == 0);
    // The app has categories 307 and 313 of the three in the library.
    REQUIRE(cats["data"].size() == 2);
    CHECK(cats["data"][0] == Json({{"id", 307}, {"name", "服装/鞋/箱包"}}));
    CHECK(cats["data"][1]["id"] == 313);

    auto r = emu.get("/wxaapi/newtmpl/getpubtemplatetitles?access_token=" + token + "&ids=307,313&start=0&limit=2");
    auto titles = wx(r);
    CHECK(r.body.rfind(R"({"errcode":0,"errmsg":"ok","count":4,"data":[{"tid":1856,"title":"订单发货通知","type":2,)"
                       R"("categoryId":"307"})",
                       0) == 0);
    CHECK(titles["data"].size() == 2);
    auto page2 = call(emu, "GET", "getpubtemplatetitles", token, "&ids=307,313&start=2&limit=30");
    CHECK(page2["count"] == 4);
    REQUIRE(page2["data"].size() == 2);
    CHECK(page2["data"][1]["tid"] == 5237);
    CHECK(call(emu, "GET", "getpubtemplatetitles", token, "&ids=313&start=0&limit=5")["count"] == 1);

    auto kw = call(emu, "GET", "getpubtemplatekeywords", token, "&tid=1856");
    CHECK(kw["count"] == 5);
    CHECK(kw["data"][0] ==
          Json({{"kid", 1}, {"name", "订单编号"}, {"example", "SO20240301001"}, {"rule", "character_string"}}));

    check_error(call(emu, "GET", "getpubtemplatetitles", token, "&start=0&limit=5"), 200018, "missing parameter ids");
    check_error(call(emu, "GET", "getpubtemplatetitles", token, "&ids=616&start=0&limit=5"), 200019,
                "invalid parameter ids");  // a library category the app does not have
    check_error(call(emu, "GET", "getpubtemplatetitles", token, "&ids=%22307%22&start=0&limit=5"), 200019,
                "invalid parameter ids");
    check_error(call(emu, "GET", "getpubtemplatetitles", token, "&ids=307&start=-1&limit=5"), 200016,
                "invalid parameter start");
    check_error(call(emu, "GET", "getpubtemplatetitles", token, "&ids=307&limit=5"), 200016, "invalid parameter start");
    check_error(call(emu, "GET", "getpubtemplatetitles", token, "&ids=307&start=0&limit=31"), 200017,
                "invalid parameter limit");
    check_error(call(emu, "GET", "getpubtemplatekeywords", token, "&tid=99"), 200014, "tid does not exist");
    check_error(call(emu, "GET", "getpubtemplatekeywords", token, "&tid=abc"), 200014, "tid does not exist");
    check_error(call(emu, "GET", "getcategory", "ACCESS_TOKEN"), 40001, kInvalidCredential);
}

TEST_CASE("wechat: addtemplate makes a private template subscribe/send can use", "[wechat][templates]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    auto added = call(emu, "POST", "addtemplate", token, "",
                      Json{{"tid", "1856"}, {"kidList", {4, 1, 5}}, {"sceneDesc", "订单发货后通知"}}.dump());
    CHECK(added["errcode"] == 0);
    REQUIRE(added["priTmplId"].is_string());
    std::string id = added["priTmplId"];
    CHECK(std::regex_match(id, std::regex("[A-Za-z0-9_-]{43}")));

    // gettemplate lists the fixture templates and the new one, keywords named rule + position.
    auto list = call(emu, "GET", "gettemplate", token);
    REQUIRE(list["data"].size() == 3);
    auto t = list["data"][2];
    CHECK(t["priTmplId"] == id);
    CHECK(t["title"] == "订单发货通知");
    CHECK(t["type"] == 2);
    CHECK(t["content"] ==
          "快递单号{{character_string1.DATA}}\n订单编号{{character_string2.DATA}}\n发货时间{{time3.DATA}}\n");
    CHECK(t["example"] == "快递单号：SF1234567890123\n订单编号：SO20240301001\n发货时间：2024-03-01 12:00\n");

    // Usable by subscribe/send once the user accepts it.
    Json msg = {{"touser", kOpenid},
                {"template_id", id},
                {"page", "/pages/order/detail?id=42"},
                {"data",
                 {{"character_string1", {{"value", "SF1234567890123"}}},
                  {"character_string2", {{"value", "SO20240301001"}}},
                  {"time3", {{"value", "2024-03-01 12:00"}}}}}};
    auto send = [&] { return wx(emu.post("/cgi-bin/message/subscribe/send?access_token=" + token, msg.dump())); };
    check_error(send(), 43101, "user refuse to accept the msg");
    auto sub = emu.admin("POST", "/__admin/wechat/subscriptions",
                         {{"appid", kAppid}, {"openid", kOpenid}, {"template_id", id}, {"count", 2}});
    CHECK(sub["remaining"] == 2);
    CHECK(send()["errcode"] == 0);
    Json wrong = msg;
    wrong["data"] = {{"thing2", {{"value", "x"}}}};
    check_error(wx(emu.post("/cgi-bin/message/subscribe/send?access_token=" + token, wrong.dump())), 47003,
                "argument invalid!");

    // deltemplate: gone from gettemplate and from subscribe/send.
    CHECK(call(emu, "POST", "deltemplate", token, "", Json{{"priTmplId", id}}.dump()) ==
          Json({{"errcode", 0}, {"errmsg", "ok"}}));
    CHECK(call(emu, "GET", "gettemplate", token)["data"].size() == 2);
    check_error(send(), 40037, "invalid template_id");
    check_error(call(emu, "POST", "deltemplate", token, "", Json{{"priTmplId", id}}.dump()), 40037,
                "invalid template_id");
    // A fixture template can be deleted too.
    CHECK(call(emu, "POST", "deltemplate", token, "", Json{{"priTmplId", kTemplate}}.dump())["errcode"] == 0);
    auto left = call(emu, "GET", "gettemplate", token)["data"];
    REQUIRE(left.size() == 1);
    CHECK(left[0]["priTmplId"] != kTemplate);
    Json fixture_msg = {{"touser", kOpenid}, {"template_id", kTemplate}, {"data", {{"thing2", {{"value", "ok"}}}}}};
    check_error(wx(emu.post("/cgi-bin/message/subscribe/send?access_token=" + token, fixture_msg.dump())), 40037,
                "invalid template_id");
}

TEST_CASE("wechat: addtemplate takes the form body the docs recommend", "[wechat][templates]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    auto added =
        call(emu, "POST", "addtemplate", token, "", "tid=1221&kidList=1&kidList=2&sceneDesc=%E6%94%AF%E4%BB%98",
             {{"Content-Type", "application/x-www-form-urlencoded"}});
    CHECK(added["errcode"] == 0);
    std::string id = added["priTmplId"];
    CHECK(call(emu, "POST", "deltemplate", token, "", "priTmplId=" + id,
               {{"Content-Type", "application/x-www-form-urlencoded"}})["errcode"] == 0);
}

TEST_CASE("wechat: addtemplate errors and the 25 template limit", "[wechat][templates]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    auto add = [&](const Json& body) { return call(emu, "POST", "addtemplate", token, "", body.dump()); };
    check_error(add({{"tid", "4242"}, {"kidList", {1, 2}}}), 200014, "tid does not exist");
    check_error(add({{"tid", 99}, {"kidList", {1, 2}}}), 200014, "tid does not exist");  // not the app's category
    check_error(add({{"kidList", {1, 2}}}), 200014, "tid does not exist");
    check_error(add({{"tid", 1856}, {"kidList", {1}}}), 200020, "invalid keywords");
    check_error(add({{"tid", 1856}, {"kidList", {1, 2, 3, 4, 5, 1}}}), 200020, "invalid keywords");
    check_error(add({{"tid", 1856}, {"kidList", {1, 1}}}), 200020, "invalid keywords");
    check_error(add({{"tid", 1856}, {"kidList", {1, 9}}}), 200020, "invalid keywords");
    check_error(add({{"tid", 1856}, {"kidList", "1,2"}}), 200020, "invalid keywords");
    check_error(add({{"tid", 1856}, {"kidList", {1, 2}}, {"sceneDesc", std::string(16, 'a')}}), 200021,
                "invalid parameter sceneDesc");
    check_error(wx(emu.post("/wxaapi/newtmpl/addtemplate?access_token=" + token, "")), 44002, "empty post data");
    check_error(wx(emu.post("/wxaapi/newtmpl/addtemplate?access_token=" + token, "{")), 47001, "data format error");
    CHECK(call(emu, "GET", "gettemplate", token)["data"].size() == 2);
    // Two fixture templates plus 23 added: the 26th is refused.
    for (int i = 0; i < 23; ++i) CHECK(add({{"tid", 2447}, {"kidList", {1, 2}}})["errcode"] == 0);
    check_error(add({{"tid", 2447}, {"kidList", {1, 2}}}), 200012, "template count reach limit");
    CHECK(call(emu, "GET", "gettemplate", token)["data"].size() == 25);
    check_error(wx(emu.get("/wxaapi/newtmpl/addtemplate?access_token=" + token)), 43002, "require POST method");
    check_error(wx(emu.get("/wxaapi/newtmpl/nope?access_token=" + token)), 48001,
                "api unauthorized: mpemu does not emulate GET /wxaapi/newtmpl/nope (GET /__admin/operations lists what "
                "it does)");
}
