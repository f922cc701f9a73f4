// Problem-details rendering for every error the mimic answers.
#include "emulator/backend/errors.hpp"

namespace mpemu::backend {

emulator::Response problem(int status, const std::string& code, const std::string& title, const std::string& detail,
                           const core::Json& extra) {
    core::OrderedJson body;
    body["type"] = "https://mpemu.dev/problems/" + code;
    body["title"] = title;
    body["status"] = status;
    if (!detail.empty()) body["detail"] = detail;
    for (auto it = extra.begin(); it != extra.end(); ++it)
        body[it.key()] = core::OrderedJson::parse(core::dump(it.value()));
    return emulator::Response::json(status, core::dump(body), "application/problem+json");
}

emulator::Response json_reply(int status, const core::Json& body) {
    return emulator::Response::json(status, core::dump(body));
}

}  // namespace mpemu::backend
