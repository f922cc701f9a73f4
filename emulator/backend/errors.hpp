// The mimic's error format: RFC 9457 problem details (application/problem+json), one renderer.
#pragma once

#include <string>

#include "core/json.hpp"
#include "emulator/http.hpp"

namespace mpemu::backend {

// {"type","title","status","detail", ...extra}; type is https://mpemu.dev/problems/<code>.
emulator::Response problem(int status, const std::string& code, const std::string& title, const std::string& detail,
                           const core::Json& extra = core::Json::object());

emulator::Response json_reply(int status, const core::Json& body);

}  // namespace mpemu::backend
