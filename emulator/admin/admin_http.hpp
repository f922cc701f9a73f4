// Helpers for admin handlers: JSON in and out, errors as {"error":{"code","message"}}.
#pragma once

#include <string>
#include <string_view>

#include "core/json.hpp"
#include "emulator/http.hpp"
#include "emulator/outcome.hpp"
#include "emulator/router.hpp"

namespace mpemu::admin {

emulator::Response json_response(int status, const core::Json& body);
emulator::Response ordered_json_response(int status, const core::OrderedJson& body);
// The one map from an admin error code to its HTTP status: bad_request-like codes 400, unauthorized 401,
// forbidden 403, not_found 404, method_not_allowed 405, conflict/ambiguous/busy 409, body_too_large
// 413, headers_too_large 431. Any other code is an internal error: 500.
int status_for(std::string_view code);

// {"error":{"code","message","detail"?}} with the status status_for(code) gives.
emulator::Response error_response(const std::string& code, const std::string& message,
                                  const core::Json& detail = nullptr);
emulator::Response error_response(const core::Error& error);
emulator::Response error_response(const emulator::Failure& failure);

// The request body as a JSON object ({} when empty). Error: a ready 400 response.
core::Result<core::Json> body_object(const emulator::Request& req);

// A required string member; sets *error to a 400 response naming it when missing or not a string.
bool require_string(const core::Json& body, const char* key, std::string* out, emulator::Response* error);
// An optional string member ("" when absent); error when present but not a string.
bool optional_string(const core::Json& body, const char* key, std::string* out, emulator::Response* error);

// Adds a handler for a catalog operation to the "admin" route group.
void add(emulator::Router& router, std::string_view operation_id, emulator::Handler handler);

}  // namespace mpemu::admin
