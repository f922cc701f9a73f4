// The load path's event-driven HTTP/1.1 client (see event_client.hpp).
#include "tools/load/event_client.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tools/load/event_loop.hpp"
#include "tools/load/http1.hpp"

namespace mpemu::load {

namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(int err) {
    return std::strerror(err);  // NOLINT(concurrency-mt-unsafe): glibc's table, not a shared buffer
}

bool is_connect_error(int err) {
    return err == ECONNREFUSED || err == ENETUNREACH || err == EHOSTUNREACH || err == EADDRNOTAVAIL ||
           err == ECONNABORTED;
}

}  // namespace

// One connection: its socket registered with the worker's epoll, the fiber waiting on it (if any).
struct EventClient::Conn final : Pollable {
    int fd = -1;
    Fiber* waiter = nullptr;
    bool dead = false;  // the server closed it while it sat in the pool
    Worker* worker = nullptr;

    ~Conn() override {
        if (fd >= 0) {
            worker->remove(fd);
            ::close(fd);
        }
    }
    void ready(uint32_t events) override {
        if (waiter) {
            waiter->wake();
        } else if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
            dead = true;
        }
    }
    // Parks the calling fiber until this socket is ready or the deadline passes (false).
    bool wait(Clock::time_point deadline) {
        waiter = Fiber::current();
        bool in_time = Fiber::park(deadline);
        waiter = nullptr;
        return in_time;
    }
};

struct EventClient::Pool {
    struct Origin {
        sockaddr_storage addr{};
        socklen_t addr_len = 0;
        std::vector<std::unique_ptr<Conn>> idle;
    };
    std::map<std::string, Origin> origins;
};

EventClient::EventClient() = default;
EventClient::~EventClient() = default;

EventClient::Pool& EventClient::pool() {
    // Connections belong to the epoll loop of the thread that opened them, so pools are per thread.
    thread_local Pool p;
    return p;
}

namespace {

enum class Outcome { kOk, kStale, kFailed };

// Resolves an origin once per worker (a load run talks to one or two origins).
core::Status resolve(const core::Url& url, sockaddr_storage& addr, socklen_t& len) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    std::string port = std::to_string(url.port);
    int rc = getaddrinfo(url.host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0 || !res) {
        return core::make_error("connect", "cannot connect to " + url.origin(), gai_strerror(rc));
    }
    std::memcpy(&addr, res->ai_addr, res->ai_addrlen);
    len = static_cast<socklen_t>(res->ai_addrlen);
    freeaddrinfo(res);
    return {};
}

}  // namespace

core::Result<core::HttpResponse> EventClient::send(const core::HttpRequest& request) {
    auto url = core::parse_url(request.url);
    if (!url) return url.error();
    Worker* worker = Worker::current();
    if (url->scheme != "http" || !worker || !Fiber::current()) {
        if (!blocking_) blocking_ = std::make_unique<core::HttpClient>();
        return blocking_->send(request);
    }
    auto started = Clock::now();
    auto deadline = started + request.timeout;
    std::string origin = url->origin();
    Pool::Origin& o = pool().origins[origin];
    if (o.addr_len == 0) {
        if (auto st = resolve(*url, o.addr, o.addr_len); !st) return st.error();
    }
    std::string wire = http1::serialize_request(request, *url);
    auto timed_out = [&](bool connecting) {
        return connecting ? core::make_error("timeout", "connecting to " + origin + " timed out", "ConnectionTimeout")
                          : core::make_error("timeout",
                                             "no complete response from " + origin + " within " +
                                                 std::to_string(request.timeout.count()) + " ms",
                                             "Read");
    };
    auto io_error = [&](const std::string& what) {
        return core::make_error("io", "request to " + origin + " failed: " + what, what);
    };
    http1::ResponseParser parser;
    // A pooled connection the server has closed meanwhile fails before any reply byte: the request is
    // sent again once on a new connection (what browsers and cpp-httplib do).
    for (int attempt = 0;; ++attempt) {
        std::unique_ptr<Conn> c;
        while (!o.idle.empty() && !c) {
            c = std::move(o.idle.back());
            o.idle.pop_back();
            if (c->dead) c.reset();
        }
        bool reused = c != nullptr;
        if (!c) {
            c = std::make_unique<Conn>();
            c->worker = worker;
            c->fd = ::socket(o.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (c->fd < 0) return io_error("socket: " + errno_text(errno));
            int one = 1;
            setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (!worker->add(c->fd, c.get())) return io_error("epoll: " + errno_text(errno));
            int rc = ::connect(c->fd, reinterpret_cast<const sockaddr*>(&o.addr), o.addr_len);
            if (rc != 0 && errno != EINPROGRESS) {
                int err = errno;
                if (is_connect_error(err))
                    return core::make_error("connect", "cannot connect to " + origin, errno_text(err));
                return io_error("connect: " + errno_text(err));
            }
            if (rc != 0) {
                for (;;) {
                    if (!c->wait(deadline)) return timed_out(true);
                    int err = 0;
                    socklen_t len = sizeof err;
                    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                    if (err == 0) break;
                    if (err == EINPROGRESS || err == EALREADY) continue;
                    if (is_connect_error(err)) {
                        return core::make_error("connect", "cannot connect to " + origin, errno_text(err));
                    }
                    return io_error("connect: " + errno_text(err));
                }
            }
        }
        parser.reset(request.method);
        Outcome outcome = Outcome::kOk;
        std::string failure;
        // Write the request.
        size_t sent = 0;
        while (sent < wire.size() && outcome == Outcome::kOk) {
            ssize_t n = ::send(c->fd, wire.data() + sent, wire.size() - sent, MSG_NOSIGNAL);
            if (n > 0) {
                sent += static_cast<size_t>(n);
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                if (!c->wait(deadline)) return timed_out(false);
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else {
                outcome = reused && (errno == EPIPE || errno == ECONNRESET) ? Outcome::kStale : Outcome::kFailed;
                failure = "send: " + errno_text(errno);
            }
        }
        // Read the reply. The request was just sent: wait for readiness before the first recv, which
        // would only find nothing yet (an edge that came meanwhile is still reported by the loop).
        char buf[16384];
        bool first = true;
        while (outcome == Outcome::kOk && parser.state() == http1::ResponseParser::State::kNeedMore) {
            if (first) {
                first = false;
                if (!c->wait(deadline)) return timed_out(false);
            }
            ssize_t n = ::recv(c->fd, buf, sizeof buf, 0);
            if (n > 0) {
                parser.feed(std::string_view(buf, static_cast<size_t>(n)));
            } else if (n == 0) {
                if (reused && !parser.started()) {
                    outcome = Outcome::kStale;
                } else if (parser.finish() == http1::ResponseParser::State::kError) {
                    outcome = Outcome::kFailed;
                    failure = parser.error();
                }
            } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!c->wait(deadline)) return timed_out(false);
            } else if (errno != EINTR) {
                outcome = reused && !parser.started() && errno == ECONNRESET ? Outcome::kStale : Outcome::kFailed;
                failure = "recv: " + errno_text(errno);
            }
        }
        if (outcome == Outcome::kOk && parser.state() == http1::ResponseParser::State::kError) {
            outcome = Outcome::kFailed;
            failure = parser.error();
        }
        if (outcome == Outcome::kStale && attempt == 0) continue;
        if (outcome != Outcome::kOk) return io_error(failure.empty() ? "the connection was closed" : failure);
        if (parser.keep_alive()) o.idle.push_back(std::move(c));
        core::HttpResponse out = std::move(parser.response());
        out.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
        return out;
    }
}

}  // namespace mpemu::load
