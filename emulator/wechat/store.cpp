// WeChat tables. Codes reference users by integer id to keep bulk-minted codes small in memory.
#include "emulator/wechat/store.hpp"

#include "emulator/wechat/fixture.hpp"

namespace mpemu::wechat {

std::vector<state::Migration> migrations() {
    return {{"wechat", 1, R"SQL(
CREATE TABLE wechat_users(
  id INTEGER PRIMARY KEY,
  appid TEXT NOT NULL,
  openid TEXT NOT NULL,
  session_key TEXT,
  session_key_ms INTEGER,
  UNIQUE(appid, openid));
CREATE TABLE wechat_codes(
  code TEXT PRIMARY KEY,
  kind INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  used_ms INTEGER) WITHOUT ROWID;
CREATE TABLE wechat_tokens(
  token TEXT PRIMARY KEY,
  appid TEXT NOT NULL,
  kind INTEGER NOT NULL,
  issued_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  superseded_ms INTEGER,
  revoked_ms INTEGER);
CREATE INDEX wechat_tokens_by_app ON wechat_tokens(appid, kind, issued_ms);
CREATE TABLE wechat_stable_force(
  appid TEXT PRIMARY KEY,
  day TEXT NOT NULL,
  count INTEGER NOT NULL,
  last_ms INTEGER);
CREATE TABLE wechat_subscriptions(
  appid TEXT NOT NULL,
  openid TEXT NOT NULL,
  template_id TEXT NOT NULL,
  remaining INTEGER NOT NULL,
  PRIMARY KEY(appid, openid, template_id)) WITHOUT ROWID;
CREATE TABLE wechat_messages(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  msgid TEXT NOT NULL,
  appid TEXT NOT NULL,
  touser TEXT NOT NULL,
  template_id TEXT NOT NULL,
  page TEXT NOT NULL,
  data TEXT NOT NULL,
  miniprogram_state TEXT NOT NULL,
  lang TEXT NOT NULL,
  sent_ms INTEGER NOT NULL);
)SQL"}};
}

void seed(state::Conn& conn, const FixtureConfig& cfg) {
    for (const auto& u : cfg.users) {
        conn.exec("INSERT INTO wechat_users(appid, openid) VALUES(?, ?)", {u.appid, u.openid});
        for (const auto& [tid, n] : u.subscriptions) {
            conn.exec("INSERT INTO wechat_subscriptions(appid, openid, template_id, remaining) VALUES(?, ?, ?, ?)",
                      {u.appid, u.openid, tid, n});
        }
    }
}

namespace {
UserRow to_user(const state::NamedRow& r) {
    UserRow u;
    u.id = r["id"].as_int();
    u.appid = r["appid"].as_text();
    u.openid = r["openid"].as_text();
    u.session_key = r["session_key"].as_opt_text();
    return u;
}
TokenRow to_token(const state::NamedRow& r) {
    TokenRow t;
    t.token = r["token"].as_text();
    t.appid = r["appid"].as_text();
    t.kind = static_cast<TokenKind>(r["kind"].as_int());
    t.issued_ms = r["issued_ms"].as_int();
    t.expires_ms = r["expires_ms"].as_int();
    t.superseded_ms = r["superseded_ms"].as_opt_int();
    t.revoked_ms = r["revoked_ms"].as_opt_int();
    return t;
}
}  // namespace

std::optional<UserRow> Store::user(const std::string& openid) {
    auto r = c_.query_one("SELECT id, appid, openid, session_key FROM wechat_users WHERE appid = ? AND openid = ?",
                          {appid_, openid});
    if (!r) return std::nullopt;
    return to_user(*r);
}

void Store::set_session_key(long long user_id, const std::string& session_key, long long now_ms) {
    c_.exec("UPDATE wechat_users SET session_key = ?, session_key_ms = ? WHERE id = ?", {session_key, now_ms, user_id});
}

void Store::insert_code(const std::string& code, CodeKind kind, long long user_id, long long now_ms) {
    c_.exec("INSERT INTO wechat_codes(code, kind, user_id, created_ms) VALUES(?, ?, ?, ?)",
            {code, static_cast<int>(kind), user_id, now_ms});
}

std::optional<CodeRow> Store::code(const std::string& code, CodeKind kind) {
    auto r = c_.query_one(
        "SELECT c.code, c.user_id, c.created_ms, c.used_ms, u.appid, u.openid, u.session_key FROM wechat_codes c "
        "JOIN wechat_users u ON u.id = c.user_id WHERE c.code = ? AND c.kind = ?",
        {code, static_cast<int>(kind)});
    if (!r) return std::nullopt;
    CodeRow row;
    row.code = (*r)["code"].as_text();
    row.kind = kind;
    row.user_id = (*r)["user_id"].as_int();
    row.created_ms = (*r)["created_ms"].as_int();
    row.used_ms = (*r)["used_ms"].as_opt_int();
    row.appid = (*r)["appid"].as_text();
    row.openid = (*r)["openid"].as_text();
    row.session_key = (*r)["session_key"].as_opt_text();
    return row;
}

void Store::mark_code_used(const std::string& code, long long now_ms) {
    c_.exec("UPDATE wechat_codes SET used_ms = ? WHERE code = ?", {now_ms, code});
}

void Store::insert_token(const TokenRow& t) {
    c_.exec("INSERT INTO wechat_tokens(token, appid, kind, issued_ms, expires_ms) VALUES(?, ?, ?, ?, ?)",
            {t.token, appid_, static_cast<int>(t.kind), t.issued_ms, t.expires_ms});
}

std::optional<TokenRow> Store::token(const std::string& token) {
    auto r = c_.query_one("SELECT * FROM wechat_tokens WHERE token = ?", {token});
    if (!r) return std::nullopt;
    return to_token(*r);
}

void Store::supersede_tokens(TokenKind kind, long long now_ms) {
    c_.exec(
        "UPDATE wechat_tokens SET superseded_ms = ? WHERE appid = ? AND kind = ? AND superseded_ms IS NULL "
        "AND revoked_ms IS NULL AND expires_ms > ?",
        {now_ms, appid_, static_cast<int>(kind), now_ms});
}

void Store::revoke_tokens(TokenKind kind, long long now_ms) {
    c_.exec(
        "UPDATE wechat_tokens SET revoked_ms = ? WHERE appid = ? AND kind = ? AND revoked_ms IS NULL "
        "AND expires_ms > ?",
        {now_ms, appid_, static_cast<int>(kind), now_ms});
}

std::optional<TokenRow> Store::latest_token(TokenKind kind) {
    auto r = c_.query_one(
        "SELECT * FROM wechat_tokens WHERE appid = ? AND kind = ? AND revoked_ms IS NULL "
        "ORDER BY issued_ms DESC, rowid DESC LIMIT 1",
        {appid_, static_cast<int>(kind)});
    if (!r) return std::nullopt;
    return to_token(*r);
}

Store::ForceState Store::force_state() {
    ForceState st;
    auto r = c_.query_one("SELECT day, count, last_ms FROM wechat_stable_force WHERE appid = ?", {appid_});
    if (r) {
        st.day = (*r)["day"].as_text();
        st.count = static_cast<int>((*r)["count"].as_int());
        st.last_ms = (*r)["last_ms"].as_opt_int();
    }
    return st;
}

void Store::set_force_state(const ForceState& st) {
    c_.exec("INSERT OR REPLACE INTO wechat_stable_force(appid, day, count, last_ms) VALUES(?, ?, ?, ?)",
            {appid_, st.day, st.count, st.last_ms});
}

int Store::subscription(const std::string& openid, const std::string& template_id) {
    auto r =
        c_.query_one("SELECT remaining FROM wechat_subscriptions WHERE appid = ? AND openid = ? AND template_id = ?",
                     {appid_, openid, template_id});
    return r ? static_cast<int>((*r)["remaining"].as_int()) : 0;
}

void Store::set_subscription(const std::string& openid, const std::string& template_id, int remaining) {
    c_.exec("INSERT OR REPLACE INTO wechat_subscriptions(appid, openid, template_id, remaining) VALUES(?, ?, ?, ?)",
            {appid_, openid, template_id, remaining});
}

void Store::insert_message(const MessageRow& m) {
    c_.exec(
        "INSERT INTO wechat_messages(msgid, appid, touser, template_id, page, data, miniprogram_state, lang, "
        "sent_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {m.msgid, appid_, m.touser, m.template_id, m.page, core::dump(m.data), m.miniprogram_state, m.lang, m.sent_ms});
}

std::vector<MessageRow> Store::messages(state::Conn& conn, const std::string& appid, const std::string& touser,
                                        const std::string& template_id, size_t limit) {
    auto rows = conn.query(
        "SELECT * FROM wechat_messages WHERE (? = '' OR appid = ?) AND (? = '' OR touser = ?) AND "
        "(? = '' OR template_id = ?) ORDER BY id LIMIT ?",
        {appid, appid, touser, touser, template_id, template_id, limit == 0 ? -1LL : static_cast<long long>(limit)});
    std::vector<MessageRow> out;
    for (const auto& r : rows) {
        MessageRow m;
        m.msgid = r["msgid"].as_text();
        m.appid = r["appid"].as_text();
        m.touser = r["touser"].as_text();
        m.template_id = r["template_id"].as_text();
        m.page = r["page"].as_text();
        auto data = core::parse_json(r["data"].as_text());
        m.data = data ? *data : core::Json();
        m.miniprogram_state = r["miniprogram_state"].as_text();
        m.lang = r["lang"].as_text();
        m.sent_ms = r["sent_ms"].as_int();
        out.push_back(std::move(m));
    }
    return out;
}

}  // namespace mpemu::wechat
