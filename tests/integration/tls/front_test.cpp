// `serve --tls` and `serve --proxy` with curl as the client, on loopback ports: interception at the real
// hostnames, tunnels to other hosts, refusals of bad input, and the journal's transport and host.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>
#include <thread>

#include "core/http_client.hpp"
#include "core/text.hpp"

#include "tests/support/emulator_process.hpp"

using namespace mpemu;
using namespace mpemu::testing;

namespace {

constexpr const char* kAppid = "wx8f3b6c2a1d4e5f60";
constexpr const char* kSecret = "409fba12ba68f46d2c43ff6c2477a632";
constexpr const char* kOpenid = "obO5FeYx9pM5gNfdKwkEJ3PEVVIP";

bool have_curl() {
    return run_command({"sh", "-c", "command -v curl"}).exit_code == 0;
}

struct Front {
    std::string ca_dir = temp_dir() + "/ca";
    std::unique_ptr<EmulatorProcess> emu;
    int tls_port = 0;

    explicit Front(std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"--tls", "--tls-port", "0", "--proxy", "--ca-dir", ca_dir};
        args.insert(args.end(), extra.begin(), extra.end());
        emu = std::make_unique<EmulatorProcess>(args);
        auto line = emu->process().read_line(std::chrono::seconds(10));
        REQUIRE(line);
        REQUIRE(line->rfind("mpemu tls listening on https://", 0) == 0);
        auto colon = line->find(':', std::string("mpemu tls listening on https://").size());
        tls_port = std::stoi(line->substr(colon + 1));
    }
    std::string ca() const { return ca_dir + "/ca.pem"; }
    std::string proxy() const { return emu->url(); }
    std::string login_code() {
        return emu->admin("POST", "/__admin/wechat/login-codes", {{"appid", kAppid}, {"openid", kOpenid}})["code"];
    }
    std::string session_path(const std::string& code) {
        return std::string("/sns/jscode2session?appid=") + kAppid + "&secret=" + kSecret + "&js_code=" + code +
               "&grant_type=authorization_code";
    }
    core::Json last_entry() {
        auto j = emu->admin("GET", "/__admin/requests?limit=1");
        REQUIRE(j["requests"].size() == 1);
        return j["requests"][0];
    }
};

CommandResult curl(std::vector<std::string> args) {
    std::vector<std::string> argv = {"curl", "-sS", "--max-time", "20", "--noproxy", ""};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {}, std::chrono::seconds(30), {{"HTTPS_PROXY", ""}, {"https_proxy", ""}});
}

// Sends raw bytes to a loopback port and returns what comes back until the peer closes or, with
// `until`, until that text arrived (bounded).
std::string raw_exchange(int port, const std::string& bytes, const std::string& until = {}) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
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
    for (ssize_t n;
         (until.empty() || out.find(until) == std::string::npos) && (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
        out.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return out;
}

}  // namespace

TEST_CASE("tls: curl --resolve reaches api.weixin.qq.com over TLS and the journal says so", "[tls]") {
    if (!have_curl()) SUCCEED("MPEMU-SKIPPED: curl is not installed");
    if (!have_curl()) return;
    Front f;
    std::string port = std::to_string(f.tls_port);
    auto r = curl({"--cacert", f.ca(), "--resolve", "api.weixin.qq.com:" + port + ":127.0.0.1",
                   "https://api.weixin.qq.com:" + port + f.session_path(f.login_code())});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find(kOpenid) != std::string::npos);
    auto e = f.last_entry();
    CHECK(e["transport"] == "tls");
    CHECK(e["host"] == "api.weixin.qq.com:" + port);
    CHECK(e["operation_id"] != core::Json(""));  // not .empty(): false for every Json string
    CHECK(e["remote_addr"] == "127.0.0.1");
}

