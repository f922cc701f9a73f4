// SQLite tables of the WeChat mini program API: users' session keys, login and phone codes, access
// tokens (both worlds), force-refresh counters, subscriptions and sent subscribe messages. A Store is
// opened per app (tenant) on a connection inside Database::read/write; nothing else touches these tables.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "emulator/state/database.hpp"

namespace mpemu::wechat {

struct FixtureConfig;

enum class CodeKind { kLogin = 1, kPhone = 2 };
enum class TokenKind { kToken = 1, kStable = 2 };

struct UserRow {
    long long id = 0;
    std::string appid;
    std::string openid;
    std::optional<std::string> session_key;
};

struct CodeRow {
    std::string code;
    CodeKind kind = CodeKind::kLogin;
    long long user_id = 0;
    std::string appid;                       // of the user
    std::string openid;                      // of the user
    std::optional<std::string> session_key;  // the user's current one
    long long created_ms = 0;
    std::optional<long long> used_ms;
};

struct TokenRow {
    std::string token;
    std::string appid;
    TokenKind kind = TokenKind::kToken;
    long long issued_ms = 0;
    long long expires_ms = 0;
    std::optional<long long> superseded_ms;
    std::optional<long long> revoked_ms;
};

struct MessageRow {
    std::string msgid;
    std::string appid, touser, template_id, page, miniprogram_state, lang;
    core::Json data;
    long long sent_ms = 0;
};

struct TicketRow {
    std::string ticket;
    long long issued_ms = 0;
    long long expires_ms = 0;
};

// A customer service window: what a user action allows (spec: 5 sends in 48 h after a message, 2 in a
// minute after entering the chat).
struct ServiceWindow {
    std::string action;  // "user_message" | "user_enter"
    long long opened_ms = 0;
    long long expires_ms = 0;
    int remaining = 0;
};

struct CustomMessageRow {
    long long id = 0;
    std::string appid, touser, msgtype;
    core::Json body;  // the whole request body as sent
    long long sent_ms = 0;
};

// A subscribe template added with addtemplate, or a tombstone for a deleted fixture template.
struct TemplateRow {
    std::string template_id;
    long long tid = 0;  // 0 for a fixture template
    std::string title;
    int type = 2;
    std::vector<std::string> keywords;  // "thing1", "time2", ... in order
    std::string content, example, scene_desc;
    bool from_fixture = false;
    long long created_ms = 0;
    std::optional<long long> deleted_ms;
};

// A mini program order in the shipping management service (known from the merchant's first upload).
struct ShippingOrder {
    long long id = 0;
    std::string appid, transaction_id, mchid, out_trade_no, openid;
    int order_state = 1;  // 1 to ship, 2 shipped, 3 receipt confirmed, 4 completed, 5 refunded
    int logistics_type = 1;
    int delivery_mode = 1;
    bool finish_shipping = false;
    core::Json shipping_list = core::Json::array();  // as get_order renders it
    long long upload_ms = 0;                         // the first upload (emulator time)
    long long last_upload_ms = 0;
    bool reshipped = false;
    int reminders = 0;
    std::optional<long long> confirmed_ms;
};

struct ShippingEvent {
    long long id = 0;
    std::string appid, transaction_id, mchid, out_trade_no, openid, event;
    core::Json detail;
    long long at_ms = 0;
};

std::vector<state::Migration> migrations();
// Forgets login and phone codes created before `codes_before_ms` and access tokens that expired before
// `tokens_before_ms`, across apps (codes and tokens never outlive their answer windows otherwise, and a
// load test minting millions grew without end). Returns the rows removed.
long long purge_expired(state::Conn& c, long long codes_before_ms, long long tokens_before_ms);
// Seeded rows for a fixture set: users (no session key yet) and their subscriptions.
void seed(state::Conn& conn, const FixtureConfig& cfg);

class Store {
public:
    Store(state::Conn& conn, std::string appid) : c_(conn), appid_(std::move(appid)) {}

    std::optional<UserRow> user(const std::string& openid);
    void set_session_key(long long user_id, const std::string& session_key, long long now_ms);

    void insert_code(const std::string& code, CodeKind kind, long long user_id, long long now_ms);
    // A code of any app (the caller compares appids).
    std::optional<CodeRow> code(const std::string& code, CodeKind kind);
    void mark_code_used(const std::string& code, long long now_ms);

    void insert_token(const TokenRow& row);
    std::optional<TokenRow> token(const std::string& token);  // any app
    void supersede_tokens(TokenKind kind, long long now_ms);
    void revoke_tokens(TokenKind kind, long long now_ms);
    // The latest non-revoked token of this kind.
    std::optional<TokenRow> latest_token(TokenKind kind);

    struct ForceState {
        std::string day;
        int count = 0;
        std::optional<long long> last_ms;
    };
    ForceState force_state();
    void set_force_state(const ForceState& st);

    // Remaining one-time subscriptions (0 when none).
    int subscription(const std::string& openid, const std::string& template_id);
    void set_subscription(const std::string& openid, const std::string& template_id, int remaining);

    void insert_message(const MessageRow& m);
    // Messages of every app, oldest first; empty filters match all.
    static std::vector<MessageRow> messages(state::Conn& conn, const std::string& appid, const std::string& touser,
                                            const std::string& template_id, size_t limit);

    // ---- JS-SDK tickets: one per access token and type ----
    std::optional<TicketRow> ticket(const std::string& access_token, const std::string& type);
    void put_ticket(const std::string& access_token, const std::string& type, const TicketRow& row);
    // This app's tickets of a type still valid at now_ms, newest first.
    std::vector<TicketRow> live_tickets(const std::string& type, long long now_ms);

    // ---- customer service messages ----
    std::optional<ServiceWindow> service_window(const std::string& openid);
    void set_service_window(const std::string& openid, const ServiceWindow& w);
    long long insert_custom_message(const CustomMessageRow& m);
    // Of every app, oldest first; empty filters match all.
    static std::vector<CustomMessageRow> custom_messages(state::Conn& conn, const std::string& appid,
                                                         const std::string& touser, size_t limit);

    // ---- subscribe templates added through the API (and tombstones of deleted fixture ones) ----
    std::vector<TemplateRow> templates();  // this app's, deleted ones included, oldest first
    std::optional<TemplateRow> template_row(const std::string& template_id);
    void insert_template(const TemplateRow& t);
    void delete_template(const std::string& template_id, long long now_ms);

    // ---- order shipping management ----
    // By transaction_id when given, else by mchid + out_trade_no.
    std::optional<ShippingOrder> shipping_order(const std::string& transaction_id, const std::string& mchid,
                                                const std::string& out_trade_no);
    long long insert_shipping_order(const ShippingOrder& o);
    void update_shipping_order(const ShippingOrder& o);
    // This app's orders, oldest first, with id > after_id; filters: openid (""), state (0), first upload
    // within [begin_ms, end_ms) (0 = open).
    std::vector<ShippingOrder> shipping_orders(const std::string& openid, int state, long long begin_ms,
                                               long long end_ms, long long after_id, size_t limit);
    static std::vector<ShippingOrder> all_shipping_orders(state::Conn& conn, const std::string& appid);
    void insert_shipping_event(const ShippingOrder& o, const std::string& event, const core::Json& detail,
                               long long now_ms);
    static std::vector<ShippingEvent> shipping_events(state::Conn& conn, const std::string& appid);
    void set_msg_jump_path(const std::string& path, long long now_ms);

private:
    state::Conn& c_;
    std::string appid_;
};

}  // namespace mpemu::wechat
