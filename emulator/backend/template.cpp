// Template parsing and rendering for stub responses.
#include "emulator/backend/template.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "core/time_format.hpp"

namespace mpemu::backend {
namespace {

std::vector<std::string> split_words(std::string_view s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        if (i > start) out.emplace_back(s.substr(start, i - start));
    }
    return out;
}

core::Result<TemplateExpr> parse_simple(const std::string& word) {
    TemplateExpr e;
    if (!word.empty() && (std::isdigit(static_cast<unsigned char>(word[0])) || word[0] == '\'' || word[0] == '"')) {
        e.kind = TemplateExpr::kLiteral;
        e.literal = word;
        if (word[0] == '\'' || word[0] == '"') {
            if (word.size() < 2 || word.back() != word[0])
                return core::make_error("template", "unterminated quoted literal " + word);
            e.literal = word.substr(1, word.size() - 2);
        }
        return e;
    }
    auto parts = core::split(word, '.');
    const std::string& root = parts[0];
    std::vector<std::string> rest(parts.begin() + 1, parts.end());
    for (const auto& p : rest) {
        if (p.empty()) return core::make_error("template", "empty field name in \"" + word + "\"");
    }
    e.field = rest;
    if (root == "path" || root == "params") {
        if (rest.empty()) {
            e.kind = TemplateExpr::kRequestPath;
            return e;
        }
        e.kind = TemplateExpr::kPath;
    } else if (root == "query") {
        e.kind = TemplateExpr::kQuery;
    } else if (root == "header" || root == "headers") {
        e.kind = TemplateExpr::kHeader;
    } else if (root == "body") {
        e.kind = TemplateExpr::kBody;
        return e;
    } else if (root == "jwt" || root == "user") {
        e.kind = TemplateExpr::kJwt;
        return e;
    } else if (root == "now" && rest.empty()) {
        e.kind = TemplateExpr::kNow;
        return e;
    } else if (root == "now_unix" && rest.empty()) {
        e.kind = TemplateExpr::kNowUnix;
        return e;
    } else if (root == "now_ms" && rest.empty()) {
        e.kind = TemplateExpr::kNowMs;
        return e;
    } else if (root == "uuid" && rest.empty()) {
        e.kind = TemplateExpr::kUuid;
        return e;
    } else if (root == "method" && rest.empty()) {
        e.kind = TemplateExpr::kMethod;
        return e;
    } else {
        std::optional<std::string> hint;
        size_t best = 3;
        for (const char* cand : {"path", "query", "header", "body", "jwt", "user", "now", "now_unix", "now_ms", "uuid",
                                 "method", "lookup"}) {
            size_t d = core::edit_distance(root, cand);
            if (d < best) {
                best = d;
                hint = cand;
            }
        }
        return core::make_error("template", "unknown template value \"" + word + "\"" +
                                                (hint ? " (did you mean \"" + *hint + "\"?)" : std::string()) +
                                                "; use path.NAME, query.NAME, header.NAME, body.FIELD, jwt.CLAIM, "
                                                "now, now_unix, now_ms, uuid, method or lookup COLLECTION ID [FIELD]");
    }
    if (rest.size() != 1)
        return core::make_error("template", "\"" + word + "\" needs exactly one name after \"" + root + ".\"");
    return e;
}

core::Result<TemplateExpr> parse_expr(std::string_view text, const std::vector<std::string>& collections) {
    auto words = split_words(text);
    if (words.empty()) return core::make_error("template", "empty {{ }} expression");
    if (words[0] == "lookup") {
        if (words.size() < 3 || words.size() > 4)
            return core::make_error("template",
                                    "lookup takes COLLECTION ID [FIELD], e.g. {{lookup products path.id name}}");
        TemplateExpr e;
        e.kind = TemplateExpr::kLookup;
        e.name = words[1];
        if (!collections.empty() && std::find(collections.begin(), collections.end(), e.name) == collections.end()) {
            auto hint = core::did_you_mean(e.name, collections);
            return core::make_error("template", "lookup names unknown collection \"" + e.name + "\"" +
                                                    (hint ? " (did you mean \"" + *hint + "\"?)" : std::string()));
        }
        auto arg = parse_simple(words[2]);
        if (!arg) return arg.error();
        e.arg = std::make_shared<TemplateExpr>(std::move(*arg));
        if (words.size() == 4) e.field = core::split(words[3], '.');
        return e;
    }
    if (words.size() != 1)
        return core::make_error("template", "unexpected \"" + words[1] + "\" in {{" + std::string(text) + "}}");
    return parse_simple(words[0]);
}

const core::Json* walk(const core::Json* v, const std::vector<std::string>& fields, size_t from = 0) {
    for (size_t i = from; v && i < fields.size(); ++i) {
        const auto& f = fields[i];
        if (v->is_object()) {
            auto it = v->find(f);
            v = it == v->end() ? nullptr : &*it;
        } else if (v->is_array()) {
            char* end = nullptr;
            long idx = std::strtol(f.c_str(), &end, 10);
            if (*end || idx < 0 || static_cast<size_t>(idx) >= v->size()) return nullptr;
            v = &(*v)[static_cast<size_t>(idx)];
        } else {
            return nullptr;
        }
    }
    return v;
}

}  // namespace

