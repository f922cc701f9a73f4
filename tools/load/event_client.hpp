// The load path's HTTP/1.1 client: non-blocking sockets on the running fiber's worker loop, a keep-alive
// connection pool per worker and origin (a connection serves one exchange at a time: no pipelining),
// replies framed by http1::ResponseParser. Same contract as core::HttpClient (the scenario runner's
// transport for `run`): the same request head, and errors "bad_url", "connect", "timeout", "io" with the
// same texts, so a load run checks replies exactly as `run` does. Plain http only: an https URL goes
// through a blocking core::HttpClient (the fiber then holds its worker thread while it waits).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/http_client.hpp"
#include "core/result.hpp"

namespace mpemu::load {

class EventClient {
public:
    EventClient();
    ~EventClient();
    EventClient(const EventClient&) = delete;
    EventClient& operator=(const EventClient&) = delete;

    // From a fiber of a started Worker (else through the blocking client).
    core::Result<core::HttpResponse> send(const core::HttpRequest& request);

private:
    struct Conn;
    struct Pool;
    // One pool per worker thread (connections belong to one epoll loop); keyed by origin.
    Pool& pool();
    std::unique_ptr<core::HttpClient> blocking_;
};

}  // namespace mpemu::load
