// The "wechatpay" section of fixture.json, loaded and cross-checked: merchants (mchid, appids, platform
// mode, balance) with their key files, and the section's settings (refund delay, expired state, v2
// notification replies). Shared by API v3 and v2; seeds no rows.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "core/json.hpp"
#include "emulator/state/fixture_set.hpp"

namespace mpemu::wechatpay {

struct Merchant {
    std::string mchid;
    std::string name;
    std::vector<std::string> appids;
    std::string platform_mode = "certificate";  // certificate | public_key
    std::string merchant_serial;                // upper-case hex
    core::crypto::Key merchant_public_key;
    std::string apiv3_key;
    std::string api_v2_key;
    core::crypto::Key platform_private_key;
    std::string platform_serial;
    std::string platform_cert_pem;
    long long platform_cert_not_before = 0;
    long long platform_cert_not_after = 0;
    std::string public_key_id;
    long long balance = -1;  // fen available for refunds; -1 = unlimited

    bool has_appid(const std::string& appid) const;
    // The serial a reply is signed under: the request's Wechatpay-Serial when it names one of this
    // merchant's platform keys, else the merchant's mode default.
    std::string reply_serial(const std::string* requested) const;
    // The serial notifications are signed under: the mode default.
    std::string default_serial() const;
};

struct FixtureConfig : state::FixtureSection {
    std::vector<Merchant> merchants;
    long long refund_delay_ms = 0;  // PROCESSING -> SUCCESS after this long (0 = at once)
    // trade_state of an unpaid order once time_expire has passed: NOTPAY (default) or CLOSED.
    std::string expired_state = "NOTPAY";
    // API v2 notifications: also accept non-XML "SUCCESS" / JSON replies (fixture v2_notify_reply: lenient).
    bool v2_lenient_notify_replies = false;
    const Merchant* find(const std::string& mchid) const;
};

// Reads and checks the section, reporting problems with positions (null when fixture.json has none).
std::shared_ptr<const FixtureConfig> load_fixture_config(state::FixtureReader& reader);

// The public part for GET /__admin/fixtures: summary["wechatpay"] = {"merchants": [...]}.
void summarize(const FixtureConfig& cfg, core::Json& summary);

}  // namespace mpemu::wechatpay
