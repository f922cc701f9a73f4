// The "wechat" section of fixture.json, parsed and cross-checked: apps (appid, secret, pages,
// subscribe templates) and users (per appid, with the profile the legacy open data carries).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/state/fixture_set.hpp"

namespace mpemu::wechat {

struct TemplateConfig {
    std::string template_id;
    std::string title;
    std::vector<std::string> keywords;
};

// The public subscribe template library (what getcategory / getpubtemplatetitles / getpubtemplatekeywords
// browse and addtemplate picks from).
struct LibraryKeyword {
    int kid = 0;
    std::string name;     // "订单编号"
    std::string rule;     // keyword kind: "character_string", "thing", "time", ...
    std::string example;  // "SO20240301001"
};

struct LibraryTitle {
    long long tid = 0;
    std::string title;
    int type = 2;  // 2 one-time, 3 long-term
    int category_id = 0;
    std::vector<LibraryKeyword> keywords;

    const LibraryKeyword* keyword(int kid) const;
};

struct TemplateCategory {
    int id = 0;
    std::string name;
};

struct AppConfig {
    std::string appid;
    std::string secret;
    std::string name;
    std::vector<std::string> pages;  // empty: any page is accepted
    std::vector<TemplateConfig> templates;
    std::vector<int> categories;  // template library categories of the app; empty: all of them
    bool rotate_session_key_on_login = false;
    int login_rate_limit_per_minute = 0;  // 0 = not enforced (production: 100 per user)

    const TemplateConfig* find_template(const std::string& id) const;
};

struct UserConfig {
    std::string appid;
    std::string openid;
    std::optional<std::string> unionid;
    std::string nickname;
    std::optional<std::string> phone;  // E.164
    int gender = 0;
    std::string city, province, country, language, avatar_url;
    bool login_blocked = false;
    std::map<std::string, int> subscriptions;  // template_id -> sends allowed
};

struct FixtureConfig : state::FixtureSection {
    std::vector<AppConfig> apps;
    std::vector<UserConfig> users;
    std::vector<TemplateCategory> template_categories;
    std::vector<LibraryTitle> template_library;

    const LibraryTitle* library_title(long long tid) const;
    // The categories an app sees: its own list, or every library category.
    std::vector<TemplateCategory> categories_of(const AppConfig& app) const;

    const AppConfig* app(const std::string& appid) const;
    const UserConfig* user(const std::string& appid, const std::string& openid) const;
    // A user of any app with this openid (to tell "another app's user" from "unknown").
    const UserConfig* user_any_app(const std::string& openid) const;
};

// Reads and checks the section (null when fixture.json has none).
std::shared_ptr<const FixtureConfig> load_fixture_config(state::FixtureReader& reader);

}  // namespace mpemu::wechat
