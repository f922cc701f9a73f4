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

emulator::Response error_response(int status, const std::string& code, const std::string& message,
                                  const core::Json& detail) {
    core::OrderedJson err = {{"code", code}, {"message", message}};
    if (!detail.is_null()) err["detail"] = core::OrderedJson::parse(detail.dump());
    return ordered_json_response(status, core::OrderedJson{{"error", err}});
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
        *error = error_response(400, "bad_request",
                                std::string("\"") + key + "\" is required and must be a non-empty string");
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
        *error = error_response(400, "bad_request", std::string("\"") + key + "\" must be a string");
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
