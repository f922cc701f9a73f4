// `mpemu serve`: run the emulator until SIGINT/SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "core/embedded.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "core/time_format.hpp"
#include "emulator/emulator.hpp"
#include "tools/cli/commands.hpp"

namespace mpemu::cli {
namespace {

struct ServeArgs {
    emulator::ServeOptions options;
};

// After the first line (which tools parse), how to reach the providers' real hostnames.
void print_tls_banner(const emulator::Emulator& emu, const emulator::ServeOptions& options) {
    std::string host = options.host == "0.0.0.0" ? "127.0.0.1" : options.host;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    if (options.tls)
        std::cout << "mpemu tls listening on https://" << host << ":" << emu.tls_port() << " for "
                  << core::join(emu.tls_hosts(), ", ") << "\n";
    if (options.proxy) std::cout << "mpemu proxy: HTTPS_PROXY=" << emu.base_url() << "\n";
}

// One line per service with its own ports: "mpemu wechatpay on http://127.0.0.1:8789 https://127.0.0.1:8445".
void print_service_ports(const emulator::Emulator& emu, const emulator::ServeOptions& options) {
    std::string host = options.host == "0.0.0.0" ? "127.0.0.1" : options.host == "::" ? "::1" : options.host;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    for (const auto& p : emu.service_ports()) {
        std::cout << "mpemu " << p.service << " on";
        if (p.http) std::cout << " http://" << host << ":" << p.http;
        if (p.https) std::cout << " https://" << host << ":" << p.https;
        std::cout << "\n";
    }
    std::cout << std::flush;
}

int serve(emulator::ServeOptions& options) {
    std::string error;
    bool built_in = options.fixtures_dir.empty() && !std::filesystem::exists("fixtures/default/fixture.json");
    if (!finish_serve_options(options, &error)) {
        std::cerr << "error: " << error << "\n";
        return 2;
    }
    // Handle SIGINT/SIGTERM on one thread: block them everywhere before any thread starts.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    core::Diagnostics diags;
    auto emu = emulator::Emulator::create(options, diags);
    if (!emu) {
        if (diags.size()) std::cerr << diags.render(color_stderr());
        std::cerr << "error: " << emu.error().message << "\n";
        return 1;
    }
    auto port = (*emu)->bind();
    if (!port) {
        std::cerr << "error: " << port.error().message << "\n";
        return 1;
    }
    std::cout << "mpemu listening on " << (*emu)->base_url() << std::endl;
    if (options.tls || options.proxy) print_tls_banner(**emu, options);
    print_service_ports(**emu, options);
    if (!(*emu)->ca_dir().empty())
        std::cout << "mpemu trust this CA: " << (*emu)->ca_dir() << "/ca.pem (mpemu tls init prints how)" << std::endl;
    // Last (tools parse the lines above): which fixture set was loaded, since that depends on the folder.
    std::cout << "mpemu fixtures \"" << (*emu)->fixtures()->name << "\" from " << options.fixtures_dir
              << (built_in ? " (built in: pass --fixtures DIR or run `mpemu init` for your own)" : "") << std::endl;
    (*emu)->log().info("serve.started", {{"url", (*emu)->base_url()},
                                         {"fixtures", (*emu)->fixtures()->name},
                                         {"state", options.state_file.empty() ? "memory" : options.state_file}});

    std::thread waiter([&] {
        int sig = 0;
        sigwait(&signals, &sig);
        if (sig == SIGINT || sig == SIGTERM) (*emu)->log().info("serve.stopping", {{"signal", sig}});
        (*emu)->stop();
    });
    (*emu)->run();
    // run() returns once stopped; if it stopped for another reason, release the waiter.
    // The waiter blocks SIGTERM and takes it in sigwait(): the signal wakes it, it terminates nothing.
    pthread_kill(waiter.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
    waiter.join();
    (*emu)->log().info("serve.stopped", {});
    return 0;
}

}  // namespace

namespace {

// CLI11's own message for `--port abc` is "Could not convert: --port = abc"; this one says what is wrong.
CLI::Validator whole_number() {
    return CLI::Validator(
        [](std::string& s) -> std::string {
            bool digits = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
            return digits ? std::string() : "\"" + s + "\" is not a number (a whole number like 8787 is expected)";
        },
        "", "number");
}

}  // namespace

void add_serve_options(CLI::App& cmd, emulator::ServeOptions& o) {
    cmd.add_option("--host", o.host, "Address to listen on")->capture_default_str();
    cmd.add_option("--port", o.port, "Port (0 = any free port; the first stdout line names it)")
        ->check(whole_number())
        ->capture_default_str()
        ->check(CLI::Range(0, 65535));
    // Empty until given: finish_serve_options picks ./fixtures/default or the built-in set.
    o.fixtures_dir.clear();
    cmd.add_option("--fixtures", o.fixtures_dir,
                   "Fixture set folder (default: ./fixtures/default if it exists, else the built-in default set)");
    cmd.add_option("--state", o.state_file, "Keep state in this SQLite file (WAL) across restarts");
    cmd.add_option("--import", o.import_file, "Start from a snapshot exported with /__admin/snapshots/{name}/export");
    cmd.add_option_function<uint64_t>(
        "--seed", [&o](const uint64_t& s) { o.seed = s; }, "Make generated ids deterministic");
    cmd.add_option_function<std::string>(
           "--log-format",
           [&o](const std::string& f) { o.log_format = f == "json" ? core::LogFormat::kJson : core::LogFormat::kText; },
           "text or json (JSON lines)")
        ->check(CLI::IsMember({"text", "json"}));
    cmd.add_option_function<std::string>(
           "--log-level", [&o](const std::string& l) { core::parse_log_level(l, &o.log_level); },
           "debug, info, warn, error or off")
        ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));
    cmd.add_option("--journal-size", o.journal_size, "Requests kept in the journal")
        ->check(whole_number())
        ->capture_default_str();
    cmd.add_option("--admin-token", o.admin_token,
                   "Require \"Authorization: Bearer T\" on /__admin calls (and allow non-loopback clients)");
    cmd.add_option("--notify-time-scale", o.notify_time_scale,
                   "Scale of notification retry waits (0.001 = 1000x faster)")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd.add_option("--max-body", o.max_body_bytes, "Largest request body in bytes")
        ->check(whole_number())
        ->capture_default_str();
    cmd.add_option("--max-json-depth", o.max_json_depth, "Deepest JSON nesting accepted")
        ->check(whole_number())
        ->capture_default_str();
    cmd.add_option("--threads", o.threads,
                   "Most worker threads (one per open connection; the pool grows to this and shrinks when idle)")
        ->check(whole_number())
        ->capture_default_str()
        ->check(CLI::Range(1, 4096));
    // `serve` leaves the admission gate open by default: a gate at the core count costs a quarter to a third
    // of the throughput (bench/e2e/admission.sh); see emulator/README.md.
    o.max_running = 1024;
    cmd.add_option("--max-running", o.max_running,
                   "Requests handled at once; the rest wait their turn in order (0 = number of cores, at least 2)")
        ->check(whole_number())
        ->capture_default_str()
        ->check(CLI::Range(0, 4096));
    cmd.add_option("--read-timeout-ms", o.read_timeout_ms,
                   "Longest wait for the next bytes of a request (and a body's grace period)")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600000));
    cmd.add_option("--head-timeout-ms", o.head_timeout_ms,
                   "A request line and headers must arrive whole within this, or the connection is closed")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600000));
    cmd.add_option("--min-body-rate", o.min_body_rate, "Bytes per second a request body must keep up")
        ->capture_default_str()
        ->check(CLI::Range(size_t{1}, size_t{1} << 40));
    cmd.add_option_function<int>(
           "--drain-timeout", [&o](const int& s) { o.drain_timeout_ms = s * 1000; },
           "Seconds a graceful stop waits for requests in flight before cutting them (default 30)")
        ->check(CLI::Range(0, 3600));
    cmd.add_option_function<std::string>(
        "--retain",
        [&o](const std::string& d) {
            auto ms = core::parse_duration(d);
            if (!ms || ms->count() <= 0)
                throw CLI::ValidationError("--retain", "\"" + d + "\" is not a duration like 30m, 12h or 7d");
            o.retain_ms = ms->count();
        },
        "Delete settled orders, refunds and delivered notifications whose last change is older than this on "
        "the emulator clock (e.g. 1h, 7d; default: keep everything, as the providers do)");
    cmd.add_flag("--tls", o.tls, "Also serve HTTPS at the providers' real hostnames (map them to this host)");
    cmd.add_option("--tls-port", o.tls_port, "Port of --tls (0 = any free port)")
        ->check(whole_number())
        ->capture_default_str()
        ->check(CLI::Range(0, 65535));
    cmd.add_option("--tls-host", o.tls_hosts, "One more hostname for the certificate and the proxy (repeatable)");
    cmd.add_flag("--proxy", o.proxy,
                 "Accept CONNECT on --port: an HTTPS proxy that serves the providers' hostnames itself");
    cmd.add_flag("--proxy-only-providers", o.proxy_only_providers,
                 "With --proxy: refuse to tunnel to any other host (loopback clients may otherwise)");
    cmd.add_flag("--port-per-service", o.port_per_service,
                 "Also serve each service on its own port: --port+1.. (wechat, wechatpay, alipay, backend), and with "
                 "--tls on 8444.. (a fixture's \"ports\" block picks others)");
    cmd.add_option("--ca-dir", o.ca_dir, "Local CA folder for --tls/--proxy (default: ~/.local/share/mpemu/ca)");
    cmd.add_option_function<std::string>(
           "--sync",
           [&o](const std::string& s) {
               o.durability = s == "full" ? state::Durability::kFull : state::Durability::kNormal;
           },
           "With --state: normal (survives a process crash) or full (also power loss; slower)")
        ->check(CLI::IsMember({"normal", "full"}));
}

