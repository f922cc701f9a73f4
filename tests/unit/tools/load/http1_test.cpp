// The load client's HTTP/1.1 framing: replies fed whole and byte by byte (content-length, chunked with
// extensions and trailers, close-delimited, HEAD/204/1xx without bodies), keep-alive decisions, bytes
// beyond a reply, malformed replies refused; and the request head the blocking client sends for `run`.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tools/load/http1.hpp"

using namespace mpemu;
using load::http1::ResponseParser;
using State = ResponseParser::State;

namespace {

// Feeds `wire` in pieces of `piece` bytes; the state after the last piece.
State feed_in_pieces(ResponseParser& p, const std::string& wire, size_t piece) {
    State s = State::kNeedMore;
    for (size_t i = 0; i < wire.size(); i += piece) s = p.feed(std::string_view(wire).substr(i, piece));
    return s;
}

}  // namespace

TEST_CASE("http1 parser: a content-length reply, whole or byte by byte, keeps the connection alive", "[load][http1]") {
    const std::string wire =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\nX-Request-Id: a1\r\n\r\n"
        "{\"errcode\":0}";
    for (size_t piece : {wire.size(), size_t{1}, size_t{7}}) {
        ResponseParser p;
        p.reset("GET");
        INFO("pieces of " << piece);
        REQUIRE(feed_in_pieces(p, wire, piece) == State::kDone);
        CHECK(p.response().status == 200);
        CHECK(p.response().body == "{\"errcode\":0}");
        REQUIRE(p.response().headers.size() == 3);
        CHECK(p.response().headers[0].first == "Content-Type");
        CHECK(*p.response().header("x-request-id") == "a1");
        CHECK(p.keep_alive());
        CHECK_FALSE(p.excess());
    }
}

TEST_CASE("http1 parser: a chunked body is joined without its framing, extensions and trailers", "[load][http1]") {
    const std::string wire =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;ext=1\r\nhello\r\n1A\r\n, and twenty-one more b\r\nX\r\n0\r\nDigest: x\r\n\r\n";
    for (size_t piece : {wire.size(), size_t{1}, size_t{3}}) {
        ResponseParser p;
        p.reset("POST");
        INFO("pieces of " << piece);
        REQUIRE(feed_in_pieces(p, wire, piece) == State::kDone);
        CHECK(p.response().body == "hello, and twenty-one more b\r\nX");
        CHECK(p.keep_alive());
    }
}

TEST_CASE("http1 parser: a body without length runs to the close, which ends keep-alive", "[load][http1]") {
    ResponseParser p;
    p.reset("GET");
    CHECK(p.feed("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart one,") == State::kNeedMore);
    CHECK(p.feed(" part two") == State::kNeedMore);
    REQUIRE(p.finish() == State::kDone);
    CHECK(p.response().body == "part one, part two");
    CHECK_FALSE(p.keep_alive());
}

