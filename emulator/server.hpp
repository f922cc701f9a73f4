// Binds the emulator to cpp-httplib: tuned server settings, the raw request target, limits, and
// refusals rendered in the caller's protocol.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "emulator/arrival.hpp"
#include "emulator/http.hpp"
#include "emulator/options.hpp"
#include "emulator/router.hpp"

namespace httplib {
class Server;
}

namespace mpemu::emulator {

class HttpServer {
public:
    using Dispatch = std::function<Response(Request&, const Arrival&)>;
    // Renders refusals that happen before dispatch (body too large, bad HTTP): (raw path, refusal).
    using Refuse = std::function<Response(Request&, const RefusalInfo&, const Arrival&)>;

    HttpServer(const ServeOptions& options, Dispatch dispatch, Refuse refuse);

    // Connections relayed by the TLS/proxy front are looked up here, so requests carry the real client
    // address and the way they came in. With `relays_only` (the listener is internal, behind the proxy
    // port), a connection the registry does not know is not trusted as a loopback client.
    void set_arrivals(const ArrivalRegistry* registry, bool relays_only) {
        arrivals_ = registry;
        relays_only_ = relays_only;
    }
    ~HttpServer();

    core::Result<int> bind(const std::string& host, int port);
    void listen();  // blocks until stop()
    void stop();

private:
    void close_idle_connections();
    Arrival arrival_of(Request& req) const;
    const ServeOptions& options_;
    Dispatch dispatch_;
    Refuse refuse_;
    std::unique_ptr<httplib::Server> server_;
    int fd_ = -1;
    int port_ = 0;
    std::atomic<int> inflight_{0};
    const ArrivalRegistry* arrivals_ = nullptr;
    bool relays_only_ = false;
};

}  // namespace mpemu::emulator
