// Admin JSON helpers.
#include "emulator/admin/admin_http.hpp"

#include <stdexcept>

#include "emulator/admin/catalog.hpp"

namespace mpemu::admin {

emulator::Response json_response(int status, const core::Json& body) {
    return emulator::Response::json(status, core::dump(body));
}

emulator::Response ordered_json_response(int status, const core::OrderedJson& body) {
    return emulator::Response::json(status, core::dump(body));
}

int status_for(std::string_view code) {
    struct Entry {
        std::string_view code;
        int status;
    };
    static constexpr Entry kStatuses[] = {
        {"bad_request", 400}, {"bad_json", 400},           {"too_deep", 400},     {"invalid_fixtures", 400},
        {"seed", 400},        {"bad_snapshot", 400},       {"unauthorized", 401}, {"forbidden", 403},
        {"not_found", 404},   {"method_not_allowed", 405}, {"conflict", 409},     {"ambiguous", 409},
        {"busy", 409},        {"body_too_large", 413},     {"refused", 413},      {"headers_too_large", 431},
    };
    for (const auto& e : kStatuses) {
        if (e.code == code) return e.status;
    }
    return 500;
}

emulator::Response error_response(const std::string& code, const std::string& message, const core::Json& detail) {
    core::OrderedJson err = {{"code", code}, {"message", message}};
    if (!detail.is_null()) err["detail"] = core::OrderedJson::parse(detail.dump());
    return ordered_json_response(status_for(code), core::OrderedJson{{"error", err}});
}

emulator::Response error_response(const core::Error& error) {
    return error_response(error.code, error.message);
}

emulator::Response error_response(const emulator::Failure& failure) {
    return error_response(failure.code, failure.message, failure.detail);
}

core::Result<core::Json> body_object(const emulator::Request& req) {
    if (req.body.empty()) return core::Json::object();
    auto j = core::parse_json(req.body);
    if (!j) return core::make_error("bad_json", "request body is not valid JSON: " + j.error().message);
    if (!j->is_object()) return core::make_error("bad_json", "request body must be a JSON object");
    return std::move(*j);
}

bool require_string(const core::Json& body, const char* key, std::string* out, emulator::Response* error) {
    auto it = body.find(key);
    if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
        *error =
            error_response("bad_request", std::string("\"") + key + "\" is required and must be a non-empty string");
        return false;
    }
    *out = it->get<std::string>();
    return true;
}

bool optional_string(const core::Json& body, const char* key, std::string* out, emulator::Response* error) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) {
        out->clear();
        return true;
    }
    if (!it->is_string()) {
        *error = error_response("bad_request", std::string("\"") + key + "\" must be a string");
        return false;
    }
    *out = it->get<std::string>();
    return true;
}

void add(emulator::Router& router, std::string_view operation_id, emulator::Handler handler) {
    const AdminOperation* op = find_operation(operation_id);
    if (!op) throw std::logic_error("admin operation not in the catalog: " + std::string(operation_id));
    router.add("admin",
               {std::string(op->method), std::string(op->path), "admin." + std::string(op->id), std::move(handler)});
}

}  // namespace mpemu::admin
