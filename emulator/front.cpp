// The TLS/CONNECT front: accept loops, CONNECT parsing and policy, TLS handshakes with a deadline, and the
// relays (client <-> plain HTTP listener, or client <-> tunnelled host). One thread per relayed connection,
// never the HTTP server's workers; each is bounded by handshake and idle timeouts and a connection cap.
#include "emulator/front.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cctype>
#include <chrono>
#include <cstring>
#include <system_error>

#include "core/crypto.hpp"
#include "core/text.hpp"
#include "core/url.hpp"

namespace mpemu::emulator {

// ---- CONNECT parsing and policy ----

core::Result<ConnectRequest> parse_connect(std::string_view head) {
    size_t eol = head.find("\r\n");
    if (eol == std::string_view::npos) return core::make_error("bad_connect", "the request line has no CRLF");
    std::string_view line = head.substr(0, eol);
    auto parts = core::split(line, ' ');
    if (parts.size() != 3 || parts[0] != "CONNECT")
        return core::make_error("bad_connect", "expected \"CONNECT host:port HTTP/1.1\"");
    ConnectRequest req;
    req.http_version = std::string(parts[2]);
    if (req.http_version != "HTTP/1.1" && req.http_version != "HTTP/1.0")
        return core::make_error("bad_connect", "unsupported HTTP version " + req.http_version);
    std::string_view authority = parts[1];
    std::string_view host, port;
    if (!authority.empty() && authority.front() == '[') {
        size_t close = authority.find(']');
        if (close == std::string_view::npos || close + 1 >= authority.size() || authority[close + 1] != ':')
            return core::make_error("bad_connect", "the target must be host:port");
        host = authority.substr(1, close - 1);
        port = authority.substr(close + 2);
    } else {
        size_t colon = authority.rfind(':');
        if (colon == std::string_view::npos) return core::make_error("bad_connect", "the target must be host:port");
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty() || host.size() > 253)
        return core::make_error("bad_connect", "the target host is empty or too long");
    for (char ch : host) {
        auto u = static_cast<unsigned char>(ch);
        if (!std::isalnum(u) && ch != '.' && ch != '-' && ch != ':' && ch != '_')
            return core::make_error("bad_connect", "the target host has invalid characters");
        req.host.push_back(static_cast<char>(std::tolower(u)));
    }
    if (port.empty() || port.size() > 5) return core::make_error("bad_connect", "the target port is not a number");
    for (char ch : port) {
        if (!std::isdigit(static_cast<unsigned char>(ch)))
            return core::make_error("bad_connect", "the target port is not a number");
        req.port = req.port * 10 + (ch - '0');
    }
    if (req.port < 1 || req.port > 65535) return core::make_error("bad_connect", "the target port is out of range");
    size_t pos = eol + 2;
    while (pos < head.size()) {
        size_t end = head.find("\r\n", pos);
        if (end == std::string_view::npos || end == pos) break;
        std::string_view h = head.substr(pos, end - pos);
        size_t colon = h.find(':');
        if (colon == std::string_view::npos) return core::make_error("bad_connect", "a header line has no colon");
        if (core::iequals(core::trim(h.substr(0, colon)), "Proxy-Authorization"))
            req.proxy_authorization = std::string(core::trim(h.substr(colon + 1)));
        pos = end + 2;
    }
    return req;
}

namespace {

bool token_matches(const std::string& authorization, const std::string& token) {
    auto value = core::trim(authorization);
    size_t space = value.find(' ');
    if (space == std::string_view::npos) return false;
    auto scheme = value.substr(0, space);
    auto cred = core::trim(value.substr(space + 1));
    if (core::iequals(scheme, "Bearer")) return cred == token;
    if (core::iequals(scheme, "Basic")) {
        // Clients configure proxy credentials as user:password (curl --proxy-user, Java's Authenticator):
        // any user name, the admin token as the password.
        auto decoded = core::crypto::base64_decode(cred);
        if (!decoded) return false;
        size_t colon = decoded->find(':');
        return colon != std::string::npos && decoded->substr(colon + 1) == token;
    }
    return false;
}

}  // namespace

ConnectDecision decide_connect(const ConnectRequest& req, bool client_loopback, const ProxyPolicy& policy) {
    using Action = ConnectDecision::Action;
    const std::string target = req.host + ":" + std::to_string(req.port);
    if (core::tls::host_covered(policy.provider_hosts, req.host)) {
        if (req.port != 443)
            return {Action::kRefuse, 403, target + ": the emulated providers are served on port 443 only"};
        if (!client_loopback) {
            if (policy.admin_token.empty())
                return {Action::kRefuse, 403,
                        "only loopback clients may use this proxy; start mpemu with --admin-token to allow others"};
            if (!token_matches(req.proxy_authorization, policy.admin_token))
                return {Action::kRefuse, 407, "Proxy-Authorization must carry the admin token (Bearer or Basic)"};
        }
        return {Action::kIntercept, 200, "intercepted: " + target};
    }
    if (policy.only_providers)
        return {Action::kRefuse, 403, target + " is not an emulated provider host (--proxy-only-providers)"};
    if (!client_loopback)
        return {Action::kRefuse, 403,
                target + " is not an emulated provider host; tunnels are for loopback clients only"};
    return {Action::kTunnel, 200, "tunnelled: " + target};
}

// ---- sockets ----

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

void set_nonblocking(int fd, bool on) {
    int flags = fcntl(fd, F_GETFL, 0);
    fcntl(fd, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK));
}

