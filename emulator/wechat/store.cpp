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
)SQL"},
            {"wechat", 2, R"SQL(
CREATE TABLE wechat_tickets(
  token TEXT NOT NULL,
  type TEXT NOT NULL,
  appid TEXT NOT NULL,
  ticket TEXT NOT NULL,
  issued_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  PRIMARY KEY(token, type)) WITHOUT ROWID;
CREATE TABLE wechat_service_windows(
  appid TEXT NOT NULL,
  openid TEXT NOT NULL,
  action TEXT NOT NULL,
  opened_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  remaining INTEGER NOT NULL,
  PRIMARY KEY(appid, openid)) WITHOUT ROWID;
CREATE TABLE wechat_custom_messages(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  appid TEXT NOT NULL,
  touser TEXT NOT NULL,
  msgtype TEXT NOT NULL,
  body TEXT NOT NULL,
  sent_ms INTEGER NOT NULL);
CREATE TABLE wechat_templates(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  appid TEXT NOT NULL,
  template_id TEXT NOT NULL,
  tid INTEGER NOT NULL,
  title TEXT NOT NULL,
  type INTEGER NOT NULL,
  keywords TEXT NOT NULL,
  content TEXT NOT NULL,
  example TEXT NOT NULL,
  scene_desc TEXT NOT NULL,
  from_fixture INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  deleted_ms INTEGER,
  UNIQUE(appid, template_id));
)SQL"},
            {"wechat", 3, R"SQL(
CREATE TABLE wechat_shipping_orders(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  appid TEXT NOT NULL,
  transaction_id TEXT NOT NULL,
  mchid TEXT NOT NULL,
  out_trade_no TEXT NOT NULL,
  openid TEXT NOT NULL,
  order_state INTEGER NOT NULL,
  logistics_type INTEGER NOT NULL,
  delivery_mode INTEGER NOT NULL,
  finish_shipping INTEGER NOT NULL,
  shipping_list TEXT NOT NULL,
  upload_ms INTEGER NOT NULL,
  last_upload_ms INTEGER NOT NULL,
  reshipped INTEGER NOT NULL,
  reminders INTEGER NOT NULL,
  confirmed_ms INTEGER);
CREATE INDEX wechat_shipping_by_tx ON wechat_shipping_orders(appid, transaction_id);
CREATE INDEX wechat_shipping_by_trade ON wechat_shipping_orders(appid, mchid, out_trade_no);
CREATE TABLE wechat_shipping_events(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  appid TEXT NOT NULL,
  order_id INTEGER NOT NULL,
  event TEXT NOT NULL,
  detail TEXT NOT NULL,
  at_ms INTEGER NOT NULL);
CREATE TABLE wechat_msg_jump_paths(
  appid TEXT PRIMARY KEY,
  path TEXT NOT NULL,
  set_ms INTEGER NOT NULL) WITHOUT ROWID;
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

// ---- JS-SDK tickets ----------------------------------------------------------------------------

std::optional<TicketRow> Store::ticket(const std::string& access_token, const std::string& type) {
    auto r = c_.query_one("SELECT ticket, issued_ms, expires_ms FROM wechat_tickets WHERE token = ? AND type = ?",
                          {access_token, type});
    if (!r) return std::nullopt;
    return TicketRow{(*r)["ticket"].as_text(), (*r)["issued_ms"].as_int(), (*r)["expires_ms"].as_int()};
}

void Store::put_ticket(const std::string& access_token, const std::string& type, const TicketRow& row) {
    c_.exec(
        "INSERT OR REPLACE INTO wechat_tickets(token, type, appid, ticket, issued_ms, expires_ms) VALUES(?, ?, ?, ?, "
        "?, ?)",
        {access_token, type, appid_, row.ticket, row.issued_ms, row.expires_ms});
}

std::vector<TicketRow> Store::live_tickets(const std::string& type, long long now_ms) {
    auto rows = c_.query(
        "SELECT ticket, issued_ms, expires_ms FROM wechat_tickets WHERE appid = ? AND type = ? AND issued_ms <= ? "
        "AND expires_ms > ? ORDER BY issued_ms DESC",
        {appid_, type, now_ms, now_ms});
    std::vector<TicketRow> out;
    out.reserve(rows.size());
    for (const auto& r : rows)
        out.push_back({r["ticket"].as_text(), r["issued_ms"].as_int(), r["expires_ms"].as_int()});
    return out;
}

// ---- customer service messages -----------------------------------------------------------------

std::optional<ServiceWindow> Store::service_window(const std::string& openid) {
    auto r = c_.query_one(
        "SELECT action, opened_ms, expires_ms, remaining FROM wechat_service_windows WHERE appid = ? AND openid = ?",
        {appid_, openid});
    if (!r) return std::nullopt;
    return ServiceWindow{(*r)["action"].as_text(), (*r)["opened_ms"].as_int(), (*r)["expires_ms"].as_int(),
                         static_cast<int>((*r)["remaining"].as_int())};
}

void Store::set_service_window(const std::string& openid, const ServiceWindow& w) {
    c_.exec(
        "INSERT OR REPLACE INTO wechat_service_windows(appid, openid, action, opened_ms, expires_ms, remaining) "
        "VALUES(?, ?, ?, ?, ?, ?)",
        {appid_, openid, w.action, w.opened_ms, w.expires_ms, w.remaining});
}

long long Store::insert_custom_message(const CustomMessageRow& m) {
    c_.exec("INSERT INTO wechat_custom_messages(appid, touser, msgtype, body, sent_ms) VALUES(?, ?, ?, ?, ?)",
            {appid_, m.touser, m.msgtype, core::dump(m.body), m.sent_ms});
    auto r = c_.query_one("SELECT last_insert_rowid() AS id");
    return r ? (*r)["id"].as_int() : 0;
}

std::vector<CustomMessageRow> Store::custom_messages(state::Conn& conn, const std::string& appid,
                                                     const std::string& touser, size_t limit) {
    auto rows = conn.query(
        "SELECT * FROM wechat_custom_messages WHERE (? = '' OR appid = ?) AND (? = '' OR touser = ?) ORDER BY id "
        "LIMIT ?",
        {appid, appid, touser, touser, limit == 0 ? -1LL : static_cast<long long>(limit)});
    std::vector<CustomMessageRow> out;
    for (const auto& r : rows) {
        CustomMessageRow m;
        m.id = r["id"].as_int();
        m.appid = r["appid"].as_text();
        m.touser = r["touser"].as_text();
        m.msgtype = r["msgtype"].as_text();
        auto body = core::parse_json(r["body"].as_text());
        m.body = body ? *body : core::Json();
        m.sent_ms = r["sent_ms"].as_int();
        out.push_back(std::move(m));
    }
    return out;
}

// ---- subscribe templates -----------------------------------------------------------------------

namespace {
TemplateRow to_template(const state::NamedRow& r) {
    TemplateRow t;
    t.template_id = r["template_id"].as_text();
    t.tid = r["tid"].as_int();
    t.title = r["title"].as_text();
    t.type = static_cast<int>(r["type"].as_int());
    auto kw = core::parse_json(r["keywords"].as_text());
    if (kw && kw->is_array()) {
        for (const auto& k : *kw) {
            if (k.is_string()) t.keywords.push_back(k.get<std::string>());
        }
    }
    t.content = r["content"].as_text();
    t.example = r["example"].as_text();
    t.scene_desc = r["scene_desc"].as_text();
    t.from_fixture = r["from_fixture"].as_int() != 0;
    t.created_ms = r["created_ms"].as_int();
    t.deleted_ms = r["deleted_ms"].as_opt_int();
    return t;
}
}  // namespace

std::vector<TemplateRow> Store::templates() {
    std::vector<TemplateRow> out;
    for (const auto& r : c_.query("SELECT * FROM wechat_templates WHERE appid = ? ORDER BY seq", {appid_})) {
        out.push_back(to_template(r));
    }
    return out;
}

std::optional<TemplateRow> Store::template_row(const std::string& template_id) {
    auto r = c_.query_one("SELECT * FROM wechat_templates WHERE appid = ? AND template_id = ?", {appid_, template_id});
    if (!r) return std::nullopt;
    return to_template(*r);
}

void Store::insert_template(const TemplateRow& t) {
    c_.exec(
        "INSERT INTO wechat_templates(appid, template_id, tid, title, type, keywords, content, example, scene_desc, "
        "from_fixture, created_ms, deleted_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {appid_, t.template_id, t.tid, t.title, t.type, core::dump(core::Json(t.keywords)), t.content, t.example,
         t.scene_desc, t.from_fixture ? 1 : 0, t.created_ms, t.deleted_ms});
}

