// Reading the backend section of fixture.json into a BackendConfig, with positioned errors.
#include "emulator/backend/fixture.hpp"

#include "core/text.hpp"
#include "core/time_format.hpp"
#include "core/url.hpp"
#include "emulator/router.hpp"

namespace mpemu::backend {
namespace {

using core::Json;
using emulator::split_path;
namespace crypto = core::crypto;

std::string ptr(std::string_view base, std::string_view token) {
    return core::pointer_append(base, token);
}
std::string ptr(std::string_view base, size_t i) {
    return core::pointer_append(base, i);
}

struct Loader {
    state::FixtureReader& r;
    BackendConfig& cfg;
    std::vector<std::string> collection_names;

    // An error at a position inside a JSON string value (offset into the decoded string, approximately
    // the source column when the string has no escapes).
    void error_in_string(const std::string& pointer, size_t offset, const std::string& message) {
        const auto& doc = r.set().doc;
        core::SourcePos p = doc.value_pos(pointer);
        if (doc.source && p.line > 0) {
            core::SourcePos q = doc.source->position(p.offset + 1 + offset, 2);
            r.diags().error(*doc.source, q, message);
        } else {
            r.error(pointer, message);
        }
    }

    bool provider_loaded(const std::string& service) const { return r.set().sections.count(service) > 0; }

    // The {names} of the route being loaded, while its response templates compile (nullptr otherwise).
    const std::vector<std::string>* route_params = nullptr;

    std::optional<Template> compile_template(const std::string& text, const std::string& pointer) {
        auto t = Template::compile(text, collection_names, route_params);
        if (!t) {
            error_in_string(pointer, std::stoul(t.error().detail), t.error().message);
            return std::nullopt;
        }
        return std::move(*t);
    }

    std::optional<JsonTemplate> compile_json(const Json& v, const std::string& pointer) {
        std::vector<JsonTemplate::Problem> problems;
        auto t = JsonTemplate::compile(v, collection_names, &problems, route_params);
        for (const auto& p : problems) error_in_string(pointer + p.pointer, p.offset, p.message);
        if (!problems.empty()) return std::nullopt;
        return t;
    }

    AuthRule auth_rule(const Json& v, const std::string& pointer) {
        AuthRule a;
        if (v.is_boolean()) {
            a.required = v.get<bool>();
        } else if (v.is_string()) {
            a.required = v == "required";
        } else if (v.is_object()) {
            a.required = true;
            if (v.contains("claims")) a.claims = v["claims"];
        }
        (void)pointer;
        return a;
    }

    ValueMatcher matcher(const Json& v, const std::string& pointer) {
        ValueMatcher m;
        if (!v.is_object()) {
            m.kind = ValueMatcher::kEquals;
            m.value = v;
            return m;
        }
        if (v.contains("equals")) {
            m.kind = ValueMatcher::kEquals;
            m.value = v["equals"];
        } else if (v.contains("matches")) {
            m.kind = ValueMatcher::kMatches;
            m.value = v["matches"];
            try {
                m.re = std::make_shared<std::regex>(v["matches"].get<std::string>(), std::regex::ECMAScript);
            } catch (const std::regex_error& e) {
                r.error(ptr(pointer, "matches"), std::string("invalid regular expression: ") + e.what());
            }
        } else if (v.contains("exists")) {
            m.kind = v["exists"].get<bool>() ? ValueMatcher::kExists : ValueMatcher::kAbsent;
        }
        return m;
    }

    // Which merchant / app of the provider sections an action names; keys folder for it.
    std::optional<std::string> provider_keys_dir(const std::string& section, const char* list, const char* id_key,
                                                 const std::string& id, const std::string& pointer,
                                                 const std::string& folder) {
        const Json& root = r.root();
        if (!root.contains(section) || !root[section].contains(list)) {
            r.error(pointer, "\"" + id + "\" needs a \"" + section + "\" section in fixture.json declaring it");
            return std::nullopt;
        }
        const Json& items = root[section][list];
        std::vector<std::string> known;
        for (size_t i = 0; i < items.size(); ++i) {
            std::string v = items[i].value(id_key, "");
            known.push_back(v);
            if (v == id) return i == 0 ? folder : folder + id + "/";
        }
        auto hint = core::did_you_mean(id, known);
        r.error(pointer, "unknown " + std::string(id_key) + " \"" + id + "\" (not in " + section + "." + list + ")",
                hint ? "did you mean \"" + *hint + "\"?" : "declared: " + core::join(known, ", "));
        return std::nullopt;
    }

