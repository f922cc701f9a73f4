// Request handling of the backend mimic: body parsing, OpenAPI validation, stub route matching (priority,
// specificity, declaration order), authentication, stub responses, collections, actions and near-miss 404s.
#include "emulator/backend/routes.hpp"

#include <algorithm>
#include <thread>

#include "core/text.hpp"
#include "emulator/backend/errors.hpp"
#include "emulator/options.hpp"

namespace mpemu::backend {

using core::Json;
using emulator::Outcome;
using emulator::Response;
using emulator::split_path;

namespace {

Response json_reply(int status, const Json& body) {
    return Response::json(status, core::dump(body));
}

}  // namespace

void mount_routes(emulator::Router& router, Backend& backend, std::vector<std::string> prefixes) {
    emulator::RouteGroup g;
    g.name = "backend";
    g.prefixes = std::move(prefixes);
    g.priority = -1;
    g.refuse = [](const emulator::Request& req, const emulator::RefusalInfo& info) {
        using emulator::Refusal;
        switch (info.kind) {
            case Refusal::kMethodNotAllowed:
                return render(method_not_allowed(info.detail, info.allowed));
            case Refusal::kBodyTooLarge:
                return render(body_too_large(info.detail));
            case Refusal::kHeadersTooLarge:
                return render(headers_too_large(info.detail));
            case Refusal::kTooDeep:
                return render(too_deep(info.detail));
            case Refusal::kInternal:
                return render(internal_error(info.detail));
            case Refusal::kNotEmulated:
                return render(not_emulated(info.detail));
            default:
                return render(bad_request(info.detail, req.method, req.path));
        }
    };
    g.fallback = [&backend](emulator::Request& req) { return backend.handle(req); };
    g.fallback_operation_id = "backend.request";
    router.add_group(std::move(g));
}

Response Backend::handle(emulator::Request& req) {
    auto set = ctx_->fixtures();
    auto cfg = set ? set->section<BackendConfig>("backend") : nullptr;
    if (!cfg) return render(no_backend());
    Call call{req, *cfg, {}, {}, std::nullopt};
    if (!req.body.empty()) {
        const std::string* ct = req.header("Content-Type");
        auto first = req.body.find_first_not_of(" \t\r\n");
        bool looks_json = first != std::string::npos && (req.body[first] == '{' || req.body[first] == '[');
        if ((ct && core::to_lower(*ct).find("json") != std::string::npos) || (!ct && looks_json)) {
            auto parsed = core::parse_json(req.body, ctx_->options().max_json_depth);
            if (parsed) {
                call.body.value = std::move(*parsed);
                call.body.is_json = true;
            } else {
                call.body.parse_failed = true;
                call.body.parse_error = parsed.error().message;
            }
        }
    }
    return dispatch(call);
}

Outcome<void> Backend::authenticate(Call& call, const AuthRule& rule) {
    auto claims = backend::authenticate(call.req.header("Authorization"), call.cfg, rule, ctx_->clock().now_unix());
    if (!claims) return claims.error();
    call.claims = std::move(*claims);
    return Outcome<void>::success();
}

TemplateContext Backend::template_context(Call& call) {
    TemplateContext t;
    t.request = &call.req;
    t.path_params = &call.params;
    t.body = call.body.is_json ? &call.body.value : nullptr;
    t.claims = call.claims ? &*call.claims : nullptr;
    t.clock = &ctx_->clock();
    t.ids = &ctx_->ids();
    t.lookup = [this](const std::string& collection, const std::string& id) -> Json {
        return collections_.lookup(collection, id);
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
        rc.differences.push_back(differs("method", r.method, call.req.method));
    }
    rc.path_ok = r.path.match(segs, params, &rc.literals);
    if (!rc.path_ok) {
        rc.ok = false;
        if (!collect) return rc;
        rc.differences.push_back(differs("path", r.path.text, call.req.path));
    }
    for (const auto& [name, m] : r.query) {
        const std::string* v = call.req.query_param(name);
        Json actual = v ? Json(*v) : Json(nullptr);
        if (!m.test(v ? &actual : nullptr)) {
            rc.ok = false;
            if (!collect) return rc;
            rc.differences.push_back(differs("query " + name, m.describe(), received_text(v)));
        }
    }
    for (const auto& [name, m] : r.headers) {
        const std::string* v = call.req.header(name);
        Json actual = v ? Json(*v) : Json(nullptr);
        if (!m.test(v ? &actual : nullptr)) {
            rc.ok = false;
            if (!collect) return rc;
            rc.differences.push_back(differs("header " + name, m.describe(), received_text(v)));
        }
    }
    for (const auto& bm : r.body) {
        const Json* actual = nullptr;
        std::vector<core::JsonPathMatch> hits;
        if (call.body.is_json) {
            hits = bm.path.query(call.body.value);
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
            rc.differences.push_back(differs("body " + bm.path.text(), bm.matcher.describe(), received(actual)));
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
            size_t omitted = 0;
            auto problems = call.cfg.openapi->validate(
                *op, call.req, op_params, call.body.is_json ? &call.body.value : nullptr,
                call.body.parse_failed ? &call.body.parse_error : nullptr, kMaxListedProblems, &omitted);
            if (!problems.empty()) {
                Json errors = Json::array();
                for (const auto& p : problems) errors.push_back(problem_item(p.in, p.name, p.message, p.keyword));
                return render(invalid_request(op->operation_id.empty() ? op->method + " " + op->path : op->operation_id,
                                              errors, omitted));
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
    return render(no_match(call.req.method, call.req.path, nearest, collections));
}

Response Backend::serve_route(Call& call, const Route& route) {
    if (auto auth = authenticate(call, route.auth); !auth) return render(auth.error());
    if (route.action.type != ActionType::kNone) return serve_action(call, route);
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

Response Backend::serve_action(Call& call, const Route& route) {
    const Action& a = route.action;
    if (!a.unavailable.empty()) return render(action_unavailable(a.unavailable, a.type_name));
    if (a.type == ActionType::kWechatPayNotify) {
        auto r = wechatpay_notify(call, route);
        return r ? Response::empty(204) : render_wechatpay_notify(r.error());
    }
    if (a.type == ActionType::kAlipayNotify) return alipay_notify_answer(alipay_notify(call, route).ok());
    auto r = login_or_pay(call, route);
    return r ? json_reply(200, *r) : render(r.error());
}

Response Backend::serve_collection(Call& call, const Collection& c, bool item) {
    const std::string& m = call.req.method;
    const bool read = m == "GET" || m == "HEAD";
    if (!read && !(m == "POST" && !item) && !(item && (m == "PUT" || m == "PATCH" || m == "DELETE")))
        return render(collection_method_not_allowed(m, item ? c.item_path.text : c.path.text, item));
    if (auto auth = authenticate(call, read ? c.read_auth : c.write_auth); !auth) return render(auth.error());
    const std::string owner = Collections::owner_of(c, call.claims);
    const std::string id = item ? call.params["id"] : "";
    if (read && !item) {
        auto page = collections_.list(c, owner, call.req.query);
        if (!page) return render(page.error());
        long long total = page->total;
        auto res = json_reply(200, {{"items", page->items},
                                    {"total", total},
                                    {"page", page->page},
                                    {"pageSize", page->page_size},
                                    {"pages", (total + page->page_size - 1) / page->page_size}});
        res.set_header("X-Total-Count", std::to_string(total));
        return res;
    }
    if (read) {
        auto row = collections_.get(c, owner, id);
        return row ? json_reply(200, *row) : render(row.error());
    }
    if (m == "POST") {
        auto created = collections_.create(c, owner, call.body);
        if (!created) return render(created.error());
        auto res = json_reply(201, created->row);
        res.set_header("Location", c.path.text + "/" + created->id);
        return res;
    }
    if (m == "DELETE") {
        auto removed = collections_.remove(c, owner, id, call.body);
        return removed ? Response::empty(204) : render(removed.error());
    }
    auto changed =
        m == "PUT" ? collections_.replace(c, owner, id, call.body) : collections_.patch(c, owner, id, call.body);
    return changed ? json_reply(200, *changed) : render(changed.error());
}

}  // namespace mpemu::backend
