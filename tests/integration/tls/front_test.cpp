// `serve --tls` and `serve --proxy` with curl as the client, on loopback ports: interception at the real
// hostnames, tunnels to other hosts, refusals of bad input, and the journal's transport and host.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

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
