// Options of `mpemu serve` (and of `mpemu exec`, which starts the same emulator).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "emulator/state/database.hpp"

namespace mpemu::emulator {

struct ServeOptions {
    std::string host = "127.0.0.1";
    int port = 8787;  // 0 = any free port
    std::string fixtures_dir = "fixtures/default";
    std::string state_file;   // empty = in memory
    std::string import_file;  // start from an exported snapshot
    std::optional<uint64_t> seed;
    core::LogFormat log_format = core::LogFormat::kText;
    core::LogLevel log_level = core::LogLevel::kInfo;
    size_t journal_size = 10000;
    std::string admin_token;
    state::Durability durability = state::Durability::kNormal;

    // Limits, each refused in the caller's protocol.
    size_t max_body_bytes = 1024 * 1024;
    int max_json_depth = 64;
    int read_timeout_ms = 5000;  // a client slower than this to send a request is disconnected
    int write_timeout_ms = 5000;

    // The connection model (emulator/connection.hpp): one worker thread serves one keep-alive connection at a
    // time, so the pool grows with the connections up to `threads` and shrinks back to `min_threads` when idle.
    size_t threads = 1024;
    size_t min_threads = 8;
    size_t keep_alive_max = 100000;
    int keep_alive_timeout_s = 5;
    int listen_backlog = 1024;
    int head_timeout_ms = 10000;  // request line and headers must arrive whole within this
    size_t min_body_rate = 1024;  // bytes/s a request body must keep up after --read-timeout-ms
    // Handlers running at once (0 = the number of cores, at least 2): the rest wait their turn in order.
    size_t max_running = 0;
    int drain_timeout_ms = 30000;  // graceful stop: how long in-flight requests may still take
    // serve --retain: rows in a terminal state (paid or closed orders, settled refunds, notifications delivered
    // or given up) whose last change is older than this on the emulator clock are deleted. 0 = kept forever,
    // as the providers keep them.
    long long retain_ms = 0;

    // The providers' real hostnames over TLS, and the HTTPS proxy (emulator/front.hpp). Both terminate TLS
    // with a leaf minted at start from the local CA in ca_dir (created there on first use).
    std::string ca_dir;                  // empty = core::tls::default_ca_dir()
    bool tls = false;                    // HTTPS with SNI on tls_port
    int tls_port = 443;                  // 0 = any free port
    std::vector<std::string> tls_hosts;  // more hostnames for the certificate (and for interception)
    bool proxy = false;                  // accept CONNECT on `port` next to plain HTTP
    bool proxy_only_providers = false;   // refuse CONNECT to any host that is not emulated
    int tls_handshake_timeout_ms = 10000;
    int relay_idle_timeout_ms = 120000;
    size_t max_relays = 1024;  // relayed TLS/proxy connections at once
    // Each service also on its own port (plain, and TLS with --tls) for SDKs that take a host but no path
    // prefix; a fixture's "ports" block picks the numbers (and turns this on for the services it names).
    bool port_per_service = false;

    // Notification retries: 1 = the providers' real schedules; 0.001 = a thousand times faster.
    double notify_time_scale = 1.0;
    size_t notify_workers = 4;
};

}  // namespace mpemu::emulator
