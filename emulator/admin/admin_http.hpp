// Helpers for admin handlers: JSON in and out, errors as {"error":{"code","message"}}.
#pragma once

#include <string>

#include "core/json.hpp"
#include "emulator/http.hpp"
#include "emulator/router.hpp"

namespace mpemu::admin {

emulator::Response json_response(int status, const core::Json& body);
emulator::Response ordered_json_response(int status, const core::OrderedJson& body);
emulator::Response error_response(int status, const std::string& code, const std::string& message,
                                  const core::Json& detail = nullptr);

// The request body as a JSON object ({} when empty). Error: a ready 400 response.
core::Result<core::Json> body_object(const emulator::Request& req);

// A required string member; sets *error to a 400 response naming it when missing or not a string.
bool require_string(const core::Json& body, const char* key, std::string* out, emulator::Response* error);
// An optional string member ("" when absent); error when present but not a string.
bool optional_string(const core::Json& body, const char* key, std::string* out, emulator::Response* error);

// Adds a handler for a catalog operation to the "admin" route group.
void add(emulator::Router& router, std::string_view operation_id, emulator::Handler handler);

}  // namespace mpemu::admin
