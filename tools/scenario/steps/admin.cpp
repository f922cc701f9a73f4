// The `admin` step: an admin API operation checked against the catalog when parsed, sent to the
// emulator, and required to answer 2xx unless the step asserts on the status itself.
#include "tools/scenario/steps/admin.hpp"

#include <set>

#include "core/text.hpp"
#include "emulator/admin/catalog.hpp"
#include "tools/scenario/parser.hpp"
#include "tools/scenario/steps/common.hpp"

namespace mpemu::scenario {

using core::Json;

bool parse_admin(ParseContext& ctx, const std::string& ptr, Step& step) {
    const Json& s = ctx.at(ptr);
    std::string name = s["admin"].get<std::string>();
    std::string id = resolve_admin_alias(name);
    const auto* op = admin::find_operation(id);
    if (!op) {
        auto guess = core::did_you_mean(name, admin_step_names());
        ctx.error(
            core::pointer_append(ptr, "admin"), "unknown admin operation \"" + name + "\"",
            guess ? "did you mean \"" + *guess + "\"?" : "see GET /__admin/operations or emulator/admin/catalog.cpp");
        return false;
    }
    AdminSpec spec;
    spec.op = std::string(op->id);
    spec.method = std::string(op->method);
    spec.path = std::string(op->path);
    if (s.contains("params")) {
        spec.params = ctx.ordered(core::pointer_append(ptr, "params"));
        ctx.check_templates(spec.params, core::pointer_append(ptr, "params"));
    }
    if (s.contains("query")) {
        spec.query = ctx.ordered(core::pointer_append(ptr, "query"));
        ctx.check_templates(spec.query, core::pointer_append(ptr, "query"));
    }
    if (s.contains("body")) {
        spec.body = ctx.ordered(core::pointer_append(ptr, "body"));
        ctx.check_templates(*spec.body, core::pointer_append(ptr, "body"));
    }
    // Every {placeholder} of the path needs a param; every param needs a placeholder.
    std::set<std::string> placeholders;
    for (size_t i = spec.path.find('{'); i != std::string::npos; i = spec.path.find('{', i + 1)) {
        size_t e = spec.path.find('}', i);
        placeholders.insert(spec.path.substr(i + 1, e - i - 1));
    }
    for (const auto& p : placeholders) {
        if (!spec.params.contains(p)) {
            ctx.error(core::pointer_append(ptr, "admin"), "admin operation " + spec.op + " (" + spec.method + " " +
                                                              spec.path + ") needs \"params\": {\"" + p + "\": ...}");
        }
    }
    for (auto it = spec.params.begin(); it != spec.params.end(); ++it) {
        if (!placeholders.count(it.key())) {
            std::vector<std::string> c(placeholders.begin(), placeholders.end());
            auto guess = core::did_you_mean(it.key(), c);
            ctx.error(core::pointer_append(core::pointer_append(ptr, "params"), it.key()),
                      "the path " + spec.path + " has no {" + it.key() + "}",
                      guess ? "did you mean \"" + *guess + "\"?" : std::string(), true);
        }
    }
    if (step.name.empty()) step.name = "admin " + spec.op;
    step.spec = std::move(spec);
    return true;
}

// The path comes from the admin catalog, placeholders filled from params.
core::Result<core::HttpRequest> build_admin(const Step& step, const Lookup& lookup, const BuildContext& ctx) {
    const AdminSpec& spec = *step.as<AdminSpec>();
    core::HttpRequest req;
    std::string path = spec.path;
    auto params = render_json(spec.params, lookup);
    if (!params) return params.error();
    for (auto it = params->begin(); it != params->end(); ++it) {
        path = core::replace_all(path, "{" + it.key() + "}", core::url_encode(to_text(it.value())));
    }
    req.method = spec.method;
    req.url = steps::join_url(ctx.emulator, path);
    if (auto st = steps::append_query(spec.query, lookup, req.url); !st) return st.error();
    if (spec.body) {
        if (auto st = steps::set_json_body(*spec.body, lookup, req); !st) return st.error();
    }
    if (!ctx.admin_token.empty()) req.headers.emplace_back("Authorization", "Bearer " + ctx.admin_token);
    return req;
}

// An admin call that fails would make every later step fail obscurely: require a 2xx.
std::optional<CheckResult> check_admin_reply(const Step& step, const Exchange& ex) {
    for (const auto& check : step.checks) {
        if (check.subject == CheckSubject::kStatus) return std::nullopt;
    }
    CheckResult cr;
    cr.label = "status";
    cr.predicate = "2xx";
    cr.passed = ex.status >= 200 && ex.status < 300;
    cr.actual = std::to_string(ex.status);
    cr.expected = "2xx (admin call)";
    cr.where = step.where;
    if (!cr.passed) cr.message = ex.response_body.substr(0, 300);
    return cr;
}

}  // namespace mpemu::scenario