TEST_CASE("http1 parser: Connection close and HTTP/1.0 end keep-alive, unless 1.0 asks for it", "[load][http1]") {
    ResponseParser p;
    p.reset("GET");
    REQUIRE(p.feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok") == State::kDone);
    CHECK_FALSE(p.keep_alive());
    p.reset("GET");
    REQUIRE(p.feed("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok") == State::kDone);
    CHECK_FALSE(p.keep_alive());
    p.reset("GET");
    REQUIRE(p.feed("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok") == State::kDone);
    CHECK(p.keep_alive());
}

TEST_CASE("http1 parser: HEAD, 204 and 304 replies have no body whatever their headers say", "[load][http1]") {
    ResponseParser p;
    p.reset("HEAD");
    REQUIRE(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 60\r\n\r\n") == State::kDone);
    CHECK(p.response().body.empty());
    CHECK(p.keep_alive());
    p.reset("DELETE");
    REQUIRE(p.feed("HTTP/1.1 204 No Content\r\n\r\n") == State::kDone);
    CHECK(p.response().status == 204);
    p.reset("GET");
    REQUIRE(p.feed("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n") == State::kDone);
    CHECK(p.response().status == 304);
}

TEST_CASE("http1 parser: an interim 100 Continue is skipped for the reply that follows", "[load][http1]") {
    ResponseParser p;
    p.reset("POST");
    REQUIRE(p.feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n") == State::kDone);
    CHECK(p.response().status == 201);
    CHECK(p.response().headers.size() == 1);
}

TEST_CASE("http1 parser: bytes beyond the reply are noticed and the connection is not reused", "[load][http1]") {
    ResponseParser p;
    p.reset("GET");
    REQUIRE(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200") == State::kDone);
    CHECK(p.response().body == "ok");
    CHECK(p.excess());
    CHECK_FALSE(p.keep_alive());
}

TEST_CASE("http1 parser: malformed replies are errors that say what is wrong", "[load][http1]") {
    struct Case {
        const char* wire;
        const char* says;
    };
    for (const Case& c : std::vector<Case>{
             {"SSH-2.0-OpenSSH_9.2\r\n\r\n", "not an HTTP/1.x status line"},
             {"HTTP/1.1 2x0 OK\r\n\r\n", "bad status code"},
             {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"},
             {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", "bad Content-Length"},
             {"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "bad header line"},
             {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"},
             {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX", "not followed by CRLF"},
         }) {
        ResponseParser p;
        p.reset("GET");
        INFO(c.wire);
        REQUIRE(p.feed(c.wire) == State::kError);
        CHECK(p.error().find(c.says) != std::string::npos);
        CHECK_FALSE(p.keep_alive());
    }
}

TEST_CASE("http1 parser: a close before the reply ends is an error, a close before any byte says so", "[load][http1]") {
    ResponseParser p;
    p.reset("GET");
    REQUIRE(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort") == State::kNeedMore);
    REQUIRE(p.finish() == State::kError);
    CHECK(p.error().find("in the middle of its reply") != std::string::npos);
    p.reset("GET");
    CHECK_FALSE(p.started());
    REQUIRE(p.finish() == State::kError);
    CHECK(p.error().find("without replying") != std::string::npos);
}

TEST_CASE("http1 parser: a head beyond 64 KB is refused instead of buffered", "[load][http1]") {
    ResponseParser p;
    p.reset("GET");
    std::string big = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(load::http1::kMaxHead, 'a');
    REQUIRE(p.feed(big) == State::kError);
    CHECK(p.error().find("64 KB") != std::string::npos);
}

TEST_CASE("http1 request: the blocking client's head, the target encoded alike, the body's length", "[load][http1]") {
    core::HttpRequest req;
    req.method = "POST";
    req.url = "http://127.0.0.1:8787/a b+c/\xC3\xA9?x=1 2";
    req.headers = {{"X-A", "1"}, {"Content-Length", "999"}};
    req.body = R"({"a":1})";
    auto url = core::parse_url(req.url);
    REQUIRE(url.ok());
    std::string wire = load::http1::serialize_request(req, *url);
    // What core::HttpClient (cpp-httplib) put on the wire for the same request, captured from a socket;
    // the order of the header lines differs (cpp-httplib sorts them), their set does not.
    CHECK(wire.rfind("POST /a%20b%2Bc/%C3%A9?x=1%202 HTTP/1.1\r\n", 0) == 0);
    for (const char* line : {"\r\nHost: 127.0.0.1:8787\r\n", "\r\nAccept: */*\r\n", "\r\nUser-Agent: cpp-httplib/",
                             "\r\nX-A: 1\r\n", "\r\nContent-Type: application/json\r\n", "\r\nContent-Length: 7\r\n"}) {
        CHECK(wire.find(line) != std::string::npos);
    }
    CHECK(wire.find("999") == std::string::npos);
    CHECK(wire.size() - wire.find("\r\n\r\n") == 4 + req.body.size());

    core::HttpRequest get;
    get.url = "http://example.test/ping";
    get.headers = {{"Host", "other.test"}, {"Accept", "application/json"}};
    auto u = core::parse_url(get.url);
    REQUIRE(u.ok());
    std::string g = load::http1::serialize_request(get, *u);
    CHECK(g.find("Host: example.test") == std::string::npos);  // the step's own Host and Accept win
    CHECK(g.find("Accept: */*") == std::string::npos);
    CHECK(g.find("Content-Length") == std::string::npos);  // a GET without body has none
    core::HttpRequest empty_post;
    empty_post.method = "POST";
    empty_post.url = get.url;
    CHECK(load::http1::serialize_request(empty_post, *u).find("\r\nContent-Length: 0\r\n") != std::string::npos);
}