    void load_action(Route& route, const Json& a, const std::string& pointer) {
        Action& act = route.action;
        act.type_name = a.value("type", "");
        static const std::map<std::string, ActionType> kTypes = {
            {"wechat_login", ActionType::kWechatLogin},         {"alipay_login", ActionType::kAlipayLogin},
            {"wechatpay_jsapi", ActionType::kWechatPayJsapi},   {"alipay_trade", ActionType::kAlipayTrade},
            {"wechatpay_notify", ActionType::kWechatPayNotify}, {"alipay_notify", ActionType::kAlipayNotify}};
        act.type = kTypes.at(act.type_name);  // the JSON Schema allows only these
        act.collection = a.value("collection", "");
        act.amount_field = a.value("amount_field", act.amount_field);
        act.status_field = a.value("status_field", act.status_field);
        act.paid_value = a.value("paid_value", act.paid_value);
        act.subject_field = a.value("subject_field", act.subject_field);
        const bool needs_collection = act.type == ActionType::kWechatPayJsapi || act.type == ActionType::kAlipayTrade ||
                                      act.type == ActionType::kWechatPayNotify || act.type == ActionType::kAlipayNotify;
        if (needs_collection) {
            if (act.collection.empty()) {
                r.error(pointer, "a " + act.type_name + " action needs \"collection\" (the orders collection)");
            } else if (!cfg.collection(act.collection)) {
                auto hint = core::did_you_mean(act.collection, collection_names);
                r.error(ptr(pointer, "collection"), "unknown collection \"" + act.collection + "\"",
                        hint ? "did you mean \"" + *hint + "\"?" : "");
            }
        }
        const bool wechat_side = act.type == ActionType::kWechatLogin;
        const bool wxpay_side = act.type == ActionType::kWechatPayJsapi || act.type == ActionType::kWechatPayNotify;
        const bool alipay_side = act.type == ActionType::kAlipayLogin || act.type == ActionType::kAlipayTrade ||
                                 act.type == ActionType::kAlipayNotify;
        if (wechat_side || act.type == ActionType::kWechatPayJsapi) {
            act.appid = a.value("appid", cfg.wechat_appid);
            if (act.appid.empty()) {
                r.error(pointer, "a " + act.type_name + " action needs \"appid\" (or backend.auth.wechat_appid)");
            } else {
                const Json& root = r.root();
                bool found = false;
                if (root.contains("wechat")) {
                    for (const auto& app : root["wechat"]["apps"]) {
                        if (app.value("appid", "") == act.appid) {
                            found = true;
                            act.secret = app.value("secret", "");
                        }
                    }
                }
                if (!found)
                    r.error(a.contains("appid") ? ptr(pointer, "appid") : pointer,
                            "appid \"" + act.appid + "\" is not declared in wechat.apps");
            }
        }
        if (wxpay_side) {
            act.mchid = a.value("mchid", "");
            if (act.mchid.empty()) {
                const Json& root = r.root();
                if (root.contains("wechatpay") && !root["wechatpay"]["merchants"].empty())
                    act.mchid = root["wechatpay"]["merchants"][0].value("mchid", "");
            }
            std::string mp = a.contains("mchid") ? ptr(pointer, "mchid") : pointer;
            if (auto dir = provider_keys_dir("wechatpay", "merchants", "mchid", act.mchid, mp, "keys/wechatpay/")) {
                if (act.type == ActionType::kWechatPayJsapi) {
                    if (auto pem = r.read_file(*dir + "merchant_private_key.pem", mp, "merchant private key")) {
                        auto k = crypto::load_private_key(*pem);
                        if (!k)
                            r.error(mp, *dir + "merchant_private_key.pem: " + k.error().message);
                        else
                            act.merchant_key = *k;
                    }
                    if (auto s = r.read_text(*dir + "merchant_cert_serial.txt", mp, "merchant certificate serial"))
                        act.merchant_serial = *s;
                } else {
                    if (auto k = r.read_text(*dir + "apiv3_key.txt", mp, "APIv3 key")) act.apiv3_key = *k;
                    if (auto pem = r.read_file(*dir + "platform_cert.pem", mp, "platform certificate")) {
                        auto cert = crypto::load_certificate(*pem);
                        if (cert) act.platform_keys.emplace_back(cert->serial_hex, cert->public_key);
                    }
                    auto id = r.read_text(*dir + "platform_public_key_id.txt", mp, "platform public key id");
                    auto pem = r.read_file(*dir + "platform_public_key.pem", mp, "platform public key");
                    if (id && pem) {
                        auto k = crypto::load_public_key(*pem);
                        if (k) act.platform_keys.emplace_back(*id, *k);
                    }
                }
            }
        }
        if (alipay_side) {
            act.app_id = a.value("app_id", cfg.alipay_app_id);
            if (act.app_id.empty()) {
                const Json& root = r.root();
                if (root.contains("alipay") && !root["alipay"]["apps"].empty())
                    act.app_id = root["alipay"]["apps"][0].value("app_id", "");
            }
            std::string ap = a.contains("app_id") ? ptr(pointer, "app_id") : pointer;
            if (auto dir = provider_keys_dir("alipay", "apps", "app_id", act.app_id, ap, "keys/alipay/")) {
                if (auto pem = r.read_file(*dir + "app_private_key.pem", ap, "Alipay app private key")) {
                    auto k = crypto::load_private_key(*pem);
                    if (!k)
                        r.error(ap, *dir + "app_private_key.pem: " + k.error().message);
                    else
                        act.app_private_key = *k;
                }
                if (auto pem = r.read_file(*dir + "alipay_public_key.pem", ap, "Alipay public key")) {
                    auto k = crypto::load_public_key(*pem);
                    if (!k)
                        r.error(ap, *dir + "alipay_public_key.pem: " + k.error().message);
                    else
                        act.alipay_public_key = *k;
                }
            }
        }
        std::string service = wechat_side ? "wechat" : wxpay_side ? "wechatpay" : "alipay";
        if (!provider_loaded(service)) {
            act.unavailable = "the " + act.type_name + " action needs the emulated " + service +
                              " service, which is not in this build of mpemu (or its fixture section is absent)";
        }
    }

