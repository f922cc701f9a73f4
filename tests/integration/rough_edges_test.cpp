// The rough edges a new user hit (issue 19), each pinned: bodiless POSTs, admin calls in the journal, and the
// scenario runner's templated keys, default headers, arithmetic, non-emulator targets, invalid files among
// valid ones, pretty bodies and JSONPath suggestions.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>

#include <catch2/catch.hpp>

#include "core/json.hpp"
#include "core/text.hpp"
#include "tests/support/emulator_process.hpp"

using namespace mpemu;
using namespace mpemu::testing;

namespace {

// Sends raw bytes to 127.0.0.1:port and returns everything read until the server closes or 5 s pass.
std::string raw_exchange(int port, const std::string& bytes) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::send(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size()));
    std::string out;
    char buf[4096];
    while (true) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
        if (out.find("\r\n\r\n") != std::string::npos) {
            // Enough once the whole body of a Content-Length reply is in.
            auto head_end = out.find("\r\n\r\n");
            auto cl = core::to_lower(out.substr(0, head_end)).find("content-length: ");
            if (cl != std::string::npos) {
                size_t len = std::stoul(out.substr(cl + 16));
                if (out.size() >= head_end + 4 + len) break;
            }
        }
    }
    ::close(fd);
    return out;
}

CommandResult run_in(const std::string& dir, std::vector<std::string> args) {
    args.insert(args.begin(), {MPEMU_BINARY, "run"});
    return run_command(args, {}, std::chrono::seconds(60), {{"NO_COLOR", "1"}}, dir);
}

}  // namespace

