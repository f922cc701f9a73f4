// The "alipay" section of fixture.json (see fixture.hpp).
#include "emulator/alipay/fixture.hpp"

#include "core/text.hpp"

namespace mpemu::alipay {

using core::Json;

const AppConfig* FixtureConfig::app(const std::string& app_id) const {
    for (const auto& a : apps) {
        if (a.app_id == app_id) return &a;
    }
    return nullptr;
}

const UserConfig* FixtureConfig::user(const std::string& id) const {
    for (const auto& u : users) {
        if (u.user_id == id || (!u.open_id.empty() && u.open_id == id)) return &u;
    }
    return nullptr;
}

std::shared_ptr<const FixtureConfig> load_fixture_config(state::FixtureReader& reader) {
    const Json& root = reader.root();
    if (!root.contains("alipay")) return nullptr;
    auto cfg = std::make_shared<FixtureConfig>();
    const Json& section = root["alipay"];
    const Json& apps = section.value("apps", Json::array());
    for (size_t i = 0; i < apps.size(); ++i) {
        const Json& a = apps[i];
        AppConfig app;
        app.app_id = a.value("app_id", "");
        app.name = a.value("name", "");
        std::string pointer = "/alipay/apps/" + std::to_string(i) + "/app_id";
        if (cfg->app(app.app_id)) {
            reader.error(pointer, "app_id " + app.app_id + " appears twice");
            continue;
        }
        std::string own = "keys/alipay/" + app.app_id + "/";
        std::string dir = (i == 0 && !reader.file_exists(own + "app_public_key.pem")) ? "keys/alipay/" : own;
        auto pub = reader.read_file(dir + "app_public_key.pem", pointer, "the app public key of " + app.app_id);
        auto priv =
            reader.read_file(dir + "alipay_private_key.pem", pointer, "the Alipay private key of " + app.app_id);
        if (!pub || !priv) continue;
        auto pk = core::crypto::load_public_key(*pub);
        if (!pk) {
            reader.error(pointer, dir + "app_public_key.pem is not an RSA public key: " + pk.error().message);
            continue;
        }
        auto sk = core::crypto::load_private_key(*priv);
        if (!sk) {
            reader.error(pointer, dir + "alipay_private_key.pem is not an RSA private key: " + sk.error().message);
            continue;
        }
        if (reader.file_exists(dir + "alipay_public_key.pem")) {
            auto client_side = reader.read_file(dir + "alipay_public_key.pem", pointer, "the Alipay public key");
            auto cpk = client_side ? core::crypto::load_public_key(*client_side)
                                   : core::Result<core::crypto::Key>(core::make_error("read", ""));
            if (!cpk || !sk->same_public_key(*cpk)) {
                std::string message = dir;
                message += "alipay_public_key.pem does not belong to ";
                message += dir;
                message += "alipay_private_key.pem";
                reader.error(pointer, std::move(message), "regenerate the pair with scripts/generate-test-keys.sh");
            }
        }
        app.app_public_key = *pk;
        app.alipay_private_key = *sk;
        app.seller_id = "2088" + (app.app_id.size() >= 12 ? app.app_id.substr(app.app_id.size() - 12) : app.app_id);
        app.seller_email = "mpe***@example.com";
        cfg->apps.push_back(std::move(app));
    }
    const Json& users = section.value("users", Json::array());
    for (size_t i = 0; i < users.size(); ++i) {
        const Json& u = users[i];
        UserConfig user;
        user.user_id = u.value("user_id", "");
        user.open_id = u.value("open_id", "");
        user.app_id = u.value("app_id", "");
        user.nick_name = u.value("nick_name", "");
        user.avatar = u.value("avatar", "");
        user.gender = u.value("gender", "");
        user.province = u.value("province", "");
        user.city = u.value("city", "");
        user.phone = u.value("phone", "");
        if (!cfg->app(user.app_id)) {
            reader.error("/alipay/users/" + std::to_string(i) + "/app_id",
                         "user " + user.user_id + " names app_id " + user.app_id + ", which is not in alipay.apps");
        }
        cfg->users.push_back(std::move(user));
    }
    if (cfg->apps.empty()) return nullptr;
    return cfg;
}

void summarize(const FixtureConfig& cfg, Json& summary) {
    Json apps = Json::array();
    for (const auto& a : cfg.apps) {
        apps.push_back({{"app_id", a.app_id}, {"name", a.name}, {"seller_id", a.seller_id}});
    }
    summary["alipay"] = {{"apps", apps}};
    if (!summary.contains("users")) summary["users"] = Json::array();
    for (const auto& u : cfg.users) {
        Json j{{"alipay_user_id", u.user_id}, {"app_id", u.app_id}};
        if (!u.open_id.empty()) j["alipay_open_id"] = u.open_id;
        if (!u.nick_name.empty()) j["nick_name"] = u.nick_name;
        summary["users"].push_back(j);
    }
}

Json public_keys(const FixtureConfig* cfg) {
    Json apps = Json::array();
    if (cfg) {
        for (const auto& a : cfg->apps) {
            std::string pem = a.alipay_private_key.public_pem();
            std::string bare;
            for (auto& line : core::split(pem, '\n')) {
                if (!line.empty() && !core::starts_with(line, "-----")) bare += std::string(core::trim(line));
            }
            apps.push_back({{"app_id", a.app_id}, {"alipay_public_key", bare}, {"alipay_public_key_pem", pem}});
        }
    }
    return Json{{"apps", apps}};
}

}  // namespace mpemu::alipay
