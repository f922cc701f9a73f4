// Blocking HTTP client over cpp-httplib with one kept-alive connection per origin.
#include "core/http_client.hpp"

#include <httplib.h>

#include "core/text.hpp"

namespace mpemu::core {

struct HttpClient::Conn {
    std::string origin;
    std::unique_ptr<httplib::Client> client;
    std::chrono::milliseconds timeout{0};
};

HttpClient::HttpClient() = default;
HttpClient::~HttpClient() = default;

const std::string* find_header(const HeaderList& headers, std::string_view name) {
    for (const auto& [k, v] : headers) {
        if (iequals(k, name)) return &v;
    }
    return nullptr;
}

const std::string* HttpResponse::header(std::string_view name) const {
    return find_header(headers, name);
}

HttpClient::Conn& HttpClient::conn_for(const Url& url, std::chrono::milliseconds timeout) {
    std::string origin = url.origin();
    for (auto& c : conns_) {
        if (c->origin == origin) {
            if (c->timeout != timeout) {
                c->client->set_read_timeout(timeout);
                c->client->set_write_timeout(timeout);
                c->client->set_connection_timeout(timeout);
                c->timeout = timeout;
            }
            return *c;
        }
    }
    auto c = std::make_unique<Conn>();
    c->origin = origin;
    c->client = std::make_unique<httplib::Client>(origin);
    c->client->set_keep_alive(true);
    c->client->set_tcp_nodelay(true);
    c->client->set_decompress(true);
    c->client->set_read_timeout(timeout);
    c->client->set_write_timeout(timeout);
    c->client->set_connection_timeout(timeout);
    c->client->enable_server_certificate_verification(false);  // staging often has private CAs
    c->timeout = timeout;
    conns_.push_back(std::move(c));
    return *conns_.back();
}

Result<HttpResponse> HttpClient::send(const HttpRequest& request) {
    auto url = parse_url(request.url);
    if (!url) return url.error();
    Conn& conn = conn_for(*url, request.timeout);
    httplib::Request req;
    req.method = request.method;
    req.path = url->target;
    for (const auto& [k, v] : request.headers) req.headers.emplace(k, v);
    req.body = request.body;
    if (!request.body.empty() && !req.has_header("Content-Type")) req.set_header("Content-Type", "application/json");
    auto started = std::chrono::steady_clock::now();
    auto res = conn.client->send(req);
    auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    if (!res) {
        auto err = res.error();
        std::string what = httplib::to_string(err);
        switch (err) {
            case httplib::Error::Connection:
                return make_error("connect", "cannot connect to " + url->origin(), what);
            case httplib::Error::ConnectionTimeout:
                return make_error("timeout", "connecting to " + url->origin() + " timed out", what);
            case httplib::Error::Read:
                return make_error("timeout",
                                  "no complete response from " + url->origin() + " within " +
                                      std::to_string(request.timeout.count()) + " ms",
                                  what);
            default:
                return make_error("io", "request to " + url->origin() + " failed: " + what, what);
        }
    }
    HttpResponse out;
    out.status = res->status;
    for (const auto& [k, v] : res->headers) out.headers.emplace_back(k, v);
    out.body = std::move(res->body);
    out.elapsed = elapsed;
    return out;
}

}  // namespace mpemu::core