void Store::delete_template(const std::string& template_id, long long now_ms) {
    c_.exec("UPDATE wechat_templates SET deleted_ms = ? WHERE appid = ? AND template_id = ? AND deleted_ms IS NULL",
            {now_ms, appid_, template_id});
}

// ---- order shipping management ----------------------------------------------------------------

namespace {
ShippingOrder to_shipping(const state::NamedRow& r) {
    ShippingOrder o;
    o.id = r["id"].as_int();
    o.appid = r["appid"].as_text();
    o.transaction_id = r["transaction_id"].as_text();
    o.mchid = r["mchid"].as_text();
    o.out_trade_no = r["out_trade_no"].as_text();
    o.openid = r["openid"].as_text();
    o.order_state = static_cast<int>(r["order_state"].as_int());
    o.logistics_type = static_cast<int>(r["logistics_type"].as_int());
    o.delivery_mode = static_cast<int>(r["delivery_mode"].as_int());
    o.finish_shipping = r["finish_shipping"].as_int() != 0;
    auto list = core::parse_json(r["shipping_list"].as_text());
    o.shipping_list = list ? *list : core::Json::array();
    o.upload_ms = r["upload_ms"].as_int();
    o.last_upload_ms = r["last_upload_ms"].as_int();
    o.reshipped = r["reshipped"].as_int() != 0;
    o.reminders = static_cast<int>(r["reminders"].as_int());
    o.confirmed_ms = r["confirmed_ms"].as_opt_int();
    return o;
}
}  // namespace

