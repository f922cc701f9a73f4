// The emulator::Service of the backend mimic: its tables, its part of fixture.json, its route group, and
// the log warning for actions this build cannot run. services.cpp lists it through make_service().
#include <memory>

#include "emulator/backend/fixture.hpp"
#include "emulator/backend/module.hpp"
#include "emulator/backend/routes.hpp"
#include "emulator/backend/store.hpp"
#include "emulator/service.hpp"

namespace mpemu::backend {
namespace {

class BackendService final : public emulator::Service {
public:
    std::string name() const override { return "backend"; }
    std::vector<state::Migration> migrations() const override;
    std::shared_ptr<const state::FixtureSection> load_fixture(state::FixtureReader& reader) const override;
    void seed(state::Conn& conn, const state::FixtureSet& set) const override;
    void mount(emulator::Router& router, emulator::ServiceContext& ctx) override;
    void summarize(const state::FixtureSet& set, core::Json& summary) const override;

private:
    std::unique_ptr<Backend> backend_;
};

std::vector<state::Migration> BackendService::migrations() const {
    return backend::migrations();
}

std::shared_ptr<const state::FixtureSection> BackendService::load_fixture(state::FixtureReader& reader) const {
    return load_fixture_config(reader);
}

void BackendService::seed(state::Conn& conn, const state::FixtureSet& set) const {
    if (auto cfg = set.section<BackendConfig>("backend")) backend::seed(conn, *cfg);
}

void BackendService::summarize(const state::FixtureSet& set, core::Json& summary) const {
    if (auto cfg = set.section<BackendConfig>("backend")) backend::summarize(*cfg, summary);
}

void BackendService::mount(emulator::Router& router, emulator::ServiceContext& ctx) {
    backend_ = std::make_unique<Backend>(ctx);
    auto set = ctx.fixtures();
    auto cfg = set ? set->section<BackendConfig>("backend") : nullptr;
    mount_routes(router, *backend_, cfg ? cfg->prefixes : std::vector<std::string>{});
    if (cfg) {
        for (const auto& r : cfg->routes) {
            if (!r.action.unavailable.empty())
                ctx.log().warn("backend.action_unavailable", {{"route", r.name}, {"reason", r.action.unavailable}});
        }
    }
}

}  // namespace

std::unique_ptr<emulator::Service> make_service() {
    return std::make_unique<BackendService>();
}

}  // namespace mpemu::backend
