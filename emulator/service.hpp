// What every emulated service (wechat, wechatpay, alipay, backend) provides to the emulator, and
// what the emulator provides to it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "emulator/router.hpp"
#include "emulator/state/database.hpp"
#include "emulator/state/fixture_set.hpp"

namespace mpemu::state {
class Outbox;
}

namespace mpemu::emulator {

struct ServeOptions;

// Shared facilities, owned by the Emulator and valid for the services' lifetime.
class ServiceContext {
public:
    virtual ~ServiceContext() = default;
    virtual core::Clock& clock() = 0;
    virtual core::IdGenerator& ids() = 0;
    virtual core::Logger& log() = 0;
    virtual state::Database& db() = 0;
    virtual state::Outbox& outbox() = 0;
    virtual const ServeOptions& options() const = 0;
    // The fixture set currently loaded (changes on reset with another set; hold the pointer for the
    // duration of one request).
    virtual std::shared_ptr<const state::FixtureSet> fixtures() const = 0;
};

class Service {
public:
    virtual ~Service() = default;

    // Short stable name: the fixture.json section and the route group ("wechat").
    virtual std::string name() const = 0;

    // SQLite tables of this service (module = name()).
    virtual std::vector<state::Migration> migrations() const { return {}; }

    // Reads this service's part of fixture.json (already checked against the JSON Schema), loads and
    // cross-checks key files; reports problems with positions. Returns null when the set has no
    // section for this service and it is optional.
    virtual std::shared_ptr<const state::FixtureSection> load_fixture(state::FixtureReader& reader) const = 0;

    // Inserts the seeded rows for a freshly loaded set (inside the caller's transaction).
    virtual void seed(state::Conn& conn, const state::FixtureSet& set) const {}

    // Registers the route group and operations (called once at start).
    virtual void mount(Router& router, ServiceContext& ctx) = 0;

    // Adds this service's public part to GET /__admin/fixtures.
    virtual void summarize(const state::FixtureSet& set, core::Json& summary) const {}

    // What Emulator::maintain asks a service to delete (every 10 s, and whenever the emulator clock moves),
    // on the emulator clock: always, codes and tokens that expired before `expired_before_ms` (a day ago: until
    // then a replay still answers as used or expired, then as unknown); with serve --retain, rows in a
    // terminal state last changed before `retain_before_ms` (0 = keep them).
    struct Purge {
        long long expired_before_ms = 0;
        long long retain_before_ms = 0;
    };
    // Deletes in batches (state::write_in_batches), one transaction each; returns the rows deleted.
    virtual size_t purge(state::Database& db, const Purge& purge) { return 0; }

    // Background work (timers, dispatch) and in-memory state that a reset must clear.
    virtual void start(ServiceContext& ctx) {}
    virtual void stop() {}
    virtual void on_reset() {}
};

// Every service of this build, in mount order. (One list, in emulator/services.cpp.)
std::vector<std::unique_ptr<Service>> make_services();

}  // namespace mpemu::emulator