    void load_route(const Json& v, const std::string& pointer, size_t index) {
        Route route;
        route.index = index;
        route.pointer = pointer;
        route.method = core::to_upper(v.value("method", "GET"));
        std::string path = v.value("path", "");
        route.path = PathTemplate::parse(path);
        route.name = v.value("name", route.method + " " + path);
        route.priority = v.value("priority", 0);
        if (auto m = v.find("match"); m != v.end()) {
            std::string mp = ptr(pointer, "match");
            if (m->contains("query")) {
                for (auto it = (*m)["query"].begin(); it != (*m)["query"].end(); ++it)
                    route.query.emplace_back(it.key(), matcher(it.value(), ptr(ptr(mp, "query"), it.key())));
            }
            if (m->contains("headers")) {
                for (auto it = (*m)["headers"].begin(); it != (*m)["headers"].end(); ++it)
                    route.headers.emplace_back(it.key(), matcher(it.value(), ptr(ptr(mp, "headers"), it.key())));
            }
            if (m->contains("body")) {
                const Json& b = (*m)["body"];
                for (size_t i = 0; i < b.size(); ++i) {
                    std::string bp = ptr(ptr(mp, "body"), i);
                    auto path_expr = core::JsonPath::compile(b[i].value("path", ""));
                    if (!path_expr) {
                        size_t col = 0;
                        try {
                            col = std::stoul(path_expr.error().detail);
                        } catch (...) {
                        }
                        error_in_string(ptr(bp, "path"), col, "invalid JSONPath: " + path_expr.error().message);
                        continue;
                    }
                    Json rest = b[i];
                    rest.erase("path");
                    route.body.push_back({std::move(*path_expr), matcher(rest, bp)});
                }
            }
        }
        if (v.contains("auth")) route.auth = auth_rule(v["auth"], ptr(pointer, "auth"));
        std::vector<std::string> params;
        for (const auto& s : route.path.segments)
            if (s.size() > 2 && s.front() == '{' && s.back() == '}') params.push_back(s.substr(1, s.size() - 2));
        route_params = &params;
        struct Reset {
            const std::vector<std::string>*& p;
            ~Reset() { p = nullptr; }
        } reset{route_params};
        if (auto res = v.find("response"); res != v.end()) {
            std::string rp = ptr(pointer, "response");
            route.status = res->value("status", 200);
            if (res->contains("headers")) {
                for (auto it = (*res)["headers"].begin(); it != (*res)["headers"].end(); ++it) {
                    if (auto t = compile_template(it.value().get<std::string>(), ptr(ptr(rp, "headers"), it.key())))
                        route.response_headers.emplace_back(it.key(), std::move(*t));
                }
            }
            if (res->contains("body")) {
                if (auto t = compile_json((*res)["body"], ptr(rp, "body"))) route.response_body = std::move(*t);
            }
            if (res->contains("delay")) {
                const Json& d = (*res)["delay"];
                std::optional<std::chrono::milliseconds> ms;
                if (d.is_number_integer())
                    ms = std::chrono::milliseconds(d.get<long long>());
                else if (d.is_string())
                    ms = core::parse_duration(d.get<std::string>());
                if (!ms || ms->count() < 0 || ms->count() > 60000)
                    r.error(ptr(rp, "delay"), "delay must be milliseconds or a duration like \"250ms\", at most 60s");
                else
                    route.delay = *ms;
            }
        }
        if (auto a = v.find("action"); a != v.end()) load_action(route, *a, ptr(pointer, "action"));
        cfg.routes.push_back(std::move(route));
    }

