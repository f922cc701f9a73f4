// The connection front of `serve --tls` and `serve --proxy`: its own accept loops terminate TLS at the
// providers' hostnames, answer CONNECT (intercepting provider hosts, tunnelling others), and relay the
// plaintext to the emulator's plain HTTP listener on loopback, so every route, limit and the journal apply.
#pragma once

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "core/tls.hpp"
#include "emulator/arrival.hpp"
#include "emulator/journal.hpp"

namespace mpemu::emulator {

// The production hostnames served over TLS (with the proxy: intercepted); --tls-host adds more.
inline const std::vector<std::string>& provider_hosts() {
    static const std::vector<std::string> kHosts = {"api.weixin.qq.com",
                                                    "api.mch.weixin.qq.com",
                                                    "api2.mch.weixin.qq.com",
                                                    "openapi.alipay.com",
                                                    "openapi-sandbox.dl.alipaydev.com",
                                                    "openapi.alipaydev.com"};
    return kHosts;
}

// ---- CONNECT parsing and policy (pure, unit-tested) ----

struct ConnectRequest {
    std::string host;  // lower case, without brackets
    int port = 0;
    std::string http_version;  // "HTTP/1.0" or "HTTP/1.1"
    std::string proxy_authorization;
};

// Parses a CONNECT head ("CONNECT host:port HTTP/1.x\r\n" headers "\r\n\r\n"); an error names what is wrong.
core::Result<ConnectRequest> parse_connect(std::string_view head);

struct ProxyPolicy {
    std::vector<std::string> provider_hosts;  // intercepted (TLS terminated with the minted leaf)
    bool only_providers = false;              // refuse every other host
    std::string admin_token;                  // non-loopback clients need it (Proxy-Authorization)
};

struct ConnectDecision {
    enum class Action { kIntercept, kTunnel, kRefuse } action = Action::kRefuse;
    int status = 403;
    std::string reason;
};

// Never an open relay: other hosts are tunnelled for loopback clients only; a non-loopback client may reach
// the providers' hostnames only when an admin token is set and it presents it (Bearer, or Basic with the
// token as password).
ConnectDecision decide_connect(const ConnectRequest& req, bool client_loopback, const ProxyPolicy& policy);

// ---- the front ----

struct FrontConfig {
    std::string upstream_host = "127.0.0.1";  // the plain HTTP listener
    int upstream_port = 0;
    std::shared_ptr<core::tls::ServerContext> tls;  // null: no TLS listener and no interception
    ProxyPolicy policy;
    int handshake_timeout_ms = 10000;  // CONNECT head and TLS handshake, each
    int idle_timeout_ms = 120000;      // a relay with no traffic either way is closed
    size_t max_connections = 1024;     // relayed connections at once; more are refused
};

class Front {
public:
    // Journals refusals and tunnels; the callback fills id and times.
    using Record = std::function<void(JournalEntry)>;
    // kProxy: plain HTTP and CONNECT; kTls: TLS with SNI; kPlain: plain HTTP only (a per-service port).
    enum class Kind { kProxy, kTls, kPlain };

    Front(FrontConfig config, ArrivalRegistry& registry, Record record);
    ~Front();
    Front(const Front&) = delete;
    Front& operator=(const Front&) = delete;

    // Binds a listener; returns the bound port (0 = any free port). With a service, requests arriving there
    // carry it in their Arrival, and the emulator serves only that service's routes on it.
    core::Result<int> listen(Kind kind, const std::string& host, int port, const std::string& service = {});
    void start();  // one accept thread per listener
    void stop();   // closes listeners and every relayed connection, joins all threads

private:
    struct Conn;
    struct Listener {
        Kind kind;
        int fd = -1;
        std::string service;
    };
    void accept_loop(const Listener& l);
    void serve(Conn& c, Kind kind, const std::string& service);
    void serve_proxy(Conn& c);
    void serve_tls(Conn& c, const std::string& connect_host, const std::string& transport, const std::string& service);
    bool relay_to_upstream(Conn& c, Arrival arrival, core::tls::SslPtr ssl, const std::string& already_read);
    void reap(bool all);
    void journal(const Conn& c, std::string method, std::string target, std::string operation, int status,
                 std::string detail, const std::string& transport, const std::string& host);

    FrontConfig config_;
    ArrivalRegistry& registry_;
    Record record_;
    std::vector<Listener> listeners_;
    std::vector<std::thread> accept_threads_;
    int wake_fd_ = -1;  // eventfd: stop() wakes the accept loops
    std::atomic<bool> stopping_{false};
    std::mutex mu_;
    std::list<std::unique_ptr<Conn>> conns_;
};

}  // namespace mpemu::emulator
