// Options of `mpemu serve` (and of `mpemu exec`, which starts the same emulator).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

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

    // cpp-httplib tuning (see emulator/server.cpp): one worker thread serves one
    // keep-alive connection at a time, so threads bound the concurrent connections served.
    size_t threads = 64;
    size_t keep_alive_max = 100000;
    int keep_alive_timeout_s = 5;
    int listen_backlog = 1024;

    // Notification retries: 1 = the providers' real schedules; 0.001 = a thousand times faster.
    double notify_time_scale = 1.0;
    size_t notify_workers = 4;
};

}  // namespace mpemu::emulator
