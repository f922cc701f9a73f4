// Request handling of the backend mimic: body parsing, OpenAPI validation, stub route matching (priority,
// specificity, declaration order), authentication, stub responses and near-miss 404s.
#include "emulator/backend/routes.hpp"

#include <algorithm>
#include <thread>

#include "core/text.hpp"
#include "emulator/backend/errors.hpp"
#include "emulator/backend/protocol.hpp"
#include "emulator/backend/service.hpp"
#include "emulator/backend/store.hpp"
#include "emulator/options.hpp"

namespace mpemu::backend {

using core::Json;
using emulator::Response;
using emulator::split_path;

void mount_routes(emulator::Router& router, Backend& backend, std::vector<std::string> prefixes) {
    emulator::RouteGroup g;
    g.name = "backend";
    g.prefixes = std::move(prefixes);
    g.priority = -1;
    g.refuse = [](const emulator::Request& req, const emulator::RefusalInfo& info) {
        using emulator::Refusal;
        switch (info.kind) {
            case Refusal::kMethodNotAllowed: {
                auto r = problem(405, "method-not-allowed", "Method not allowed", info.detail);
                r.set_header("Allow", core::join(info.allowed, ", "));
                return r;
            }
            case Refusal::kBodyTooLarge:
                return problem(413, "body-too-large", "Request body too large", info.detail);
            case Refusal::kHeadersTooLarge:
                return problem(431, "headers-too-large", "Request headers too large", info.detail);
            case Refusal::kTooDeep:
                return problem(400, "too-deep", "JSON nested too deeply", info.detail);
            case Refusal::kInternal:
                return problem(500, "internal", "Internal error", info.detail);
            case Refusal::kNotEmulated:
                return problem(404, "not-found", "Not found", info.detail);
            default:
                return problem(400, "bad-request", "Bad request",
                               info.detail + " (" + req.method + " " + req.path + ")");
        }
    };
    g.fallback = [&backend](emulator::Request& req) { return backend.handle(req); };
    g.fallback_operation_id = "backend.request";
    router.add_group(std::move(g));
}

Response Backend::handle(emulator::Request& req) {
    auto set = ctx_->fixtures();
    auto cfg = set ? set->section<BackendConfig>("backend") : nullptr;
    if (!cfg) return problem(404, "not-found", "Not found", "the loaded fixture set declares no backend");
    Call call{req, *cfg, {}, nullptr, false, false, std::nullopt};
    if (!req.body.empty()) {
        const std::string* ct = req.header("Content-Type");
        auto first = req.body.find_first_not_of(" \t\r\n");
        bool looks_json = first != std::string::npos && (req.body[first] == '{' || req.body[first] == '[');
        if ((ct && core::to_lower(*ct).find("json") != std::string::npos) || (!ct && looks_json)) {
            auto parsed = core::parse_json(req.body, ctx_->options().max_json_depth);
            if (parsed) {
                call.body = std::move(*parsed);
                call.body_is_json = true;
            } else {
                call.body_parse_failed = true;
            }
        }
    }
    return dispatch(call);
}

std::optional<Response> Backend::authenticate(Call& call, const AuthRule& rule) {
    const std::string* h = call.req.header("Authorization");
    if (!h || !core::starts_with(core::to_lower(*h), "bearer ")) {
        if (!rule.required) return std::nullopt;
        auto r = problem(401, "unauthorized", "Unauthorized", "log in first: send Authorization: Bearer <token>");
        r.set_header("WWW-Authenticate", "Bearer");
        return r;
    }
    protocol::JwtOptions o;
    o.now_unix = ctx_->clock().now_unix();
    o.issuer = call.cfg.jwt.issuer;
    if (call.cfg.jwt.audience) o.audience = *call.cfg.jwt.audience;
    auto claims = protocol::verify_jwt_hs256(core::trim(std::string_view(*h).substr(7)), call.cfg.jwt.secret, o);
    if (!claims) {
        if (!rule.required) return std::nullopt;
        auto r =
            problem(401, "invalid-token", "Unauthorized", claims.error().message, {{"reason", claims.error().code}});
        r.set_header("WWW-Authenticate",
                     "Bearer error=\"invalid_token\", error_description=\"" + claims.error().message + "\"");
        return r;
    }
    call.claims = std::move(*claims);
    for (auto it = rule.claims.begin(); it != rule.claims.end(); ++it) {
        auto have = call.claims->find(it.key());
        if (have == call.claims->end() || *have != it.value()) {
            return problem(403, "forbidden", "Forbidden",
                           "the token's claim \"" + it.key() + "\" must be " + core::dump(it.value()),
                           {{"claim", it.key()},
                            {"expected", it.value()},
                            {"actual", have == call.claims->end() ? Json(nullptr) : *have}});
        }
    }
    return std::nullopt;
}

TemplateContext Backend::template_context(Call& call) {
    TemplateContext t;
    t.request = &call.req;
    t.path_params = &call.params;
    t.body = call.body_is_json ? &call.body : nullptr;
    t.claims = call.claims ? &*call.claims : nullptr;
    t.clock = &ctx_->clock();
    t.ids = &ctx_->ids();
    t.lookup = [this](const std::string& collection, const std::string& id) -> Json {
        auto row = ctx_->db().read([&](state::Conn& c) { return Store::get(c, collection, id); });
        return row ? row->data : Json(nullptr);
    };
    return t;
}

namespace {

struct RouteCheck {
    bool ok = true;
    bool method_ok = false, path_ok = false;
    int literals = 0;
    std::vector<std::string> differences;
};

RouteCheck check_route(const Route& r, Call& call, const std::vector<std::string_view>& segs,
                       std::map<std::string, std::string>* params, bool collect) {
    RouteCheck rc;
    rc.method_ok = r.method == call.req.method;
    if (!rc.method_ok) {
        rc.ok = false;
        if (!collect) return rc;
        rc.differences.push_back("method: expected " + r.method + ", got " + call.req.method);
    }
    rc.path_ok = r.path.match(segs, params, &rc.literals);
    if (!rc.path_ok) {
        rc.ok = false;
        if (!collect) return rc;
        rc.differences.push_back("path: expected " + r.path.text + ", got " + call.req.path);
    }
    for (const auto& [name, m] : r.query) {
        const std::string* v = call.req.query_param(name);
        Json actual = v ? Json(*v) : Json(nullptr);
        if (!m.test(v ? &actual : nullptr)) {
            rc.ok = false;
            if (!collect) return rc;
            rc.differences.push_back("query " + name + ": expected " + m.describe() + ", got " +
                                     (v ? "\"" + *v + "\"" : std::string("nothing")));
        }
    }
    for (const auto& [name, m] : r.headers) {
        const std::string* v = call.req.header(name);
        Json actual = v ? Json(*v) : Json(nullptr);
        if (!m.test(v ? &actual : nullptr)) {
            rc.ok = false;
            if (!collect) return rc;
            rc.differences.push_back("header " + name + ": expected " + m.describe() + ", got " +
                                     (v ? "\"" + *v + "\"" : std::string("nothing")));
        }
    }
    for (const auto& bm : r.body) {
        const Json* actual = nullptr;
        std::vector<core::JsonPathMatch> hits;
        if (call.body_is_json) {
            hits = bm.path.query(call.body);
            if (!hits.empty()) actual = hits[0].value;
        }
        bool ok = false;
        if (bm.matcher.kind == ValueMatcher::kAbsent) {
            ok = hits.empty();
        } else {
            for (const auto& h : hits) ok = ok || bm.matcher.test(h.value);
            if (hits.empty()) ok = bm.matcher.test(nullptr);
        }
        if (!ok) {
            rc.ok = false;
            if (!collect) return rc;
            rc.differences.push_back("body " + bm.path.text() + ": expected " + bm.matcher.describe() + ", got " +
                                     (actual ? core::dump(*actual) : std::string("nothing")));
        }
    }
    return rc;
}

}  // namespace

Response Backend::dispatch(Call& call) {
    auto segs = split_path(call.req.path);
    const OpenApiOperation* op = nullptr;
    std::map<std::string, std::string> op_params;
    if (call.cfg.openapi) {
        op = call.cfg.openapi->find(call.req.method, segs, &op_params);
        if (op) {
            auto problems = call.cfg.openapi->validate(
                *op, call.req, op_params, call.body_is_json ? &call.body : nullptr, call.body_parse_failed);
            if (!problems.empty()) {
                Json errors = Json::array();
                for (const auto& p : problems)
                    errors.push_back({{"in", p.in}, {"name", p.name}, {"message", p.message}, {"keyword", p.keyword}});
                std::string detail = problems.size() == 1 ? problems[0].message
                                                          : std::to_string(problems.size()) +
                                                                " problems: " + problems[0].message + "; ...";
                return problem(
                    400, "invalid-request", "Request does not match the OpenAPI document", detail,
                    {{"operation", op->operation_id.empty() ? op->method + " " + op->path : op->operation_id},
                     {"errors", errors}});
            }
        }
    }
    // Stub routes: best match by priority, then specificity, then declaration order.
    const Route* best = nullptr;
    int best_literals = -1;
    std::map<std::string, std::string> params;
    for (const auto& r : call.cfg.routes) {
        std::map<std::string, std::string> p;
        auto rc = check_route(r, call, segs, &p, false);
        if (!rc.ok) continue;
        if (!best || r.priority > best->priority || (r.priority == best->priority && rc.literals > best_literals)) {
            best = &r;
            best_literals = rc.literals;
            params = std::move(p);
        }
    }
    if (op && !op->operation_id.empty()) call.req.operation_id = "backend." + op->operation_id;
    if (best) {
        if (!op || op->operation_id.empty()) call.req.operation_id = "backend." + best->name;
        call.params = std::move(params);
        return serve_route(call, *best);
    }
    for (const auto& c : call.cfg.collections) {
        std::map<std::string, std::string> p;
        if (c.path.match(segs, &p)) {
            if (!op || op->operation_id.empty())
                call.req.operation_id = "backend." + c.name + "." + core::to_lower(call.req.method);
            call.params = std::move(p);
            return serve_collection(call, c, false);
        }
        if (c.item_path.match(segs, &p)) {
            if (!op || op->operation_id.empty())
                call.req.operation_id = "backend." + c.name + ".item." + core::to_lower(call.req.method);
            call.params = std::move(p);
            return serve_collection(call, c, true);
        }
    }
    if (op) {
        auto sample = call.cfg.openapi->sample_response(*op);
        if (sample) {
            auto r = json_reply(op->response_status, *sample);
            r.set_header("X-Mpemu-Source", "openapi");
            return r;
        }
        return Response::empty(op->response_status == 200 ? 204 : op->response_status);
    }
    return not_found(call);
}

Response Backend::not_found(Call& call) {
    auto segs = split_path(call.req.path);
    struct Near {
        const Route* r;
        std::vector<std::string> diffs;
        int score;
    };
    std::vector<Near> near;
    for (const auto& r : call.cfg.routes) {
        auto rc = check_route(r, call, segs, nullptr, true);
        int score = static_cast<int>(rc.differences.size());
        if (!rc.path_ok) {
            // Path distance: segments that differ.
            const auto& t = r.path.segments;
            size_t n = std::max(t.size(), segs.size());
            int d = 0;
            for (size_t i = 0; i < n; ++i) {
                if (i >= t.size() || i >= segs.size()) {
                    ++d;
                    continue;
                }
                bool param = t[i].size() > 2 && t[i].front() == '{';
                if (!param && t[i] != segs[i]) d += core::edit_distance(t[i], segs[i]) <= 2 ? 1 : 2;
            }
            score += d * 2;
        }
        near.push_back({&r, std::move(rc.differences), score});
    }
    std::stable_sort(near.begin(), near.end(), [](const Near& a, const Near& b) { return a.score < b.score; });
    Json nearest = Json::array();
    for (size_t i = 0; i < near.size() && i < 3; ++i)
        nearest.push_back({{"route", near[i].r->name},
                           {"method", near[i].r->method},
                           {"path", near[i].r->path.text},
                           {"priority", near[i].r->priority},
                           {"differences", near[i].diffs}});
    Json collections = Json::array();
    for (const auto& c : call.cfg.collections) collections.push_back(c.path.text);
    std::string detail =
        "no stub route, collection or OpenAPI operation matches " + call.req.method + " " + call.req.path;
    if (!near.empty()) detail += "; nearest: " + near[0].r->name + " (" + core::join(near[0].diffs, "; ") + ")";
    return problem(404, "no-match", "No route matches", detail, {{"nearest", nearest}, {"collections", collections}});
}

Response Backend::serve_route(Call& call, const Route& route) {
    if (auto denied = authenticate(call, route.auth)) return std::move(*denied);
    if (route.action.type != ActionType::kNone) return run_action(call, route);
    if (route.delay.count() > 0) std::this_thread::sleep_for(route.delay);  // stub delay (real time, by design)
    Response res;
    res.status = route.status;
    TemplateContext tc;
    bool tc_ready = false;
    auto ctx = [&]() -> TemplateContext& {
        if (!tc_ready) {
            tc = template_context(call);
            tc_ready = true;
        }
        return tc;
    };
    if (route.response_body) {
        Json body =
            route.response_body->is_static() ? route.response_body->render({}) : route.response_body->render(ctx());
        if (body.is_string()) {
            res.body = body.get<std::string>();
            res.set_header("Content-Type", "text/plain; charset=utf-8");
        } else {
            res.body = core::dump(body);
            res.set_header("Content-Type", "application/json; charset=utf-8");
        }
    }
    for (const auto& [name, tpl] : route.response_headers) res.set_header(name, tpl.render_string(ctx()));
    return res;
}

}  // namespace mpemu::backend