std::optional<ShippingOrder> Store::shipping_order(const std::string& transaction_id, const std::string& mchid,
                                                   const std::string& out_trade_no) {
    std::optional<state::NamedRow> r;
    if (!transaction_id.empty()) {
        r = c_.query_one("SELECT * FROM wechat_shipping_orders WHERE appid = ? AND transaction_id = ?",
                         {appid_, transaction_id});
    } else {
        r = c_.query_one("SELECT * FROM wechat_shipping_orders WHERE appid = ? AND mchid = ? AND out_trade_no = ?",
                         {appid_, mchid, out_trade_no});
    }
    if (!r) return std::nullopt;
    return to_shipping(*r);
}

long long Store::insert_shipping_order(const ShippingOrder& o) {
    c_.exec(
        "INSERT INTO wechat_shipping_orders(appid, transaction_id, mchid, out_trade_no, openid, order_state, "
        "logistics_type, delivery_mode, finish_shipping, shipping_list, upload_ms, last_upload_ms, reshipped, "
        "reminders, confirmed_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {appid_, o.transaction_id, o.mchid, o.out_trade_no, o.openid, o.order_state, o.logistics_type, o.delivery_mode,
         o.finish_shipping, core::dump(o.shipping_list), o.upload_ms, o.last_upload_ms, o.reshipped, o.reminders,
         o.confirmed_ms});
    auto r = c_.query_one("SELECT last_insert_rowid() AS id");
    return r ? (*r)["id"].as_int() : 0;
}

