// Binds the emulator to cpp-httplib: tuned server settings, the raw request target, limits, and
// refusals rendered in the caller's protocol.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "emulator/admission.hpp"
#include "emulator/arrival.hpp"
#include "emulator/http.hpp"
#include "emulator/options.hpp"
#include "emulator/router.hpp"

namespace httplib {
struct Request;
struct Response;
class ContentReader;
}  // namespace httplib

namespace mpemu::emulator {

class CoreServer;
class ElasticPool;
class RequestStream;

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
    // Stops accepting, lets in-flight requests finish for up to `drain`, then calls `cut` (which ends
    // what still waits, such as fault delays) and returns how many requests were still in flight.
    size_t stop(std::chrono::milliseconds drain, const std::function<void()>& cut);

    // Worker threads now and at most (the pool grows and shrinks with the connections).
    size_t worker_threads() const;
    size_t worker_peak() const;
    size_t running_limit() const { return gate_.permits(); }

private:
    void close_idle_connections();
    Arrival arrival_of(Request& req) const;
    void serve(const httplib::Request& in, std::string body, httplib::Response& out);
    void serve_with_body(const httplib::Request& in, httplib::Response& out, const httplib::ContentReader& read);
    void refuse_before_dispatch(Request& req, const RefusalInfo& info, int status, httplib::Response& out);
    std::string refuse_head(const RequestStream& stream);
    const ServeOptions& options_;
    Dispatch dispatch_;
    Refuse refuse_;
    AdmissionGate gate_;
    std::unique_ptr<CoreServer> server_;
    ElasticPool* pool_ = nullptr;  // owned by server_ (cpp-httplib deletes its task queue)
    int fd_ = -1;
    int port_ = 0;
    std::atomic<int> inflight_{0};
    const ArrivalRegistry* arrivals_ = nullptr;
    bool relays_only_ = false;
};

}  // namespace mpemu::emulator