namespace {

// Without --fixtures: ./fixtures/default (a checkout of mpemu, or a folder `mpemu init` wrote), else the set
// built into the binary, so `mpemu serve` works from any folder.
bool resolve_fixtures(emulator::ServeOptions& o, std::string* error) {
    if (!o.fixtures_dir.empty()) return true;
    std::error_code ec;
    if (std::filesystem::is_regular_file("fixtures/default/fixture.json", ec)) {
        o.fixtures_dir = "fixtures/default";
        return true;
    }
    auto dir = core::embedded_default_fixtures_dir();
    if (!dir) {
        *error = "no --fixtures given, no ./fixtures/default here, and the built-in default set cannot be extracted: " +
                 dir.error().message;
        return false;
    }
    o.fixtures_dir = *dir;
    return true;
}

}  // namespace

bool finish_serve_options(emulator::ServeOptions& o, std::string* error) {
    if (!o.import_file.empty() && !o.state_file.empty()) {
        // Importing into a state file replaces its content: allowed, but say so.
    }
    if (o.max_json_depth < 1) {
        *error = "--max-json-depth must be at least 1";
        return false;
    }
    if (o.proxy_only_providers && !o.proxy) {
        *error = "--proxy-only-providers needs --proxy";
        return false;
    }
    if (o.max_body_bytes < 1024) {
        *error = "--max-body must be at least 1024 bytes";
        return false;
    }
    return resolve_fixtures(o, error);
}

