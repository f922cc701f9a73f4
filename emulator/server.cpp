// cpp-httplib binding. Settings measured on Debian's libcpp-httplib (library defaults serve ~300 requests/s
// on 2 cores, tuned ~85k: see bench/README.md): TCP_NODELAY, a high keep-alive count, a listen backlog of
// 1024 set after bind (the library's built-in backlog is 5 and has no setter). The connection model —
// elastic workers, whole-request deadlines, early refusals — is emulator/connection.*; bodies are read here,
// under the body limit for every transfer encoding.
#include "emulator/server.hpp"

#include <dirent.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <string_view>
#include <thread>

#include "core/text.hpp"
#include "core/url.hpp"
#include "emulator/connection.hpp"

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

Request convert(const httplib::Request& in, std::string body) {
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
        // A multipart Content-Type travels renamed through cpp-httplib (emulator/connection.hpp).
        if (k == kRawMultipartHeader) {
            r.headers.emplace_back("Content-Type", v);
            continue;
        }
        r.headers.emplace_back(k, v);
    }
    r.body = std::move(body);
    r.remote_addr = in.remote_addr;
    r.remote_port = in.remote_port;
    return r;
}

// ---- Memory given back -------------------------------------------------------------------------------------
// glibc gives each contended thread its own malloc arena (up to 8 per core) and keeps what is freed in them:
// measured after one full-journal GET /__admin/requests, 38 MB in use of 268 MB taken, and malloc_trim(0)
// took RSS from 263 MB to 102 MB. So serve limits the arenas (unless the user set MALLOC_ARENA_MAX) and hands
// freed memory back after large replies and, at most every 10 s, when a worker finds nothing to do. The hot
// path never trims.

constexpr size_t kLargeReplyBytes = size_t{1} << 20;
constexpr auto kIdleTrimEvery = std::chrono::seconds(10);
// A worker that waited this long for a connection in vain trims (at most every kIdleTrimEvery), then leaves
// if the pool has more than its minimum.
constexpr auto kWorkerIdle = std::chrono::seconds(30);

void limit_malloc_arenas() {
    static std::once_flag once;
    std::call_once(once, [] {
        // NOLINTNEXTLINE(concurrency-mt-unsafe): nothing in mpemu sets the environment
        if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return;
        // One arena per core (2 to 4): fewer arenas hold less freed memory; threads beyond them share.
        const int arenas = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 2U, 4U));
        mallopt(M_ARENA_MAX, arenas);  // NOLINT(concurrency-mt-unsafe): glibc takes the arena list's lock
    });
}

void release_freed_memory() {
    malloc_trim(0);
}

void release_freed_memory_if_due() {
    static std::atomic<long long> last_ms{0};
    // clock-ok: a real-time rate limit on trimming, not emulator time
    const long long now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    long long last = last_ms.load();
    if (now - last < std::chrono::duration_cast<std::chrono::milliseconds>(kIdleTrimEvery).count()) return;
    if (!last_ms.compare_exchange_strong(last, now)) return;  // another idle worker trims now
    release_freed_memory();
}

// A streamed reply: cpp-httplib asks for the next piece until the writer says it is done; the pieces go out
// as HTTP/1.1 chunks. An empty write would end the reply without its last chunk, so empty pieces are skipped.
void emit_stream(const std::function<bool(std::string&)>& writer, const std::string& content_type,
                 httplib::Response& to) {
    auto sent = std::make_shared<size_t>(0);
    to.set_chunked_content_provider(
        content_type,
        [writer, sent](size_t, httplib::DataSink& sink) {
            std::string piece;
            for (;;) {
                piece.clear();
                if (!writer(piece)) {
                    sink.done();
                    return true;
                }
                if (!piece.empty()) break;
            }
            *sent += piece.size();
            return sink.write(piece.data(), piece.size());
        },
        [sent](bool) {
            if (*sent >= kLargeReplyBytes) release_freed_memory();
        });
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
    if (from.stream) {
        emit_stream(from.stream, content_type.empty() ? "application/octet-stream" : content_type, to);
    } else if (!from.body.empty() || !content_type.empty()) {
        to.set_content(from.body, content_type.empty() ? "application/octet-stream" : content_type);
    } else {
        to.body.clear();
    }
}

const char* reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 413:
            return "Payload Too Large";
        case 414:
            return "URI Too Long";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        default:
            return "Error";
    }
}

