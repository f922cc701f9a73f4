// cpp-httplib binding. Settings measured on Debian's libcpp-httplib (library defaults serve ~300 requests/s
// on 2 cores, tuned ~85k: see bench/README.md): TCP_NODELAY, a high keep-alive
// count, a worker per expected connection, and a listen backlog of 1024 set after bind (the library's
// built-in backlog is 5 and has no setter).
#include "emulator/server.hpp"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <httplib.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <string_view>
#include <thread>

#include "core/url.hpp"

namespace mpemu::emulator {
namespace {

constexpr const char* kHandledHeader = "X-Request-Id";

// RFC 9112 §3.2.2: a server must accept the absolute-form ("POST http://host:port/gateway.do?… HTTP/1.1",
// which the official Alipay Python SDK sends); only the path and query route.
std::string origin_form(std::string target) {
    size_t colon = target.find("://");
    if (colon == std::string::npos || target.empty() || target[0] == '/') return target;
    std::string scheme = target.substr(0, colon);
    for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme != "http" && scheme != "https") return target;
    size_t path = target.find_first_of("/?", colon + 3);
    if (path == std::string::npos) return "/";
    if (target[path] == '?') return "/" + target.substr(path);
    return target.substr(path);
}

Request convert(const httplib::Request& in) {
    Request r;
    r.method = in.method;
    r.target = origin_form(in.target.empty() ? in.path : in.target);
    auto [path, query] = core::split_target(r.target);
    r.path = std::string(path);
    r.raw_query = std::string(query);
    r.query = core::parse_query(query);
    r.headers.reserve(in.headers.size());
    for (const auto& [k, v] : in.headers) {
        // cpp-httplib adds these itself; they were not sent by the client.
        if (k == "REMOTE_ADDR" || k == "REMOTE_PORT" || k == "LOCAL_ADDR" || k == "LOCAL_PORT") continue;
        r.headers.emplace_back(k, v);
    }
    r.body = in.body;
    r.remote_addr = in.remote_addr;
    r.remote_port = in.remote_port;
    return r;
}

void emit(const Response& from, httplib::Response& to) {
    to.status = from.status;
    if (from.drop) {
        // A provider that fails before answering completely: the client sees a cut-off reply.
        to.set_content_provider(1024, "application/octet-stream",
                                [](size_t, size_t, httplib::DataSink&) { return false; });
        return;
    }
    std::string content_type;
    for (const auto& [k, v] : from.headers) {
        if (k == "Content-Type" || k == "content-type") {
            content_type = v;
            continue;
        }
        to.set_header(k, v);
    }
    if (!from.body.empty() || !content_type.empty()) {
        to.set_content(from.body, content_type.empty() ? "application/octet-stream" : content_type);
    } else {
        to.body.clear();
    }
}

}  // namespace

