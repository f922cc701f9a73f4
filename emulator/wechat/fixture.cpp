// Parsing the wechat fixture section. Shapes are already checked by the JSON Schema; this adds
// duplicates and cross references, reported at their position in fixture.json.
#include "emulator/wechat/fixture.hpp"

#include <set>

#include "core/json.hpp"

namespace mpemu::wechat {

const TemplateConfig* AppConfig::find_template(const std::string& id) const {
    for (const auto& t : templates) {
        if (t.template_id == id) return &t;
    }
    return nullptr;
}

const AppConfig* FixtureConfig::app(const std::string& appid) const {
    for (const auto& a : apps) {
        if (a.appid == appid) return &a;
    }
    return nullptr;
}

const UserConfig* FixtureConfig::user(const std::string& appid, const std::string& openid) const {
    for (const auto& u : users) {
        if (u.openid == openid && u.appid == appid) return &u;
    }
    return nullptr;
}

const UserConfig* FixtureConfig::user_any_app(const std::string& openid) const {
    for (const auto& u : users) {
        if (u.openid == openid) return &u;
    }
    return nullptr;
}

std::shared_ptr<const FixtureConfig> load_fixture_config(state::FixtureReader& reader) {
    const core::Json& root = reader.root();
    if (!root.contains("wechat")) return nullptr;
    const core::Json& w = root["wechat"];
    auto cfg = std::make_shared<FixtureConfig>();
    auto str = [](const core::Json& o, const char* k) {
        return o.contains(k) ? o[k].get<std::string>() : std::string();
    };

    std::set<std::string> appids;
    for (size_t i = 0; i < w["apps"].size(); ++i) {
        const core::Json& a = w["apps"][i];
        std::string ptr = "/wechat/apps/" + std::to_string(i);
        AppConfig app;
        app.appid = str(a, "appid");
        app.secret = str(a, "secret");
        app.name = str(a, "name");
        if (!appids.insert(app.appid).second) {
            reader.error(ptr + "/appid", "duplicate appid \"" + app.appid + "\"", "each app appears once");
        }
        if (a.contains("pages")) {
            for (const auto& p : a["pages"]) app.pages.push_back(p.get<std::string>());
        }
        std::set<std::string> template_ids;
        if (a.contains("templates")) {
            for (size_t t = 0; t < a["templates"].size(); ++t) {
                const core::Json& tj = a["templates"][t];
                TemplateConfig tc;
                tc.template_id = str(tj, "template_id");
                tc.title = str(tj, "title");
                for (const auto& k : tj["keywords"]) tc.keywords.push_back(k.get<std::string>());
                if (!template_ids.insert(tc.template_id).second) {
                    reader.error(ptr + "/templates/" + std::to_string(t) + "/template_id",
                                 "duplicate template_id \"" + tc.template_id + "\"");
                }
                app.templates.push_back(std::move(tc));
            }
        }
        app.rotate_session_key_on_login = a.value("rotate_session_key_on_login", false);
        app.login_rate_limit_per_minute = a.value("login_rate_limit_per_minute", 0);
        cfg->apps.push_back(std::move(app));
    }

    std::set<std::pair<std::string, std::string>> users;
    std::map<std::string, std::string> openid_app;
    if (w.contains("users")) {
        for (size_t i = 0; i < w["users"].size(); ++i) {
            const core::Json& uj = w["users"][i];
            std::string ptr = "/wechat/users/" + std::to_string(i);
            UserConfig u;
            u.appid = str(uj, "appid");
            u.openid = str(uj, "openid");
            if (uj.contains("unionid")) u.unionid = uj["unionid"].get<std::string>();
            u.nickname = str(uj, "nickname");
            if (uj.contains("phone")) u.phone = uj["phone"].get<std::string>();
            u.gender = uj.value("gender", 0);
            u.city = str(uj, "city");
            u.province = str(uj, "province");
            u.country = str(uj, "country");
            u.language = str(uj, "language");
            u.avatar_url = str(uj, "avatar_url");
            u.login_blocked = uj.value("login_blocked", false);
            const AppConfig* app = cfg->app(u.appid);
            if (!app) {
                reader.error(ptr + "/appid", "user of an unknown app \"" + u.appid + "\"",
                             "add the app to wechat.apps or fix the appid");
            }
            if (!users.insert({u.appid, u.openid}).second) {
                reader.error(ptr + "/openid", "duplicate user \"" + u.openid + "\" in app " + u.appid);
            }
            auto [it, fresh] = openid_app.emplace(u.openid, u.appid);
            if (!fresh && it->second != u.appid) {
                reader.error(ptr + "/openid", "openid \"" + u.openid + "\" is already used by app " + it->second,
                             "an openid belongs to one appid; give this user its own openid");
            }
            if (uj.contains("subscriptions")) {
                for (auto s = uj["subscriptions"].begin(); s != uj["subscriptions"].end(); ++s) {
                    if (app && !app->find_template(s.key())) {
                        reader.error(
                            core::pointer_append(ptr + "/subscriptions", s.key()),
                            "subscription to template \"" + s.key() + "\", which app " + u.appid + " does not have",
                            "declare it under wechat.apps[].templates", true);
                    }
                    u.subscriptions[s.key()] = s.value().get<int>();
                }
            }
            cfg->users.push_back(std::move(u));
        }
    }
    return cfg;
}

}  // namespace mpemu::wechat
