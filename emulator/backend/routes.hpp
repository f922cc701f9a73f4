// HTTP binding of the backend mimic: one route group over the fixture's prefixes whose fallback serves
// every request (routes are data, not a fixed table), and refusals as problem+json. make_service()
// (defined in module.cpp) is the emulator::Service that services.cpp lists.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "emulator/router.hpp"
#include "emulator/service.hpp"

namespace mpemu::backend {

class Backend;

// prefixes: the loaded set's (none when it declares no backend).
void mount_routes(emulator::Router& router, Backend& backend, std::vector<std::string> prefixes);

std::unique_ptr<emulator::Service> make_service();

}  // namespace mpemu::backend
