// Binds the emulator to cpp-httplib: tuned server settings, the raw request target, limits, and
// refusals rendered in the caller's protocol.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "emulator/http.hpp"
#include "emulator/options.hpp"
#include "emulator/router.hpp"

namespace httplib {
class Server;
}

namespace mpemu::emulator {

class HttpServer {
public:
    using Dispatch = std::function<Response(Request&)>;
    // Renders refusals that happen before dispatch (body too large, bad HTTP): (raw path, refusal).
    using Refuse = std::function<Response(Request&, const RefusalInfo&)>;

    HttpServer(const ServeOptions& options, Dispatch dispatch, Refuse refuse);
    ~HttpServer();

    core::Result<int> bind(const std::string& host, int port);
    void listen();  // blocks until stop()
    void stop();

private:
    void close_idle_connections();
    const ServeOptions& options_;
    Dispatch dispatch_;
    Refuse refuse_;
    std::unique_ptr<httplib::Server> server_;
    int fd_ = -1;
    int port_ = 0;
    std::atomic<int> inflight_{0};
};

}  // namespace mpemu::emulator