HttpServer::HttpServer(const ServeOptions& options, Dispatch dispatch, Refuse refuse)
    : options_(options),
      dispatch_(std::move(dispatch)),
      refuse_(std::move(refuse)),
      server_(std::make_unique<httplib::Server>()) {
    auto& s = *server_;
    s.set_tcp_nodelay(true);
    s.set_keep_alive_max_count(options_.keep_alive_max);
    s.set_keep_alive_timeout(options_.keep_alive_timeout_s);
    s.set_read_timeout(std::chrono::milliseconds(options_.read_timeout_ms));
    s.set_write_timeout(std::chrono::milliseconds(options_.write_timeout_ms));
    s.set_payload_max_length(options_.max_body_bytes);
    size_t threads = options_.threads;
    // cpp-httplib owns and deletes the queue it gets from this factory.
    s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    s.set_socket_options([this](int sock) {
        int one = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fd_ = sock;
    });

    auto handler = [this](const httplib::Request& in, httplib::Response& out) {
        ++inflight_;
        struct Done {
            std::atomic<int>& n;
            ~Done() { --n; }
        } done{inflight_};
        Request req = convert(in);
        Arrival arrival = arrival_of(req);
        Response res = dispatch_(req, arrival);
        emit(res, out);
        out.set_header(kHandledHeader, req.request_id);
    };
    s.Get(".*", handler);
    s.Post(".*", handler);
    s.Put(".*", handler);
    s.Patch(".*", handler);
    s.Delete(".*", handler);
    s.Options(".*", handler);
    // RFC 9112 section 6.3: a request with neither Content-Length nor Transfer-Encoding has no body. cpp-httplib
    // 0.11 reads such a POST/PUT/PATCH body until the client closes instead, so a client waiting for its reply
    // got a refusal after the read timeout (`curl -X POST`, WeChat's POST /cgi-bin/token). Dispatch it at once
    // with an empty body; the pre-routing handler runs before the library reads any body.
    s.set_pre_routing_handler([handler](const httplib::Request& in, httplib::Response& out) {
        bool body_method = in.method == "POST" || in.method == "PUT" || in.method == "PATCH";
        if (!body_method || in.has_header("Content-Length") || in.has_header("Transfer-Encoding")) {
            return httplib::Server::HandlerResponse::Unhandled;
        }
        handler(in, out);
        return httplib::Server::HandlerResponse::Handled;
    });

    // Refusals produced by cpp-httplib itself (no handler ran): render them in the caller's protocol.
    s.set_error_handler(
        httplib::Server::HandlerWithResponse([this](const httplib::Request& in, httplib::Response& out) {
            if (out.has_header(kHandledHeader)) return httplib::Server::HandlerResponse::Unhandled;
            Request req = convert(in);
            Arrival arrival = arrival_of(req);
            RefusalInfo info;
            switch (out.status) {
                case 413:
                    info = {Refusal::kBodyTooLarge,
                            "request body exceeds the limit of " + std::to_string(options_.max_body_bytes) + " bytes",
                            {}};
                    break;
                case 414:
                case 431:
                    info = {Refusal::kHeadersTooLarge, "request line or headers too large", {}};
                    break;
                default:
                    info = {Refusal::kBadRequest, "malformed HTTP request", {}};
                    break;
            }
            int status = out.status;
            Response res = refuse_(req, info, arrival);
            emit(res, out);
            if (res.status == 200 && status >= 400) out.status = res.status;  // providers that always answer 200
            out.set_header(kHandledHeader, req.request_id);
            return httplib::Server::HandlerResponse::Handled;
        }));
    s.set_exception_handler([](const httplib::Request&, httplib::Response& out, const std::exception_ptr&) {
        out.status = 500;
        out.set_content(R"({"error":{"code":"internal","message":"unexpected error"}})", "application/json");
    });
}

HttpServer::~HttpServer() = default;

Arrival HttpServer::arrival_of(Request& req) const {
    Arrival a;
    if (arrivals_ == nullptr) return a;
    if (!arrivals_->empty()) {
        if (auto found = arrivals_->find(req.remote_addr, req.remote_port)) {
            a = std::move(*found);
            req.remote_addr = a.client_addr;
            req.remote_port = a.client_port;
            return a;
        }
    }
    // Fail closed: behind the proxy port only relays reach this listener; anything else is not a client
    // whose loopback address may be trusted.
    if (relays_only_) req.remote_addr = "unverified:" + req.remote_addr;
    return a;
}

core::Result<int> HttpServer::bind(const std::string& host, int port) {
    int bound = port;
    if (port == 0) {
        bound = server_->bind_to_any_port(host);
        if (bound <= 0) return core::make_error("bind", "cannot listen on " + host + " (any port)");
    } else if (!server_->bind_to_port(host, port)) {
        return core::make_error("bind", "cannot listen on " + host + ":" + std::to_string(port) +
                                            " (in use? try --port 0 for any free port)");
    }
    if (fd_ >= 0) ::listen(fd_, options_.listen_backlog);
    port_ = bound;
    return bound;
}

void HttpServer::listen() {
    server_->listen_after_bind();
}

void HttpServer::stop() {
    server_->stop();  // no new connections
    // Let in-flight requests finish, then end idle keep-alive connections: cpp-httplib would otherwise
    // keep each worker waiting for its client's next request until the keep-alive timeout.
    for (int i = 0; i < 1000 && inflight_.load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    close_idle_connections();
}

void HttpServer::close_idle_connections() {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return;
    // readdir is safe here: this DIR stream is local to the call (glibc guards each stream).
    while (dirent* e = readdir(dir)) {  // NOLINT(concurrency-mt-unsafe)
        int fd = -1;
        std::string_view name(e->d_name);
        if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc()) continue;
        if (fd <= 2 || fd == dirfd(dir)) continue;
        sockaddr_storage local{};
        socklen_t len = sizeof local;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) continue;
        int type = 0;
        socklen_t tlen = sizeof type;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_STREAM) continue;
        int port = 0;
        if (local.ss_family == AF_INET)
            port = ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
        else if (local.ss_family == AF_INET6)
            port = ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
        sockaddr_storage peer{};
        socklen_t plen = sizeof peer;
        // Accepted connections share the listening port and have a peer; the listener has none.
        if (port == port_ && getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) == 0) ::shutdown(fd, SHUT_RD);
    }
    closedir(dir);
}

}  // namespace mpemu::emulator
