// The rules of the WeChat mini program API: login codes and sessions, access tokens (token and
// stable_token worlds), phone codes, legacy open data, login-state checks, content checks, subscribe
// messages and mini program codes. No HTTP here: routes.cpp parses requests and renders results.
// Every operation returns emulator::Outcome: API failures are made by errors.hpp (code = errcode,
// status 200), admin failures carry an admin code ("bad_request", "not_found") for admin::error_response.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "emulator/outcome.hpp"
#include "emulator/service.hpp"
#include "emulator/state/database.hpp"
#include "emulator/wechat/fixture.hpp"

namespace mpemu::wechat {

inline constexpr long long kCodeTtlMs = 5 * 60 * 1000;
inline constexpr long long kTokenTtlMs = 7200 * 1000;
inline constexpr long long kTokenOverlapMs = 5 * 60 * 1000;
inline constexpr long long kForceRefreshSpacingMs = 30 * 1000;
inline constexpr int kForceRefreshPerDay = 20;
inline constexpr size_t kMaxBulkCodes = 100000;
inline constexpr long long kTicketTtlMs = 7200 * 1000;

struct Session {
    std::string session_key;
    std::string openid;
    std::optional<std::string> unionid;
};

struct AccessToken {
    std::string access_token;
    long long expires_in = 0;
};

// A query parameter or JSON member as received: absent, or its text.
using Param = std::optional<std::string>;

class Api {
public:
    explicit Api(emulator::ServiceContext& ctx) : ctx_(ctx) {}

    // ---- API operations ----
    emulator::Outcome<Session> code2session(const Param& appid, const Param& secret, const Param& js_code,
                                            const Param& grant_type);
    emulator::Outcome<AccessToken> token(const Param& grant_type, const Param& appid, const Param& secret);
    emulator::Outcome<AccessToken> stable_token(const std::string& body);
    // The appid owning a valid access token, or 41001/40014/40001/42001.
    emulator::Outcome<std::string> check_access_token(const Param& access_token);
    emulator::Outcome<core::OrderedJson> phone_number(const std::string& appid, const std::string& body);
    emulator::Outcome<core::OrderedJson> check_session(const std::string& appid, const Param& openid,
                                                       const Param& signature, const Param& sig_method);
    emulator::Outcome<core::OrderedJson> reset_session_key(const std::string& appid, const Param& openid,
                                                           const Param& signature, const Param& sig_method);
    emulator::Outcome<core::OrderedJson> msg_sec_check(const std::string& appid, const std::string& body);
    emulator::Outcome<core::OrderedJson> subscribe_send(const std::string& appid, const std::string& body);
    // PNG bytes.
    emulator::Outcome<std::string> wxacode_unlimited(const std::string& appid, const std::string& body);

    // ---- messaging (service_messaging.cpp) ----
    // The JS-SDK ticket of this access token for type "jsapi" or "wx_card".
    emulator::Outcome<core::OrderedJson> ticket(const std::string& appid, const std::string& access_token,
                                                const Param& type);
    emulator::Outcome<core::OrderedJson> custom_send(const std::string& appid, const std::string& body);
    emulator::Outcome<core::OrderedJson> template_categories(const std::string& appid);
    emulator::Outcome<core::OrderedJson> pub_template_titles(const std::string& appid, const Param& ids,
                                                             const Param& start, const Param& limit);
    emulator::Outcome<core::OrderedJson> pub_template_keywords(const std::string& appid, const Param& tid);
    // `form`: the body is application/x-www-form-urlencoded (else JSON).
    emulator::Outcome<core::OrderedJson> add_template(const std::string& appid, const std::string& body, bool form);
    emulator::Outcome<core::OrderedJson> del_template(const std::string& appid, const std::string& body, bool form);
    emulator::Outcome<core::OrderedJson> list_templates(const std::string& appid);

    // ---- order shipping management (service_shipping.cpp) ----
    // upload_shipping_info, or upload_combined_shipping_info when `combined`.
    emulator::Outcome<core::OrderedJson> upload_shipping(const std::string& appid, const std::string& body,
                                                         bool combined);
    emulator::Outcome<core::OrderedJson> shipping_get_order(const std::string& appid, const std::string& body);
    emulator::Outcome<core::OrderedJson> shipping_order_list(const std::string& appid, const std::string& body);
    emulator::Outcome<core::OrderedJson> shipping_is_trade_managed(const std::string& appid, const std::string& body);
    emulator::Outcome<core::OrderedJson> shipping_notify_confirm(const std::string& appid, const std::string& body);
    emulator::Outcome<core::OrderedJson> shipping_set_jump_path(const std::string& appid, const std::string& body);

    // ---- admin operations ----
    emulator::Outcome<std::vector<std::string>> mint_login_codes(const std::string& appid, const std::string& openid,
                                                                 size_t count);
    emulator::Outcome<std::string> mint_phone_code(const std::string& appid, const std::string& openid);
    // {encryptedData, iv, rawData?, signature?} for kind "userinfo" or "phone".
    emulator::Outcome<core::OrderedJson> encrypted_data(const std::string& appid, const std::string& openid,
                                                        const std::string& kind);
    core::Json messages(const std::string& appid, const std::string& touser, const std::string& template_id,
                        size_t limit);
    // What wx.config checks in the WeChat client: the signature over a live jsapi ticket of the app.
    emulator::Outcome<core::Json> verify_jsapi_config(const std::string& appid, const std::string& url,
                                                      const std::string& noncestr, const std::string& timestamp,
                                                      const std::string& signature);
    // A user action that opens a customer service reply window: "user_message" or "user_enter".
    emulator::Outcome<core::Json> open_service_window(const std::string& appid, const std::string& openid,
                                                      const std::string& action);
    core::Json custom_messages(const std::string& appid, const std::string& touser, size_t limit);
    // The user confirms receipt of a shipped order (by transaction_id, or mchid + out_trade_no).
    emulator::Outcome<core::Json> shipping_confirm_receipt(const std::string& appid, const std::string& transaction_id,
                                                           const std::string& mchid, const std::string& out_trade_no);
    core::Json shipping_orders_admin(const std::string& appid);
    core::Json shipping_events_admin(const std::string& appid);
    // The user accepts `count` more sends of a template (wx.requestSubscribeMessage).
    emulator::Outcome<core::Json> add_subscription(const std::string& appid, const std::string& openid,
                                                   const std::string& template_id, int count);

    // In-memory state a reset must clear (per-minute login counters).
    void clear_counters();

    std::string rid() { return ctx_.ids().rid(); }
    core::Logger& log() { return ctx_.log(); }

private:
    std::shared_ptr<const FixtureConfig> config() const;
    // The keywords of a live subscribe template of the app (fixture or added with addtemplate).
    std::optional<std::vector<std::string>> template_keywords(state::Conn& c, const AppConfig& app,
                                                              const std::string& template_id);
    std::string new_session_key();
    std::string new_access_token();
    bool over_login_rate(const AppConfig& app, const std::string& openid, long long now_ms);
    // At most once per emulated minute, inside the caller's write: forget codes and tokens past any window
    // an answer depends on (a code: its 5 minutes, then 40029 either way; a token: 42001 for a day).
    void purge_expired_now(state::Conn& c, long long now_ms);

    emulator::ServiceContext& ctx_;
    std::mutex rate_mu_;
    std::map<std::string, std::pair<long long, int>> login_counts_;  // appid/openid -> (minute, calls)
    std::atomic<long long> last_purge_ms_{0};
};

}  // namespace mpemu::wechat
