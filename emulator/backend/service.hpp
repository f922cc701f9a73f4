// The mimic of the app's own backend: routes requests under the fixture's prefixes to stub routes,
// CRUD collections and login/pay actions, validated against the app's OpenAPI document.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "emulator/backend/config.hpp"
#include "emulator/service.hpp"

namespace mpemu::backend {

// One request being served: what handlers, templates and actions need.
struct Call {
    emulator::Request& req;
    const BackendConfig& cfg;
    std::map<std::string, std::string> params;
    core::Json body;  // parsed JSON body (null when none or not JSON)
    bool body_is_json = false;
    bool body_parse_failed = false;
    std::optional<core::Json> claims;  // verified JWT claims
};

class BackendService final : public emulator::Service {
public:
    std::string name() const override { return "backend"; }
    std::vector<state::Migration> migrations() const override;
    std::shared_ptr<const state::FixtureSection> load_fixture(state::FixtureReader& reader) const override;
    void seed(state::Conn& conn, const state::FixtureSet& set) const override;
    void mount(emulator::Router& router, emulator::ServiceContext& ctx) override;
    void summarize(const state::FixtureSet& set, core::Json& summary) const override;

    emulator::Response handle(emulator::Request& req);

private:
    emulator::Response dispatch(Call& call);
    emulator::Response serve_route(Call& call, const Route& route);
    emulator::Response serve_collection(Call& call, const Collection& c, bool item);
    emulator::Response not_found(Call& call);
    std::optional<emulator::Response> authenticate(Call& call, const AuthRule& rule);
    TemplateContext template_context(Call& call);
    emulator::Response run_action(Call& call, const Route& route);
    std::string base_url() const;

    emulator::ServiceContext* ctx_ = nullptr;
};

}  // namespace mpemu::backend
