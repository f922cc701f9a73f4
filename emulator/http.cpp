// Request/response helpers.
#include "emulator/http.hpp"

#include "core/text.hpp"

namespace mpemu::emulator {

std::string Request::header_or(std::string_view name, std::string fallback) const {
    const std::string* v = header(name);
    return v ? *v : std::move(fallback);
}

std::string Request::path_param(const std::string& name) const {
    auto it = path_params.find(name);
    return it == path_params.end() ? std::string() : it->second;
}

bool Request::from_loopback() const {
    return core::is_loopback_host(remote_addr) || core::starts_with(remote_addr, "::ffff:127.");
}

void Response::set_header(std::string name, std::string value) {
    for (auto& [k, v] : headers) {
        if (core::iequals(k, name)) {
            v = std::move(value);
            return;
        }
    }
    headers.emplace_back(std::move(name), std::move(value));
}

Response Response::json(int status, std::string body, std::string content_type) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    r.headers.emplace_back("Content-Type", std::move(content_type));
    return r;
}

Response Response::text(int status, std::string body, std::string content_type) {
    return json(status, std::move(body), std::move(content_type));
}

Response Response::empty(int status) {
    Response r;
    r.status = status;
    return r;
}

}  // namespace mpemu::emulator
