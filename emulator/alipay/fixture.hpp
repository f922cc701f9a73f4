// The "alipay" section of fixture.json, parsed and cross-checked: apps (app_id, name, the key pair
// files under keys/alipay/) and users (per app_id, with the profile user.info.share returns).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "core/json.hpp"
#include "emulator/state/fixture_set.hpp"

namespace mpemu::alipay {

struct AppConfig {
    std::string app_id, name, seller_id, seller_email;
    core::crypto::Key app_public_key;      // verifies requests
    core::crypto::Key alipay_private_key;  // signs replies and notifications
};

struct UserConfig {
    std::string user_id, open_id, app_id, nick_name, avatar, gender, province, city, phone;
};

struct FixtureConfig : state::FixtureSection {
    std::vector<AppConfig> apps;
    std::vector<UserConfig> users;
    const AppConfig* app(const std::string& app_id) const;
    // By user_id or open_id.
    const UserConfig* user(const std::string& user_id) const;
};

// Reads and checks the section, loading each app's keys (null when fixture.json has none, or no app
// survived the checks).
std::shared_ptr<const FixtureConfig> load_fixture_config(state::FixtureReader& reader);

// Adds the apps and users to GET /__admin/fixtures.
void summarize(const FixtureConfig& cfg, core::Json& summary);

// GET /__admin/alipay/keys: each app's Alipay public key as PEM and as the bare one-line base64.
core::Json public_keys(const FixtureConfig* cfg);

}  // namespace mpemu::alipay
