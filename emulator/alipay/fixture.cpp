// The "alipay" section of fixture.json (see fixture.hpp).
#include "emulator/alipay/fixture.hpp"

#include "core/text.hpp"
#include "emulator/alipay/protocol.hpp"
#include "emulator/alipay/protocol_cert.hpp"

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

const AppConfig* FixtureConfig::app_by_alipay_cert_sn(const std::string& sn) const {
    for (const auto& a : apps) {
        if (a.cert_mode && a.alipay_cert_sn == sn) return &a;
    }
    return nullptr;
}

bool UserConfig::has_logon_id(const std::string& logon_id) const {
    if (logon_id.empty()) return false;
    if (!email.empty() && email == logon_id) return true;
    std::string national = core::starts_with(phone, "+86") ? phone.substr(3) : phone;
    return !national.empty() && national == logon_id;
}

namespace {

constexpr const char* kRegenerate = "regenerate them with scripts/generate-test-keys.sh (MPEMU_ALIPAY_CERT_APP_IDS)";

// Certificate mode: the app certificate (verifies requests), the Alipay private key and its public-key
// certificate, the root chain; their SNs as the SDKs compute them. False after reporting an error.
bool load_cert_mode(state::FixtureReader& reader, const std::string& pointer, const std::string& dir, AppConfig& app) {
    auto app_cert = reader.read_file(dir + "app_cert.crt", pointer, "the app public-key certificate of " + app.app_id);
    auto priv = reader.read_file(dir + "alipay_private_key.pem", pointer, "the Alipay private key of " + app.app_id);
    auto alipay_cert =
        reader.read_file(dir + "alipay_cert.crt", pointer, "the Alipay public-key certificate of " + app.app_id);
    auto root = reader.read_file(dir + "alipay_root_cert.crt", pointer, "the Alipay root certificate chain");
    if (!app_cert || !priv || !alipay_cert || !root) return false;
    auto bad = [&](const std::string& file, const std::string& why) {
        reader.error(pointer, dir + file + " " + why, kRegenerate);
        return false;
    };
    auto app_key = certificate_public_key(*app_cert);
    auto app_sn = certificate_sn(*app_cert);
    if (!app_key || !app_sn) return bad("app_cert.crt", "is not an X.509 certificate (PEM)");
    auto sk = core::crypto::load_private_key(*priv);
    if (!sk) return bad("alipay_private_key.pem", "is not an RSA private key: " + sk.error().message);
    auto alipay_key = certificate_public_key(*alipay_cert);
    auto alipay_sn = certificate_sn(*alipay_cert);
    if (!alipay_key || !alipay_sn) return bad("alipay_cert.crt", "is not an X.509 certificate (PEM)");
    if (!sk->same_public_key(*alipay_key)) return bad("alipay_cert.crt", "does not certify alipay_private_key.pem");
    auto root_sn = root_certificate_sn(*root);
    if (!root_sn) return bad("alipay_root_cert.crt", "is not a root chain: " + root_sn.error().message);
    app.cert_mode = true;
    app.app_public_key = *app_key;
    app.alipay_private_key = *sk;
    app.app_cert_sn = *app_sn;
    app.alipay_cert_sn = *alipay_sn;
    app.alipay_root_cert_sn = *root_sn;
    app.alipay_cert_pem = *alipay_cert;
    return true;
}

}  // namespace

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
        app.seller_id = "2088" + (app.app_id.size() >= 12 ? app.app_id.substr(app.app_id.size() - 12) : app.app_id);
        app.seller_email = "mpe***@example.com";
        std::string base = "/alipay/apps/" + std::to_string(i);
        if (a.contains("balance")) {
            auto cents = a["balance"].is_string() ? parse_amount(a["balance"]) : std::nullopt;
            if (!cents) {
                reader.error(base + "/balance", "balance must be a string of yuan with at most two decimals",
                             "write it like \"50000.00\"");
                continue;
            }
            app.balance_cents = *cents;
        }
        std::string mode = a.contains("mode") && a["mode"].is_string() ? a["mode"].get<std::string>() : "key";
        if (mode != "key" && mode != "cert") {
            reader.error(base + "/mode", "mode must be \"key\" (public key) or \"cert\" (public-key certificates)",
                         "leave it out for key mode");
            continue;
        }
        std::string own = "keys/alipay/" + app.app_id + "/";
        if (mode == "cert") {
            if (load_cert_mode(reader, pointer, own, app)) cfg->apps.push_back(std::move(app));
            continue;
        }
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
        user.real_name = u.value("real_name", "");
        user.email = u.value("email", "");
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
        Json app{{"app_id", a.app_id}, {"name", a.name}, {"seller_id", a.seller_id}};
        app["mode"] = a.cert_mode ? "cert" : "key";
        if (a.cert_mode) {
            app["app_cert_sn"] = a.app_cert_sn;
            app["alipay_cert_sn"] = a.alipay_cert_sn;
            app["alipay_root_cert_sn"] = a.alipay_root_cert_sn;
        }
        if (a.balance_cents >= 0) app["balance"] = format_amount(a.balance_cents);
        apps.push_back(std::move(app));
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
