// The mimic of the app's own backend: one request at a time (Call), answered by stub routes, CRUD
// collections (service.cpp) and login/pay actions (actions.cpp), after OpenAPI validation and route
// matching (routes.cpp). The mimic's answers are HTTP responses in its own format (problem+json), so its
// operations return emulator::Response rather than emulator::Outcome.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "emulator/backend/fixture.hpp"
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

class Backend {
public:
    explicit Backend(emulator::ServiceContext& ctx) : ctx_(&ctx) {}

    // routes.cpp: everything under the backend's prefixes.
    emulator::Response handle(emulator::Request& req);

private:
    // routes.cpp: validation, matching, stubs, authentication, near-miss 404s.
    emulator::Response dispatch(Call& call);
    emulator::Response serve_route(Call& call, const Route& route);
    emulator::Response not_found(Call& call);
    std::optional<emulator::Response> authenticate(Call& call, const AuthRule& rule);
    TemplateContext template_context(Call& call);
    // service.cpp: collection CRUD (filters, sort, pages, owners, protected fields).
    emulator::Response serve_collection(Call& call, const Collection& c, bool item);
    // actions.cpp: login and pay actions, notify routes.
    emulator::Response run_action(Call& call, const Route& route);
    std::string base_url() const;

    emulator::ServiceContext* ctx_ = nullptr;
};

}  // namespace mpemu::backend