// A whole HTTP/1.1 reply that ends the connection, for refusals written before cpp-httplib parsed anything.
std::string raw_reply(const Response& res, int status) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
    bool has_type = false;
    for (const auto& [k, v] : res.headers) {
        if (core::iequals(k, "Content-Length") || core::iequals(k, "Connection")) continue;
        has_type = has_type || core::iequals(k, "Content-Type");
        out.append(k).append(": ").append(v).append("\r\n");
    }
    if (!has_type && !res.body.empty()) out += "Content-Type: application/octet-stream\r\n";
    out += "Content-Length: " + std::to_string(res.body.size()) + "\r\nConnection: close\r\n\r\n";
    return out + res.body;
}

// The method and target of a refused head, as far as they can be read: the refusal goes to the service
// the path names.
Request request_of_head(const std::string& head) {
    Request r;
    std::string_view line(head);
    line = line.substr(0, std::min(line.find_first_of("\r\n"), size_t{8192}));
    size_t sp1 = line.find(' ');
    if (sp1 <= 32) {  // npos (no space) is far larger
        r.method = std::string(line.substr(0, sp1));
        std::string_view rest = line.substr(sp1 + 1);
        r.target = origin_form(std::string(rest.substr(0, rest.find(' '))));
    }
    if (r.target.empty() || r.target[0] != '/') r.target = "/";
    auto [path, query] = core::split_target(r.target);
    r.path = std::string(path);
    r.raw_query = std::string(query);
    return r;
}

}  // namespace

HttpServer::HttpServer(const ServeOptions& options, Dispatch dispatch, Refuse refuse)
    : options_(options),
      dispatch_(std::move(dispatch)),
      refuse_(std::move(refuse)),
      gate_(options.max_running ? options.max_running : std::max(2U, std::thread::hardware_concurrency())) {
    limit_malloc_arenas();
    StreamLimits limits;
    limits.head_timeout = std::chrono::milliseconds(options_.head_timeout_ms);
    limits.read_timeout = std::chrono::milliseconds(options_.read_timeout_ms);
    limits.write_timeout = std::chrono::milliseconds(options_.write_timeout_ms);
    limits.min_body_rate = options_.min_body_rate;
    server_ = std::make_unique<CoreServer>(limits, [this](const RequestStream& s) { return refuse_head(s); });
    auto& s = *server_;
    s.set_tcp_nodelay(true);
    s.set_keep_alive_max_count(options_.keep_alive_max);
    s.set_keep_alive_timeout(options_.keep_alive_timeout_s);
    // Bodies are read by serve_with_body under --max-body, for every transfer encoding; cpp-httplib's own
    // check skips chunked bodies and caps form bodies at 8 KiB.
    s.set_payload_max_length(std::numeric_limits<size_t>::max());
    // cpp-httplib owns and deletes the queue it gets from this factory.
    s.new_task_queue = [this] {
        auto* pool = new ElasticPool(options_.min_threads, options_.threads, kWorkerIdle, release_freed_memory_if_due);
        pool_ = pool;
        return pool;
    };
    s.set_socket_options([this](int sock) {
        int one = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fd_ = sock;
    });

    auto plain = [this](const httplib::Request& in, httplib::Response& out) { serve(in, {}, out); };
    auto with_body = [this](const httplib::Request& in, httplib::Response& out, const httplib::ContentReader& read) {
        serve_with_body(in, out, read);
    };
    s.Get(".*", plain);
    s.Options(".*", plain);
    s.Post(".*", with_body);
    s.Put(".*", with_body);
    s.Patch(".*", with_body);
    s.Delete(".*", with_body);

    // Refusals produced by cpp-httplib itself (no handler ran): render them in the caller's protocol.
    s.set_error_handler(
        httplib::Server::HandlerWithResponse([this](const httplib::Request& in, httplib::Response& out) {
            if (out.has_header(kHandledHeader)) return httplib::Server::HandlerResponse::Unhandled;
            // A head the stream refused is answered by refuse_head, once.
            if (RequestStream* strm = CoreServer::current_stream(); strm && strm->closing())
                return httplib::Server::HandlerResponse::Handled;
            Request req = convert(in, in.body);
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
            refuse_before_dispatch(req, info, out.status, out);
            return httplib::Server::HandlerResponse::Handled;
        }));
    s.set_exception_handler([](const httplib::Request&, httplib::Response& out, const std::exception_ptr&) {
        out.status = 500;
        out.set_content(R"({"error":{"code":"internal","message":"unexpected error"}})", "application/json");
    });
}