TEST_CASE("proxy: curl --proxy reaches the providers' hostnames through CONNECT", "[proxy]") {
    if (!have_curl()) return;
    Front f;
    auto r =
        curl({"--cacert", f.ca(), "--proxy", f.proxy(), "https://api.weixin.qq.com" + f.session_path(f.login_code())});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find(kOpenid) != std::string::npos);
    auto e = f.last_entry();
    CHECK(e["transport"] == "proxy");
    CHECK(e["host"] == "api.weixin.qq.com");
    // HTTP/1.0 CONNECT (Python's urllib) works too: the reply mirrors the version.
    auto raw = raw_exchange(std::stoi(f.proxy().substr(f.proxy().rfind(':') + 1)),
                            "CONNECT openapi.alipay.com:443 HTTP/1.0\r\n\r\n", "\r\n\r\n");
    CHECK(raw.rfind("HTTP/1.0 200 Connection established\r\n\r\n", 0) == 0);
}

TEST_CASE("proxy: plain HTTP on the proxy port is unchanged, with the real client address", "[proxy]") {
    Front f;
    auto res = f.emu->get("/__admin/health");
    CHECK(res.status == 200);
    auto res2 = f.emu->get("/sns/jscode2session?appid=x");
    CHECK(res2.status == 200);
    auto e = f.last_entry();
    CHECK(e["transport"] == "plain");
    CHECK(e["remote_addr"] == "127.0.0.1");
}

TEST_CASE("proxy: other hosts are tunnelled unchanged, not intercepted", "[proxy]") {
    if (!have_curl()) return;
    Front f;
    HttpSink sink;
    sink.script({}, {200, "from the sink", "text/plain"});
    auto r = curl({"--proxy", f.proxy(), "--proxytunnel", sink.url("/hello")});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "from the sink");
    auto got = sink.wait_for(1);
    CHECK(got[0].target == "/hello");
    auto e = f.last_entry();
    CHECK(e["method"] == "CONNECT");
    CHECK(e["operation_id"] == "proxy.tunnel");
}

TEST_CASE("proxy: --proxy-only-providers refuses tunnels with 403", "[proxy]") {
    if (!have_curl()) return;
    Front f({"--proxy-only-providers"});
    HttpSink sink;
    auto r = curl({"--proxy", f.proxy(), "--proxytunnel", "-o", "/dev/null", sink.url("/hello")});
    CHECK(r.exit_code != 0);
    CHECK(sink.received().empty());
    auto e = f.last_entry();
    CHECK(e["operation_id"] == "proxy.refused");
    CHECK(e["status"] == 403);
}

TEST_CASE("proxy: malformed CONNECT and a wrong port for a provider are refused and journalled", "[proxy]") {
    Front f;
    int port = std::stoi(f.proxy().substr(f.proxy().rfind(':') + 1));
    auto bad = raw_exchange(port, "CONNECT api.weixin.qq.com HTTP/1.1\r\n\r\n");
    CHECK(bad.rfind("HTTP/1.1 400 ", 0) == 0);
    CHECK(bad.find("host:port") != std::string::npos);
    CHECK(f.last_entry()["status"] == 400);
    auto wrong = raw_exchange(port, "CONNECT api.mch.weixin.qq.com:8443 HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(wrong.rfind("HTTP/1.1 403 ", 0) == 0);
    auto e = f.last_entry();
    CHECK(e["status"] == 403);
    CHECK(e["target"] == "api.mch.weixin.qq.com:8443");
}

TEST_CASE("tls: an SNI the certificate does not cover gets a TLS alert, and a stalled handshake holds no one",
          "[tls]") {
    if (!have_curl()) return;
    Front f;
    std::string port = std::to_string(f.tls_port);
    // A client that connects and never says hello: others are still served meanwhile.
    int stalled = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(f.tls_port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(stalled, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);

    auto r = curl({"--cacert", f.ca(), "--resolve", "evil.example.com:" + port + ":127.0.0.1",
                   "https://evil.example.com:" + port + "/sns/jscode2session"});
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("unrecognized name") != std::string::npos);  // the unrecognized_name alert
    auto e = f.last_entry();
    CHECK(e["operation_id"] == "tls.handshake_failed");
    CHECK(e["transport"] == "tls");
    CHECK(e["host"] == "evil.example.com");

    auto ok = curl({"--cacert", f.ca(), "--resolve", "openapi.alipay.com:" + port + ":127.0.0.1",
                    "https://openapi.alipay.com:" + port + "/__admin/health"});
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.find("\"ok\"") != std::string::npos);
    ::close(stalled);
}

