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

std::vector<state::Migration> migrations();
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

private:
    state::Conn& c_;
    std::string appid_;
};

}  // namespace mpemu::wechat
