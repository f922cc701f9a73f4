// HTTP binding of the backend mimic: one route group over the fixture's prefixes whose fallback serves
// every request (routes are data, not a fixed table): body parsing, OpenAPI validation, stub matching,
// collections and actions, each failure rendered by errors.hpp.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/backend/fixture.hpp"
#include "emulator/backend/service.hpp"
#include "emulator/outcome.hpp"
#include "emulator/router.hpp"
#include "emulator/service.hpp"

namespace mpemu::backend {

// One request being served: what handlers, templates and actions need.
struct Call {
    emulator::Request& req;
    const BackendConfig& cfg;
    std::map<std::string, std::string> params;
    JsonBody body;
    std::optional<core::Json> claims;  // verified JWT claims
};

class Backend {
public:
    explicit Backend(emulator::ServiceContext& ctx) : ctx_(&ctx), collections_(ctx) {}

    // Everything under the backend's prefixes.
    emulator::Response handle(emulator::Request& req);

private:
    emulator::Response dispatch(Call& call);
    emulator::Response serve_route(Call& call, const Route& route);
    emulator::Response serve_collection(Call& call, const Collection& c, bool item);
    emulator::Response serve_action(Call& call, const Route& route);
    emulator::Response not_found(Call& call);
    // Sets call.claims; a failure is the 401/403 to answer.
    emulator::Outcome<void> authenticate(Call& call, const AuthRule& rule);
    TemplateContext template_context(Call& call);

    // actions.cpp: login and pay actions (the JSON to answer 200 with), notify routes.
    emulator::Outcome<core::Json> login_or_pay(Call& call, const Route& route);
    emulator::Outcome<void> wechatpay_notify(Call& call, const Route& route);
    emulator::Outcome<void> alipay_notify(Call& call, const Route& route);
    std::string base_url() const;

    emulator::ServiceContext* ctx_ = nullptr;
    Collections collections_;
};

// prefixes: the loaded set's (none when it declares no backend).
void mount_routes(emulator::Router& router, Backend& backend, std::vector<std::string> prefixes);

}  // namespace mpemu::backend
