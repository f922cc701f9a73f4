// The emulator's own request/response types: what route handlers see, independent of cpp-httplib.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "core/http_client.hpp"
#include "core/url.hpp"

namespace mpemu::emulator {

struct Request {
    std::string method;
    std::string target;     // the raw request-target from the request line: path + "?" + query, undecoded
    std::string path;       // raw (still percent-encoded) path part of target
    std::string raw_query;  // raw query string without "?"
    core::Params query;     // decoded query parameters, in order
    core::HeaderList headers;
    std::string body;
    std::string remote_addr;
    int remote_port = 0;
    std::map<std::string, std::string> path_params;  // decoded values of {name} segments
    std::string operation_id;                        // filled by the router
    std::string request_id;                          // unique per request (journal id)

    const std::string* header(std::string_view name) const { return core::find_header(headers, name); }
    std::string header_or(std::string_view name, std::string fallback = {}) const;
    const std::string* query_param(std::string_view name) const { return core::find_param(query, name); }
    std::string path_param(const std::string& name) const;
    bool from_loopback() const;
};

struct Response {
    int status = 200;
    core::HeaderList headers;
    std::string body;
    bool drop = false;  // fault injection: cut the connection instead of answering
    // A large reply (the journal, HAR, a state export) written in pieces instead of `body`, so it is never
    // whole in memory: each call puts the next piece in `piece` and returns true, or returns false once the
    // reply is complete. It runs after the handler returned, so it owns or shares whatever it reads.
    std::function<bool(std::string& piece)> stream;

    void set_header(std::string name, std::string value);
    const std::string* header(std::string_view name) const { return core::find_header(headers, name); }
    const std::string* content_type() const { return header("Content-Type"); }

    static Response json(int status, std::string body, std::string content_type = "application/json; charset=utf-8");
    static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
    static Response empty(int status);
};

}  // namespace mpemu::emulator
