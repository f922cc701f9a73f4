// OpenAPI document loading, request validation and sample responses.
#include "emulator/backend/openapi.hpp"

#include <cstdlib>

#include "core/text.hpp"
#include "core/url.hpp"

namespace mpemu::backend {
namespace {

const char* kMethods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

const core::Json* resolve_ref(const core::Json& root, const core::Json* v, int depth = 0) {
    while (v && v->is_object() && v->contains("$ref") && (*v)["$ref"].is_string() && depth++ < 16) {
        std::string ref = (*v)["$ref"].get<std::string>();
        if (!core::starts_with(ref, "#")) return v;
        v = core::pointer_get(root, ref.substr(1));
    }
    return v;
}

std::string schema_type(const core::Json& root, const core::Json* schema) {
    schema = resolve_ref(root, schema);
    if (!schema || !schema->is_object()) return "";
    auto it = schema->find("type");
    if (it == schema->end()) return "";
    if (it->is_string()) return it->get<std::string>();
    if (it->is_array()) {
        for (const auto& t : *it) {
            if (t.is_string() && t != "null") return t.get<std::string>();
        }
    }
    return "";
}

bool is_json_type(std::string_view ct) {
    auto semi = ct.find(';');
    std::string base = core::to_lower(core::trim(ct.substr(0, semi)));
    return base == "application/json" || (core::starts_with(base, "application/") && core::ends_with(base, "+json"));
}

// Converts a text parameter to the schema's type; nullopt when it cannot be.
std::optional<core::Json> coerce(const std::string& text, const std::string& type) {
    if (type == "integer") {
        char* end = nullptr;
        errno = 0;
        long long v = std::strtoll(text.c_str(), &end, 10);
        if (text.empty() || *end || errno) return std::nullopt;
        return core::Json(v);
    }
    if (type == "number") {
        char* end = nullptr;
        double v = std::strtod(text.c_str(), &end);
        if (text.empty() || *end) return std::nullopt;
        return core::Json(v);
    }
    if (type == "boolean") {
        if (text == "true") return core::Json(true);
        if (text == "false") return core::Json(false);
        return std::nullopt;
    }
    return core::Json(text);
}

std::string article(const std::string& type) {
    return (type == "integer" || type == "array" || type == "object") ? "an " + type : "a " + type;
}

}  // namespace

core::SchemaOptions OpenApiDocument::schema_options(const std::string& entry_pointer) const {
    core::SchemaOptions o;
    o.openapi30 = v30_;
    o.default_draft = v30_ ? core::SchemaDraft::draft4 : core::SchemaDraft::draft2020_12;
    o.entry_pointer = entry_pointer;
    o.check_formats = true;
    return o;
}

bool OpenApiDocument::has_component(const std::string& name) const {
    return core::pointer_get(doc_.value, "/components/schemas/" + core::pointer_escape(name)) != nullptr;
}

std::shared_ptr<core::JsonSchema> OpenApiDocument::component_schema(const std::string& name, std::string* error) const {
    std::string pointer = "/components/schemas/" + core::pointer_escape(name);
    if (!core::pointer_get(doc_.value, pointer)) {
        if (error) {
            *error = "no schema \"" + name + "\" in components/schemas";
            std::vector<std::string> names;
            if (const core::Json* all = core::pointer_get(doc_.value, "/components/schemas"); all && all->is_object())
                for (auto it = all->begin(); it != all->end(); ++it) names.push_back(it.key());
            if (auto near = core::did_you_mean(name, names)) *error += "; did you mean \"" + *near + "\"?";
        }
        return nullptr;
    }
    auto compiled =
        schemas_ ? schemas_->compile_at(pointer) : core::JsonSchema::compile(doc_.value, schema_options(pointer));
    if (!compiled) {
        if (error) *error = compiled.error().message;
        return nullptr;
    }
    return std::make_shared<core::JsonSchema>(std::move(*compiled));
}

std::shared_ptr<OpenApiDocument> OpenApiDocument::load(const std::string& path, const std::string& display_path,
                                                       core::Diagnostics& diags) {
    auto text = core::read_file(path);
    if (!text) {
        diags.error(display_path, "the OpenAPI document is missing or unreadable",
                    "backend.openapi names a JSON file inside the fixture set (YAML is not supported)");
        return nullptr;
    }
    core::JsonSyntaxError syntax;
    auto parsed = core::parse_json_source(display_path, *text, {}, &syntax);
    if (!parsed) {
        auto src = std::make_shared<core::SourceText>(display_path, *text);
        diags.add_source(src);
        diags.error(
            *src, syntax.pos, syntax.message.empty() ? parsed.error().message : syntax.message,
            syntax.hint.empty() ? "the OpenAPI document must be JSON (convert YAML with any converter)" : syntax.hint);
        return nullptr;
    }
    auto doc = std::make_shared<OpenApiDocument>();
    doc->doc_ = std::move(*parsed);
    const auto& root = doc->doc_.value;
    size_t before = diags.size();
    if (!root.is_object()) {
        diags.error(doc->doc_, "", "an OpenAPI document must be a JSON object");
        return nullptr;
    }
    auto ver = root.find("openapi");
    if (ver == root.end() || !ver->is_string()) {
        diags.error(doc->doc_, "", "missing \"openapi\": \"3.0.3\" or \"3.1.0\"",
                    root.contains("swagger") ? "Swagger 2.0 is not supported; convert it to OpenAPI 3" : "");
        return nullptr;
    }
    doc->version_ = ver->get<std::string>();
    if (core::starts_with(doc->version_, "3.0")) {
        doc->v30_ = true;
    } else if (!core::starts_with(doc->version_, "3.1")) {
        diags.error(doc->doc_, "/openapi", "unsupported OpenAPI version \"" + doc->version_ + "\"",
                    "use 3.0.x or 3.1.x");
        return nullptr;
    }
    auto paths = root.find("paths");
    if (paths == root.end() || !paths->is_object()) {
        diags.error(doc->doc_, "", "missing \"paths\" object");
        return nullptr;
    }
    doc->schemas_ = std::make_shared<core::JsonSchemaSet>(root, doc->schema_options(""));
    auto compile_at = [&](const std::string& pointer) -> std::shared_ptr<core::JsonSchema> {
        auto c = doc->schemas_->compile_at(pointer);
        if (!c) {
            diags.error(doc->doc_, pointer, "invalid schema: " + c.error().message);
            return nullptr;
        }
        return std::make_shared<core::JsonSchema>(std::move(*c));
    };
    for (auto pit = paths->begin(); pit != paths->end(); ++pit) {
        const std::string& tpl = pit.key();
        std::string ppointer = "/paths/" + core::pointer_escape(tpl);
        if (!core::starts_with(tpl, "/")) {
            diags.error(doc->doc_, ppointer, "path \"" + tpl + "\" must start with /", "", true);
            continue;
        }
        const core::Json* item = resolve_ref(root, &pit.value());
        if (!item || !item->is_object()) continue;
        std::vector<std::pair<std::string, const core::Json*>> shared_params;  // pointer, param
        if (auto sp = item->find("parameters"); sp != item->end() && sp->is_array()) {
            for (size_t i = 0; i < sp->size(); ++i)
                shared_params.emplace_back(ppointer + "/parameters/" + std::to_string(i), &(*sp)[i]);
        }
        for (const char* m : kMethods) {
            auto oit = item->find(m);
            if (oit == item->end() || !oit->is_object()) continue;
            OpenApiOperation op;
            op.method = core::to_upper(m);
            op.path = tpl;
            op.segments = core::split(tpl.substr(1), '/');
            op.pointer = ppointer + "/" + m;
            if (oit->contains("operationId") && (*oit)["operationId"].is_string())
                op.operation_id = (*oit)["operationId"].get<std::string>();
            auto params = shared_params;
            if (auto ps = oit->find("parameters"); ps != oit->end() && ps->is_array()) {
                for (size_t i = 0; i < ps->size(); ++i)
                    params.emplace_back(op.pointer + "/parameters/" + std::to_string(i), &(*ps)[i]);
            }
            std::map<std::string, size_t> by_key;  // operation-level overrides path-level
            for (auto& [pp, raw] : params) {
                const core::Json* p = resolve_ref(root, raw);
                if (!p || !p->is_object() || !p->contains("name") || !p->contains("in")) {
                    diags.error(doc->doc_, pp, "a parameter needs \"name\" and \"in\"");
                    continue;
                }
                OpenApiParameter param;
                param.name = (*p)["name"].get<std::string>();
                param.in = (*p)["in"].get<std::string>();
                if (param.in == "cookie") continue;
                param.required = p->value("required", false) || param.in == "path";
                std::string spointer;
                if (raw->contains("$ref")) {
                    spointer = (*raw)["$ref"].get<std::string>().substr(1) + "/schema";
                } else {
                    spointer = pp + "/schema";
                }
                if (p->contains("schema")) {
                    param.type = schema_type(root, &(*p)["schema"]);
                    if (param.type == "array") {
                        const auto& s = *resolve_ref(root, &(*p)["schema"]);
                        if (s.contains("items")) param.item_type = schema_type(root, &s["items"]);
                    }
                    param.schema = compile_at(spointer);
                }
                std::string key = param.in + ":" + (param.in == "header" ? core::to_lower(param.name) : param.name);
                auto found = by_key.find(key);
                if (found != by_key.end()) {
                    op.parameters[found->second] = std::move(param);
                } else {
                    by_key[key] = op.parameters.size();
                    op.parameters.push_back(std::move(param));
                }
            }
            if (auto rb = oit->find("requestBody"); rb != oit->end()) {
                const core::Json* body = resolve_ref(root, &*rb);
                std::string bpointer =
                    rb->contains("$ref") ? (*rb)["$ref"].get<std::string>().substr(1) : op.pointer + "/requestBody";
                if (body && body->is_object()) {
                    op.has_body = true;
                    op.body_required = body->value("required", false);
                    if (auto content = body->find("content"); content != body->end() && content->is_object()) {
                        for (auto cit = content->begin(); cit != content->end(); ++cit) {
                            op.body_types.push_back(cit.key());
                            if (is_json_type(cit.key()) && !op.body_json) {
                                op.body_json = true;
                                if (cit->contains("schema"))
                                    op.body_schema = compile_at(bpointer + "/content/" +
                                                                core::pointer_escape(cit.key()) + "/schema");
                            }
                        }
                    }
                }
            }
            if (auto rs = oit->find("responses"); rs != oit->end() && rs->is_object()) {
                const core::Json* chosen = nullptr;
                for (auto rit = rs->begin(); rit != rs->end(); ++rit) {
                    const std::string& code = rit.key();
                    if (code.size() == 3 && code[0] == '2' && !chosen) {
                        op.response_status =
                            code == "2XX" ? 200 : static_cast<int>(std::strtol(code.c_str(), nullptr, 10));
                        chosen = resolve_ref(root, &rit.value());
                    }
                }
                if (!chosen && rs->contains("default")) chosen = resolve_ref(root, &(*rs)["default"]);
                if (chosen && chosen->is_object()) {
                    if (auto content = chosen->find("content"); content != chosen->end() && content->is_object()) {
                        for (auto cit = content->begin(); cit != content->end(); ++cit) {
                            if (!is_json_type(cit.key())) continue;
                            const auto& media = cit.value();
                            if (media.contains("example")) {
                                op.response_example = media["example"];
                            } else if (media.contains("examples") && media["examples"].is_object() &&
                                       !media["examples"].empty()) {
                                const core::Json* ex = resolve_ref(root, &media["examples"].begin().value());
                                if (ex && ex->contains("value")) op.response_example = (*ex)["value"];
                            }
                            if (media.contains("schema")) op.response_schema = &media["schema"];
                            break;
                        }
                    }
                }
            }
            doc->operations_.push_back(std::move(op));
        }
    }
    if (diags.size() != before && diags.has_errors()) return nullptr;
    return doc;
}

const OpenApiOperation* OpenApiDocument::find(std::string_view method, const std::vector<std::string_view>& segments,
                                              std::map<std::string, std::string>* params) const {
    const OpenApiOperation* best = nullptr;
    int best_literals = -1;
    for (const auto& op : operations_) {
        if (op.method != method || op.segments.size() != segments.size()) continue;
        int literals = 0;
        bool ok = true;
        for (size_t i = 0; i < segments.size() && ok; ++i) {
            const auto& s = op.segments[i];
            if (s.size() > 2 && s.front() == '{' && s.back() == '}') {
                ok = !segments[i].empty();
            } else if (s == segments[i]) {
                ++literals;
            } else {
                ok = false;
            }
        }
        if (ok && literals > best_literals) {
            best = &op;
            best_literals = literals;
        }
    }
    if (best && params) {
        params->clear();
        for (size_t i = 0; i < segments.size(); ++i) {
            const auto& s = best->segments[i];
            if (s.size() > 2 && s.front() == '{' && s.back() == '}')
                (*params)[s.substr(1, s.size() - 2)] = core::url_decode(segments[i], false);
        }
    }
    return best;
}

std::vector<RequestProblem> OpenApiDocument::validate(const OpenApiOperation& op, const emulator::Request& req,
                                                      const std::map<std::string, std::string>& path_params,
                                                      const core::Json* body, const std::string* body_parse_error,
                                                      size_t max_problems, size_t* omitted) const {
    std::vector<RequestProblem> out;
    *omitted = 0;
    for (const auto& p : op.parameters) {
        std::vector<std::string> values;
        if (p.in == "path") {
            auto it = path_params.find(p.name);
            if (it != path_params.end()) values.push_back(it->second);
        } else if (p.in == "query") {
            for (const auto& [k, v] : req.query) {
                if (k == p.name) values.push_back(v);
            }
            if (p.type == "array" && values.size() == 1 && values[0].find(',') != std::string::npos)
                values = core::split(values[0], ',');
        } else if (p.in == "header") {
            if (const std::string* v = req.header(p.name)) values.push_back(*v);
        }
        if (values.empty()) {
            if (p.required)
                out.push_back(
                    {p.in, p.name,
                     std::string(p.in == "header" ? "header" : p.in + " parameter") + " \"" + p.name + "\" is required",
                     "required"});
            continue;
        }
        core::Json value;
        bool bad = false;
        if (p.type == "array") {
            value = core::Json::array();
            for (const auto& v : values) {
                auto c = coerce(v, p.item_type);
                if (!c) {
                    out.push_back({p.in, p.name,
                                   p.in + " parameter \"" + p.name + "\": \"" + v + "\" is not " + article(p.item_type),
                                   "type"});
                    bad = true;
                    break;
                }
                value.push_back(*c);
            }
        } else {
            auto c = coerce(values[0], p.type);
            if (!c) {
                out.push_back({p.in, p.name,
                               p.in + " parameter \"" + p.name + "\": \"" + values[0] + "\" is not " + article(p.type),
                               "type"});
                bad = true;
            } else {
                value = *c;
            }
        }
        if (bad || !p.schema) continue;
        for (const auto& issue : p.schema->validate(value)) {
            out.push_back({p.in, p.name,
                           p.in + " parameter \"" + p.name + "\"" +
                               (issue.instance_pointer.empty() ? "" : " at " + issue.instance_pointer) + ": " +
                               issue.message,
                           issue.keyword});
        }
    }
    if (op.has_body) {
        bool empty = req.body.find_first_not_of(" \t\r\n") == std::string::npos;
        if (empty) {
            if (op.body_required) out.push_back({"body", "", "a request body is required", "required"});
        } else if (op.body_json) {
            const std::string* ct = req.header("Content-Type");
            if (!ct || !is_json_type(*ct)) {
                out.push_back({"header", "Content-Type",
                               "Content-Type must be application/json (got " +
                                   (ct ? "\"" + *ct + "\"" : std::string("none")) + ")",
                               "contentType"});
            } else if (body_parse_error || !body) {
                out.push_back({"body", "",
                               body_parse_error && !body_parse_error->empty()
                                   ? "the body is not valid JSON (" + *body_parse_error + ")"
                                   : "the body is not valid JSON",
                               "syntax"});
            } else if (op.body_schema && out.size() < max_problems) {
                for (const auto& issue : op.body_schema->validate(*body, max_problems - out.size(), omitted)) {
                    out.push_back(
                        {"body", issue.instance_pointer,
                         (issue.instance_pointer.empty() ? std::string("body") : "body" + issue.instance_pointer) +
                             ": " + issue.message + (issue.hint.empty() ? "" : " (" + issue.hint + ")"),
                         issue.keyword});
                }
            }
        }
    }
    return out;
}

std::optional<core::Json> OpenApiDocument::sample_response(const OpenApiOperation& op) const {
    if (op.response_example) return op.response_example;
    if (op.response_schema) return generate_from_schema(*op.response_schema, doc_.value);
    return std::nullopt;
}

core::Json generate_from_schema(const core::Json& schema_in, const core::Json& root, int depth) {
    const core::Json* s = resolve_ref(root, &schema_in);
    if (!s || !s->is_object() || depth > 12) return nullptr;
    if (s->contains("example")) return (*s)["example"];
    if (s->contains("examples") && (*s)["examples"].is_array() && !(*s)["examples"].empty()) return (*s)["examples"][0];
    if (s->contains("default")) return (*s)["default"];
    if (s->contains("const")) return (*s)["const"];
    if (s->contains("enum") && (*s)["enum"].is_array() && !(*s)["enum"].empty()) return (*s)["enum"][0];
    if (s->contains("allOf") && (*s)["allOf"].is_array()) {
        core::Json merged = core::Json::object();
        for (const auto& part : (*s)["allOf"]) {
            core::Json v = generate_from_schema(part, root, depth + 1);
            if (v.is_object()) merged.update(v);
        }
        return merged;
    }
    for (const char* k : {"oneOf", "anyOf"}) {
        if (s->contains(k) && (*s)[k].is_array() && !(*s)[k].empty())
            return generate_from_schema((*s)[k][0], root, depth + 1);
    }
    std::string type = schema_type(root, s);
    if (type.empty() && s->contains("properties")) type = "object";
    if (type.empty() && s->contains("items")) type = "array";
    if (type == "object") {
        core::Json out = core::Json::object();
        if (auto props = s->find("properties"); props != s->end() && props->is_object()) {
            for (auto it = props->begin(); it != props->end(); ++it)
                out[it.key()] = generate_from_schema(it.value(), root, depth + 1);
        }
        return out;
    }
    if (type == "array") {
        core::Json out = core::Json::array();
        if (s->contains("items")) {
            size_t n = s->contains("minItems") && (*s)["minItems"].is_number_integer()
                           ? static_cast<size_t>(std::max<long long>(0, (*s)["minItems"].get<long long>()))
                           : 1;
            for (size_t i = 0; i < std::max<size_t>(n, 1) && i < 10; ++i)
                out.push_back(generate_from_schema((*s)["items"], root, depth + 1));
        }
        return out;
    }
    if (type == "integer") {
        if (s->contains("minimum") && (*s)["minimum"].is_number())
            return static_cast<long long>((*s)["minimum"].get<double>());
        return 0;
    }
    if (type == "number") {
        if (s->contains("minimum") && (*s)["minimum"].is_number()) return (*s)["minimum"].get<double>();
        return 0.0;
    }
    if (type == "boolean") return true;
    if (type == "null") return nullptr;
    if (type == "string") {
        std::string fmt = s->value("format", "");
        if (fmt == "date-time") return "2024-01-01T00:00:00+08:00";
        if (fmt == "date") return "2024-01-01";
        if (fmt == "time") return "00:00:00+08:00";
        if (fmt == "email") return "user@example.com";
        if (fmt == "uuid") return "00000000-0000-4000-8000-000000000000";
        if (fmt == "uri" || fmt == "url") return "https://example.com/";
        size_t min = s->contains("minLength") && (*s)["minLength"].is_number_integer()
                         ? static_cast<size_t>(std::max<long long>(0, (*s)["minLength"].get<long long>()))
                         : 0;
        std::string v = "string";
        if (v.size() < min) v.append(min - v.size(), 'x');
        return v;
    }
    return nullptr;
}

}  // namespace mpemu::backend
