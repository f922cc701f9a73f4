// Request routing of the backend mimic: OpenAPI validation, stub routes, collections, fallbacks.
#include "emulator/backend/service.hpp"

#include <algorithm>
#include <thread>

#include "core/text.hpp"
#include "emulator/backend/errors.hpp"
#include "emulator/backend/jwt.hpp"
#include "emulator/backend/store.hpp"
#include "emulator/emulator.hpp"

namespace mpemu::backend {
namespace {

using core::Json;
using emulator::Response;

const Json* field_at(const Json& row, const std::string& dotted) {
    const Json* v = &row;
    for (const auto& part : core::split(dotted, '.')) {
        if (!v->is_object()) return nullptr;
        auto it = v->find(part);
        if (it == v->end()) return nullptr;
        v = &*it;
    }
    return v;
}

std::optional<double> as_number(const Json& v) {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        char* end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        if (!s.empty() && !*end) return d;
    }
    return std::nullopt;
}

// Compares a row's field with a query value: numbers numerically, otherwise as text.
int compare_text(const Json& field, const std::string& text) {
    auto a = as_number(field);
    auto b = as_number(Json(text));
    if (a && b) return *a < *b ? -1 : (*a > *b ? 1 : 0);
    std::string t = to_text(field);
    return t < text ? -1 : (t > text ? 1 : 0);
}

bool json_less(const Json* a, const Json* b) {
    if (!a || a->is_null()) return b && !b->is_null();
    if (!b || b->is_null()) return false;
    auto na = as_number(*a), nb = as_number(*b);
    if (a->is_number() && b->is_number() && na && nb) return *na < *nb;
    return to_text(*a) < to_text(*b);
}

std::string id_text(const Json& v) {
    return v.is_string() ? v.get<std::string>() : core::dump(v);
}

}  // namespace

std::vector<state::Migration> BackendService::migrations() const {
    return Store::migrations();
}

std::shared_ptr<const state::FixtureSection> BackendService::load_fixture(state::FixtureReader& reader) const {
    return load_backend_config(reader);
}

void BackendService::seed(state::Conn& conn, const state::FixtureSet& set) const {
    auto cfg = set.section<BackendConfig>("backend");
    if (!cfg) return;
    for (const auto& c : cfg->collections) {
        long long next = 1;
        for (const auto& row : c.seed) {
            Json data = row;
            std::string id;
            long long num = 0;
            if (data.contains(c.id_field)) {
                id = id_text(data[c.id_field]);
                if (c.integer_ids) num = data[c.id_field].get<long long>();
            } else if (c.integer_ids) {
                num = next;
                id = std::to_string(num);
                data[c.id_field] = num;
            } else {
                id = "seed-" + std::to_string(next);
                data[c.id_field] = id;
            }
            next = std::max(next, num) + 1;
            std::string owner = c.owned && data.contains(c.owner_field) ? id_text(data[c.owner_field]) : "";
            Store::insert(conn, c.name, id, num, owner, data, 0);
        }
    }
}

void BackendService::summarize(const state::FixtureSet& set, Json& summary) const {
    auto cfg = set.section<BackendConfig>("backend");
    if (!cfg) return;
    Json b = {{"prefixes", cfg->prefixes}, {"collections", Json::array()}, {"routes", Json::array()}};
    for (const auto& c : cfg->collections)
        b["collections"].push_back({{"name", c.name}, {"path", c.path.text}, {"owned", c.owned}});
    for (const auto& r : cfg->routes) {
        Json j = {{"name", r.name}, {"method", r.method}, {"path", r.path.text}};
        if (r.action.type != ActionType::kNone) j["action"] = r.action.type_name;
        if (!r.action.unavailable.empty()) j["unavailable"] = r.action.unavailable;
        b["routes"].push_back(j);
    }
    if (cfg->openapi)
        b["openapi"] = {{"version", cfg->openapi->version()}, {"operations", cfg->openapi->operations().size()}};
    summary["backend"] = b;
}

void BackendService::mount(emulator::Router& router, emulator::ServiceContext& ctx) {
    ctx_ = &ctx;
    auto set = ctx.fixtures();
    auto cfg = set ? set->section<BackendConfig>("backend") : nullptr;
    emulator::RouteGroup g;
    g.name = "backend";
    if (cfg) g.prefixes = cfg->prefixes;
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
    g.fallback = [this](emulator::Request& req) { return handle(req); };
    g.fallback_operation_id = "backend.request";
    router.add_group(std::move(g));
    if (cfg) {
        for (const auto& r : cfg->routes) {
            if (!r.action.unavailable.empty())
                ctx.log().warn("backend.action_unavailable", {{"route", r.name}, {"reason", r.action.unavailable}});
        }
    }
}

std::string BackendService::base_url() const {
    if (auto* emu = dynamic_cast<emulator::Emulator*>(ctx_)) return emu->base_url();
    return "http://127.0.0.1:" + std::to_string(ctx_->options().port);
}