void add_serve(CLI::App& app, int* exit_code) {
    auto* cmd = app.add_subcommand("serve", "Run the emulator: WeChat, WeChat Pay and Alipay on one port");
    auto args = std::make_shared<ServeArgs>();
    add_serve_options(*cmd, args->options);
    cmd->footer(
        "Examples:\n"
        "  mpemu serve                                   ./fixtures/default (else the built-in set) on :8787\n"
        "  mpemu serve --fixtures fixtures/default       a fixture set folder (mpemu init writes one)\n"
        "  mpemu serve --port 0 --seed 42                any free port, reproducible ids\n"
        "  mpemu serve --state dev.sqlite                keep state across restarts\n"
        "  mpemu serve --notify-time-scale 0.001         notification retries 1000x faster\n"
        "  mpemu serve --retain 1h                       forget settled orders an hour after their last change\n"
        "  mpemu serve --admin-token s3cret --host 0.0.0.0\n"
        "  mpemu serve --proxy                           also an HTTPS proxy: HTTPS_PROXY=http://127.0.0.1:8787\n"
        "  mpemu serve --tls --tls-port 443              https://api.weixin.qq.com etc. (map them to 127.0.0.1)\n"
        "  mpemu serve --port-per-service                also wechat on :8788, wechatpay :8789, alipay :8790, backend "
        ":8791\n"
        "Then: curl http://127.0.0.1:8787/__admin/health\n"
        "Exit status: 0 stopped by SIGINT or SIGTERM; 1 could not start (fixture set, port); 2 wrong usage.");
    cmd->callback([args, exit_code] { *exit_code = serve(args->options); });
}

}  // namespace mpemu::cli