std::string to_text(const core::Json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return "";
    return core::dump(v);
}

core::Json evaluate(const TemplateExpr& e, const TemplateContext& ctx) {
    switch (e.kind) {
        case TemplateExpr::kLiteral:
            return e.literal;
        case TemplateExpr::kPath: {
            if (!ctx.path_params) return nullptr;
            auto it = ctx.path_params->find(e.field[0]);
            return it == ctx.path_params->end() ? core::Json(nullptr) : core::Json(it->second);
        }
        case TemplateExpr::kRequestPath:
            return ctx.request ? core::Json(ctx.request->path) : core::Json(nullptr);
        case TemplateExpr::kQuery: {
            const std::string* v = ctx.request ? ctx.request->query_param(e.field[0]) : nullptr;
            return v ? core::Json(*v) : core::Json(nullptr);
        }
        case TemplateExpr::kHeader: {
            const std::string* v = ctx.request ? ctx.request->header(e.field[0]) : nullptr;
            return v ? core::Json(*v) : core::Json(nullptr);
        }
        case TemplateExpr::kBody: {
            const core::Json* v = walk(ctx.body, e.field);
            return v ? *v : core::Json(nullptr);
        }
        case TemplateExpr::kJwt: {
            const core::Json* v = walk(ctx.claims, e.field);
            return v ? *v : core::Json(nullptr);
        }
        case TemplateExpr::kNow:
            return ctx.clock ? core::format_rfc3339(ctx.clock->now()) : "";
        case TemplateExpr::kNowUnix:
            return ctx.clock ? ctx.clock->now_unix() : 0;
        case TemplateExpr::kNowMs:
            return ctx.clock ? ctx.clock->now_unix_ms() : 0;
        case TemplateExpr::kUuid:
            return ctx.ids ? ctx.ids->uuid() : "";
        case TemplateExpr::kMethod:
            return ctx.request ? ctx.request->method : "";
        case TemplateExpr::kLookup: {
            if (!ctx.lookup || !e.arg) return nullptr;
            std::string id = to_text(evaluate(*e.arg, ctx));
            core::Json row = ctx.lookup(e.name, id);
            if (e.field.empty()) return row;
            const core::Json* v = walk(&row, e.field);
            return v ? *v : core::Json(nullptr);
        }
    }
    return nullptr;
}

