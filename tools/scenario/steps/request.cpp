// The `request` step: its fields, and the plain HTTP request it sends.
#include "tools/scenario/steps/request.hpp"

#include "core/text.hpp"
#include "tools/scenario/steps/common.hpp"

namespace mpemu::scenario {

using core::Json;

bool parse_request(ParseContext& ctx, const std::string& ptr, Step& step) {
    std::string rp = core::pointer_append(ptr, "request");
    const Json& r = ctx.at(rp);
    RequestSpec req;
    req.url = r["url"].get<std::string>();
    ctx.check_template(req.url, core::pointer_append(rp, "url"));
    if (r.contains("query")) {
        req.query = ctx.ordered(core::pointer_append(rp, "query"));
        ctx.check_templates(req.query, core::pointer_append(rp, "query"));
    }
    if (r.contains("headers")) {
        req.headers = ctx.ordered(core::pointer_append(rp, "headers"));
        ctx.check_templates(req.headers, core::pointer_append(rp, "headers"));
    }
    int bodies = 0;
    for (const char* b : {"json", "form", "body"}) {
        if (!r.contains(b)) continue;
        if (++bodies > 1) {
            ctx.error(core::pointer_append(rp, b), "a request has one body: json, form or body", {}, true);
        }
        req.body = ctx.ordered(core::pointer_append(rp, b));
        ctx.check_templates(req.body, core::pointer_append(rp, b));
        req.body_kind = std::string(b) == "json"   ? RequestSpec::Body::kJson
                        : std::string(b) == "form" ? RequestSpec::Body::kForm
                                                   : RequestSpec::Body::kRaw;
    }
    req.method = r.contains("method") ? r["method"].get<std::string>()
                                      : (req.body_kind == RequestSpec::Body::kNone ? "GET" : "POST");
    if (r.contains("timeout")) req.timeout = ctx.duration(core::pointer_append(rp, "timeout"));
    if (step.name.empty()) step.name = req.method + " " + req.url;
    step.spec = std::move(req);
    return true;
}

core::Result<core::HttpRequest> build_request(const Step& step, const Lookup& lookup, const BuildContext& ctx) {
    const RequestSpec& spec = *step.as<RequestSpec>();
    core::HttpRequest req;
    auto url = render_string(spec.url, lookup);
    if (!url) return url.error();
    req.method = spec.method;
    req.url = steps::join_url(ctx.target, *url);
    req.timeout = spec.timeout;
    if (auto st = steps::append_query(spec.query, lookup, req.url); !st) return st.error();
    if (!spec.headers.empty()) {
        auto h = render_json(spec.headers, lookup);
        if (!h) return h.error();
        for (auto it = h->begin(); it != h->end(); ++it) req.headers.emplace_back(it.key(), to_text(it.value()));
    }
    auto set_type = [&](const char* type) {
        if (!core::find_header(req.headers, "Content-Type")) req.headers.emplace_back("Content-Type", type);
    };
    switch (spec.body_kind) {
        case RequestSpec::Body::kNone:
            break;
        case RequestSpec::Body::kJson: {
            if (auto st = steps::set_json_body(spec.body, lookup, req); !st) return st.error();
            break;
        }
        case RequestSpec::Body::kForm: {
            auto b = render_json(spec.body, lookup);
            if (!b) return b.error();
            core::Params params;
            for (auto it = b->begin(); it != b->end(); ++it) params.emplace_back(it.key(), to_text(it.value()));
            req.body = core::build_form(params);
            set_type("application/x-www-form-urlencoded");
            break;
        }
        case RequestSpec::Body::kRaw: {
            auto b = render_string(spec.body.get<std::string>(), lookup);
            if (!b) return b.error();
            req.body = *b;
            break;
        }
    }
    return req;
}

}  // namespace mpemu::scenario
