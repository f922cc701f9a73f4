// The emulator process: owns the clock, ids, log, SQLite state, fixture set, outbox, services, router,
// journal and HTTP server, and implements the operations of the admin API.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/diagnostic.hpp"
#include "emulator/arrival.hpp"
#include "emulator/faults.hpp"
#include "emulator/journal.hpp"
#include "emulator/options.hpp"
#include "emulator/router.hpp"
#include "emulator/service.hpp"
#include "emulator/state/outbox.hpp"

namespace mpemu::emulator {

class HttpServer;
class Front;

class Emulator final : public ServiceContext {
public:
    ~Emulator() override;

    // Loads and checks the fixture set, opens the state, mounts every service. Problems in fixture
    // files are added to `diags` (and the result is an error with code "fixtures").
    static core::Result<std::unique_ptr<Emulator>> create(const ServeOptions& options, core::Diagnostics& diags);

    // Binds the listening socket (port 0 = any free port); returns the bound port.
    core::Result<int> bind();
    // Serves until stop(); returns after in-flight requests finished and state is flushed.
    void run();
    // Thread-safe and async-signal-tolerant trigger (used by SIGINT/SIGTERM handling).
    void stop();
    std::string base_url() const;
    int port() const { return port_; }
    int tls_port() const { return tls_port_; }  // 0 without --tls
    const std::string& ca_dir() const { return ca_dir_; }
    std::vector<std::string> tls_hosts() const;  // the providers' hostnames plus --tls-host

    // A service on its own ports (--port-per-service, or the fixture's "ports" block); 0 = not served.
    struct ServicePort {
        std::string service;
        int http = 0;
        int https = 0;
    };
    const std::vector<ServicePort>& service_ports() const { return service_ports_; }

    // Handles one request as the HTTP server would (also used by in-process tests and benchmarks).
    Response handle(Request& req) { return handle(req, Arrival{}); }
    Response handle(Request& req, const Arrival& arrival);

    // ---- ServiceContext ----
    core::Clock& clock() override { return clock_; }
    core::IdGenerator& ids() override { return ids_; }
    core::Logger& log() override { return log_; }
    state::Database& db() override { return *db_; }
    state::Outbox& outbox() override { return *outbox_; }
    const ServeOptions& options() const override { return options_; }
    std::shared_ptr<const state::FixtureSet> fixtures() const override;

    // ---- admin operations ----
    // Back to the seeded state; with a folder, loads that fixture set first (refused with diagnostics
    // when invalid, leaving the current state untouched).
    core::Status reset(const std::string& fixtures_dir, core::Diagnostics& diags);
    core::Status save_snapshot(const std::string& name);
    core::Status restore_snapshot(const std::string& name);
    core::Status delete_snapshot(const std::string& name);
    core::Status export_snapshot(const std::string& name, const std::string& path);  // "" name = current state
    std::vector<std::string> snapshot_names() const;
    core::Json fixtures_summary() const;
    core::Json health() const;
    Journal& journal() { return journal_; }
    Faults& faults() { return faults_; }
    Router& router() { return router_; }
    const std::vector<std::unique_ptr<Service>>& services() const { return services_; }
    double last_reset_ms() const { return last_reset_ms_; }
    // Deletes what no longer needs keeping, on the emulator clock: expired codes and tokens, and with
    // serve --retain the settled rows and finished notifications older than that (Service::purge). Runs every
    // 10 s while serving and whenever the clock is moved. Returns the rows deleted.
    size_t maintain();

private:
    explicit Emulator(const ServeOptions& options);
    core::Status open_state(core::Diagnostics& diags);
    std::vector<state::Migration> all_migrations() const;
    core::Result<std::unique_ptr<state::Database>> build_pristine(const state::FixtureSet& set);
    core::Status bind_front(const std::string& upstream_host, int upstream_port);
    // The ports each service asks for (-1 = not served), from the fixture's "ports" block or the defaults.
    std::vector<std::pair<std::string, std::pair<int, int>>> service_port_plan() const;
    void record_front(JournalEntry e);
    void stop_maintainer();

    ServeOptions options_;
    core::Clock clock_;
    core::IdGenerator ids_;
    core::Logger log_;
    std::unique_ptr<state::Database> db_;
    std::unique_ptr<state::Database> pristine_;
    std::unique_ptr<state::Outbox> outbox_;
    std::vector<std::unique_ptr<Service>> services_;
    Router router_;
    Journal journal_;
    Faults faults_;
    std::unique_ptr<HttpServer> server_;
    ArrivalRegistry arrivals_;
    std::unique_ptr<Front> front_;
    int tls_port_ = 0;
    std::string ca_dir_;
    std::vector<ServicePort> service_ports_;
    // Graceful stop: after --drain-timeout, fault delays still sleeping are cut short.
    std::mutex cut_mu_;
    std::condition_variable cut_cv_;
    bool cut_ = false;
    // The maintenance thread (maintain() every kMaintainEvery).
    std::thread maintainer_;
    std::mutex maintain_mu_;
    std::condition_variable maintain_cv_;
    bool maintain_stop_ = false;

    mutable std::mutex fixtures_mu_;
    std::shared_ptr<const state::FixtureSet> fixtures_;
    mutable std::mutex snapshots_mu_;
    std::map<std::string, std::unique_ptr<state::Database>> snapshots_;
    std::mutex reset_mu_;
    std::atomic<double> last_reset_ms_{0};
    long long started_wall_ms_ = 0;
    int port_ = 0;
};

}  // namespace mpemu::emulator
