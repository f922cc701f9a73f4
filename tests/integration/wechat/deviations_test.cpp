// The deviations a real shop backend found (issue 13): POST /cgi-bin/token, subscribe pages with a leading
// slash, 40001 for tokens the server cannot find (40014 only for unparseable ones) and journal names for
// requests that match no operation.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/integration/wechat/wechat_helpers.hpp"

using namespace wxtest;

namespace {

// Sends raw bytes to the emulator and reads until `until` arrived or the peer closed (bounded by 10 s).
std::string raw_exchange(int port, const std::string& bytes, const std::string& until) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    std::string out;
    char buf[4096];
    for (ssize_t n; out.find(until) == std::string::npos && (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
}

// 0 when the token is accepted, else the errcode (checksession: 87009 means the token passed).
int token_status(EmulatorProcess& emu, const std::string& token) {
    auto j = wx(emu.get("/wxa/checksession?access_token=" + mpemu::core::url_encode(token) + "&openid=" + kOpenid +
                        "&signature=00&sig_method=hmac_sha256"));
    int code = j["errcode"].get<int>();
    return code == 87009 ? 0 : code;
}

const std::string kTokenQuery = "/cgi-bin/token?grant_type=client_credential&appid=" + kAppid + "&secret=" + kSecret;

}  // namespace

TEST_CASE("wechat: POST /cgi-bin/token with the query parameters is served like GET", "[wechat][token]") {
    EmulatorProcess emu;
    freeze(emu);
    // Empty body.
    auto j = wx(emu.post(kTokenQuery, ""));
    REQUIRE(j.contains("access_token"));
    CHECK(j["expires_in"] == 7200);
    CHECK_FALSE(j.contains("errcode"));
    std::string t1 = j["access_token"];
    CHECK(token_status(emu, t1) == 0);
    // A body is not read: the query string decides.
    auto j2 = wx(emu.post(kTokenQuery, R"({"appid":"wx0000000000000000"})", {{"Content-Type", "application/json"}}));
    REQUIRE(j2.contains("access_token"));
    CHECK(token_status(emu, j2["access_token"]) == 0);
    // It rotates like GET: the first token is superseded.
    advance(emu, "5m");
    CHECK(token_status(emu, t1) == 40001);
    // No Content-Length at all (curl -X POST, some PHP clients): an empty body, answered at once.
    std::string reply = raw_exchange(emu.port(), "POST " + kTokenQuery + " HTTP/1.1\r\nHost: api.weixin.qq.com\r\n\r\n",
                                     "\"expires_in\":7200}");
    INFO(reply);
    CHECK(reply.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(reply.find("{\"access_token\":\"") != std::string::npos);
    // Errors come from the query string as with GET.
    check_error(wx(emu.post("/cgi-bin/token?grant_type=client_credential&secret=" + kSecret, "")), 41002,
                "appid missing");
    check_error(wx(emu.post("/cgi-bin/token?grant_type=client_credential&appid=" + kAppid + "&secret=" + kSecret2, "")),
                40125, "invalid appsecret");
    CHECK(last_request(emu)["operation_id"] == "wechat.auth.token");
}

TEST_CASE("wechat: stable_token is unaffected by the POST /cgi-bin/token rule", "[wechat][token]") {
    EmulatorProcess emu;
    // Query parameters are not read: the JSON body is required.
    check_error(
        wx(emu.post("/cgi-bin/stable_token?grant_type=client_credential&appid=" + kAppid + "&secret=" + kSecret, "")),
        44002, "empty post data");
    check_error(
        wx(emu.get("/cgi-bin/stable_token?grant_type=client_credential&appid=" + kAppid + "&secret=" + kSecret)), 43002,
        "require POST method");
    // Other verbs on /cgi-bin/token are still refused.
    check_error(wx(emu.request("PUT", kTokenQuery, "")), 43001, "require GET method");
}

TEST_CASE("wechat: subscribe/send takes a page with a leading slash and a query", "[wechat][subscribe]") {
    // The fixture spells one page with a leading slash: both spellings name the same page.
    auto dir = fixtures_with([](Json& f) {
        f["wechat"]["apps"][0]["pages"] = Json::array({"/pages/index/index", "pages/order/detail"});
    });
    EmulatorProcess emu({}, dir);
    auto token = access_token(emu);
    Json msg = {{"touser", kOpenid}, {"template_id", kTemplate}, {"data", {{"thing2", {{"value", "已发货"}}}}}};
    auto send = [&](const std::string& page) {
        Json m = msg;
        m["page"] = page;
        return wx(emu.post("/cgi-bin/message/subscribe/send?access_token=" + token, m.dump()));
    };
    CHECK(send("/pages/order/detail?id=42&from=msg")["errcode"] == 0);
    CHECK(send("pages/index/index")["errcode"] == 0);
    CHECK(send("/pages/index/index?x=1")["errcode"] == 0);
    check_error(send("/pages/nope/index"), 41030, "invalid page");
    check_error(send("/"), 41030, "invalid page");
    check_error(send("/?id=1"), 41030, "invalid page");
    auto list = emu.admin("GET", "/__admin/wechat/messages")["messages"];
    REQUIRE(list.size() == 3);
    CHECK(list[0]["page"] == "/pages/order/detail?id=42&from=msg");  // stored as sent
    // getwxacodeunlimit keeps its own rule (no leading slash), but checks against the normalized pages.
    auto r = emu.post("/wxa/getwxacodeunlimit?access_token=" + token,
                      Json{{"scene", "a"}, {"page", "pages/index/index"}}.dump());
    CHECK(r.status == 200);
    REQUIRE(r.header("Content-Type"));
    CHECK(*r.header("Content-Type") == "image/png");
}

TEST_CASE("wechat: tokens the server cannot find get 40001, unparseable ones 40014", "[wechat][token]") {
    EmulatorProcess emu;
    freeze(emu);
    // The docs' placeholder, a token never issued, one of another emulator run's shape.
    CHECK(token_status(emu, "ACCESS_TOKEN") == 40001);
    CHECK(token_status(emu, "86_notatokenthisemulatorissued") == 40001);
    CHECK(token_status(emu, "x") == 40001);
    // Superseded past the overlap.
    std::string old = access_token(emu);
    access_token(emu);
    advance(emu, "5m");
    CHECK(token_status(emu, old) == 40001);
    // Revoked by a stable_token force refresh.
    auto stable = [&](bool force) {
        return wx(emu.post(
            "/cgi-bin/stable_token",
            Json{{"grant_type", "client_credential"}, {"appid", kAppid}, {"secret", kSecret}, {"force_refresh", force}}
                .dump()))["access_token"]
            .get<std::string>();
    };
    std::string s1 = stable(false);
    stable(true);
    CHECK(token_status(emu, s1) == 40001);
    // Exact text, with the rid suffix.
    check_error(wx(emu.get("/wxa/checksession?access_token=ACCESS_TOKEN")), 40001, kInvalidCredential);
    // Characters outside [A-Za-z0-9_-], or longer than 512: WeChat cannot parse it.
    CHECK(token_status(emu, "86_abc.def") == 40014);
    CHECK(token_status(emu, "86_abc def") == 40014);
    CHECK(token_status(emu, "86_abc+/=") == 40014);
    CHECK(token_status(emu, "ACCESS_TOKEN\xe4\xb8\xad") == 40014);
    CHECK(token_status(emu, std::string(513, 'a')) == 40014);
    check_error(wx(emu.get("/wxa/checksession?access_token=86_abc.def")), 40014, "invalid access_token");
}

TEST_CASE("wechat: fault rules reach 40001 and 40014 on any token-checked operation", "[wechat][faults]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    for (const auto& [code, text] : std::vector<std::pair<int, std::string>>{{40001, kInvalidCredential + " rid: 0"},
                                                                             {40014, "invalid access_token rid: 0"}}) {
        emu.admin("POST", "/__admin/faults",
                  {{"match", {{"operation", "wechat.subscribe.send"}}},
                   {"response",
                    {{"status", 200},
                     {"headers", {{"Content-Type", "application/json; encoding=utf-8"}}},
                     {"body", {{"errcode", code}, {"errmsg", text}}}}},
                   {"times", 1}});
        auto j = wx(emu.post("/cgi-bin/message/subscribe/send?access_token=" + token, "{}"));
        CHECK(j["errcode"] == code);
        CHECK(j["errmsg"] == text);
    }
    // The rules were used up: the valid token works again (the empty message fails on its own merits).
    CHECK(wx(emu.post("/cgi-bin/message/subscribe/send?access_token=" + token, "{}"))["errcode"] == 40003);
}

TEST_CASE("wechat: requests that match no operation are journalled as wechat.not_emulated", "[wechat][journal]") {
    EmulatorProcess emu;
    auto j = wx(emu.get("/cgi-bin/menu/get?access_token=ACCESS_TOKEN"));
    CHECK(j["errcode"] == 48001);
    auto e = last_request(emu);
    CHECK(e["group"] == "wechat");
    CHECK(e["operation_id"] == "wechat.not_emulated");
    // A known path with a method it does not take.
    wx(emu.get("/cgi-bin/stable_token"));
    CHECK(last_request(emu)["operation_id"] == "wechat.not_emulated");
    // The journal filter finds them by that name.
    auto found = emu.admin("GET", "/__admin/requests?operation=wechat.not_emulated")["requests"];
    CHECK(found.size() == 2);
    // Emulated operations keep their own names.
    access_token(emu);
    CHECK(last_request(emu)["operation_id"] == "wechat.auth.token");
}