    void load_collection(const std::string& name, const Json& v, const std::string& pointer) {
        Collection c;
        c.name = name;
        c.pointer = pointer;
        std::string path = v.value("path", "");
        c.path = PathTemplate::parse(path);
        c.item_path = PathTemplate::parse(path + "/{id}");
        c.id_field = v.value("id_field", "id");
        c.integer_ids = v.value("id_type", "integer") == "integer";
        c.owned = v.value("owned", false);
        c.owner_field = v.value("owner_field", "userId");
        std::string auth = v.value("auth", c.owned ? "all" : "none");
        c.read_auth.required = c.owned || auth == "all";
        c.write_auth.required = c.owned || auth == "all" || auth == "write";
        if (c.owned && auth == "none")
            r.error(ptr(pointer, "auth"), "an owned collection always needs a logged-in user");
        if (v.contains("defaults")) c.defaults = v["defaults"];
        if (v.contains("protected")) {
            for (const auto& f : v["protected"]) c.protected_fields.push_back(f.get<std::string>());
        }
        if (auto s = v.find("schema"); s != v.end()) {
            std::string sp = ptr(pointer, "schema");
            if (s->is_string()) {
                std::string component = s->get<std::string>();
                if (!cfg.openapi) {
                    r.error(sp,
                            "schema \"" + component + "\" names an OpenAPI component, but backend.openapi is not set");
                } else {
                    std::string why;
                    c.schema = cfg.openapi->component_schema(component, &why);
                    if (!c.schema) r.error(sp, why);
                }
            } else {
                auto compiled = core::JsonSchema::compile(*s);
                if (!compiled)
                    r.error(sp, "invalid JSON Schema: " + compiled.error().message);
                else
                    c.schema = std::make_shared<core::JsonSchema>(std::move(*compiled));
            }
        }
        if (auto seed = v.find("seed"); seed != v.end()) {
            std::set<std::string> ids;
            for (size_t i = 0; i < seed->size(); ++i) {
                std::string rp = ptr(ptr(pointer, "seed"), i);
                const Json& row = (*seed)[i];
                if (c.schema) {
                    for (const auto& issue : c.schema->validate(row))
                        r.error(rp + issue.instance_pointer, issue.message, issue.hint, issue.at_key);
                }
                if (row.contains(c.id_field)) {
                    const Json& id = row[c.id_field];
                    if (c.integer_ids && !id.is_number_integer())
                        r.error(ptr(rp, c.id_field), "\"" + c.id_field + "\" must be an integer (id_type is integer)");
                    std::string key = id.is_string() ? id.get<std::string>() : core::dump(id);
                    if (!ids.insert(key).second)
                        r.error(ptr(rp, c.id_field), "duplicate id " + key + " in the seed rows");
                }
                c.seed.push_back(row);
            }
        }
        cfg.collections.push_back(std::move(c));
    }
};

}  // namespace

PathTemplate PathTemplate::parse(const std::string& text) {
    PathTemplate t;
    t.text = text;
    for (auto s : split_path(text)) t.segments.emplace_back(s);
    return t;
}

bool PathTemplate::match(const std::vector<std::string_view>& raw, std::map<std::string, std::string>* params,
                         int* literals) const {
    if (raw.size() != segments.size()) return false;
    int lit = 0;
    for (size_t i = 0; i < raw.size(); ++i) {
        const auto& s = segments[i];
        if (s.size() > 2 && s.front() == '{' && s.back() == '}') {
            if (raw[i].empty()) return false;
        } else if (s != raw[i]) {
            return false;
        } else {
            ++lit;
        }
    }
    if (params) {
        for (size_t i = 0; i < raw.size(); ++i) {
            const auto& s = segments[i];
            if (s.size() > 2 && s.front() == '{' && s.back() == '}')
                (*params)[s.substr(1, s.size() - 2)] = core::url_decode(raw[i], false);
        }
    }
    if (literals) *literals = lit;
    return true;
}

std::string ValueMatcher::describe() const {
    switch (kind) {
        case kEquals:
            return "equal to " + core::dump(value);
        case kMatches:
            return "matching /" + to_text(value) + "/";
        case kExists:
            return "present";
        case kAbsent:
            return "absent";
    }
    return "";
}

bool ValueMatcher::test(const core::Json* actual) const {
    switch (kind) {
        case kExists:
            return actual != nullptr;
        case kAbsent:
            return actual == nullptr;
        case kEquals:
            if (!actual) return false;
            if (*actual == value) return true;
            // Query and header values are text: compare "2" with 2.
            return actual->is_string() && !value.is_string() && to_text(value) == actual->get<std::string>();
        case kMatches:
            if (!actual || !re) return false;
            return std::regex_search(to_text(*actual), *re);
    }
    return false;
}

const Collection* BackendConfig::collection(const std::string& name) const {
    for (const auto& c : collections) {
        if (c.name == name) return &c;
    }
    return nullptr;
}

std::shared_ptr<const BackendConfig> load_fixture_config(state::FixtureReader& reader) {
    const Json& root = reader.root();
    if (!root.contains("backend")) return nullptr;
    const Json& b = root["backend"];
    auto cfg = std::make_shared<BackendConfig>();
    Loader L{reader, *cfg, {}};

    if (b.contains("openapi")) {
        std::string rel = b["openapi"].get<std::string>();
        std::string display = reader.set().file(rel);
        cfg->openapi = OpenApiDocument::load(display, display, reader.diags());
        if (!cfg->openapi && !reader.file_exists(rel))
            reader.error("/backend/openapi", "the OpenAPI document " + rel + " is missing or unreadable");
    }
    if (b.contains("auth")) {
        const Json& a = b["auth"];
        cfg->jwt.secret = a.value("jwt_secret", "");
        cfg->jwt.issuer = a.value("issuer", cfg->jwt.issuer);
        if (a.contains("audience")) cfg->jwt.audience = a["audience"].get<std::string>();
        if (a.contains("expires_in")) {
            const Json& e = a["expires_in"];
            std::optional<std::chrono::milliseconds> ms;
            if (e.is_number_integer())
                ms = std::chrono::seconds(e.get<long long>());
            else
                ms = core::parse_duration(e.get<std::string>());
            if (!ms || ms->count() <= 0)
                reader.error("/backend/auth/expires_in", "expires_in must be seconds or a duration like \"2h\"");
            else
                cfg->jwt.expires_in_s = ms->count() / 1000;
        }
        if (a.contains("claims")) cfg->jwt.claims = a["claims"];
        cfg->wechat_appid = a.value("wechat_appid", "");
        cfg->alipay_app_id = a.value("alipay_app_id", "");
    }
    if (b.contains("collections")) {
        for (auto it = b["collections"].begin(); it != b["collections"].end(); ++it)
            L.collection_names.push_back(it.key());
        for (auto it = b["collections"].begin(); it != b["collections"].end(); ++it)
            L.load_collection(it.key(), it.value(), ptr("/backend/collections", it.key()));
    }
    if (b.contains("routes")) {
        const Json& routes = b["routes"];
        for (size_t i = 0; i < routes.size(); ++i) L.load_route(routes[i], ptr("/backend/routes", i), i);
    }
    const bool any_auth = std::any_of(cfg->routes.begin(), cfg->routes.end(),
                                      [](const Route& r) {
                                          return r.auth.required || r.action.type == ActionType::kWechatLogin ||
                                                 r.action.type == ActionType::kAlipayLogin;
                                      }) ||
                          std::any_of(cfg->collections.begin(), cfg->collections.end(), [](const Collection& c) {
                              return c.read_auth.required || c.write_auth.required;
                          });
    if (any_auth && cfg->jwt.secret.empty())
        reader.error("/backend", "logins and protected routes need backend.auth.jwt_secret (the HS256 key)");
    // Pay actions need a notify route of the same provider (the provider calls it back).
    for (auto& route : cfg->routes) {
        ActionType want = route.action.type == ActionType::kWechatPayJsapi ? ActionType::kWechatPayNotify
                          : route.action.type == ActionType::kAlipayTrade  ? ActionType::kAlipayNotify
                                                                           : ActionType::kNone;
        if (want == ActionType::kNone) continue;
        for (const auto& other : cfg->routes) {
            if (other.action.type == want) {
                route.action.notify_path = other.path.text;
                break;
            }
        }
        if (route.action.notify_path.empty()) {
            reader.error(route.pointer + "/action",
                         "a " + route.action.type_name + " action needs a route with action " +
                             (want == ActionType::kWechatPayNotify ? "wechatpay_notify" : "alipay_notify") +
                             " to receive the provider's notification");
        } else if (route.action.notify_path.find('{') != std::string::npos) {
            reader.error(route.pointer + "/action", "the notify route's path must not have parameters");
        }
    }
    // Prefixes: declared, else the first segment of every declared path.
    if (b.contains("prefixes")) {
        for (const auto& p : b["prefixes"]) cfg->prefixes.push_back(p.get<std::string>());
    } else {
        std::set<std::string> seen;
        auto add = [&](const std::string& path) {
            auto segs = split_path(path);
            if (segs.empty() || segs[0].empty() || segs[0].front() == '{') return;
            std::string p = "/" + std::string(segs[0]) + (segs.size() > 1 ? "/" : "");
            if (seen.insert(p).second) cfg->prefixes.push_back(p);
        };
        for (const auto& r : cfg->routes) add(r.path.text);
        for (const auto& c : cfg->collections) add(c.path.text + "/");
        if (cfg->openapi) {
            for (const auto& op : cfg->openapi->operations()) add(op.path);
        }
    }
    for (const auto& p : cfg->prefixes) {
        if (core::starts_with(p, "/__admin") || p == "/sns/" || p == "/cgi-bin/" || p == "/wxa/" || p == "/v3/" ||
            p == "/gateway.do" || p == "/pay/" || p == "/secapi/")
            reader.error("/backend",
                         "the backend's paths must not start with " + p + " (a provider or the admin API uses it)");
    }
    return cfg;
}

void summarize(const BackendConfig& cfg, Json& summary) {
    Json b = {{"prefixes", cfg.prefixes}, {"collections", Json::array()}, {"routes", Json::array()}};
    for (const auto& c : cfg.collections)
        b["collections"].push_back({{"name", c.name}, {"path", c.path.text}, {"owned", c.owned}});
    for (const auto& r : cfg.routes) {
        Json j = {{"name", r.name}, {"method", r.method}, {"path", r.path.text}};
        if (r.action.type != ActionType::kNone) j["action"] = r.action.type_name;
        if (!r.action.unavailable.empty()) j["unavailable"] = r.action.unavailable;
        b["routes"].push_back(j);
    }
    if (cfg.openapi)
        b["openapi"] = {{"version", cfg.openapi->version()}, {"operations", cfg.openapi->operations().size()}};
    summary["backend"] = b;
}

}  // namespace mpemu::backend
