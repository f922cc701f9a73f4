// The messaging rules of the WeChat mini program API beyond subscribe/send: JS-SDK tickets
// (/cgi-bin/ticket/getticket), customer service messages (/cgi-bin/message/custom/send and the user actions
// that open a reply window) and the subscribe template library (/wxaapi/newtmpl/*). Wire notes:
// docs/specs/wechat-miniprogram-additions.md.
#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include "core/text.hpp"
#include "core/url.hpp"
#include "emulator/wechat/errors.hpp"
#include "emulator/wechat/protocol.hpp"
#include "emulator/wechat/service.hpp"
#include "emulator/wechat/store.hpp"

namespace mpemu::wechat {
namespace {

// A POST body that must be a JSON object: empty -> 44002, anything else -> 47001.
emulator::Outcome<core::Json> json_object(const std::string& body) {
    if (core::trim(body).empty()) return make_error(Errc::kEmptyPostData);
    auto j = core::parse_json(body);
    if (!j || !j->is_object()) return make_error(Errc::kDataFormatError, "body is not a JSON object");
    return std::move(*j);
}

std::optional<long long> parse_int(std::string_view s) {
    s = core::trim(s);
    long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

// An integer member given as a JSON number or a decimal string (SDKs send tid both ways).
std::optional<long long> int_member(const core::Json& o, const char* key) {
    auto it = o.find(key);
    if (it == o.end()) return std::nullopt;
    if (it->is_number_integer()) return it->get<long long>();
    if (it->is_string()) return parse_int(it->get<std::string>());
    return std::nullopt;
}

// Customer service windows (spec: a user's message allows 5 sends in 48 hours, entering the chat 2 in a
// minute).
struct WindowRule {
    std::string_view action;
    long long duration_ms;
    int sends;
};
constexpr std::array<WindowRule, 2> kWindowRules = {{
    {"user_message", 48LL * 3600 * 1000, 5},
    {"user_enter", 60LL * 1000, 2},
}};

constexpr size_t kMaxPrivateTemplates = 25;
constexpr size_t kMaxTitlesPerPage = 30;
constexpr size_t kMaxTextBytes = 2048;

std::string template_content(const std::vector<std::pair<std::string, std::string>>& named_keys) {
    std::string out;
    for (const auto& [name, key] : named_keys) {
        out.append(name).append("{{").append(key).append(".DATA}}\n");
    }
    return out;
}

}  // namespace

// ---- JS-SDK tickets ----------------------------------------------------------------------------

emulator::Outcome<core::OrderedJson> Api::ticket(const std::string& appid, const std::string& access_token,
                                                 const Param& type) {
    if (!type || (*type != "jsapi" && *type != "wx_card")) {
        return make_error(Errc::kInvalidArgs, "type must be jsapi or wx_card");
    }
    const long long now = ctx_.clock().now_unix_ms();
    return ctx_.db().write([&](state::Conn& c) -> emulator::Outcome<core::OrderedJson> {
        Store store(c, appid);
        auto row = store.ticket(access_token, *type);
        if (!row || now >= row->expires_ms) {
            // One ticket per access token: the same token gets the same ticket back; a new token, a new
            // ticket (the earlier one lives out its 7200 s).
            TicketRow fresh{ctx_.ids().from_alphabet(core::kUrlSafe, 86), now, now + kTicketTtlMs};
            store.put_ticket(access_token, *type, fresh);
            row = fresh;
        }
        auto out = protocol::ok_object();
        out["ticket"] = row->ticket;
        out["expires_in"] = (row->expires_ms - now) / 1000;
        return out;
    });
}

emulator::Outcome<core::Json> Api::verify_jsapi_config(const std::string& appid, const std::string& url,
                                                       const std::string& noncestr, const std::string& timestamp,
                                                       const std::string& signature) {
    if (!config()->app(appid)) return no_app(appid);
    if (url.empty() || noncestr.empty() || timestamp.empty() || signature.empty()) {
        return admin_failure("bad_request", "\"url\", \"nonceStr\", \"timestamp\" and \"signature\" are required");
    }
    const long long now = ctx_.clock().now_unix_ms();
    auto tickets = ctx_.db().read([&](state::Conn& c) { return Store(c, appid).live_tickets("jsapi", now); });
    if (tickets.empty()) {
        return admin_failure("bad_request", "wx.config fails: app " + appid + " has no valid jsapi ticket");
    }
    for (const auto& t : tickets) {
        if (protocol::jsapi_signature(t.ticket, noncestr, timestamp, url) == core::to_lower(signature)) {
            return core::Json{{"valid", true}, {"ticket", t.ticket}, {"ticket_expires_at_ms", t.expires_ms}};
        }
    }
    return admin_failure("bad_request",
                         "wx.config fails with invalid signature: it matches no valid jsapi ticket of app " + appid +
                             " (signed: jsapi_ticket=...&noncestr=" + noncestr + "&timestamp=" + timestamp +
                             "&url=" + url.substr(0, url.find('#')) + ")");
}

// ---- customer service messages -----------------------------------------------------------------

emulator::Outcome<core::OrderedJson> Api::custom_send(const std::string& appid, const std::string& body) {
    auto j = json_object(body);
    if (!j) return j.error();
    const core::Json& b = *j;
    if ((b.contains("touser") && !b["touser"].is_string()) || (b.contains("msgtype") && !b["msgtype"].is_string())) {
        return make_error(Errc::kDataFormatError, "touser and msgtype are strings");
    }
    std::string touser = b.value("touser", "");
    std::string msgtype = b.value("msgtype", "");
    auto cfg = config();
    if (touser.empty() || !cfg->user(appid, touser)) return make_error(Errc::kInvalidOpenid);
    static const std::vector<std::string> kTypes = {"text", "image", "link", "miniprogrampage"};
    if (std::find(kTypes.begin(), kTypes.end(), msgtype) == kTypes.end()) {
        return make_error(Errc::kInvalidMessageType, "msgtype must be text, image, link or miniprogrampage");
    }
    if (!b.contains(msgtype) || !b[msgtype].is_object()) {
        return make_error(Errc::kDataFormatError, "\"" + msgtype + "\" must be an object");
    }
    const core::Json& m = b[msgtype];
    auto str = [&](const char* key, std::string* out) {
        auto it = m.find(key);
        if (it == m.end() || it->is_null()) return true;
        if (!it->is_string()) return false;
        *out = it->get<std::string>();
        return true;
    };
    if (msgtype == "text") {
        std::string content;
        if (!str("content", &content)) return make_error(Errc::kDataFormatError, "text.content must be a string");
        if (content.empty()) return make_error(Errc::kEmptyContent);
        if (!core::is_valid_utf8(content) || content.size() > kMaxTextBytes) {
            return make_error(Errc::kDataFormatError, "text.content is not UTF-8 or over 2048 bytes");
        }
    } else if (msgtype == "image") {
        std::string media_id;
        if (!str("media_id", &media_id)) return make_error(Errc::kDataFormatError, "image.media_id must be a string");
        if (media_id.empty()) return make_error(Errc::kInvalidMediaId);
    } else if (msgtype == "link") {
        std::string title, description, url, thumb_url;
        if (!str("title", &title) || !str("description", &description) || !str("url", &url) ||
            !str("thumb_url", &thumb_url)) {
            return make_error(Errc::kDataFormatError, "link members must be strings");
        }
        if (title.empty() || url.empty())
            return make_error(Errc::kDataFormatError, "link.title and link.url are required");
    } else {
        std::string title, pagepath, thumb_media_id;
        if (!str("title", &title) || !str("pagepath", &pagepath) || !str("thumb_media_id", &thumb_media_id)) {
            return make_error(Errc::kDataFormatError, "miniprogrampage members must be strings");
        }
        if (thumb_media_id.empty()) return make_error(Errc::kInvalidMediaId, "thumb_media_id missing");
        const AppConfig* app = cfg->app(appid);
        std::string path = protocol::normalize_page(pagepath.substr(0, pagepath.find('?')));
        if (path.empty() ||
            (app && !app->pages.empty() && std::find(app->pages.begin(), app->pages.end(), path) == app->pages.end())) {
            return make_error(Errc::kInvalidPage);
        }
    }
    const long long now = ctx_.clock().now_unix_ms();
    return ctx_.db().write([&](state::Conn& c) -> emulator::Outcome<core::OrderedJson> {
        Store store(c, appid);
        auto w = store.service_window(touser);
        if (!w || now >= w->expires_ms || now < w->opened_ms) {
            return make_error(Errc::kResponseOutOfTime, "no user action within the reply window");
        }
        if (w->remaining <= 0) return make_error(Errc::kResponseCountLimit);
        w->remaining -= 1;
        store.set_service_window(touser, *w);
        CustomMessageRow row;
        row.touser = touser;
        row.msgtype = msgtype;
        row.body = b;
        row.sent_ms = now;
        store.insert_custom_message(row);
        return protocol::ok_object();
    });
}

emulator::Outcome<core::Json> Api::open_service_window(const std::string& appid, const std::string& openid,
                                                       const std::string& action) {
    const WindowRule* rule = nullptr;
    for (const auto& r : kWindowRules) {
        if (r.action == action) rule = &r;
    }
    if (!rule) return admin_failure("bad_request", "\"action\" must be \"user_message\" or \"user_enter\"");
    auto cfg = config();
    if (!cfg->app(appid)) return no_app(appid);
    if (!cfg->user(appid, openid)) return no_user(openid, appid);
    const long long now = ctx_.clock().now_unix_ms();
    ServiceWindow w{action, now, now + rule->duration_ms, rule->sends};
    ctx_.db().write([&](state::Conn& c) { Store(c, appid).set_service_window(openid, w); });
    return core::Json{{"appid", appid},
                      {"openid", openid},
                      {"action", action},
                      {"expires_at_ms", w.expires_ms},
                      {"sends_allowed", w.remaining}};
}

core::Json Api::custom_messages(const std::string& appid, const std::string& touser, size_t limit) {
    auto rows = ctx_.db().read([&](state::Conn& c) { return Store::custom_messages(c, appid, touser, limit); });
    core::Json list = core::Json::array();
    for (const auto& m : rows) {
        list.push_back({{"id", m.id},
                        {"appid", m.appid},
                        {"touser", m.touser},
                        {"msgtype", m.msgtype},
                        {"body", m.body},
                        {"sent_at_ms", m.sent_ms}});
    }
    return list;
}

// ---- subscribe templates -----------------------------------------------------------------------

std::optional<std::vector<std::string>> Api::template_keywords(state::Conn& c, const AppConfig& app,
                                                               const std::string& template_id) {
    auto row = Store(c, app.appid).template_row(template_id);
    if (row) {
        if (row->deleted_ms) return std::nullopt;
        return row->keywords;
    }
    const TemplateConfig* t = app.find_template(template_id);
    if (!t) return std::nullopt;
    return t->keywords;
}

emulator::Outcome<core::OrderedJson> Api::template_categories(const std::string& appid) {
    auto cfg = config();
    const AppConfig* app = cfg->app(appid);
    auto out = protocol::ok_object();
    out["data"] = core::OrderedJson::array();
    if (!app) return out;
    for (const auto& c : cfg->categories_of(*app)) {
        core::OrderedJson item = core::OrderedJson::object();
        item["id"] = c.id;
        item["name"] = c.name;
        out["data"].push_back(std::move(item));
    }
    return out;
}

emulator::Outcome<core::OrderedJson> Api::pub_template_titles(const std::string& appid, const Param& ids,
                                                              const Param& start, const Param& limit) {
    auto cfg = config();
    const AppConfig* app = cfg->app(appid);
    if (!ids || core::trim(*ids).empty()) return make_error(Errc::kMissingIds);
    std::vector<int> wanted;
    auto mine = app ? cfg->categories_of(*app) : std::vector<TemplateCategory>{};
    for (const auto& part : core::split(*ids, ',')) {
        auto id = parse_int(part);
        bool known = id && std::any_of(mine.begin(), mine.end(), [&](const auto& c) { return c.id == *id; });
        if (!known) return make_error(Errc::kInvalidIds, "category " + std::string(part) + " is not the app's");
        wanted.push_back(static_cast<int>(*id));
    }
    auto s = start ? parse_int(*start) : std::optional<long long>();
    if (!s || *s < 0) return make_error(Errc::kInvalidStart);
    auto l = limit ? parse_int(*limit) : std::optional<long long>();
    if (!l || *l < 1 || *l > static_cast<long long>(kMaxTitlesPerPage)) return make_error(Errc::kInvalidLimit);
    std::vector<const LibraryTitle*> hits;
    for (const auto& t : cfg->template_library) {
        if (std::find(wanted.begin(), wanted.end(), t.category_id) != wanted.end()) hits.push_back(&t);
    }
    auto out = protocol::ok_object();
    out["count"] = hits.size();
    out["data"] = core::OrderedJson::array();
    for (size_t i = static_cast<size_t>(*s); i < hits.size() && i < static_cast<size_t>(*s + *l); ++i) {
        core::OrderedJson item = core::OrderedJson::object();
        item["tid"] = hits[i]->tid;
        item["title"] = hits[i]->title;
        item["type"] = hits[i]->type;
        item["categoryId"] = std::to_string(hits[i]->category_id);  // a string on the wire, as the docs show
        out["data"].push_back(std::move(item));
    }
    return out;
}

emulator::Outcome<core::OrderedJson> Api::pub_template_keywords(const std::string& appid, const Param& tid) {
    auto cfg = config();
    const AppConfig* app = cfg->app(appid);
    auto id = tid ? parse_int(*tid) : std::optional<long long>();
    const LibraryTitle* title = id ? cfg->library_title(*id) : nullptr;
    auto mine = app ? cfg->categories_of(*app) : std::vector<TemplateCategory>{};
    if (!title || std::none_of(mine.begin(), mine.end(), [&](const auto& c) { return c.id == title->category_id; })) {
        return make_error(Errc::kTidNotExist);
    }
    auto out = protocol::ok_object();
    out["count"] = title->keywords.size();
    out["data"] = core::OrderedJson::array();
    for (const auto& k : title->keywords) {
        core::OrderedJson item = core::OrderedJson::object();
        item["kid"] = k.kid;
        item["name"] = k.name;
        item["example"] = k.example;
        item["rule"] = k.rule;
        out["data"].push_back(std::move(item));
    }
    return out;
}

emulator::Outcome<core::OrderedJson> Api::add_template(const std::string& appid, const std::string& body, bool form) {
    // The docs recommend a form body (tid=401&kidList=1&kidList=2&sceneDesc=...); SDKs send JSON.
    core::Json b = core::Json::object();
    if (form) {
        if (core::trim(body).empty()) return make_error(Errc::kEmptyPostData);
        b["kidList"] = core::Json::array();
        for (const auto& [k, v] : core::parse_query(body)) {
            if (k == "kidList" || k == "kidList[]") {
                auto n = parse_int(v);
                if (!n) return make_error(Errc::kInvalidKeywords, "kidList holds integers");
                b["kidList"].push_back(*n);
            } else {
                b[k] = v;
            }
        }
    } else {
        auto j = json_object(body);
        if (!j) return j.error();
        b = std::move(*j);
    }
    auto cfg = config();
    const AppConfig* app = cfg->app(appid);
    auto tid = int_member(b, "tid");
    const LibraryTitle* title = tid ? cfg->library_title(*tid) : nullptr;
    auto mine = app ? cfg->categories_of(*app) : std::vector<TemplateCategory>{};
    if (!app || !title ||
        std::none_of(mine.begin(), mine.end(), [&](const auto& c) { return c.id == title->category_id; })) {
        return make_error(Errc::kTidNotExist);
    }
    if (!b.contains("kidList") || !b["kidList"].is_array() || b["kidList"].size() < 2 || b["kidList"].size() > 5) {
        return make_error(Errc::kInvalidKeywords, "kidList holds 2 to 5 keyword ids");
    }
    std::vector<std::pair<std::string, std::string>> named;  // (name, key) in kidList order
    std::vector<std::string> keys;
    std::string example;
    std::set<long long> seen;
    for (const auto& k : b["kidList"]) {
        const LibraryKeyword* kw = k.is_number_integer() ? title->keyword(k.get<int>()) : nullptr;
        if (!kw || !seen.insert(kw->kid).second) return make_error(Errc::kInvalidKeywords, "unknown or repeated kid");
        std::string key = kw->rule + std::to_string(keys.size() + 1);
        keys.push_back(key);
        named.emplace_back(kw->name, key);
        example += kw->name + "：" + kw->example + "\n";
    }
    std::string scene_desc;
    if (b.contains("sceneDesc") && !b["sceneDesc"].is_null()) {
        if (!b["sceneDesc"].is_string()) return make_error(Errc::kInvalidSceneDesc);
        scene_desc = b["sceneDesc"].get<std::string>();
        if (!core::is_valid_utf8(scene_desc) || core::utf8_length(scene_desc) > 15) {
            return make_error(Errc::kInvalidSceneDesc, "sceneDesc is at most 15 characters");
        }
    }
    const long long now = ctx_.clock().now_unix_ms();
    return ctx_.db().write([&](state::Conn& c) -> emulator::Outcome<core::OrderedJson> {
        Store store(c, appid);
        size_t live = 0;
        std::set<std::string> tombstones;
        for (const auto& t : store.templates()) {
            if (t.from_fixture) tombstones.insert(t.template_id);
            if (!t.from_fixture && !t.deleted_ms) ++live;
        }
        for (const auto& t : app->templates) {
            if (!tombstones.count(t.template_id)) ++live;
        }
        if (live >= kMaxPrivateTemplates) return make_error(Errc::kTemplateLimit, "25 private templates");
        TemplateRow row;
        row.template_id = ctx_.ids().from_alphabet(core::kUrlSafe, 43);
        row.tid = title->tid;
        row.title = title->title;
        row.type = title->type;
        row.keywords = keys;
        row.content = template_content(named);
        row.example = example;
        row.scene_desc = scene_desc;
        row.created_ms = now;
        store.insert_template(row);
        auto out = protocol::ok_object();
        out["priTmplId"] = row.template_id;
        return out;
    });
}

emulator::Outcome<core::OrderedJson> Api::del_template(const std::string& appid, const std::string& body, bool form) {
    std::string id;
    if (form) {
        if (core::trim(body).empty()) return make_error(Errc::kEmptyPostData);
        auto params = core::parse_query(body);
        if (const std::string* v = core::find_param(params, "priTmplId")) id = *v;
    } else {
        auto j = json_object(body);
        if (!j) return j.error();
        if (j->contains("priTmplId") && !(*j)["priTmplId"].is_string()) return make_error(Errc::kDataFormatError);
        id = j->value("priTmplId", "");
    }
    auto cfg = config();
    const AppConfig* app = cfg->app(appid);
    if (id.empty() || !app) return make_error(Errc::kInvalidTemplateId, "priTmplId missing");
    const long long now = ctx_.clock().now_unix_ms();
    return ctx_.db().write([&](state::Conn& c) -> emulator::Outcome<core::OrderedJson> {
        Store store(c, appid);
        auto row = store.template_row(id);
        if (row) {
            if (row->deleted_ms) return make_error(Errc::kInvalidTemplateId, "already deleted");
            store.delete_template(id, now);
            return protocol::ok_object();
        }
        const TemplateConfig* t = app->find_template(id);
        if (!t) return make_error(Errc::kInvalidTemplateId, "no such template");
        // A fixture template: a tombstone row hides it from now on.
        TemplateRow tomb;
        tomb.template_id = id;
        tomb.title = t->title;
        tomb.keywords = t->keywords;
        tomb.from_fixture = true;
        tomb.created_ms = now;
        tomb.deleted_ms = now;
        store.insert_template(tomb);
        return protocol::ok_object();
    });
}

emulator::Outcome<core::OrderedJson> Api::list_templates(const std::string& appid) {
    auto cfg = config();
    const AppConfig* app = cfg->app(appid);
    auto rows = ctx_.db().read([&](state::Conn& c) { return Store(c, appid).templates(); });
    auto out = protocol::ok_object();
    out["data"] = core::OrderedJson::array();
    auto item = [](const std::string& id, const std::string& title, const std::string& content,
                   const std::string& example, int type) {
        core::OrderedJson j = core::OrderedJson::object();
        j["priTmplId"] = id;
        j["title"] = title;
        j["content"] = content;
        j["example"] = example;
        j["type"] = type;
        return j;
    };
    std::set<std::string> tombstones;
    for (const auto& r : rows) {
        if (r.from_fixture) tombstones.insert(r.template_id);
    }
    if (app) {
        for (const auto& t : app->templates) {
            if (tombstones.count(t.template_id)) continue;
            std::vector<std::pair<std::string, std::string>> named;
            for (const auto& k : t.keywords) named.emplace_back(k, k);
            out["data"].push_back(item(t.template_id, t.title, template_content(named), "", 2));
        }
    }
    for (const auto& r : rows) {
        if (r.from_fixture || r.deleted_ms) continue;
        out["data"].push_back(item(r.template_id, r.title, r.content, r.example, r.type));
    }
    return out;
}

emulator::Outcome<core::Json> Api::add_subscription(const std::string& appid, const std::string& openid,
                                                    const std::string& template_id, int count) {
    auto cfg = config();
    const AppConfig* app = cfg->app(appid);
    if (!app) return no_app(appid);
    if (!cfg->user(appid, openid)) return no_user(openid, appid);
    if (count < 1 || count > 1000) return admin_failure("bad_request", "\"count\" must be 1 to 1000");
    return ctx_.db().write([&](state::Conn& c) -> emulator::Outcome<core::Json> {
        if (!template_keywords(c, *app, template_id)) {
            return admin_failure("not_found", "app " + appid + " has no subscribe template " + template_id);
        }
        Store store(c, appid);
        int remaining = store.subscription(openid, template_id) + count;
        store.set_subscription(openid, template_id, remaining);
        return core::Json{{"appid", appid}, {"openid", openid}, {"template_id", template_id}, {"remaining", remaining}};
    });
}

}  // namespace mpemu::wechat
