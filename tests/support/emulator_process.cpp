// Integration-test helpers: emulator child process and a notification sink.
#include "tests/support/emulator_process.hpp"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include <httplib.h>
#include <catch2/catch.hpp>

namespace mpemu::testing {

std::string source_dir() {
    return MPEMU_SOURCE_DIR;
}
std::string default_fixtures_dir() {
    return source_dir() + "/fixtures/default";
}

std::string temp_dir() {
    static std::vector<std::string> made;
    static struct Cleaner {
        ~Cleaner() {
            for (const auto& d : made) {
                std::error_code ec;
                std::filesystem::remove_all(d, ec);
            }
        }
    } cleaner;
    char tmpl[] = "/tmp/mpemu-test-XXXXXX";
    const char* d = mkdtemp(tmpl);
    REQUIRE(d != nullptr);
    made.emplace_back(d);
    return d;
}

EmulatorProcess::EmulatorProcess(std::vector<std::string> extra_args, std::string fixtures)
    : client_(std::make_unique<core::HttpClient>()) {
    std::vector<std::string> argv = {MPEMU_BINARY,        "serve",       "--port", "0", "--fixtures",
                                     std::move(fixtures), "--log-level", "warn"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    REQUIRE(proc_.start(argv));
    auto line = proc_.read_line(std::chrono::seconds(20));
    if (!line || line->rfind("mpemu listening on ", 0) != 0) {
        proc_.wait(std::chrono::seconds(2));
        FAIL("emulator did not start; stderr:\n" << proc_.drain_stderr());
    }
    url_ = line->substr(std::string("mpemu listening on ").size());
    port_ = std::stoi(url_.substr(url_.rfind(':') + 1));
}

EmulatorProcess::~EmulatorProcess() {
    if (proc_.running()) {
        proc_.signal(SIGTERM);
        if (!proc_.wait(std::chrono::seconds(10))) proc_.kill_now();
    }
}

core::HttpResponse EmulatorProcess::request(const std::string& method, const std::string& target,
                                            const std::string& body, const core::HeaderList& headers) {
    core::HttpRequest req;
    req.method = method;
    req.url = url_ + target;
    req.headers = headers;
    req.body = body;
    req.timeout = std::chrono::seconds(15);
    auto res = client_->send(req);
    if (!res) FAIL("request " << method << " " << target << " failed: " << res.error().message);
    return std::move(*res);
}

core::Json EmulatorProcess::admin(const std::string& method, const std::string& path, const core::Json& body) {
    auto res =
        request(method, path, body.is_null() ? std::string() : body.dump(), {{"Content-Type", "application/json"}});
    INFO(method << " " << path << " -> " << res.status << " " << res.body);
    REQUIRE(res.status >= 200);
    REQUIRE(res.status < 300);
    if (res.body.empty()) return nullptr;
    return core::Json::parse(res.body);
}

int EmulatorProcess::stop(std::chrono::milliseconds timeout) {
    proc_.signal(SIGTERM);
    auto code = proc_.wait(timeout);
    if (!code) {
        proc_.kill_now();
        FAIL("emulator did not stop within the timeout after SIGTERM");
    }
    return *code;
}

void EmulatorProcess::kill_now() {
    proc_.kill_now();
}

std::string EmulatorProcess::stderr_text() {
    return proc_.drain_stderr();
}

HttpSink::HttpSink() : server_(std::make_unique<httplib::Server>()) {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
        Reply reply;
        {
            std::lock_guard lock(mu_);
            Received r;
            r.method = req.method;
            r.target = req.target;
            for (const auto& [k, v] : req.headers) r.headers.emplace_back(k, v);
            r.body = req.body;
            size_t index = received_.size();
            received_.push_back(std::move(r));
            reply = index < script_.size() ? script_[index] : fallback_;
        }
        cv_.notify_all();
        if (reply.delay.count() > 0) std::this_thread::sleep_for(reply.delay);
        res.status = reply.status;
        if (!reply.body.empty()) res.set_content(reply.body, reply.content_type);
    };
    server_->Post(".*", handler);
    server_->Get(".*", handler);
    server_->set_keep_alive_max_count(1000);
    port_ = server_->bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
}

HttpSink::~HttpSink() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
}

std::string HttpSink::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void HttpSink::script(std::vector<Reply> replies, Reply fallback) {
    std::lock_guard lock(mu_);
    script_ = std::move(replies);
    fallback_ = std::move(fallback);
}

std::vector<HttpSink::Received> HttpSink::wait_for(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return received_.size() >= n; });
    return received_;
}

std::vector<HttpSink::Received> HttpSink::received() {
    std::lock_guard lock(mu_);
    return received_;
}

}  // namespace mpemu::testing