TEST_CASE("a POST with neither body nor Content-Length is answered on admin and mimic routes", "[server][admin]") {
    EmulatorProcess emu;
    // curl -X POST URL/__admin/reset sends exactly this.
    std::string reset =
        raw_exchange(emu.port(), "POST /__admin/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    INFO(reset);
    CHECK(reset.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(reset.find("malformed") == std::string::npos);
    // A mimic route: the backend refuses the missing login code in its own protocol, not as a malformed request.
    std::string login =
        raw_exchange(emu.port(), "POST /api/login/wechat HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    INFO(login);
    CHECK(login.find("malformed HTTP request") == std::string::npos);
    CHECK(login.rfind("HTTP/1.1 4", 0) == 0);
    CHECK(login.find("application/problem+json") != std::string::npos);
    // Both reached the journal.
    auto admin = emu.admin("GET", "/__admin/requests?group=admin");
    bool reset_seen = false;
    for (const auto& e : admin["requests"]) reset_seen = reset_seen || e["target"] == "/__admin/reset";
    CHECK(reset_seen);
    auto backend = emu.admin("GET", "/__admin/requests?path=/api/login/wechat");
    CHECK(backend["requests"].size() == 1);
}

TEST_CASE("admin calls are journaled under group admin and filtered out by default", "[admin][journal]") {
    EmulatorProcess emu;
    emu.admin("POST", "/__admin/reset");
    emu.admin("POST", "/__admin/wechat/login-codes",
              core::Json{{"appid", "wx8f3b6c2a1d4e5f60"}, {"openid", "odcwjOoGUI01iEFT059hgovC9JPn"}});
    emu.get("/cgi-bin/token?grant_type=client_credential&appid=wx8f3b6c2a1d4e5f60&secret=x");

    auto plain = emu.admin("GET", "/__admin/requests");
    REQUIRE(plain["requests"].size() == 1);  // only the provider call; reads of the journal are never recorded
    CHECK(plain["requests"][0]["group"] == "wechat");

    for (const char* q : {"/__admin/requests?group=admin", "/__admin/requests?service=admin"}) {
        INFO(q);
        auto admin = emu.admin("GET", q);
        REQUIRE(admin["requests"].size() == 2);
        CHECK(admin["requests"][0]["target"] == "/__admin/reset");
        CHECK(admin["requests"][1]["operation_id"] == "admin.wechat.login_codes.create");
        for (const auto& e : admin["requests"]) CHECK(e["group"] == "admin");
    }
    auto all = emu.admin("GET", "/__admin/requests?admin=true");
    CHECK(all["requests"].size() == 3);
}

TEST_CASE("run: templates in assertion and capture keys, and scenario default headers", "[scenario][run]") {
    EmulatorProcess emu;
    std::string dir = temp_dir();
    REQUIRE(core::write_file(dir + "/s.json", R"json({
  "name": "templates where the README promises them",
  "fixtures": "default",
  "headers": {"Authorization": "Bearer {{token}}", "X-Shop": "tea"},
  "vars": {"appid": "wx8f3b6c2a1d4e5f60", "openid": "odcwjOoGUI01iEFT059hgovC9JPn", "first": 0},
  "steps": [
    {"name": "code", "admin": "login_code", "body": {"appid": "{{appid}}", "openid": "{{openid}}"}, "capture": {"code": "$.code"}},
    {"name": "log in (before the token exists: no Authorization)", "request": {"url": "/api/login/wechat", "json": {"code": "{{code}}"}},
     "capture": {"token": "$.token"}, "assert": {
        "status" : 200}
},
    {"name": "me, with the default Authorization", "request": {"url": "/api/me"},
     "assert": {"status": 200, "jsonpath": {"$.id": "wechat:{{openid}}"}}},
    {"name": "products", "request": {"url": "/api/products"},
     "capture": {"second_id": "$.items[{{add(first, 1)}}].id"},
     "assert": {"status": 200,
                "jsonpath": {"$.items[?(@.id == {{second_id}})].id": "{{second_id}}",
                             "$.items[{{first}}].id": {"type": "integer"}}}},
    {"name": "the journal saw the default headers", "admin": "requests",
     "query": {"path": "/api/me", "bodies": "true"},
     "assert": {"jsonpath": {
       "$.requests[0].request.headers[?(@.name == 'Authorization')].value": "Bearer {{token}}",
       "$.requests[0].request.headers[?(@.name == 'X-Shop')].value": "tea"}}}
  ]
})json"));
    auto r = run_in(dir, {"s.json", "--target", emu.url(), "-v"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    // The login step went without the Authorization its token was not defined for yet.
    auto login = emu.admin("GET", "/__admin/requests?path=/api/login/wechat&bodies=true");
    REQUIRE(login["requests"].size() == 1);
    std::map<std::string, std::string> sent;
    for (const auto& h : login["requests"][0]["request"]["headers"]) sent[h["name"]] = h["value"];
    CHECK(sent.count("Authorization") == 0);
    CHECK(sent["X-Shop"] == "tea");
}

TEST_CASE("run: a reset sent to a backend that is no emulator asks whether --emulator is missing", "[scenario][run]") {
    HttpSink backend;
    backend.script({}, HttpSink::Reply{404, "<html><body>Cannot GET /__admin/fixtures</body></html>", "text/html"});
    std::string dir = temp_dir();
    REQUIRE(core::write_file(dir + "/s.json", R"json({"name": "needs a reset", "fixtures": "default",
      "steps": [{"name": "home", "request": {"url": "/"}, "assert": {"status": 404}}]})json"));
    std::string url = backend.url("");
    auto r = run_in(dir, {"s.json", "--target", url});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.out.find("is --emulator missing?") != std::string::npos);
    CHECK(r.out.find("answered 404 to GET /__admin/fixtures") != std::string::npos);
}

TEST_CASE("run: an invalid file in a folder is reported and the valid ones still run", "[scenario][run]") {
    EmulatorProcess emu;
    std::string dir = temp_dir();
    REQUIRE(core::write_file(dir + "/a_valid.json",
                             R"json({"name": "valid", "steps": [{"name": "health", "admin": "health"}]})json"));
    REQUIRE(core::write_file(dir + "/b_broken.json",
                             R"json({"name": "broken", "steps": [{"name": "x", "admni": "health"}]})json"));
    auto r = run_in(dir, {".", "--target", emu.url()});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("b_broken.json:1:") != std::string::npos);
    CHECK(r.err.find("running the 1 valid file") != std::string::npos);
    CHECK(r.out.find("PASS a_valid.json") != std::string::npos);
    CHECK(r.out.find("1 passed, 0 failed") != std::string::npos);
}

TEST_CASE("run: a failure shows the JSON body indented and the nearest JSONPath", "[scenario][run]") {
    EmulatorProcess emu;
    std::string dir = temp_dir();
    REQUIRE(core::write_file(dir + "/a.json", R"json({"name": "typo", "steps": [
      {"name": "products", "request": {"url": "/api/products"}, "assert": {"jsonpath": {"$.totl": 7}}}]})json"));
    REQUIRE(core::write_file(dir + "/b.json", R"json({"name": "capture typo", "steps": [
      {"name": "capture", "request": {"url": "/api/products"}, "capture": {"n": "$.itmes[0].id"}}]})json"));
    auto r = run_in(dir, {".", "--target", emu.url()});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("$.totl matched nothing; did you mean $.total?") != std::string::npos);
    CHECK(r.out.find("$.itmes[0].id matched nothing; did you mean $.items[0].id?") != std::string::npos);
    // The reply, one member per line.
    CHECK(r.out.find("\"items\": [\n") != std::string::npos);
}
