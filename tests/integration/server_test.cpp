// The server core under slow and hostile clients (issue 15): slow connections cannot starve others, a head
// dribbled a byte at a time is cut at its deadline, bad heads are refused at once with 400/414/431 in the
// protocol of the service the path names, the body limit holds for chunked bodies, large Alipay forms and
// multipart bodies reach the provider whole, and a graceful stop cuts what outlasts --drain-timeout.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "tests/integration/alipay/client.hpp"
#include "tests/support/emulator_process.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using core::Json;
using Clock = std::chrono::steady_clock;

namespace {

// A raw loopback connection, for what no well-behaved client sends.
class Raw {
public:
    explicit Raw(int port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    }
    ~Raw() {
        if (fd_ >= 0) ::close(fd_);
    }
    Raw(const Raw&) = delete;
    Raw& operator=(const Raw&) = delete;

    bool send(const std::string& bytes) { return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) >= 0; }
    // Everything until the server closes the connection or `limit` passes.
    std::string read_all(std::chrono::milliseconds limit = std::chrono::seconds(10)) {
        std::string out;
        auto until = Clock::now() + limit;
        char buf[8192];
        while (Clock::now() < until) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) {
                closed_ = true;
                break;
            }
            out.append(buf, static_cast<size_t>(n));
        }
        return out;
    }
    bool closed() const { return closed_; }

private:
    int fd_ = -1;
    bool closed_ = false;
};

int status_of(const std::string& reply) {
    if (reply.rfind("HTTP/1.1 ", 0) != 0) return 0;
    return std::stoi(reply.substr(9, 3));
}

std::string body_of(const std::string& reply) {
    size_t at = reply.find("\r\n\r\n");
    return at == std::string::npos ? "" : reply.substr(at + 4);
}

}  // namespace

TEST_CASE("server: bad heads are refused at once with 400, 414 or 431 in the path's protocol", "[server]") {
    // A long read timeout: an answer that waited it out would fail the time bound below.
    EmulatorProcess emu({"--read-timeout-ms", "20000", "--head-timeout-ms", "30000"});
    struct Case {
        const char* what;
        std::string bytes;
        int status;
        const char* format;  // a text the provider's error body carries
    };
    std::vector<Case> cases = {
        {"bare LF, WeChat Pay path", "GET /v3/pay/transactions/id/1?mchid=1 HTTP/1.1\nHost: x\n\n", 400, "\"code\""},
        {"bare LF in a header, admin path", "GET /__admin/health HTTP/1.1\r\nHost: x\n\r\n", 400, "\"error\""},
        {"malformed request line, Alipay path", "GET /gateway.do HTTP/1.1 extra\r\n\r\n", 400, "error_response"},
        {"target over 8 KiB, WeChat path", "GET /sns/jscode2session?x=" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n",
         414, "errcode"},
        {"headers over 64 KiB, WeChat Pay path",
         "GET /v3/certificates HTTP/1.1\r\n" + std::string(size_t{70} * 1024, 'X') + ": y\r\n\r\n", 431, "\"code\""},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        Raw raw(emu.port());
        auto started = Clock::now();
        REQUIRE(raw.send(c.bytes));
        std::string reply = raw.read_all(std::chrono::seconds(10));
        CHECK(Clock::now() - started < std::chrono::seconds(8));  // not after the 20 s read timeout
        CHECK(status_of(reply) == c.status);
        CHECK(body_of(reply).find(c.format) != std::string::npos);
        CHECK(raw.closed());
    }
    auto journal = emu.admin("GET", "/__admin/requests?limit=10");
    CHECK(journal["requests"].size() >= 3);  // refusals of provider paths are journalled
    CHECK(emu.admin("GET", "/__admin/health")["status"] == "ok");
}

TEST_CASE("server: a head dribbled a byte at a time is cut at --head-timeout-ms, and others are served meanwhile",
          "[server]") {
    EmulatorProcess emu({"--head-timeout-ms", "1500", "--read-timeout-ms", "5000"});
    Raw slow(emu.port());
    std::thread dribble([&] {
        const std::string head = "GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        for (char ch : head) {
            if (!slow.send(std::string(1, ch))) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(400));
        }
    });
    auto started = Clock::now();
    CHECK(emu.get("/__admin/health").status == 200);
    std::string reply = slow.read_all(std::chrono::seconds(15));
    auto took = Clock::now() - started;
    dribble.join();
    CHECK(slow.closed());
    CHECK(reply.empty());                    // nobody to answer: the head never arrived
    CHECK(took < std::chrono::seconds(10));  // cut near 1.5 s, long before the whole head (20 s)
    CHECK(took >= std::chrono::milliseconds(1000));
}

TEST_CASE("server: more slow clients than --threads used to allow do not starve anyone", "[server]") {
    EmulatorProcess emu({"--head-timeout-ms", "30000", "--read-timeout-ms", "30000"});
    // 100 connections that send half a head and wait: with a fixed pool of 64 the 65th client waited.
    std::vector<std::unique_ptr<Raw>> slow;
    for (int i = 0; i < 100; ++i) {
        slow.push_back(std::make_unique<Raw>(emu.port()));
        slow.back()->send("GET /__admin/health HTTP/1.1\r\nHost: x\r\n");
    }
    std::string code = emu.admin("POST", "/__admin/wechat/login-codes",
                                 {{"appid", "wx8f3b6c2a1d4e5f60"}, {"openid", "obO5FeYx9pM5gNfdKwkEJ3PEVVIP"}})["code"];
    auto r = emu.get(std::string("/sns/jscode2session?appid=wx8f3b6c2a1d4e5f60&secret=409fba12ba68f46d2c43ff6c2477a632"
                                 "&grant_type=authorization_code&js_code=") +
                     code);
    CHECK(r.status == 200);
    CHECK(r.body.find("obO5FeYx9pM5gNfdKwkEJ3PEVVIP") != std::string::npos);
    // The slow ones are still served when they finish.
    slow.front()->send("\r\n");
    CHECK(status_of(slow.front()->read_all(std::chrono::milliseconds(3000))) == 200);
}