void set_timeouts(int fd, int ms) {
    timeval tv{ms / 1000, static_cast<suseconds_t>(ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

void set_nodelay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

std::pair<std::string, int> address_of(const sockaddr_storage& ss) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
        inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
        return {buf, ntohs(in->sin_port)};
    }
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
    std::string addr = buf;
    if (core::starts_with(addr, "::ffff:") && addr.find('.') != std::string::npos) addr = addr.substr(7);
    return {addr, ntohs(in6->sin6_port)};
}

// Connects with a deadline; returns a blocking socket or -1 with `error` set.
int connect_to(const std::string& host, int port, int timeout_ms, std::string* error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
    if (rc != 0) {
        *error = "cannot resolve " + host + ": " + gai_strerror(rc);
        return -1;
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    *error = "cannot connect to " + host + ":" + std::to_string(port);
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        set_nonblocking(fd, true);
        int r = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (r != 0 && errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, remaining_ms(deadline)) == 1) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
                r = err == 0 ? 0 : -1;
                if (err) *error += std::string(": ") + std::generic_category().message(err);
            } else {
                *error += ": timed out";
            }
        }
        if (r == 0) {
            set_nonblocking(fd, false);
            set_nodelay(fd);
            return fd;
        }
        ::close(fd);
    }
    return -1;
}

bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

std::string http_reply(const std::string& version, int status, const std::string& reason, const std::string& body,
                       const std::string& extra_headers = {}) {
    return version + " " + std::to_string(status) + " " + reason + "\r\nContent-Type: text/plain; charset=utf-8\r\n" +
           extra_headers + "Content-Length: " + std::to_string(body.size() + 1) + "\r\nConnection: close\r\n\r\n" +
           body + "\n";
}

const char* reason_phrase(int status) {
    switch (status) {
        case 400:
            return "Bad Request";
        case 403:
            return "Forbidden";
        case 407:
            return "Proxy Authentication Required";
        case 431:
            return "Request Header Fields Too Large";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        default:
            return "Error";
    }
}

// One end of a relay: a plain socket or a TLS session over one. Sockets are blocking with send/receive
// timeouts, so a peer that stops reading cannot hold the thread beyond the idle bound.
struct Side {
    int fd = -1;
    SSL* ssl = nullptr;

    long read(char* buf, size_t n) const {
        if (ssl) {
            int r = SSL_read(ssl, buf, static_cast<int>(n));
            return r > 0 ? r : (SSL_get_error(ssl, r) == SSL_ERROR_ZERO_RETURN ? 0 : -1);
        }
        return ::recv(fd, buf, n, 0);
    }
    bool write_all(const char* p, size_t n) const {
        while (n > 0) {
            long w = ssl ? SSL_write(ssl, p, static_cast<int>(n)) : ::send(fd, p, n, MSG_NOSIGNAL);
            if (w <= 0) return false;
            p += w;
            n -= static_cast<size_t>(w);
        }
        return true;
    }
    bool pending() const { return ssl && SSL_pending(ssl) > 0; }
    void close_write() const {
        if (ssl)
            SSL_shutdown(ssl);  // close_notify: the TLS way to say "no more requests"
        else
            ::shutdown(fd, SHUT_WR);
    }
};