void HttpServer::serve(const httplib::Request& in, std::string body, httplib::Response& out) {
    ++inflight_;
    struct Done {
        std::atomic<int>& n;
        ~Done() { --n; }
    } done{inflight_};
    Request req = convert(in, std::move(body));
    Arrival arrival = arrival_of(req);
    Response res;
    {
        AdmissionGate::Permit permit(gate_);
        res = dispatch_(req, arrival);
    }
    emit(res, out);
    out.set_header(kHandledHeader, req.request_id);
}

void HttpServer::serve_with_body(const httplib::Request& in, httplib::Response& out,
                                 const httplib::ContentReader& read) {
    // RFC 9112 §6.3: a request with neither Content-Length nor Transfer-Encoding has no body; cpp-httplib
    // would read one until the client closes (`curl -X POST`, WeChat's POST /cgi-bin/token waited 5 s).
    if (!in.has_header("Content-Length") && !in.has_header("Transfer-Encoding")) {
        serve(in, {}, out);
        return;
    }
    const size_t limit = options_.max_body_bytes;
    bool too_large = false;
    if (in.has_header("Content-Length")) {
        const std::string& declared = in.get_header_value("Content-Length");
        unsigned long long n = 0;
        auto [end, ec] = std::from_chars(declared.data(), declared.data() + declared.size(), n);
        too_large = ec != std::errc() || end != declared.data() + declared.size() || n > limit;
    }
    std::string body;
    bool complete = !too_large && read([&](const char* data, size_t n) {
        if (body.size() + n > limit) {
            too_large = true;
            return false;
        }
        body.append(data, n);
        return true;
    });
    if (complete) {
        serve(in, std::move(body), out);
        return;
    }
    // The rest of the body is never read, so the connection cannot carry another request.
    if (RequestStream* strm = CoreServer::current_stream()) strm->close_after();
    out.set_header("Connection", "close");
    Request req = convert(in, {});
    if (too_large) {
        refuse_before_dispatch(
            req, {Refusal::kBodyTooLarge, "request body exceeds the limit of " + std::to_string(limit) + " bytes", {}},
            413, out);
    } else {
        refuse_before_dispatch(req, {Refusal::kBadRequest, "the request body ended early or is malformed", {}}, 400,
                               out);
    }
}

void HttpServer::refuse_before_dispatch(Request& req, const RefusalInfo& info, int status, httplib::Response& out) {
    Arrival arrival = arrival_of(req);
    Response res = refuse_(req, info, arrival);
    emit(res, out);
    if (res.status == 200 && status >= 400) out.status = res.status;  // providers that always answer 200
    out.set_header(kHandledHeader, req.request_id);
}

std::string HttpServer::refuse_head(const RequestStream& stream) {
    RefusalInfo info;
    int status = 400;
    switch (stream.problem()) {
        case HeadProblem::kLineTooLong:
            info = {Refusal::kHeadersTooLarge, "the request line is longer than 8192 bytes", {}};
            status = 414;
            break;
        case HeadProblem::kHeadTooLarge:
            info = {Refusal::kHeadersTooLarge, "the request headers exceed 65536 bytes", {}};
            status = 431;
            break;
        case HeadProblem::kMalformedLine:
            info = {Refusal::kBadRequest, "malformed request line: expected \"METHOD /path HTTP/1.1\"", {}};
            break;
        case HeadProblem::kBareLf:
            info = {Refusal::kBadRequest, "a request line or header ends with LF alone: HTTP needs CRLF", {}};
            break;
        default:
            return {};  // timeouts and closed connections: nobody is listening for an answer
    }
    Request req = request_of_head(stream.head());
    std::string ip;
    int port = 0;
    stream.get_remote_ip_and_port(ip, port);
    req.remote_addr = ip;
    req.remote_port = port;
    Arrival arrival = arrival_of(req);
    Response res = refuse_(req, info, arrival);
    return raw_reply(res, status);
}

size_t HttpServer::worker_threads() const {
    return pool_ ? pool_->threads() : 0;
}

size_t HttpServer::worker_peak() const {
    return pool_ ? pool_->peak() : 0;
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

size_t HttpServer::stop(std::chrono::milliseconds drain, const std::function<void()>& cut) {
    server_->stop();  // no new connections; idle keep-alive connections end within 100 ms
    auto until = std::chrono::steady_clock::now() + drain;  // clock-ok: a real-time drain, not emulator time
    while (inflight_.load() > 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto left = static_cast<size_t>(std::max(0, inflight_.load()));
    if (left > 0 && cut) cut();
    close_idle_connections();
    return left;
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
