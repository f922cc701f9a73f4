// A blocking HTTP/1.1 client over cpp-httplib, used by the notification dispatcher and the harness.
// One client per target origin and per thread (virtual user); keeps connections alive.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "core/url.hpp"

namespace httplib {
class Client;
}

namespace mpemu::core {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method = "GET";
    std::string url;  // absolute, http:// or https://
    HeaderList headers;
    std::string body;
    std::chrono::milliseconds timeout{10000};
};

struct HttpResponse {
    int status = 0;
    HeaderList headers;  // in the order received; names as sent
    std::string body;
    std::chrono::microseconds elapsed{0};

    // Case-insensitive lookup of the first header with this name.
    const std::string* header(std::string_view name) const;
};

// Error codes: "bad_url", "connect" (refused/unreachable), "timeout", "io".
class HttpClient {
public:
    HttpClient();
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    Result<HttpResponse> send(const HttpRequest& request);

private:
    struct Conn;
    std::vector<std::unique_ptr<Conn>> conns_;  // one per origin, reused
    Conn& conn_for(const Url& url, std::chrono::milliseconds timeout);
};

const std::string* find_header(const HeaderList& headers, std::string_view name);

}  // namespace mpemu::core
