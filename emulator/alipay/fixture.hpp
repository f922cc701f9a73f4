// The "alipay" section of fixture.json, parsed and cross-checked: apps (app_id, name, key mode or
// certificate mode with their files under keys/alipay/, the balance transfers spend) and users (per
// app_id, with the profile user.info.share returns and the real name transfers check).
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
    core::crypto::Key app_public_key;      // verifies requests (cert mode: the app certificate's key)
    core::crypto::Key alipay_private_key;  // signs replies and notifications
    // Certificate mode (公钥证书, fixture "mode": "cert"): requests carry app_cert_sn and
    // alipay_root_cert_sn, replies alipay_cert_sn; fund transfers need it.
    bool cert_mode = false;
    std::string app_cert_sn, alipay_cert_sn, alipay_root_cert_sn;
    std::string alipay_cert_pem;   // what alipay.open.app.alipaycert.download serves
    long long balance_cents = -1;  // fixture "balance" (yuan) that transfers spend; -1: unlimited
};

struct UserConfig {
    std::string user_id, open_id, app_id, nick_name, avatar, gender, province, city, phone;
    std::string real_name, email;  // what a transfer's payee_info name / ALIPAY_LOGON_ID are checked against
    // The logon ids a transfer may name: the national phone number ("13800138000") and the email.
    bool has_logon_id(const std::string& logon_id) const;
};

struct FixtureConfig : state::FixtureSection {
    std::vector<AppConfig> apps;
    std::vector<UserConfig> users;
    const AppConfig* app(const std::string& app_id) const;
    // By user_id or open_id.
    const UserConfig* user(const std::string& user_id) const;
    // A cert-mode app whose Alipay public-key certificate has this SN.
    const AppConfig* app_by_alipay_cert_sn(const std::string& sn) const;
};

// Reads and checks the section, loading each app's keys (null when fixture.json has none, or no app
// survived the checks).
std::shared_ptr<const FixtureConfig> load_fixture_config(state::FixtureReader& reader);

// Adds the apps and users to GET /__admin/fixtures.
void summarize(const FixtureConfig& cfg, core::Json& summary);

// GET /__admin/alipay/keys: each app's Alipay public key as PEM and as the bare one-line base64.
core::Json public_keys(const FixtureConfig* cfg);

}  // namespace mpemu::alipay
