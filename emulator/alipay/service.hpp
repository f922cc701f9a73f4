// Alipay's rules: gateway authentication (§2.6), OAuth codes and tokens, the trade state machine
// (create, pay, query, refund, refund query, close, timeout, finish) and trade_status_sync
// notifications through the shared outbox.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto.hpp"
#include "core/json.hpp"
#include "emulator/alipay/errors.hpp"
#include "emulator/alipay/protocol.hpp"
#include "emulator/alipay/store.hpp"
#include "emulator/service.hpp"
#include "emulator/state/outbox.hpp"

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
    const UserConfig* user(const std::string& user_id) const;
};

// What a method answers: business fields, or an error (with the business fields it echoes).
struct Outcome {
    std::optional<GatewayError> error;
    core::OrderedJson fields = core::OrderedJson::object();
    bool error_envelope = false;  // v2: render in error_response (oauth code errors)
};

// The result of authenticating a gateway request.
struct GatewayAuth {
    std::shared_ptr<const FixtureConfig> config;  // keeps the app alive for the request
    const AppConfig* app = nullptr;               // null when app_id is unknown
    SignType sign_type = SignType::kRSA2;
    std::optional<GatewayError> error;
    bool error_envelope = false;
};

inline constexpr const char* kChannel = "alipay";

class AlipayService {
public:
    explicit AlipayService(emulator::ServiceContext& ctx);

    std::shared_ptr<const FixtureConfig> config() const;
    // The key that signs a reply when the app is unknown: the set's first app's Alipay key.
    const AppConfig& any_app(const FixtureConfig& config) const;

    // §2.6 checks up to (not including) business validation.
    GatewayAuth authenticate_gateway(const core::Params& params, bool method_known) const;
    // §5.2: Authorization over the raw target and body.
    GatewayAuth authenticate_v3(const std::string& method, const std::string& target, const std::string& body,
                                const std::string* authorization, const std::string* app_auth_token) const;

    Outcome oauth_token(const AppConfig& app, const core::Json& args);
    Outcome user_info_share(const AppConfig& app, const std::string& auth_token);
    Outcome trade_create(const AppConfig& app, const core::Json& biz, const std::string& notify_url);
    Outcome trade_query(const AppConfig& app, const core::Json& biz);
    Outcome trade_refund(const AppConfig& app, const core::Json& biz);
    Outcome refund_query(const AppConfig& app, const core::Json& biz);
    Outcome trade_close(const AppConfig& app, const core::Json& biz);

    // Admin controls.
    core::Result<core::Json> mint_auth_code(const std::string& app_id, const std::string& user_id,
                                            const std::string& scopes);
    // result: TRADE_SUCCESS (pay), TRADE_CLOSED (timeout), TRADE_FINISHED (refund window passed), CANCEL.
    core::Result<core::Json> admin_pay(const std::string& out_trade_no, const std::string& app_id,
                                       const std::string& result);
    core::Json list_trades(const std::string& app_id);
    core::Json list_refunds(const std::string& app_id, const std::string& out_trade_no);

    // Moves due trades (unpaid timeout, refund window) on the emulator clock; returns how many.
    int sweep();

    // Outbox channel rendering and acceptance.
    state::OutboxChannel channel();

    static core::Json trade_json(const Trade& t);

private:
    Outcome trade_error(const std::string& sub_code, const std::string& out_trade_no = {},
                        std::string sub_msg = {}) const;
    // Reads trade_no / out_trade_no; sets an error outcome when both are missing.
    bool lookup_keys(const core::Json& biz, std::string* trade_no, std::string* out_trade_no, Outcome* err) const;
    std::optional<Trade> load_trade(const std::string& app_id, const std::string& trade_no,
                                    const std::string& out_trade_no);
    // Inside a write: applies timeout / finish when due; returns true if it changed the trade.
    bool settle_due(state::Conn& c, Trade& t, long long now_ms);
    void notify(state::Conn& c, const Trade& t, const Refund* refund);
    std::string buyer_logon_id(const Trade& t) const;
    std::string fmt_time(long long ms) const;
    std::string new_trade_no();
    std::string new_notify_id();

    emulator::ServiceContext& ctx_;
    long long auth_code_ttl_ms_ = 5 * 60 * 1000LL;
    long long access_ttl_s_ = 1296000;
    long long refresh_ttl_s_ = 2592000;
    long long unpaid_timeout_ms_ = 90 * 60 * 1000LL;
    long long refund_window_ms_ = 90LL * 24 * 3600 * 1000;
};

}  // namespace mpemu::alipay