// Copies both ways until both directions ended, a write failed, or nothing moved for idle_ms. Returns
// true when b (the upstream) reached end of stream.
bool pipe_both(const Side& a, const Side& b, int idle_ms) {
    bool a_open = true, b_open = true;
    std::string buf(16384, '\0');
    auto move = [&](const Side& from, const Side& to, bool& open) {
        long n = from.read(buf.data(), buf.size());
        if (n <= 0) {
            open = false;
            to.close_write();
            return true;
        }
        return to.write_all(buf.data(), static_cast<size_t>(n));
    };
    while (a_open || b_open) {
        if (a_open && a.pending()) {
            if (!move(a, b, a_open)) return !b_open;
            continue;
        }
        pollfd p[2] = {{a_open ? a.fd : -1, POLLIN, 0}, {b_open ? b.fd : -1, POLLIN, 0}};
        if (::poll(p, 2, idle_ms) <= 0) return !b_open;
        if (p[0].revents && !move(a, b, a_open)) return !b_open;
        if (p[1].revents && !move(b, a, b_open)) return !b_open;
    }
    return true;
}

enum class Head { kConnect, kPlain, kClosed, kTimeout, kTooLarge };
constexpr size_t kMaxHead = 8192;
constexpr std::string_view kConnectPrefix = "CONNECT ";

// Reads until the bytes cannot begin a CONNECT (a plain HTTP request: relay it) or a CONNECT head ended.
Head read_head(int fd, int timeout_ms, std::string& buf) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    char tmp[2048];
    for (;;) {
        size_t n = std::min(buf.size(), kConnectPrefix.size());
        if (n > 0 && std::string_view(buf).substr(0, n) != kConnectPrefix.substr(0, n)) return Head::kPlain;
        if (buf.find("\r\n\r\n") != std::string::npos) return Head::kConnect;
        if (buf.size() > kMaxHead) return Head::kTooLarge;
        pollfd p{fd, POLLIN, 0};
        int left = remaining_ms(deadline);
        if (left == 0 || ::poll(&p, 1, left) <= 0) return Head::kTimeout;
        ssize_t r = ::recv(fd, tmp, sizeof tmp, 0);
        if (r <= 0) return Head::kClosed;
        buf.append(tmp, static_cast<size_t>(r));
    }
}

// TLS server handshake on a socket with an overall deadline (a client that stalls mid-handshake is cut off).
bool handshake(SSL* ssl, int fd, int timeout_ms, std::string* error) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    set_nonblocking(fd, true);
    bool ok = false;
    for (;;) {
        ERR_clear_error();
        int r = SSL_accept(ssl);
        if (r == 1) {
            ok = true;
            break;
        }
        int err = SSL_get_error(ssl, r);
        auto events = static_cast<short>(err == SSL_ERROR_WANT_READ    ? POLLIN
                                         : err == SSL_ERROR_WANT_WRITE ? POLLOUT
                                                                       : 0);
        if (events == 0) {
            *error = "TLS handshake failed: " + core::tls::last_error();
            break;
        }
        pollfd p{fd, events, 0};
        int left = remaining_ms(deadline);
        if (left == 0 || ::poll(&p, 1, left) <= 0) {
            *error = "TLS handshake timed out after " + std::to_string(timeout_ms) + " ms";
            break;
        }
    }
    set_nonblocking(fd, false);
    return ok;
}

}  // namespace

// ---- the front ----

struct Front::Conn {
    int fd = -1;
    std::atomic<int> upstream{-1};
    std::string addr;
    int port = 0;
    bool loopback = false;
    std::thread thread;
    std::atomic<bool> done{false};

    Conn() = default;
    Conn(const Conn&) = delete;
    Conn& operator=(const Conn&) = delete;
    ~Conn() {
        if (fd >= 0) ::close(fd);
        int u = upstream.load();
        if (u >= 0) ::close(u);
    }
};

Front::Front(FrontConfig config, ArrivalRegistry& registry, Record record)
    : config_(std::move(config)), registry_(registry), record_(std::move(record)) {
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

Front::~Front() {
    stop();
    for (auto& l : listeners_) {
        if (l.fd >= 0) ::close(l.fd);
    }
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

core::Result<int> Front::listen(Kind kind, const std::string& host, int port, const std::string& service) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* res = nullptr;
    const std::string where = host + ":" + std::to_string(port);
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || res == nullptr)
        return core::make_error("bind", "cannot listen on " + where + ": cannot resolve the address");
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
    int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return core::make_error("bind", "cannot create a socket for " + where);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, res->ai_addr, res->ai_addrlen) != 0 || ::listen(fd, 1024) != 0) {
        std::string why = std::generic_category().message(errno);
        ::close(fd);
        return core::make_error("bind", "cannot listen on " + where + ": " + why +
                                            (port != 0 && port < 1024 ? " (ports below 1024 need root)" : ""));
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    listeners_.push_back({kind, fd, service});
    return address_of(ss).second;
}

void Front::start() {
    for (const auto& l : listeners_) accept_threads_.emplace_back([this, l] { accept_loop(l); });
}

