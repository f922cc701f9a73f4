// Integration-test helpers: a real `mpemu serve --port 0` child process, HTTP calls to it, and a
// loopback HTTP sink that receives notifications.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/http_client.hpp"
#include "core/json.hpp"
#include "tests/support/process.hpp"

namespace httplib {
class Server;
}

namespace mpemu::testing {

std::string source_dir();            // repository root
std::string default_fixtures_dir();  // <root>/fixtures/default
std::string temp_dir();              // a fresh empty folder under /tmp, removed at exit

class EmulatorProcess {
public:
    // Starts `mpemu serve --port 0 --fixtures <fixtures> --log-level warn <extra_args...>` and waits
    // for the "mpemu listening on" line. REQUIREs that it starts.
    explicit EmulatorProcess(std::vector<std::string> extra_args = {}, std::string fixtures = default_fixtures_dir());
    ~EmulatorProcess();

    const std::string& url() const { return url_; }
    int port() const { return port_; }

    core::HttpResponse request(const std::string& method, const std::string& target, const std::string& body = {},
                               const core::HeaderList& headers = {});
    core::HttpResponse get(const std::string& target, const core::HeaderList& headers = {}) {
        return request("GET", target, {}, headers);
    }
    core::HttpResponse post(const std::string& target, const std::string& body, const core::HeaderList& headers = {}) {
        return request("POST", target, body, headers);
    }
    // Admin call; REQUIREs a 2xx reply and returns the parsed JSON body (null for an empty body).
    core::Json admin(const std::string& method, const std::string& path, const core::Json& body = nullptr);

    // SIGTERM and wait; returns the exit code.
    int stop(std::chrono::milliseconds timeout = std::chrono::seconds(15));
    void kill_now();  // SIGKILL, as a crash
    std::string stderr_text();
    ChildProcess& process() { return proc_; }

private:
    ChildProcess proc_;
    std::string url_;
    int port_ = 0;
    std::unique_ptr<core::HttpClient> client_;
};

// A loopback HTTP server that records every request it receives and answers from a script.
class HttpSink {
public:
    struct Received {
        std::string method;
        std::string target;
        core::HeaderList headers;
        std::string body;
        const std::string* header(std::string_view name) const { return core::find_header(headers, name); }
    };
    struct Reply {
        int status = 200;
        std::string body;
        std::string content_type = "text/plain";
        std::chrono::milliseconds delay{0};
    };

    HttpSink();
    ~HttpSink();
    std::string url(const std::string& path = "/notify") const;
    // Replies for the 1st, 2nd, ... request; after the script runs out, `fallback` answers.
    void script(std::vector<Reply> replies, Reply fallback);
    void script(std::vector<Reply> replies) { script(std::move(replies), Reply()); }
    // Waits until at least n requests arrived; returns them all.
    std::vector<Received> wait_for(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    std::vector<Received> received();

private:
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<Received> received_;
    std::vector<Reply> script_;
    Reply fallback_;
};

}  // namespace mpemu::testing
