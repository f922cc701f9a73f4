// CONNECT parsing and the proxy's relay policy (never an open relay), and the journal's new fields.
#include "emulator/front.hpp"

#include <catch2/catch.hpp>

using namespace mpemu;
using namespace mpemu::emulator;
using Action = ConnectDecision::Action;

TEST_CASE("proxy: parse_connect accepts HTTP/1.0 and 1.1, IPv6 targets, and reads Proxy-Authorization", "[proxy]") {
    auto a = parse_connect("CONNECT api.weixin.qq.com:443 HTTP/1.0\r\n\r\n");
    REQUIRE(a);
    CHECK(a->host == "api.weixin.qq.com");
    CHECK(a->port == 443);
    CHECK(a->http_version == "HTTP/1.0");
    auto b =
        parse_connect("CONNECT API.Weixin.qq.com:443 HTTP/1.1\r\nHost: x\r\nproxy-authorization: Bearer t\r\n\r\n");
    REQUIRE(b);
    CHECK(b->host == "api.weixin.qq.com");
    CHECK(b->proxy_authorization == "Bearer t");
    auto c = parse_connect("CONNECT [::1]:8443 HTTP/1.1\r\n\r\n");
    REQUIRE(c);
    CHECK(c->host == "::1");
    CHECK(c->port == 8443);
}

TEST_CASE("proxy: parse_connect refuses malformed heads with a reason", "[proxy]") {
    for (const char* head :
         {"CONNECT api.weixin.qq.com HTTP/1.1\r\n\r\n", "CONNECT :443 HTTP/1.1\r\n\r\n", "CONNECT a:0 HTTP/1.1\r\n\r\n",
          "CONNECT a:99999 HTTP/1.1\r\n\r\n", "CONNECT a:44x HTTP/1.1\r\n\r\n", "CONNECT a:443 HTTP/2\r\n\r\n",
          "CONNECT a:443\r\n\r\n", "CONNECT a b:443 HTTP/1.1\r\n\r\n", "CONNECT a/b:443 HTTP/1.1\r\n\r\n",
          "CONNECT a:443 HTTP/1.1\r\nbad header\r\n\r\n"}) {
        INFO(head);
        auto r = parse_connect(head);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == "bad_connect");
    }
}

namespace {
ConnectRequest req(std::string host, int port, std::string auth = {}) {
    ConnectRequest r;
    r.host = std::move(host);
    r.port = port;
    r.http_version = "HTTP/1.1";
    r.proxy_authorization = std::move(auth);
    return r;
}
}  // namespace

TEST_CASE("proxy: provider hosts are intercepted on 443 only", "[proxy]") {
    ProxyPolicy p{provider_hosts(), false, ""};
    CHECK(decide_connect(req("api.weixin.qq.com", 443), true, p).action == Action::kIntercept);
    CHECK(decide_connect(req("openapi.alipay.com", 443), true, p).action == Action::kIntercept);
    auto wrong_port = decide_connect(req("api.mch.weixin.qq.com", 8443), true, p);
    CHECK(wrong_port.action == Action::kRefuse);
    CHECK(wrong_port.status == 403);
}

TEST_CASE("proxy: other hosts are tunnelled for loopback clients only, and never with only_providers", "[proxy]") {
    ProxyPolicy p{provider_hosts(), false, "s3cret"};
    CHECK(decide_connect(req("example.com", 443), true, p).action == Action::kTunnel);
    auto remote = decide_connect(req("example.com", 443, "Bearer s3cret"), false, p);
    CHECK(remote.action == Action::kRefuse);
    CHECK(remote.status == 403);
    p.only_providers = true;
    CHECK(decide_connect(req("example.com", 443), true, p).action == Action::kRefuse);
    CHECK(decide_connect(req("api.weixin.qq.com", 443), true, p).action == Action::kIntercept);
}

TEST_CASE("proxy: non-loopback clients need an admin token and must present it", "[proxy]") {
    ProxyPolicy none{provider_hosts(), false, ""};
    auto r = decide_connect(req("api.weixin.qq.com", 443), false, none);
    CHECK(r.action == Action::kRefuse);
    CHECK(r.status == 403);
    ProxyPolicy token{provider_hosts(), false, "s3cret"};
    CHECK(decide_connect(req("api.weixin.qq.com", 443), false, token).status == 407);
    CHECK(decide_connect(req("api.weixin.qq.com", 443, "Bearer nope"), false, token).status == 407);
    CHECK(decide_connect(req("api.weixin.qq.com", 443, "Bearer s3cret"), false, token).action == Action::kIntercept);
    // "anyone:s3cret", as curl --proxy-user or Java's Authenticator send it.
    CHECK(decide_connect(req("api.weixin.qq.com", 443, "Basic YW55b25lOnMzY3JldA=="), false, token).action ==
          Action::kIntercept);
}

TEST_CASE("journal: entries carry transport and host in JSON and HAR", "[proxy]") {
    JournalEntry e;
    e.method = "GET";
    e.target = "/sns/jscode2session";
    e.transport = "proxy";
    e.host = "api.weixin.qq.com";
    auto j = Journal::to_json(e, false);
    CHECK(j["transport"] == "proxy");
    CHECK(j["host"] == "api.weixin.qq.com");
    CHECK(Journal::to_json(JournalEntry{}, false)["transport"] == "plain");
    auto har = Journal::to_har_entry(e, "http://127.0.0.1:8787");
    CHECK(har["_transport"] == "proxy");
    CHECK(har["_host"] == "api.weixin.qq.com");
}