TEST_CASE("tls: mpemu tls init creates a CA once, refuses to overwrite, and --force replaces it", "[tls]") {
    std::string dir = temp_dir() + "/ca";
    auto first = run_command({MPEMU_BINARY, "tls", "init", "--ca-dir", dir});
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    CHECK(first.out.find(dir + "/ca.pem") != std::string::npos);
    CHECK(first.out.find("NODE_EXTRA_CA_CERTS") != std::string::npos);
    auto second = run_command({MPEMU_BINARY, "tls", "init", "--ca-dir", dir});
    CHECK(second.exit_code == 1);
    CHECK(second.err.find("--force") != std::string::npos);
    CHECK(run_command({MPEMU_BINARY, "tls", "init", "--ca-dir", dir, "--force"}).exit_code == 0);
}

namespace {

// "mpemu wechatpay on http://127.0.0.1:P https://127.0.0.1:Q" lines after the first: service -> (P, Q).
std::map<std::string, std::pair<int, int>> read_service_ports(EmulatorProcess& emu, size_t services) {
    std::map<std::string, std::pair<int, int>> out;
    while (out.size() < services) {
        auto line = emu.process().read_line(std::chrono::seconds(10));
        REQUIRE(line);
        if (line->rfind("mpemu ", 0) != 0) continue;
        std::string service = line->substr(6, line->find(' ', 6) - 6);
        if (line->compare(6 + service.size(), 9, " on http:") != 0) continue;  // not "mpemu tls listening on"
        auto port_after = [&](const std::string& scheme) {
            size_t at = line->find(scheme + "://");
            if (at == std::string::npos) return 0;
            return std::stoi(line->substr(line->find(':', at + scheme.size() + 3) + 1));
        };
        out[service] = {port_after("http"), port_after("https")};
    }
    return out;
}

core::HttpResponse plain_call(int port, const std::string& method, const std::string& target,
                              const std::string& body = {}, const std::string& content_type = {}) {
    core::HttpClient client;
    core::HttpRequest req;
    req.method = method;
    req.url = "http://127.0.0.1:" + std::to_string(port) + target;
    req.body = body;
    if (!content_type.empty()) req.headers.emplace_back("Content-Type", content_type);
    auto r = client.send(req);
    REQUIRE(r);
    return *r;
}

core::HttpResponse plain_get(int port, const std::string& target) {
    return plain_call(port, "GET", target);
}

// A copy of fixtures/default with a "ports" block.
std::string fixtures_with_ports(const core::Json& ports) {
    std::string dir = temp_dir() + "/fixtures";
    REQUIRE(run_command({"cp", "-r", default_fixtures_dir(), dir}).exit_code == 0);
    auto text = core::read_file(dir + "/fixture.json");
    REQUIRE(text);
    auto doc = core::Json::parse(*text);
    doc["ports"] = ports;
    REQUIRE(core::write_file(dir + "/fixture.json", doc.dump(2)));
    return dir;
}

}  // namespace

