// Parsing the wechat fixture section. Shapes are already checked by the JSON Schema; this adds
// duplicates and cross references, reported at their position in fixture.json.
#include "emulator/wechat/fixture.hpp"

#include <algorithm>
#include <set>

#include "core/json.hpp"
#include "emulator/wechat/protocol.hpp"

namespace mpemu::wechat {

const TemplateConfig* AppConfig::find_template(const std::string& id) const {
    for (const auto& t : templates) {
        if (t.template_id == id) return &t;
    }
    return nullptr;
}

const LibraryKeyword* LibraryTitle::keyword(int kid) const {
    for (const auto& k : keywords) {
        if (k.kid == kid) return &k;
    }
    return nullptr;
}

const LibraryTitle* FixtureConfig::library_title(long long tid) const {
    for (const auto& t : template_library) {
        if (t.tid == tid) return &t;
    }
    return nullptr;
}

std::vector<TemplateCategory> FixtureConfig::categories_of(const AppConfig& app) const {
    if (app.categories.empty()) return template_categories;
    std::vector<TemplateCategory> out;
    for (const auto& c : template_categories) {
        if (std::find(app.categories.begin(), app.categories.end(), c.id) != app.categories.end()) out.push_back(c);
    }
    return out;
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

    // The template library first: apps name its categories.
    std::set<int> category_ids;
    if (w.contains("template_categories")) {
        for (size_t i = 0; i < w["template_categories"].size(); ++i) {
            const core::Json& c = w["template_categories"][i];
            TemplateCategory tc{c["id"].get<int>(), str(c, "name")};
            if (!category_ids.insert(tc.id).second) {
                reader.error("/wechat/template_categories/" + std::to_string(i) + "/id",
                             "duplicate category id " + std::to_string(tc.id), "each category appears once");
            }
            cfg->template_categories.push_back(std::move(tc));
        }
    }
    std::set<long long> tids;
    if (w.contains("template_library")) {
        for (size_t i = 0; i < w["template_library"].size(); ++i) {
            const core::Json& t = w["template_library"][i];
            std::string ptr = "/wechat/template_library/" + std::to_string(i);
            LibraryTitle lt;
            lt.tid = t["tid"].get<long long>();
            lt.title = str(t, "title");
            lt.type = t.value("type", 2);
            lt.category_id = t["category_id"].get<int>();
            if (!tids.insert(lt.tid).second) {
                reader.error(ptr + "/tid", "duplicate tid " + std::to_string(lt.tid),
                             "each library title appears once");
            }
            if (!category_ids.count(lt.category_id)) {
                reader.error(ptr + "/category_id", "category " + std::to_string(lt.category_id) + " is not declared",
                             "add it to wechat.template_categories or fix the id");
            }
            std::set<int> kids;
            for (size_t k = 0; k < t["keywords"].size(); ++k) {
                const core::Json& kj = t["keywords"][k];
                LibraryKeyword kw{kj["kid"].get<int>(), str(kj, "name"), str(kj, "rule"), str(kj, "example")};
                if (!kids.insert(kw.kid).second) {
                    reader.error(ptr + "/keywords/" + std::to_string(k) + "/kid",
                                 "duplicate kid " + std::to_string(kw.kid) + " in tid " + std::to_string(lt.tid),
                                 "each keyword appears once in a title");
                }
                lt.keywords.push_back(std::move(kw));
            }
            cfg->template_library.push_back(std::move(lt));
        }
    }

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
            // "/pages/a" and "pages/a" are the same page; requests are compared without the slash.
            for (const auto& p : a["pages"]) app.pages.push_back(protocol::normalize_page(p.get<std::string>()));
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
        if (a.contains("categories")) {
            for (size_t c = 0; c < a["categories"].size(); ++c) {
                int id = a["categories"][c].get<int>();
                if (!category_ids.count(id)) {
                    reader.error(ptr + "/categories/" + std::to_string(c),
                                 "category " + std::to_string(id) + " is not in wechat.template_categories",
                                 "declare it there or remove it");
                }
                app.categories.push_back(id);
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