TEST_CASE("server: a chunked body over --max-body is refused with 413 at once, in the caller's protocol", "[server]") {
    EmulatorProcess emu({"--max-body", "65536"});
    Raw raw(emu.port());
    REQUIRE(
        raw.send("POST /v3/pay/transactions/jsapi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n"));
    // 16 chunks of 8 KiB = 128 KiB, twice the limit; the server answers without waiting for the end.
    const std::string chunk = "2000\r\n" + std::string(8192, 'a') + "\r\n";
    for (int i = 0; i < 16; ++i) raw.send(chunk);
    std::string reply = raw.read_all(std::chrono::seconds(10));
    CHECK(status_of(reply) == 413);
    CHECK(body_of(reply).find("\"code\"") != std::string::npos);
    // A declared Content-Length over the limit is refused before a byte of the body is read.
    Raw declared(emu.port());
    REQUIRE(
        declared.send("POST /api/cart HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Content-Length: 209715200\r\n\r\n"));
    reply = declared.read_all(std::chrono::seconds(10));
    CHECK(status_of(reply) == 413);
    CHECK(reply.find("application/problem+json") != std::string::npos);
    CHECK(emu.admin("GET", "/__admin/health")["status"] == "ok");
}

TEST_CASE("server: a body slower than --min-body-rate is cut, a body at a normal pace is served", "[server]") {
    EmulatorProcess emu({"--read-timeout-ms", "1000", "--min-body-rate", "1000"});
    Raw raw(emu.port());
    REQUIRE(
        raw.send("POST /api/cart HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 "Content-Length: 100000\r\n\r\n{"));
    auto started = Clock::now();
    std::thread dribble([&] {
        for (int i = 0; i < 40; ++i) {
            if (!raw.send("a")) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
    });
    raw.read_all(std::chrono::seconds(15));
    dribble.join();
    CHECK(raw.closed());
    CHECK(Clock::now() - started < std::chrono::seconds(9));  // 40 bytes in 10 s would be far under 1000 B/s
    auto ok = emu.post("/api/cart", R"({"sku":"A1","qty":1})", {{"Content-Type", "application/json"}});
    CHECK(ok.status < 500);
}

TEST_CASE("server: an Alipay form body over 8 KiB is served, and multipart bodies reach the provider whole",
          "[server][alipay]") {
    EmulatorProcess emu;
    alipay_test::Client client(emu);
    // 17 KB of form, signed: cpp-httplib alone refused form bodies over 8 KiB.
    auto params = client.signed_params("alipay.trade.query", {{"out_trade_no", "no-such-trade"}},
                                       {{"mpemu_padding", std::string(17000, 'p')}});
    auto reply = client.send(params, "alipay.trade.query");
    CHECK(reply.status == 200);
    CHECK(reply.sign_ok);
    CHECK(reply.node_key == "alipay_trade_query_response");
    CHECK(reply.node["sub_code"] == "ACQ.TRADE_NOT_EXIST");

    // The same request as multipart/form-data: the gateway parses the raw body itself.
    const std::string boundary = "mpemuBoundary7MA4YWxkTrZu0gW";
    std::string body;
    for (const auto& [k, v] : params) {
        body.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"");
        body.append(k).append("\"\r\n\r\n").append(v).append("\r\n");
    }
    body += "--" + boundary + "--\r\n";
    auto r = emu.post("/gateway.do", body, {{"Content-Type", "multipart/form-data; boundary=" + boundary}});
    CHECK(r.status == 200);
    auto parsed = client.parse(r, "alipay.trade.query");
    CHECK(parsed.sign_ok);
    CHECK(parsed.node_key == "alipay_trade_query_response");
    CHECK(parsed.node["sub_code"] == "ACQ.TRADE_NOT_EXIST");
}

TEST_CASE("server: a graceful stop waits --drain-timeout for a delayed reply, then cuts it and says so", "[server]") {
    EmulatorProcess emu({"--drain-timeout", "1"});
    emu.admin("POST", "/__admin/faults",
              {{"match", {{"operation", "wechat.auth.code2session"}}}, {"delay_ms", 120000}});
    std::thread caller([&] {
        Raw raw(emu.port());
        raw.send("GET /sns/jscode2session?appid=wx8f3b6c2a1d4e5f60 HTTP/1.1\r\nHost: x\r\n\r\n");
        raw.read_all(std::chrono::seconds(20));
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the request is in its fault delay
    auto started = Clock::now();
    CHECK(emu.stop(std::chrono::seconds(20)) == 0);
    CHECK(Clock::now() - started < std::chrono::seconds(10));  // not the two minutes of the delay
    caller.join();
    CHECK(emu.stderr_text().find("serve.drain_cut") != std::string::npos);
}