void Front::stop() {
    if (stopping_.exchange(true)) return;
    uint64_t one = 1;
    if (wake_fd_ >= 0) [[maybe_unused]]
        auto n = ::write(wake_fd_, &one, sizeof one);
    for (auto& t : accept_threads_) {
        if (t.joinable()) t.join();
    }
    {
        std::lock_guard lock(mu_);
        for (auto& c : conns_) {
            ::shutdown(c->fd, SHUT_RDWR);
            int u = c->upstream.load();
            if (u >= 0) ::shutdown(u, SHUT_RDWR);
        }
    }
    reap(true);
}

void Front::reap(bool all) {
    std::list<std::unique_ptr<Conn>> finished;
    {
        std::lock_guard lock(mu_);
        for (auto it = conns_.begin(); it != conns_.end();) {
            auto next = std::next(it);
            if (all || (*it)->done.load()) finished.splice(finished.end(), conns_, it);
            it = next;
        }
    }
    for (auto& c : finished) {
        if (c->thread.joinable()) c->thread.join();
    }
}

void Front::accept_loop(const Listener& l) {
    while (!stopping_.load()) {
        pollfd p[2] = {{l.fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        int r = ::poll(p, 2, 1000);
        if (r <= 0 || (p[0].revents & POLLIN) == 0) {
            reap(false);
            continue;
        }
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        int fd = ::accept4(l.fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC);
        if (fd < 0) continue;
        set_nodelay(fd);
        auto c = std::make_unique<Conn>();
        c->fd = fd;
        std::tie(c->addr, c->port) = address_of(ss);
        c->loopback = core::is_loopback_host(c->addr);
        reap(false);
        std::lock_guard lock(mu_);
        if (conns_.size() >= config_.max_connections) {
            std::string why = "too many relayed connections (" + std::to_string(config_.max_connections) + ")";
            if (l.kind == Kind::kProxy) send_all(fd, http_reply("HTTP/1.1", 503, reason_phrase(503), why));
            if (l.kind == Kind::kPlain) send_all(fd, http_reply("HTTP/1.1", 503, reason_phrase(503), why));
            journal(*c, "", "", "front.refused", 503, why, l.kind == Kind::kTls ? "tls" : "plain", "");
            continue;  // c closes the socket
        }
        Conn& ref = *c;
        conns_.push_back(std::move(c));
        ref.thread = std::thread([this, &ref, kind = l.kind, service = l.service] {
            try {
                serve(ref, kind, service);
            } catch (...) {
                // Nothing may escape a thread; the connection just ends.
            }
            // The client sees the end now; the descriptor itself is closed when the connection is reaped,
            // so stop() never shuts down a number that was reused meanwhile.
            ::shutdown(ref.fd, SHUT_RDWR);
            ref.done.store(true);
        });
    }
}

void Front::serve(Conn& c, Kind kind, const std::string& service) {
    set_timeouts(c.fd, config_.idle_timeout_ms);
    switch (kind) {
        case Kind::kTls:
            serve_tls(c, "", "tls", service);
            return;
        case Kind::kPlain:
            relay_to_upstream(c, Arrival{"plain", "", c.addr, c.port, service}, nullptr, "");
            return;
        case Kind::kProxy:
            serve_proxy(c);
            return;
    }
}

void Front::serve_proxy(Conn& c) {
    std::string buf;
    Head head = read_head(c.fd, config_.handshake_timeout_ms, buf);
    if (head == Head::kClosed || head == Head::kTimeout) return;  // nothing was asked: nothing to answer
    if (head == Head::kPlain) {
        relay_to_upstream(c, Arrival{"plain", "", c.addr, c.port, ""}, nullptr, buf);
        return;
    }
    auto refuse = [&](const std::string& version, int status, const std::string& target, const std::string& why,
                      const std::string& host) {
        std::string extra = status == 407 ? "Proxy-Authenticate: Basic realm=\"mpemu\"\r\n" : "";
        send_all(c.fd, http_reply(version, status, reason_phrase(status), "mpemu proxy: " + why, extra));
        journal(c, "CONNECT", target, "proxy.refused", status, why, "proxy", host);
    };
    if (head == Head::kTooLarge) {
        refuse("HTTP/1.1", 431, "", "the CONNECT head exceeds " + std::to_string(kMaxHead) + " bytes", "");
        return;
    }
    size_t end = buf.find("\r\n\r\n") + 4;
    std::string first_line = buf.substr(0, buf.find("\r\n"));
    auto req = parse_connect(std::string_view(buf).substr(0, end));
    if (!req) {
        refuse("HTTP/1.1", 400, first_line.substr(0, 200), req.error().message, "");
        return;
    }
    const std::string target = req->host + ":" + std::to_string(req->port);
    std::string early = buf.substr(end);  // bytes the client sent before our 200 (clients normally wait)
    auto decision = decide_connect(*req, c.loopback, config_.policy);
    using Action = ConnectDecision::Action;
    if (decision.action == Action::kIntercept && !config_.tls) {
        decision = {Action::kRefuse, 403, "TLS interception is not configured"};
    }
    if (decision.action == Action::kRefuse) {
        refuse(req->http_version, decision.status, target, decision.reason, req->host);
        return;
    }
    if (decision.action == Action::kIntercept) {
        if (!early.empty()) {
            refuse(req->http_version, 400, target, "data sent before \"200 Connection established\"", req->host);
            return;
        }
        if (!send_all(c.fd, req->http_version + " 200 Connection established\r\n\r\n")) return;
        serve_tls(c, req->host, "proxy", "");
        return;
    }
    std::string error;
    int fd = connect_to(req->host, req->port, 5000, &error);
    if (fd < 0) {
        refuse(req->http_version, 502, target, error, req->host);
        return;
    }
    c.upstream.store(fd);
    if (stopping_.load()) ::shutdown(fd, SHUT_RDWR);
    if (!send_all(c.fd, req->http_version + " 200 Connection established\r\n\r\n")) return;
    journal(c, "CONNECT", target, "proxy.tunnel", 200, decision.reason, "proxy", req->host);
    set_timeouts(fd, config_.idle_timeout_ms);
    if (!early.empty() && !send_all(fd, early)) return;
    pipe_both(Side{c.fd, nullptr}, Side{fd, nullptr}, config_.idle_timeout_ms);
}

void Front::serve_tls(Conn& c, const std::string& connect_host, const std::string& transport,
                      const std::string& service) {
    core::tls::SslPtr ssl(SSL_new(config_.tls->get()));
    if (!ssl || SSL_set_fd(ssl.get(), c.fd) != 1) return;
    std::string error;
    if (!handshake(ssl.get(), c.fd, config_.handshake_timeout_ms, &error)) {
        const char* sni = SSL_get_servername(ssl.get(), TLSEXT_NAMETYPE_host_name);
        std::string host = sni ? sni : connect_host;
        journal(c, "", host, "tls.handshake_failed", 0, error, transport, host);
        return;
    }
    const char* sni = SSL_get_servername(ssl.get(), TLSEXT_NAMETYPE_host_name);
    relay_to_upstream(c, Arrival{transport, sni ? sni : connect_host, c.addr, c.port, service}, std::move(ssl), "");
}

bool Front::relay_to_upstream(Conn& c, Arrival arrival, core::tls::SslPtr ssl, const std::string& already_read) {
    std::string error;
    int u = connect_to(config_.upstream_host, config_.upstream_port, 5000, &error);
    if (u < 0) {
        journal(c, "", "", "front.upstream_failed", 502, error, arrival.transport, arrival.host);
        return false;
    }
    c.upstream.store(u);
    if (stopping_.load()) ::shutdown(u, SHUT_RDWR);
    set_timeouts(u, config_.idle_timeout_ms);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(u, reinterpret_cast<sockaddr*>(&ss), &len);
    auto [addr, port] = address_of(ss);
    registry_.add(addr, port, std::move(arrival));
    Side client{c.fd, ssl.get()};
    Side up{u, nullptr};
    bool upstream_done = already_read.empty() || up.write_all(already_read.data(), already_read.size());
    if (upstream_done) upstream_done = pipe_both(client, up, config_.idle_timeout_ms);
    if (!upstream_done) {
        // The client went away first: let the HTTP server finish what it already received before the
        // entry goes, or it would take the relay for a loopback client of its own.
        ::shutdown(u, SHUT_WR);
        char sink[4096];
        pollfd p{u, POLLIN, 0};
        while (::poll(&p, 1, config_.idle_timeout_ms) == 1 && ::recv(u, sink, sizeof sink, 0) > 0) {
        }
    }
    registry_.remove(addr, port);
    return true;
}

void Front::journal(const Conn& c, std::string method, std::string target, std::string operation, int status,
                    std::string detail, const std::string& transport, const std::string& host) {
    if (!record_) return;
    JournalEntry e;
    e.method = std::move(method);
    e.target = std::move(target);
    e.group = transport == "tls" ? "tls" : "proxy";
    e.operation_id = std::move(operation);
    e.status = status;
    e.remote_addr = c.addr;
    e.response_body = std::move(detail);
    e.transport = transport;
    e.host = host;
    record_(std::move(e));
}

}  // namespace mpemu::emulator
