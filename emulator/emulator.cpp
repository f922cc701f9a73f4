// The emulator: state, services, routing, and the operations behind the admin API.
#include "emulator/emulator.hpp"

#include <chrono>
#include <cmath>
#include <thread>

#include "core/text.hpp"
#include "core/time_format.hpp"
#include "core/tls.hpp"
#include "emulator/admin/admin_routes.hpp"
#include "emulator/admission.hpp"
#include "emulator/front.hpp"
#include "emulator/server.hpp"
#include "emulator/state/fixture_loader.hpp"
#include "emulator/version.hpp"

namespace mpemu::emulator {

Emulator::Emulator(const ServeOptions& options)
    : options_(options), ids_(options.seed), journal_(options.journal_size) {
    log_.set_format(options.log_format);
    log_.set_level(options.log_level);
}

Emulator::~Emulator() {
    stop_maintainer();
    if (front_) front_->stop();
    for (auto& s : services_) s->stop();
    if (outbox_) outbox_->stop();
}

std::shared_ptr<const state::FixtureSet> Emulator::fixtures() const {
    std::lock_guard lock(fixtures_mu_);
    return fixtures_;
}

std::vector<state::Migration> Emulator::all_migrations() const {
    std::vector<state::Migration> all = state::Outbox::migrations();
    for (const auto& s : services_) {
        auto m = s->migrations();
        all.insert(all.end(), m.begin(), m.end());
    }
    return all;
}

core::Result<std::unique_ptr<state::Database>> Emulator::build_pristine(const state::FixtureSet& set) {
    auto db = state::Database::open_memory();
    if (!db) return db.error();
    auto st = (*db)->migrate(all_migrations());
    if (!st) return st.error();
    try {
        (*db)->write([&](state::Conn& c) {
            for (const auto& s : services_) s->seed(c, set);
            c.exec("INSERT OR REPLACE INTO mpemu_meta(key, value) VALUES('fixtures', ?)", {set.name});
        });
    } catch (const state::SqlError& e) {
        return core::make_error("seed", std::string("seeding the fixture set failed: ") + e.what());
    }
    return std::move(*db);
}

core::Result<std::unique_ptr<Emulator>> Emulator::create(const ServeOptions& options, core::Diagnostics& diags) {
    std::unique_ptr<Emulator> emu(new Emulator(options));
    emu->services_ = make_services();
    auto set = state::load_fixture_set(options.fixtures_dir, emu->services_, diags);
    if (!set) return core::make_error("fixtures", "the fixture set " + options.fixtures_dir + " is invalid");
    emu->fixtures_ = set;

    auto pristine = emu->build_pristine(*set);
    if (!pristine) return pristine.error();
    emu->pristine_ = std::move(*pristine);

    auto st = emu->open_state(diags);
    if (!st) return st.error();

    emu->outbox_ = std::make_unique<state::Outbox>(*emu->db_, emu->clock_, emu->log_);
    emu->outbox_->set_time_scale(options.notify_time_scale);

    admin::mount(emu->router_, *emu);
    for (auto& s : emu->services_) s->mount(emu->router_, *emu);
    emu->started_wall_ms_ = core::to_unix_ms(core::Clock::wall_now());
    return emu;
}

core::Status Emulator::open_state(core::Diagnostics& diags) {
    if (options_.state_file.empty()) {
        auto db = state::Database::open_memory();
        if (!db) return db.error();
        db_ = std::move(*db);
    } else {
        auto db = state::Database::open_file(options_.state_file, options_.durability);
        if (!db) return db.error();
        db_ = std::move(*db);
    }
    if (!options_.import_file.empty()) {
        auto st = db_->import_from_file(options_.import_file);
        if (!st) return st;
        auto mig = db_->migrate(all_migrations());
        if (!mig) return mig;
        log_.info("state.imported", {{"file", options_.import_file}});
        return {};
    }
    auto mig = db_->migrate(all_migrations());
    if (!mig) return mig;
    if (db_->is_empty_of_data()) {
        // Fixtures seed an empty state only; a --state file with data keeps it.
        auto st = db_->copy_from(*pristine_);
        if (!st) return st;
        if (!db_->is_memory()) log_.info("state.seeded", {{"file", db_->path()}, {"fixtures", fixtures_->name}});
    } else {
        log_.info("state.resumed", {{"file", db_->path()}});
    }
    return {};
}

core::Result<int> Emulator::bind() {
    if (!server_) {
        server_ = std::make_unique<HttpServer>(
            options_, [this](Request& r, const Arrival& a) { return handle(r, a); },
            [this](Request& r, const RefusalInfo& info, const Arrival& a) {
                r.request_id = ids_.hex(16);
                const RouteGroup* g = router_.group_for(r.path, a.service);
                if (!g && !a.service.empty()) g = router_.group_named(a.service);
                Response res = g && g->refuse ? g->refuse(r, info) : admin::error_response("refused", info.detail);
                JournalEntry e = JournalEntry::of(r, res, g ? g->name : "", core::to_unix_ms(core::Clock::wall_now()),
                                                  clock_.now_unix_ms());
                e.transport = a.transport;
                const std::string* host = r.header("Host");
                e.host = host ? *host : a.host;
                journal_.record(std::move(e));
                return res;
            });
    }
    if (options_.proxy) {
        // The proxy port takes plain HTTP and CONNECT: the HTTP server moves to an internal loopback port
        // and the front relays plain requests to it.
        auto internal = server_->bind("127.0.0.1", 0);
        if (!internal) return internal.error();
        server_->set_arrivals(&arrivals_, true);
        auto st = bind_front("127.0.0.1", *internal);
        if (!st) return st.error();
        return port_;
    }
    auto port = server_->bind(options_.host, options_.port);
    if (!port) return port;
    port_ = *port;
    if (options_.tls || !service_port_plan().empty()) {
        server_->set_arrivals(&arrivals_, false);
        std::string upstream = options_.host == "0.0.0.0" ? "127.0.0.1" : options_.host == "::" ? "::1" : options_.host;
        auto st = bind_front(upstream, port_);
        if (!st) return st.error();
    }
    return port_;
}

std::vector<std::string> Emulator::tls_hosts() const {
    std::vector<std::string> hosts = provider_hosts();
    for (const auto& h : options_.tls_hosts) {
        if (!core::tls::host_covered(hosts, h)) hosts.push_back(h);
    }
    return hosts;
}

std::vector<std::pair<std::string, std::pair<int, int>>> Emulator::service_port_plan() const {
    // Defaults: plain HTTP on the ports after --port, TLS (with --tls) on 8444 onwards; with --port 0,
    // any free ports (tests), named on stdout and in /__admin/health.
    static const char* const kServices[] = {"wechat", "wechatpay", "alipay", "backend"};
    std::vector<std::pair<std::string, std::pair<int, int>>> plan;
    const auto& fixed = fixtures()->ports;
    for (int i = 0; i < 4; ++i) {
        const std::string name = kServices[i];
        auto it = fixed.find(name);
        if (it != fixed.end()) {
            plan.push_back({name, {it->second.http.value_or(-1), it->second.https.value_or(-1)}});
        } else if (options_.port_per_service) {
            int http = options_.port == 0 ? 0 : options_.port + 1 + i;
            int https = !options_.tls ? -1 : options_.port == 0 ? 0 : 8444 + i;
            plan.push_back({name, {http, https}});
        }
    }
    return plan;
}

core::Status Emulator::bind_front(const std::string& upstream_host, int upstream_port) {
    const auto plan = service_port_plan();
    bool service_tls = false;
    for (const auto& [name, ports] : plan) service_tls = service_tls || ports.second >= 0;
    FrontConfig config;
    config.upstream_host = upstream_host;
    config.upstream_port = upstream_port;
    auto hosts = tls_hosts();
    if (options_.tls || options_.proxy || service_tls) {
        ca_dir_ = options_.ca_dir.empty() ? core::tls::default_ca_dir() : options_.ca_dir;
        if (!core::tls::ca_exists(ca_dir_)) {
            auto st = core::tls::create_ca(ca_dir_, false);
            if (!st) return st;
            log_.info("tls.ca_created", {{"dir", ca_dir_}, {"trust", core::tls::ca_cert_path(ca_dir_)}});
        }
        // A per-service TLS port is reached as https://127.0.0.1:PORT or https://localhost:PORT, so the
        // certificate names those too; the proxy still intercepts only the providers' hostnames.
        auto cert_hosts = hosts;
        if (service_tls) {
            for (const char* local : {"localhost", "127.0.0.1", "::1"}) {
                if (!core::tls::host_covered(cert_hosts, local)) cert_hosts.emplace_back(local);
            }
        }
        auto leaf = core::tls::mint_leaf(ca_dir_, cert_hosts);
        if (!leaf) return leaf.error();
        auto ctx = core::tls::ServerContext::create(*leaf, cert_hosts);
        if (!ctx) return ctx.error();
        config.tls = std::shared_ptr<core::tls::ServerContext>(std::move(*ctx));
    }
    config.policy = {hosts, options_.proxy_only_providers, options_.admin_token};
    config.handshake_timeout_ms = options_.tls_handshake_timeout_ms;
    config.idle_timeout_ms = options_.relay_idle_timeout_ms;
    config.max_connections = options_.max_relays;
    front_ =
        std::make_unique<Front>(std::move(config), arrivals_, [this](JournalEntry e) { record_front(std::move(e)); });
    if (options_.proxy) {
        auto port = front_->listen(Front::Kind::kProxy, options_.host, options_.port);
        if (!port) return port.error();
        port_ = *port;
    }
    if (options_.tls) {
        auto port = front_->listen(Front::Kind::kTls, options_.host, options_.tls_port);
        if (!port) return port.error();
        tls_port_ = *port;
    }
    service_ports_.clear();
    for (const auto& [name, ports] : plan) {
        ServicePort bound{name, 0, 0};
        if (ports.first >= 0) {
            auto port = front_->listen(Front::Kind::kPlain, options_.host, ports.first, name);
            if (!port) return core::make_error("bind", name + " port: " + port.error().message);
            bound.http = *port;
        }
        if (ports.second >= 0) {
            auto port = front_->listen(Front::Kind::kTls, options_.host, ports.second, name);
            if (!port) return core::make_error("bind", name + " TLS port: " + port.error().message);
            bound.https = *port;
        }
        service_ports_.push_back(bound);
    }
    return {};
}

void Emulator::record_front(JournalEntry e) {
    e.id = ids_.hex(16);
    e.started_ms = core::to_unix_ms(core::Clock::wall_now());
    e.emulated_ms = clock_.now_unix_ms();
    if (e.status != 200) {
        log_.warn("front.refused", {{"operation", e.operation_id},
                                    {"target", e.target},
                                    {"client", e.remote_addr},
                                    {"status", e.status},
                                    {"detail", e.response_body}});
    }
    journal_.record(std::move(e));
}

void Emulator::run() {
    for (auto& s : services_) s->start(*this);
    outbox_->start(options_.notify_workers);
    // Purges follow the emulator clock: at once when it is moved, else every few seconds of real time.
    clock_.on_change([this] { maintain(); });
    maintainer_ = std::thread([this] {
        constexpr auto kMaintainEvery = std::chrono::seconds(10);
        std::unique_lock lock(maintain_mu_);
        while (!maintain_cv_.wait_for(lock, kMaintainEvery, [this] { return maintain_stop_; })) {
            lock.unlock();
            maintain();
            lock.lock();
        }
    });
    if (front_) front_->start();
    server_->listen();
    stop_maintainer();
    if (front_) front_->stop();
    // Stopped: in-flight requests have finished. Flush background work and state.
    for (auto& s : services_) s->stop();
    outbox_->stop();
    if (!db_->is_memory()) {
        try {
            db_->read([](state::Conn& c) { c.exec_script("PRAGMA wal_checkpoint(TRUNCATE);"); });
        } catch (const state::SqlError&) {
        }
    }
}

void Emulator::stop_maintainer() {
    {
        std::lock_guard lock(maintain_mu_);
        maintain_stop_ = true;
    }
    maintain_cv_.notify_all();
    if (maintainer_.joinable()) maintainer_.join();
}

size_t Emulator::maintain() {
    constexpr long long kReplayWindowMs = 24LL * 3600 * 1000;
    long long now = clock_.now_unix_ms();
    Service::Purge purge;
    purge.expired_before_ms = now - kReplayWindowMs;
    if (options_.retain_ms > 0) purge.retain_before_ms = now - options_.retain_ms;
    size_t rows = 0;
    try {
        for (auto& s : services_) rows += s->purge(*db_, purge);
        if (purge.retain_before_ms > 0) rows += outbox_->purge_finished(purge.retain_before_ms);
    } catch (const std::exception& e) {
        log_.warn("maintain.failed", {{"error", e.what()}});
    }
    if (rows > 0) log_.debug("maintain.purged", {{"rows", rows}, {"retain_ms", options_.retain_ms}});
    return rows;
}

void Emulator::stop() {
    // The front first: its relays end, so the HTTP server's workers see their connections close.
    if (front_) front_->stop();
    if (!server_) return;
    auto drain = std::chrono::milliseconds(options_.drain_timeout_ms);
    size_t cut = server_->stop(drain, [this] {
        std::lock_guard lock(cut_mu_);
        cut_ = true;
        cut_cv_.notify_all();
    });
    if (cut > 0) log_.warn("serve.drain_cut", {{"requests", cut}, {"drain_timeout_ms", options_.drain_timeout_ms}});
}

std::string Emulator::base_url() const {
    std::string host = options_.host.find(':') != std::string::npos ? "[" + options_.host + "]" : options_.host;
    if (host == "0.0.0.0") host = "127.0.0.1";
    return "http://" + host + ":" + std::to_string(port_);
}

Response Emulator::handle(Request& req, const Arrival& arrival) {
    auto started = std::chrono::steady_clock::now();
    long long started_wall = core::to_unix_ms(core::Clock::wall_now());
    if (req.request_id.empty()) req.request_id = ids_.hex(16);
    auto m = router_.match(req.method, req.path, arrival.service);
    const RouteGroup* g = m.group;
    // On a service's own port, a path no route of that service owns is refused in that service's protocol.
    if (!g && !arrival.service.empty()) g = router_.group_named(arrival.service);
    const bool is_admin_group = g && g->name == "admin";
    Response res;
    auto run_guarded = [&](const Handler& h) {
        if (g && g->guard) {
            if (auto denied = g->guard(req)) {
                res = std::move(*denied);
                return;
            }
        }
        if (!req.body.empty()) {
            auto first = req.body.find_first_not_of(" \t\r\n");
            if (first != std::string::npos && (req.body[first] == '{' || req.body[first] == '[') &&
                core::json_nesting_depth(req.body) > options_.max_json_depth) {
                res = g->refuse(req, {Refusal::kTooDeep,
                                      "JSON nesting deeper than " + std::to_string(options_.max_json_depth) + " levels",
                                      {}});
                return;
            }
        }
        if (!is_admin_group && !faults_.empty()) {
            if (auto fault = faults_.match(req)) {
                if (fault->delay.count() > 0) {
                    // Waiting is not work: other requests may run meanwhile. A graceful stop that outlasts
                    // --drain-timeout cuts the wait, and the connection.
                    AdmissionGate::Unheld unheld;
                    std::unique_lock lock(cut_mu_);
                    if (cut_cv_.wait_for(lock, fault->delay, [&] { return cut_; })) {
                        res.drop = true;
                        return;
                    }
                }
                if (fault->drop) {
                    res.drop = true;
                    return;
                }
                if (fault->response) {
                    res = *fault->response;
                    return;
                }
            }
        }
        try {
            res = h(req);
        } catch (const std::exception& e) {
            log_.error("handler.failed", {{"operation", req.operation_id}, {"error", e.what()}});
            res = g->refuse(req, {Refusal::kInternal, e.what(), {}});
        }
    };
    if (m.operation) {
        req.operation_id = m.operation->id;
        req.path_params = std::move(m.params);
        run_guarded(m.operation->handler);
    } else if (auto denied = g && g->guard ? g->guard(req) : std::nullopt) {
        // A guarded group (the admin API) checks the caller before saying what exists: an unknown path
        // answered 404 to a caller without the token.
        res = std::move(*denied);
    } else if (g && !m.allowed_methods.empty()) {
        res = g->refuse(req, {Refusal::kMethodNotAllowed,
                              req.method + " is not allowed here; use " + core::join(m.allowed_methods, " or "),
                              m.allowed_methods});
    } else if (g && g->fallback) {
        req.operation_id = g->fallback_operation_id;
        run_guarded(g->fallback);
    } else if (g) {
        std::string why = req.method + " " + req.path + " is not emulated";
        const RouteGroup* owner = arrival.service.empty() ? nullptr : router_.group_for(req.path);
        if (owner && !Router::in_service(*owner, arrival.service)) {
            // The provider's own "not emulated" reply does not say why; the log does.
            why = req.method + " " + req.path + " is " + owner->name + "'s, and this port serves " + arrival.service +
                  " only: use the main port " + std::to_string(port_) + " or " + owner->name + "'s own port";
            log_.warn("request.wrong_port", {{"target", req.path}, {"detail", why}});
        }
        res = g->refuse(req, {Refusal::kNotEmulated, why, {}});
    } else {
        std::vector<std::string> prefixes;
        for (const auto& gr : router_.groups()) {
            for (const auto& p : gr->prefixes) prefixes.push_back(p);
        }
        res = admin::error_response("not_found", "no emulated service serves " + req.method + " " + req.path +
                                                     "; emulated paths start with " + core::join(prefixes, ", "));
    }
    double latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    const bool is_admin = is_admin_group;
    // Admin calls are journaled too (group "admin", listed only when asked for: Journal::Filter), except
    // reads of the journal itself, which would fill it with its own echo.
    const bool journal_read = req.operation_id == "admin.requests.list" || req.operation_id == "admin.requests.har";
    if (!journal_read) {
        JournalEntry e = JournalEntry::of(req, res, g ? g->name : "", started_wall, clock_.now_unix_ms());
        e.operation_id = req.operation_id;
        e.request_body = req.body;
        e.latency_ms = latency_ms;
        e.transport = arrival.transport;
        const std::string* host = req.header("Host");
        e.host = host ? *host : arrival.host;
        journal_.record(std::move(e));
    }
    if (log_.enabled(is_admin ? core::LogLevel::kDebug : core::LogLevel::kInfo)) {
        log_.log(is_admin ? core::LogLevel::kDebug : core::LogLevel::kInfo, "request",
                 {{"method", req.method},
                  {"target", req.target.size() > 200 ? req.target.substr(0, 200) + "..." : req.target},
                  {"operation", req.operation_id},
                  {"status", res.status},
                  {"ms", std::round(latency_ms * 100) / 100}});
    }
    return res;
}

core::Status Emulator::reset(const std::string& fixtures_dir, core::Diagnostics& diags) {
    std::lock_guard lock(reset_mu_);
    auto started = std::chrono::steady_clock::now();
    std::shared_ptr<const state::FixtureSet> set = fixtures();
    if (!fixtures_dir.empty()) {
        auto loaded = state::load_fixture_set(fixtures_dir, services_, diags);
        if (!loaded) return core::make_error("fixtures", "the fixture set " + fixtures_dir + " is invalid");
        auto pristine = build_pristine(*loaded);
        if (!pristine) return pristine.error();
        pristine_ = std::move(*pristine);
        set = loaded;
    }
    auto st = db_->copy_from(*pristine_);
    if (!st) return st;
    {
        std::lock_guard flock(fixtures_mu_);
        fixtures_ = set;
    }
    clock_.reset();
    faults_.clear();
    for (auto& s : services_) s->on_reset();
    outbox_->wake();
    last_reset_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    log_.info("state.reset", {{"fixtures", set->name}, {"ms", last_reset_ms_.load()}});
    return {};
}

core::Status Emulator::save_snapshot(const std::string& name) {
    auto copy = db_->clone_to_memory();
    if (!copy) return copy.error();
    std::lock_guard lock(snapshots_mu_);
    snapshots_[name] = std::move(*copy);
    return {};
}

core::Status Emulator::restore_snapshot(const std::string& name) {
    std::lock_guard lock(snapshots_mu_);
    auto it = snapshots_.find(name);
    if (it == snapshots_.end()) return core::make_error("not_found", "no snapshot named \"" + name + "\"");
    auto st = db_->copy_from(*it->second);
    if (!st) return st;
    for (auto& s : services_) s->on_reset();
    outbox_->wake();
    return {};
}

core::Status Emulator::delete_snapshot(const std::string& name) {
    std::lock_guard lock(snapshots_mu_);
    if (snapshots_.erase(name) == 0) return core::make_error("not_found", "no snapshot named \"" + name + "\"");
    return {};
}

core::Status Emulator::export_snapshot(const std::string& name, const std::string& path) {
    if (name.empty()) return db_->export_to_file(path);
    std::lock_guard lock(snapshots_mu_);
    auto it = snapshots_.find(name);
    if (it == snapshots_.end()) return core::make_error("not_found", "no snapshot named \"" + name + "\"");
    return it->second->export_to_file(path);
}

std::vector<std::string> Emulator::snapshot_names() const {
    std::lock_guard lock(snapshots_mu_);
    std::vector<std::string> out;
    for (const auto& [k, v] : snapshots_) out.push_back(k);
    return out;
}

core::Json Emulator::fixtures_summary() const {
    auto set = fixtures();
    core::Json j;
    j["name"] = set->name;
    j["dir"] = set->dir;
    j["users"] = core::Json::array();
    for (const auto& s : services_) s->summarize(*set, j);
    return j;
}

core::Json Emulator::health() const {
    core::Json j;
    j["status"] = "ok";
    j["version"] = version();
    j["fixtures"] = fixtures()->name;
    j["uptime_ms"] = core::to_unix_ms(core::Clock::wall_now()) - started_wall_ms_;
    if (!service_ports_.empty()) {
        core::Json ports = core::Json::object();
        for (const auto& p : service_ports_) {
            core::Json one = core::Json::object();
            if (p.http) one["http"] = p.http;
            if (p.https) one["https"] = p.https;
            ports[p.service] = one;
        }
        j["ports"] = ports;
    }
    return j;
}

}  // namespace mpemu::emulator