namespace {

// A {{path.NAME}} (also as a lookup's id) must name one of the route's {params}: a typo ("shopid" for "shopId")
// would render null on every request.
core::Status check_path_param(const TemplateExpr& e, const std::vector<std::string>* params) {
    if (!params) return {};
    if (e.arg) return check_path_param(*e.arg, params);
    if (e.kind != TemplateExpr::kPath || e.field.empty()) return {};
    const std::string& name = e.field[0];
    if (std::find(params->begin(), params->end(), name) != params->end()) return {};
    std::string message = "unknown path parameter \"" + name + "\"";
    if (auto near = core::did_you_mean(name, *params))
        return core::make_error("template", message + " (did you mean \"" + *near + "\"?)");
    if (params->empty()) return core::make_error("template", message + ": the route's path has no {parameters}");
    return core::make_error("template", message + ": the route's path has {" + core::join(*params, "}, {") + "}");
}

}  // namespace

core::Result<Template> Template::compile(std::string_view text, const std::vector<std::string>& collections,
                                         const std::vector<std::string>* path_params) {
    Template t;
    std::string lit;
    size_t i = 0;
    while (i < text.size()) {
        size_t open = text.find("{{", i);
        if (open == std::string_view::npos) {
            lit.append(text.substr(i));
            break;
        }
        lit.append(text.substr(i, open - i));
        size_t close = text.find("}}", open + 2);
        if (close == std::string_view::npos) {
            return core::Error{"template", "\"{{\" without a closing \"}}\"", std::to_string(open)};
        }
        auto expr = parse_expr(text.substr(open + 2, close - open - 2), collections);
        if (!expr) return core::Error{"template", expr.error().message, std::to_string(open)};
        if (auto ok = check_path_param(*expr, path_params); !ok)
            return core::Error{"template", ok.error().message, std::to_string(open)};
        t.literals_.push_back(std::move(lit));
        lit.clear();
        t.exprs_.push_back(std::move(*expr));
        i = close + 2;
    }
    t.literals_.push_back(std::move(lit));
    t.whole_ = t.exprs_.size() == 1 && t.literals_[0].empty() && t.literals_[1].empty();
    return t;
}

core::Json Template::render_value(const TemplateContext& ctx) const {
    if (whole_) return evaluate(exprs_[0], ctx);
    return render_string(ctx);
}

std::string Template::render_string(const TemplateContext& ctx) const {
    std::string out = literals_[0];
    for (size_t i = 0; i < exprs_.size(); ++i) {
        out += to_text(evaluate(exprs_[i], ctx));
        out += literals_[i + 1];
    }
    return out;
}

namespace {
void collect(const core::Json& v, const std::string& pointer, const std::vector<std::string>& collections,
             std::vector<std::pair<std::string, Template>>* out, std::vector<JsonTemplate::Problem>* problems,
             const std::vector<std::string>* path_params) {
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        if (s.find("{{") == std::string::npos) return;
        auto t = Template::compile(s, collections, path_params);
        if (!t) {
            if (problems) problems->push_back({pointer, std::stoul(t.error().detail), t.error().message});
            return;
        }
        out->emplace_back(pointer, std::move(*t));
    } else if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it)
            collect(it.value(), core::pointer_append(pointer, it.key()), collections, out, problems, path_params);
    } else if (v.is_array()) {
        for (size_t i = 0; i < v.size(); ++i)
            collect(v[i], core::pointer_append(pointer, i), collections, out, problems, path_params);
    }
}
}  // namespace

JsonTemplate JsonTemplate::compile(const core::Json& value, const std::vector<std::string>& collections,
                                   std::vector<Problem>* problems, const std::vector<std::string>* path_params) {
    JsonTemplate t;
    t.value_ = value;
    collect(value, "", collections, &t.templates_, problems, path_params);
    return t;
}

core::Json JsonTemplate::render(const TemplateContext& ctx) const {
    if (templates_.empty()) return value_;
    core::Json out = value_;
    for (const auto& [pointer, tpl] : templates_) {
        if (pointer.empty()) {
            out = tpl.render_value(ctx);
        } else {
            out[core::Json::json_pointer(pointer)] = tpl.render_value(ctx);
        }
    }
    return out;
}

}  // namespace mpemu::backend