void Store::update_shipping_order(const ShippingOrder& o) {
    c_.exec(
        "UPDATE wechat_shipping_orders SET transaction_id = ?, mchid = ?, out_trade_no = ?, order_state = ?, "
        "logistics_type = ?, delivery_mode = ?, finish_shipping = ?, shipping_list = ?, last_upload_ms = ?, "
        "reshipped = ?, reminders = ?, confirmed_ms = ? WHERE id = ? AND appid = ?",
        {o.transaction_id, o.mchid, o.out_trade_no, o.order_state, o.logistics_type, o.delivery_mode, o.finish_shipping,
         core::dump(o.shipping_list), o.last_upload_ms, o.reshipped, o.reminders, o.confirmed_ms, o.id, appid_});
}

std::vector<ShippingOrder> Store::shipping_orders(const std::string& openid, int state, long long begin_ms,
                                                  long long end_ms, long long after_id, size_t limit) {
    auto rows = c_.query(
        "SELECT * FROM wechat_shipping_orders WHERE appid = ? AND id > ? AND (? = '' OR openid = ?) AND "
        "(? = 0 OR order_state = ?) AND (? = 0 OR upload_ms >= ?) AND (? = 0 OR upload_ms < ?) ORDER BY id LIMIT ?",
        {appid_, after_id, openid, openid, state, state, begin_ms, begin_ms, end_ms, end_ms,
         static_cast<long long>(limit)});
    std::vector<ShippingOrder> out;
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(to_shipping(r));
    return out;
}

std::vector<ShippingOrder> Store::all_shipping_orders(state::Conn& conn, const std::string& appid) {
    auto rows =
        conn.query("SELECT * FROM wechat_shipping_orders WHERE (? = '' OR appid = ?) ORDER BY id", {appid, appid});
    std::vector<ShippingOrder> out;
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(to_shipping(r));
    return out;
}

void Store::insert_shipping_event(const ShippingOrder& o, const std::string& event, const core::Json& detail,
                                  long long now_ms) {
    c_.exec("INSERT INTO wechat_shipping_events(appid, order_id, event, detail, at_ms) VALUES(?, ?, ?, ?, ?)",
            {appid_, o.id, event, core::dump(detail), now_ms});
}

std::vector<ShippingEvent> Store::shipping_events(state::Conn& conn, const std::string& appid) {
    auto rows = conn.query(
        "SELECT e.id, e.appid, e.event, e.detail, e.at_ms, o.transaction_id, o.mchid, o.out_trade_no, o.openid "
        "FROM wechat_shipping_events e JOIN wechat_shipping_orders o ON o.id = e.order_id "
        "WHERE (? = '' OR e.appid = ?) ORDER BY e.id",
        {appid, appid});
    std::vector<ShippingEvent> out;
    for (const auto& r : rows) {
        ShippingEvent e;
        e.id = r["id"].as_int();
        e.appid = r["appid"].as_text();
        e.event = r["event"].as_text();
        auto d = core::parse_json(r["detail"].as_text());
        e.detail = d ? *d : core::Json::object();
        e.at_ms = r["at_ms"].as_int();
        e.transaction_id = r["transaction_id"].as_text();
        e.mchid = r["mchid"].as_text();
        e.out_trade_no = r["out_trade_no"].as_text();
        e.openid = r["openid"].as_text();
        out.push_back(std::move(e));
    }
    return out;
}

void Store::set_msg_jump_path(const std::string& path, long long now_ms) {
    c_.exec("INSERT OR REPLACE INTO wechat_msg_jump_paths(appid, path, set_ms) VALUES(?, ?, ?)",
            {appid_, path, now_ms});
}

long long purge_expired(state::Conn& c, long long codes_before_ms, long long tokens_before_ms) {
    long long removed = c.exec("DELETE FROM wechat_codes WHERE created_ms < ?", {codes_before_ms});
    return removed + c.exec("DELETE FROM wechat_tokens WHERE expires_ms < ?", {tokens_before_ms});
}

}  // namespace mpemu::wechat