TEST_CASE("ports: --port-per-service serves each service on its own plain and TLS port, and only it", "[tls][ports]") {
    std::string ca_dir = temp_dir() + "/ca";
    EmulatorProcess emu({"--port-per-service", "--tls", "--tls-port", "0", "--ca-dir", ca_dir});
    auto ports = read_service_ports(emu, 4);
    for (const char* s : {"wechat", "wechatpay", "alipay", "backend"}) {
        INFO(s);
        REQUIRE(ports.count(s) == 1);
        CHECK(ports[s].first > 0);
        CHECK(ports[s].second > 0);
    }
    auto health = emu.admin("GET", "/__admin/health");
    CHECK(health["ports"]["wechatpay"]["http"] == ports["wechatpay"].first);
    CHECK(health["ports"]["alipay"]["https"] == ports["alipay"].second);

    // The service's own routes work on its port, with the real client address in the journal.
    std::string code =
        emu.admin("POST", "/__admin/wechat/login-codes", {{"appid", kAppid}, {"openid", kOpenid}})["code"];
    std::string session = std::string("/sns/jscode2session?appid=") + kAppid + "&secret=" + kSecret +
                          "&js_code=" + code + "&grant_type=authorization_code";
    auto ok = plain_get(ports["wechat"].first, session);
    CHECK(ok.status == 200);
    CHECK(ok.body.find(kOpenid) != std::string::npos);
    auto last = emu.admin("GET", "/__admin/requests?limit=1")["requests"][0];
    CHECK(last["transport"] == "plain");
    CHECK(last["remote_addr"] == "127.0.0.1");
    CHECK(last["group"] == "wechat");

    // Another service's path is refused in the protocol of the port's service, and changes nothing.
    auto other = plain_get(ports["wechatpay"].first, session);
    CHECK(other.status == 404);
    CHECK(core::Json::parse(other.body)["code"] == "NOT_FOUND");  // WeChat Pay v3's error shape
    auto admin = plain_get(ports["wechat"].first, "/__admin/health");
    CHECK(admin.status == 200);                                        // WeChat answers errors with 200
    CHECK(core::Json::parse(admin.body)["errcode"] != core::Json(0));  // ... and an errcode
    // v2 paths belong to WeChat Pay too.
    auto v2 = plain_call(ports["wechatpay"].first, "POST", "/pay/orderquery", "<xml></xml>", "text/xml");
    CHECK(v2.body.find("<return_code>") != std::string::npos);

    // TLS on the service's port, reached as 127.0.0.1 (the certificate names it).
    if (have_curl()) {
        std::string code2 =
            emu.admin("POST", "/__admin/wechat/login-codes", {{"appid", kAppid}, {"openid", kOpenid}})["code"];
        std::string session2 = std::string("/sns/jscode2session?appid=") + kAppid + "&secret=" + kSecret +
                               "&js_code=" + code2 + "&grant_type=authorization_code";
        auto r = curl(
            {"--cacert", ca_dir + "/ca.pem", "https://127.0.0.1:" + std::to_string(ports["wechat"].second) + session2});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(r.out.find(kOpenid) != std::string::npos);
        auto e = emu.admin("GET", "/__admin/requests?limit=1")["requests"][0];
        CHECK(e["transport"] == "tls");
        auto https_local = curl({"--cacert", ca_dir + "/ca.pem", "-o", "/dev/null", "-w", "%{http_code}",
                                 "https://localhost:" + std::to_string(ports["alipay"].second) + "/gateway.do"});
        CHECK(https_local.exit_code == 0);
        CHECK(https_local.out == "200");  // Alipay's gateway answers its errors with 200
    }
}

TEST_CASE("ports: a fixture's ports block picks the services and ports, and a port used twice is refused",
          "[tls][ports]") {
    std::string dir = fixtures_with_ports({{"alipay", {{"http", 0}}}});
    EmulatorProcess emu({}, dir);
    auto ports = read_service_ports(emu, 1);
    REQUIRE(ports.count("alipay") == 1);
    CHECK(ports["alipay"].second == 0);  // no https asked for
    auto r = plain_call(ports["alipay"].first, "POST", "/gateway.do", "method=alipay.trade.query",
                        "application/x-www-form-urlencoded");
    CHECK(r.status == 200);
    CHECK(r.body.find("alipay_trade_query_response") != std::string::npos);
    auto health = emu.admin("GET", "/__admin/health");
    CHECK(health["ports"].size() == 1);

    std::string twice =
        fixtures_with_ports({{"wechat", {{"http", 18788}}}, {"alipay", {{"http", 18790}, {"https", 18788}}}});
    auto refused = run_command({MPEMU_BINARY, "serve", "--port", "0", "--fixtures", twice});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("fixture.json:") != std::string::npos);
    CHECK(refused.err.find("port 18788 is already taken by /ports/") != std::string::npos);
    std::string unknown = fixtures_with_ports({{"wechat", {{"htp", 1}}}});
    refused = run_command({MPEMU_BINARY, "serve", "--port", "0", "--fixtures", unknown});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("htp") != std::string::npos);
}
