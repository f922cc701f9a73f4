// HTTP/1.1 on the wire for the load path's event-driven client: the request bytes of a core::HttpRequest
// (the same head the blocking client puts on the wire for `run`) and an incremental response parser fed
// whatever the socket returned (content-length, chunked and close-delimited bodies, keep-alive). Pure:
// no sockets here, so every framing case is unit-tested.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/http_client.hpp"
#include "core/url.hpp"

namespace mpemu::load::http1 {

// Refused, not buffered without end: a reply head or body beyond these is an "io" error.
constexpr size_t kMaxHead = 64 * 1024;
constexpr size_t kMaxBody = 256 * 1024 * 1024;

// The request as it goes on the wire to `url`'s origin: the target percent-encoded as the blocking
// client encodes it (' ', '+', bytes >= 0x80), Host, the step's headers in order, the default
// Content-Type of a body, Content-Length. Keep-alive (HTTP/1.1's default); never pipelined.
std::string serialize_request(const core::HttpRequest& request, const core::Url& url);

class ResponseParser {
public:
    enum class State { kNeedMore, kDone, kError };

    // Ready for the reply to a request of this method (HEAD replies have no body).
    void reset(std::string_view method);

    // Takes bytes as received. kDone once the reply is complete: bytes after its end are kept out of
    // it (excess() says whether there were any: with pipelining off they are the server's mistake).
    State feed(std::string_view data);
    // The connection was closed by the server: completes a reply whose body runs to the close.
    State finish();

    State state() const { return state_; }
    bool started() const { return received_ > 0; }  // any byte of a reply arrived
    bool keep_alive() const { return keep_alive_; }
    bool excess() const { return excess_; }
    const std::string& error() const { return error_; }
    // The reply (status, headers in the order received, body without chunk framing). Valid when kDone.
    core::HttpResponse& response() { return response_; }
    size_t head_bytes() const { return head_bytes_; }

private:
    enum class Body { kNone, kLength, kChunked, kToClose };
    enum class Phase { kHead, kBody, kChunkSize, kChunkData, kChunkEnd, kTrailers, kDone };

    State fail(std::string why);
    State parse_head(std::string_view head);
    State step();
    // Up to remaining_ bytes of `avail` into the body; true when remaining_ reached 0.
    bool take_body(std::string_view avail);

    State state_ = State::kNeedMore;
    Phase phase_ = Phase::kHead;
    Body body_ = Body::kNone;
    bool head_request_ = false;
    bool keep_alive_ = true;
    bool excess_ = false;
    size_t received_ = 0;
    size_t head_bytes_ = 0;
    size_t remaining_ = 0;  // of the body (kLength) or the current chunk
    std::string buf_;       // bytes not parsed yet
    size_t pos_ = 0;        // parsed up to here in buf_
    std::string error_;
    core::HttpResponse response_;
};

}  // namespace mpemu::load::http1