Response BackendService::handle(emulator::Request& req) {
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

std::optional<Response> BackendService::authenticate(Call& call, const AuthRule& rule) {
    const std::string* h = call.req.header("Authorization");
    if (!h || !core::starts_with(core::to_lower(*h), "bearer ")) {
        if (!rule.required) return std::nullopt;
        auto r = problem(401, "unauthorized", "Unauthorized", "log in first: send Authorization: Bearer <token>");
        r.set_header("WWW-Authenticate", "Bearer");
        return r;
    }
    jwt::VerifyOptions o;
    o.now_unix = ctx_->clock().now_unix();
    o.issuer = call.cfg.jwt.issuer;
    if (call.cfg.jwt.audience) o.audience = *call.cfg.jwt.audience;
    auto claims = jwt::verify_hs256(core::trim(std::string_view(*h).substr(7)), call.cfg.jwt.secret, o);
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

TemplateContext BackendService::template_context(Call& call) {
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

Response BackendService::dispatch(Call& call) {
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

Response BackendService::not_found(Call& call) {
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

Response BackendService::serve_route(Call& call, const Route& route) {
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

Response BackendService::serve_collection(Call& call, const Collection& c, bool item) {
    const std::string& m = call.req.method;
    const bool read = m == "GET" || m == "HEAD";
    if (!read && !(m == "POST" && !item) && !(item && (m == "PUT" || m == "PATCH" || m == "DELETE"))) {
        auto r = problem(405, "method-not-allowed", "Method not allowed",
                         m + " is not allowed on " + (item ? c.item_path.text : c.path.text));
        r.set_header("Allow", item ? "GET, PUT, PATCH, DELETE" : "GET, POST");
        return r;
    }
    if (auto denied = authenticate(call, read ? c.read_auth : c.write_auth)) return std::move(*denied);
    std::string owner = c.owned && call.claims ? call.claims->value("sub", "") : "";
    auto& db = ctx_->db();
    long long now = ctx_->clock().now_unix_ms();
    const std::string id = item ? call.params["id"] : "";

    auto not_found_row = [&]() {
        return problem(404, "not-found", "Not found", "no " + c.name + " row with " + c.id_field + " " + id);
    };
    auto check_owner = [&](const StoredRow& row) -> std::optional<Response> {
        if (c.owned && row.owner != owner)
            return problem(403, "forbidden", "Forbidden", c.name + " " + id + " belongs to another user");
        return std::nullopt;
    };
    auto validate = [&](const Json& data) -> std::optional<Response> {
        if (!data.is_object()) return problem(400, "invalid-body", "Invalid body", "the body must be a JSON object");
        if (!c.schema) return std::nullopt;
        auto issues = c.schema->validate(data);
        if (issues.empty()) return std::nullopt;
        Json errors = Json::array();
        for (const auto& i : issues)
            errors.push_back({{"in", "body"},
                              {"name", i.instance_pointer},
                              {"message", "body" + i.instance_pointer + ": " + i.message},
                              {"keyword", i.keyword}});
        return problem(400, "invalid-body", "Row does not match the " + c.name + " schema",
                       errors[0]["message"].get<std::string>(), {{"errors", errors}});
    };
    if (!read && (call.body_parse_failed || (!call.body_is_json && m != "DELETE")))
        return problem(400, "invalid-body", "Invalid body", "send a JSON object with Content-Type: application/json");
    if (!read && call.body.is_object()) {
        for (const auto& f : c.protected_fields) {
            if (call.body.contains(f))
                return problem(400, "protected-field", "Field set by the server",
                               "\"" + f + "\" of " + c.name + " is set by the server, not by clients",
                               {{"errors", Json::array({{{"in", "body"},
                                                         {"name", "/" + f},
                                                         {"message", "\"" + f + "\" is read-only"},
                                                         {"keyword", "readOnly"}}})}});
        }
    }

    if (read && !item) {
        auto rows = db.read([&](state::Conn& conn) { return Store::list(conn, c.name, c.owned ? &owner : nullptr); });
        std::vector<const Json*> hits;
        long long page = 1, page_size = 20;
        std::vector<std::pair<std::string, bool>> sort;  // field, descending
        std::string q;
        std::vector<std::tuple<std::string, std::string, std::string>> filters;  // field, op, value
        for (const auto& [k, v] : call.req.query) {
            if (k == "page" || k == "_page")
                page = std::max(1LL, std::atoll(v.c_str()));
            else if (k == "pageSize" || k == "page_size" || k == "_limit" || k == "limit")
                page_size = std::clamp(std::atoll(v.c_str()), 1LL, 1000LL);
            else if (k == "sort" || k == "_sort") {
                for (auto f : core::split(v, ',')) {
                    if (f.empty()) continue;
                    bool desc = f[0] == '-';
                    sort.emplace_back(desc ? f.substr(1) : f, desc);
                }
            } else if (k == "order" || k == "_order") {
                if (!sort.empty() && core::iequals(v, "desc")) sort.back().second = true;
            } else if (k == "q") {
                q = core::to_lower(v);
            } else {
                std::string field = k, op = "eq";
                for (const char* suffix : {"_ne", "_gte", "_lte", "_gt", "_lt", "_like"}) {
                    if (core::ends_with(k, suffix) && k.size() > strlen(suffix)) {
                        field = k.substr(0, k.size() - strlen(suffix));
                        op = suffix + 1;
                        break;
                    }
                }
                filters.emplace_back(field, op, v);
            }
        }
        for (const auto& row : rows) {
            bool ok = true;
            for (const auto& [field, op, value] : filters) {
                const Json* f = field_at(row.data, field);
                if (op == "eq")
                    ok = f && compare_text(*f, value) == 0;
                else if (op == "ne")
                    ok = !f || compare_text(*f, value) != 0;
                else if (op == "gte")
                    ok = f && compare_text(*f, value) >= 0;
                else if (op == "lte")
                    ok = f && compare_text(*f, value) <= 0;
                else if (op == "gt")
                    ok = f && compare_text(*f, value) > 0;
                else if (op == "lt")
                    ok = f && compare_text(*f, value) < 0;
                else if (op == "like")
                    ok = f && core::to_lower(to_text(*f)).find(core::to_lower(value)) != std::string::npos;
                if (!ok) break;
            }
            if (ok && !q.empty()) ok = core::to_lower(core::dump(row.data)).find(q) != std::string::npos;
            if (ok) hits.push_back(&row.data);
        }
        if (!sort.empty()) {
            std::stable_sort(hits.begin(), hits.end(), [&](const Json* a, const Json* b) {
                for (const auto& [field, desc] : sort) {
                    const Json* fa = field_at(*a, field);
                    const Json* fb = field_at(*b, field);
                    if (json_less(fa, fb)) return !desc;
                    if (json_less(fb, fa)) return desc;
                }
                return false;
            });
        }
        Json items = Json::array();
        size_t start = static_cast<size_t>((page - 1) * page_size);
        for (size_t i = start; i < hits.size() && i < start + static_cast<size_t>(page_size); ++i)
            items.push_back(*hits[i]);
        long long total = static_cast<long long>(hits.size());
        auto res = json_reply(200, {{"items", items},
                                    {"total", total},
                                    {"page", page},
                                    {"pageSize", page_size},
                                    {"pages", (total + page_size - 1) / page_size}});
        res.set_header("X-Total-Count", std::to_string(total));
        return res;
    }
    if (read) {
        auto row = db.read([&](state::Conn& conn) { return Store::get(conn, c.name, id); });
        if (!row) return not_found_row();
        if (auto denied = check_owner(*row)) return std::move(*denied);
        return json_reply(200, row->data);
    }
    if (m == "POST") {
        Json data = call.body;
        if (data.is_object()) {
            for (auto it = c.defaults.begin(); it != c.defaults.end(); ++it) {
                if (!data.contains(it.key())) data[it.key()] = it.value();
            }
        }
        if (c.owned && data.is_object()) data[c.owner_field] = owner;
        return db.write([&](state::Conn& conn) -> Response {
            std::string new_id;
            long long num = 0;
            if (data.is_object() && data.contains(c.id_field) && !c.integer_ids) {
                new_id = id_text(data[c.id_field]);
                if (Store::get(conn, c.name, new_id))
                    return problem(409, "conflict", "Conflict", c.name + " " + new_id + " already exists");
            } else if (c.integer_ids) {
                new_id = Store::next_integer_id(conn, c.name);
                num = std::stoll(new_id);
                if (data.is_object()) data[c.id_field] = num;
            } else {
                new_id = ctx_->ids().uuid();
                if (data.is_object()) data[c.id_field] = new_id;
            }
            if (auto bad = validate(data)) return std::move(*bad);
            Store::insert(conn, c.name, new_id, num, owner, data, now);
            auto res = json_reply(201, data);
            res.set_header("Location", c.path.text + "/" + new_id);
            return res;
        });
    }
    return db.write([&](state::Conn& conn) -> Response {
        auto row = Store::get(conn, c.name, id);
        if (!row) return not_found_row();
        if (auto denied = check_owner(*row)) return std::move(*denied);
        if (m == "DELETE") {
            Store::remove(conn, c.name, id);
            return Response::empty(204);
        }
        Json data;
        if (m == "PUT") {
            data = call.body;
            for (const auto& f : c.protected_fields) {
                if (row->data.contains(f)) data[f] = row->data[f];
            }
        } else {
            data = row->data;
            data.merge_patch(call.body);
        }
        if (data.is_object()) {
            data[c.id_field] = row->data.contains(c.id_field) ? row->data[c.id_field] : Json(id);
            if (c.owned) data[c.owner_field] = row->owner;
        }
        if (auto bad = validate(data)) return std::move(*bad);
        Store::update(conn, c.name, id, data, now);
        return json_reply(200, data);
    });
}

}  // namespace mpemu::backend
