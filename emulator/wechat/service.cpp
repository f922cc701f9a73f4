// WeChat mini program API rules (specs/wechat-miniprogram.md §1-§10, checklist §12).
#include "emulator/wechat/service.hpp"

#include <algorithm>
#include <array>

#include "core/crypto.hpp"
#include "core/text.hpp"
#include "emulator/wechat/errors.hpp"
#include "emulator/wechat/protocol.hpp"
#include "emulator/wechat/store.hpp"
#include "emulator/wechat/wxacode.hpp"

namespace mpemu::wechat {
namespace {

// A POST body that must be a JSON object: empty -> 44002, anything else -> 47001.
emulator::Outcome<core::Json> json_body(const std::string& body) {
    if (core::trim(body).empty()) return make_error(Errc::kEmptyPostData);
    auto j = core::parse_json(body);
    if (!j || !j->is_object()) return make_error(Errc::kDataFormatError, "body is not a JSON object");
    return std::move(*j);
}

std::optional<std::string> member_string(const core::Json& o, const char* key, bool* wrong_type) {
    auto it = o.find(key);
    if (it == o.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) {
        *wrong_type = true;
        return std::nullopt;
    }
    return it->get<std::string>();
}

// Beijing calendar day of a Unix ms time (force_refresh quota resets at local midnight).
std::string beijing_day(long long now_ms) {
    return std::to_string((now_ms / 1000 + 8LL * 3600) / 86400);
}

struct Verdict {
    std::string suggest = "pass";
    int label = 100;
};

int severity(const std::string& suggest) {
    return suggest == "risky" ? 2 : suggest == "review" ? 1 : 0;
}

// Content rules of the emulated msg_sec_check: markers for tests, a few keywords per label, and the
// test text WeChat's own docs use for a risky result.
struct KeywordRule {
    std::string_view word;
    int label;
};
constexpr std::array<KeywordRule, 5> kKeywords = {{
    {"赌博", 20006},
    {"色情", 20002},
    {"诈骗", 20008},
    {"加微信", 10001},
    {"傻逼", 20003},
}};
constexpr std::string_view kOfficialRiskyText = "特3456书yuuo莞6543李zxcz蒜7782法fgnv级";

// Length limits of subscribe message keyword kinds (characters).
int keyword_max_length(const std::string& keyword) {
    static const std::array<std::pair<std::string_view, int>, 8> kLimits = {{
        {"thing", 20},
        {"character_string", 32},
        {"phrase", 5},
        {"name", 10},
        {"number", 32},
        {"letter", 32},
        {"symbol", 5},
        {"amount", 32},
    }};
    std::string kind = keyword;
    while (!kind.empty() && kind.back() >= '0' && kind.back() <= '9') kind.pop_back();
    for (const auto& [k, n] : kLimits) {
        if (k == kind) return n;
    }
    return 64;
}

}  // namespace

std::shared_ptr<const FixtureConfig> Api::config() const {
    auto set = ctx_.fixtures();
    auto cfg = set ? set->section<FixtureConfig>("wechat") : nullptr;
    if (!cfg) return std::make_shared<FixtureConfig>();
    // Keep the set alive as long as the section is used.
    return std::shared_ptr<const FixtureConfig>(set, cfg.get());
}

std::string Api::new_session_key() {
    return core::crypto::base64_encode(ctx_.ids().bytes(16));
}

std::string Api::new_access_token() {
    return std::to_string(ctx_.ids().uniform(60, 99)) + "_" + ctx_.ids().from_alphabet(core::kUrlSafe, 136);
}

bool Api::over_login_rate(const AppConfig& app, const std::string& openid, long long now_ms) {
    if (app.login_rate_limit_per_minute <= 0) return false;
    std::lock_guard lock(rate_mu_);
    auto& [minute, calls] = login_counts_[app.appid + "/" + openid];
    long long m = now_ms / 60000;
    if (minute != m) {
        minute = m;
        calls = 0;
    }
    return ++calls > app.login_rate_limit_per_minute;
}

void Api::clear_counters() {
    std::lock_guard lock(rate_mu_);
    login_counts_.clear();
    last_purge_ms_ = 0;
}

void Api::purge_expired_now(state::Conn& c, long long now_ms) {
    constexpr long long kMinute = 60LL * 1000;
    constexpr long long kDay = 24LL * 60 * kMinute;
    long long last = last_purge_ms_.load();
    if (now_ms >= last && now_ms - last < kMinute) return;
    if (!last_purge_ms_.compare_exchange_strong(last, now_ms)) return;  // another request purges now
    purge_expired(c, now_ms - kCodeTtlMs - kMinute, now_ms - kDay);
}

// ---- jscode2session ----------------------------------------------------------------------------

emulator::Outcome<Session> Api::code2session(const Param& appid, const Param& secret, const Param& js_code,
                                             const Param& grant_type) {
    if (!appid || appid->empty()) return make_error(Errc::kAppidMissing);
    if (!secret || secret->empty()) return make_error(Errc::kAppsecretMissing);
    auto cfg = config();
    const AppConfig* app = cfg->app(*appid);
    if (!app) return make_error(Errc::kInvalidAppid, "unknown appid " + *appid);
    if (!core::crypto::constant_time_equals(*secret, app->secret)) return make_error(Errc::kInvalidAppsecret);
    if (grant_type && *grant_type != "authorization_code") return make_error(Errc::kInvalidGrantType);
    if (!js_code || !protocol::is_login_code(*js_code)) return make_error(Errc::kInvalidCode, "malformed js_code");
    const long long now = ctx_.clock().now_unix_ms();
    return ctx_.db().write([&](state::Conn& c) -> emulator::Outcome<Session> {
        Store store(c, *appid);
        auto code = store.code(*js_code, CodeKind::kLogin);
        if (!code) return make_error(Errc::kInvalidCode, "unknown code");
        if (code->appid != *appid) return make_error(Errc::kInvalidCode, "code of app " + code->appid);
        if (over_login_rate(*app, code->openid, now)) return make_error(Errc::kMinuteQuota);
        if (code->used_ms) return make_error(Errc::kCodeBeenUsed);
        if (now - code->created_ms >= kCodeTtlMs || now < code->created_ms) {
            return make_error(Errc::kInvalidCode, "code expired");
        }
        const UserConfig* user = cfg->user(code->appid, code->openid);
        if (user && user->login_blocked) return make_error(Errc::kCodeBlocked);
        store.mark_code_used(*js_code, now);
        Session s;
        s.openid = code->openid;
        if (code->session_key) {
            s.session_key = *code->session_key;
        } else {
            s.session_key = new_session_key();
            store.set_session_key(code->user_id, s.session_key, now);
        }
        if (user) s.unionid = user->unionid;
        return s;
    });
}

// ---- access tokens -----------------------------------------------------------------------------

emulator::Outcome<AccessToken> Api::token(const Param& grant_type, const Param& appid, const Param& secret) {
    if (!appid || appid->empty()) return make_error(Errc::kAppidMissing);
    if (!secret || secret->empty()) return make_error(Errc::kAppsecretMissing);
    if (!grant_type || *grant_type != "client_credential") return make_error(Errc::kInvalidGrantType);
    auto cfg = config();
    const AppConfig* app = cfg->app(*appid);
    if (!app) return make_error(Errc::kInvalidAppid);
    if (!core::crypto::constant_time_equals(*secret, app->secret)) return make_error(Errc::kInvalidAppsecret);
    const long long now = ctx_.clock().now_unix_ms();
    TokenRow row;
    row.token = new_access_token();
    row.kind = TokenKind::kToken;
    row.issued_ms = now;
    row.expires_ms = now + kTokenTtlMs;
    ctx_.db().write([&](state::Conn& c) {
        Store store(c, *appid);
        // The previous token stays usable for 5 more minutes (checked in check_access_token).
        store.supersede_tokens(TokenKind::kToken, now);
        store.insert_token(row);
        purge_expired_now(c, now);
    });
    return AccessToken{row.token, kTokenTtlMs / 1000};
}

emulator::Outcome<AccessToken> Api::stable_token(const std::string& body) {
    auto j = json_body(body);
    if (!j) return j.error();
    bool wrong = false;
    auto grant_type = member_string(*j, "grant_type", &wrong);
    auto appid = member_string(*j, "appid", &wrong);
    auto secret = member_string(*j, "secret", &wrong);
    bool force = false;
    if (j->contains("force_refresh") && !(*j)["force_refresh"].is_null()) {
        if (!(*j)["force_refresh"].is_boolean())
            wrong = true;
        else
            force = (*j)["force_refresh"].get<bool>();
    }
    if (wrong) return make_error(Errc::kDataFormatError, "a member has the wrong type");
    if (!appid || appid->empty()) return make_error(Errc::kAppidMissing);
    if (!secret || secret->empty()) return make_error(Errc::kAppsecretMissing);
    if (!grant_type || *grant_type != "client_credential") return make_error(Errc::kInvalidGrantType);
    auto cfg = config();
    const AppConfig* app = cfg->app(*appid);
    if (!app) return make_error(Errc::kInvalidAppid);
    if (!core::crypto::constant_time_equals(*secret, app->secret)) return make_error(Errc::kInvalidAppsecret);
    const long long now = ctx_.clock().now_unix_ms();
    return ctx_.db().write([&](state::Conn& c) -> emulator::Outcome<AccessToken> {
        Store store(c, *appid);
        auto current = store.latest_token(TokenKind::kStable);
        bool current_valid = current && now < current->expires_ms && now >= current->issued_ms;
        auto mint = [&]() {
            TokenRow row;
            row.token = new_access_token();
            row.kind = TokenKind::kStable;
            row.issued_ms = now;
            row.expires_ms = now + kTokenTtlMs;
            store.insert_token(row);
            return AccessToken{row.token, kTokenTtlMs / 1000};
        };
        auto same = [&]() { return AccessToken{current->token, (current->expires_ms - now) / 1000}; };
        if (force) {
            auto st = store.force_state();
            std::string day = beijing_day(now);
            if (st.day != day) {
                st.day = day;
                st.count = 0;
            }
            // Closer than 30 s to the previous force refresh: "does not refresh".
            if (st.last_ms && now - *st.last_ms < kForceRefreshSpacingMs && now >= *st.last_ms && current_valid) {
                return same();
            }
            if (st.count >= kForceRefreshPerDay) return make_error(Errc::kDailyQuota, "20 force refreshes today");
            st.count += 1;
            st.last_ms = now;
            store.set_force_state(st);
            store.revoke_tokens(TokenKind::kStable, now);
            return mint();
        }
        if (current_valid && current->expires_ms - now > kTokenOverlapMs) return same();
        // None yet, expired, or in its last 5 minutes: a successor (the old one lives out its time).
        return mint();
    });
}

emulator::Outcome<std::string> Api::check_access_token(const Param& access_token) {
    if (!access_token || access_token->empty()) return make_error(Errc::kAccessTokenMissing);
    if (!protocol::is_access_token_syntax(*access_token)) return make_error(Errc::kInvalidAccessToken);
    const long long now = ctx_.clock().now_unix_ms();
    auto row = ctx_.db().read([&](state::Conn& c) { return Store(c, "").token(*access_token); });
    if (!row) return make_error(Errc::kInvalidCredential, "unknown access_token");
    if (now >= row->expires_ms) return make_error(Errc::kAccessTokenExpired);
    if (row->revoked_ms && now >= *row->revoked_ms)
        return make_error(Errc::kInvalidCredential, "revoked by force_refresh");
    if (row->superseded_ms && now >= *row->superseded_ms + kTokenOverlapMs) {
        return make_error(Errc::kInvalidCredential, "superseded by a newer token");
    }
    if (!config()->app(row->appid)) return make_error(Errc::kInvalidCredential, "app no longer in the fixture set");
    return row->appid;
}

// ---- phone number ------------------------------------------------------------------------------

emulator::Outcome<core::OrderedJson> Api::phone_number(const std::string& appid, const std::string& body) {
    auto j = json_body(body);
    if (!j) return j.error();
    bool wrong = false;
    auto code = member_string(*j, "code", &wrong);
    auto openid = member_string(*j, "openid", &wrong);
    if (wrong) return make_error(Errc::kDataFormatError);
    if (!code || !protocol::is_phone_code(*code)) return make_error(Errc::kInvalidCode, "missing or malformed code");
    auto cfg = config();
    const long long now = ctx_.clock().now_unix_ms();
    return ctx_.db().write([&](state::Conn& c) -> emulator::Outcome<core::OrderedJson> {
        Store store(c, appid);
        auto row = store.code(*code, CodeKind::kPhone);
        if (!row) return make_error(Errc::kInvalidCode, "unknown code");
        if (row->appid != appid) return make_error(Errc::kInvalidAppid, "code of app " + row->appid);
        if (row->used_ms) return make_error(Errc::kInvalidCode, "code already used");
        if (now - row->created_ms >= kCodeTtlMs || now < row->created_ms) {
            return make_error(Errc::kInvalidCode, "code expired");
        }
        if (openid && *openid != row->openid) return make_error(Errc::kInvalidOpenid, "code of another user");
        const UserConfig* user = cfg->user(row->appid, row->openid);
        if (!user || !user->phone) return make_error(Errc::kSystemError, "user has no phone");
        auto phone = protocol::split_phone(*user->phone);
        if (!phone) return make_error(Errc::kSystemError, phone.error().message);
        store.mark_code_used(*code, now);
        auto out = protocol::ok_object();
        out["phone_info"] = protocol::phone_payload(*phone, row->created_ms / 1000, appid);
        return out;
    });
}

// ---- login state -------------------------------------------------------------------------------

emulator::Outcome<core::OrderedJson> Api::check_session(const std::string& appid, const Param& openid,
                                                        const Param& signature, const Param& sig_method) {
    if (!openid || openid->empty()) return make_error(Errc::kInvalidOpenid);
    if (!sig_method || *sig_method != "hmac_sha256") return make_error(Errc::kInvalidSigMethod);
    auto user = ctx_.db().read([&](state::Conn& c) { return Store(c, appid).user(*openid); });
    if (!user) return make_error(Errc::kInvalidOpenid);
    if (!signature || !user->session_key ||
        !core::crypto::constant_time_equals(*signature, protocol::login_state_signature(*user->session_key, ""))) {
        return make_error(Errc::kInvalidSignature);
    }
    return protocol::ok_object();
}

emulator::Outcome<core::OrderedJson> Api::reset_session_key(const std::string& appid, const Param& openid,
                                                            const Param& signature, const Param& sig_method) {
    if (!openid || openid->empty()) return make_error(Errc::kInvalidOpenid);
    if (!sig_method || *sig_method != "hmac_sha256") return make_error(Errc::kInvalidSigMethod);
    const long long now = ctx_.clock().now_unix_ms();
    return ctx_.db().write([&](state::Conn& c) -> emulator::Outcome<core::OrderedJson> {
        Store store(c, appid);
        auto user = store.user(*openid);
        if (!user) return make_error(Errc::kInvalidOpenid);
        if (!signature || !user->session_key ||
            !core::crypto::constant_time_equals(*signature, protocol::login_state_signature(*user->session_key, ""))) {
            return make_error(Errc::kInvalidSignature);
        }
        std::string key = new_session_key();
        store.set_session_key(user->id, key, now);
        auto out = protocol::ok_object();
        out["openid"] = *openid;
        out["session_key"] = key;
        return out;
    });
}

// ---- msg_sec_check v2 --------------------------------------------------------------------------

emulator::Outcome<core::OrderedJson> Api::msg_sec_check(const std::string& appid, const std::string& body) {
    auto j = json_body(body);
    if (!j) return j.error();
    const core::Json& b = *j;
    if (!b.contains("version") || !b["version"].is_number_integer() || b["version"].get<long long>() != 2) {
        return make_error(Errc::kDataFormatError, "version must be 2");
    }
    bool wrong = false;
    auto openid = member_string(b, "openid", &wrong);
    auto content = member_string(b, "content", &wrong);
    auto nickname = member_string(b, "nickname", &wrong);
    auto title = member_string(b, "title", &wrong);
    auto signature = member_string(b, "signature", &wrong);
    if (wrong) return make_error(Errc::kDataFormatError);
    if (!openid || openid->empty()) return make_error(Errc::kInvalidOpenid);
    if (!b.contains("scene") || !b["scene"].is_number_integer() || b["scene"].get<long long>() < 1 ||
        b["scene"].get<long long>() > 4) {
        return make_error(Errc::kInvalidScene);
    }
    if (!content) return make_error(Errc::kDataFormatError, "content missing");
    if (!core::is_valid_utf8(*content) || core::utf8_length(*content) > 2500) {
        return make_error(Errc::kDataFormatError, "content over 2500 characters or not UTF-8");
    }
    auto cfg = config();
    if (!cfg->user(appid, *openid)) {
        if (cfg->user_any_app(*openid)) return make_error(Errc::kAppidOpenidMismatch);
        return make_error(Errc::kInvalidOpenid);
    }
    std::string text = *content + "\n" + nickname.value_or("") + "\n" + title.value_or("");

    Verdict model;
    if (text.find("mpemu:risky") != std::string::npos || text.find(kOfficialRiskyText) != std::string::npos) {
        model = {"risky", 20006};
    } else if (text.find("mpemu:review") != std::string::npos) {
        model = {"review", 21000};
    }
    core::OrderedJson model_item = core::OrderedJson::object();
    model_item["strategy"] = "content_model";
    model_item["errcode"] = 0;
    model_item["suggest"] = model.suggest;
    model_item["label"] = model.label;
    model_item["prob"] = model.suggest == "pass" ? 90 : 95;
    core::OrderedJson kw_item = core::OrderedJson::object();
    kw_item["strategy"] = "keyword";
    kw_item["errcode"] = 0;
    Verdict result = model;
    for (const auto& k : kKeywords) {
        if (text.find(k.word) == std::string::npos) continue;
        kw_item["suggest"] = "risky";
        kw_item["label"] = k.label;
        kw_item["level"] = 90;
        kw_item["keyword"] = k.word;
        if (severity("risky") > severity(result.suggest)) result = {"risky", k.label};
        break;
    }
    auto out = protocol::ok_object();
    out["detail"] = core::OrderedJson::array({model_item, kw_item});
    out["trace_id"] = ctx_.ids().rid();
    core::OrderedJson r = core::OrderedJson::object();
    r["suggest"] = result.suggest;
    r["label"] = result.label;
    out["result"] = r;
    return out;
}

// ---- subscribe messages ------------------------------------------------------------------------

emulator::Outcome<core::OrderedJson> Api::subscribe_send(const std::string& appid, const std::string& body) {
    auto j = json_body(body);
    if (!j) return j.error();
    const core::Json& b = *j;
    bool wrong = false;
    auto touser = member_string(b, "touser", &wrong);
    auto template_id = member_string(b, "template_id", &wrong);
    auto page = member_string(b, "page", &wrong);
    auto state_s = member_string(b, "miniprogram_state", &wrong);
    auto lang = member_string(b, "lang", &wrong);
    if (wrong) return make_error(Errc::kDataFormatError);
    auto cfg = config();
    const AppConfig* app = cfg->app(appid);
    if (!touser || !cfg->user(appid, *touser)) return make_error(Errc::kInvalidOpenid);
    // Fixture templates and those added with addtemplate (not deleted).
    std::optional<std::vector<std::string>> keywords;
    if (template_id && app) {
        keywords = ctx_.db().read([&](state::Conn& c) { return template_keywords(c, *app, *template_id); });
    }
    if (!keywords) return make_error(Errc::kInvalidTemplateId);
    if (page && !page->empty()) {
        // The real API takes "/pages/a?x=1" as well as "pages/a?x=1": compare the path without them.
        std::string path = protocol::normalize_page(page->substr(0, page->find('?')));
        if (path.empty() ||
            (!app->pages.empty() && std::find(app->pages.begin(), app->pages.end(), path) == app->pages.end())) {
            return make_error(Errc::kInvalidPage);
        }
    }
    static const std::vector<std::string> kStates = {"developer", "trial", "formal"};
    static const std::vector<std::string> kLangs = {"zh_CN", "en_US", "zh_HK", "zh_TW"};
    if (state_s && std::find(kStates.begin(), kStates.end(), *state_s) == kStates.end()) {
        return make_error(Errc::kArgumentInvalid, "invalid miniprogram_state");
    }
    if (lang && std::find(kLangs.begin(), kLangs.end(), *lang) == kLangs.end()) {
        return make_error(Errc::kArgumentInvalid, "invalid lang");
    }
    if (!b.contains("data") || !b["data"].is_object() || b["data"].empty()) {
        return make_error(Errc::kArgumentInvalid, "data must be an object of template keywords");
    }
    for (auto it = b["data"].begin(); it != b["data"].end(); ++it) {
        if (std::find(keywords->begin(), keywords->end(), it.key()) == keywords->end()) {
            return make_error(Errc::kArgumentInvalid, "keyword " + it.key() + " not in the template");
        }
        const core::Json& v = it.value();
        if (!v.is_object() || !v.contains("value") || !v["value"].is_string()) {
            return make_error(Errc::kArgumentInvalid, it.key() + " must be {\"value\": string}");
        }
        const std::string s = v["value"].get<std::string>();
        if (s.empty() || !core::is_valid_utf8(s) ||
            core::utf8_length(s) > static_cast<size_t>(keyword_max_length(it.key()))) {
            return make_error(Errc::kArgumentInvalid, it.key() + " value is empty or too long");
        }
    }
    const long long now = ctx_.clock().now_unix_ms();
    return ctx_.db().write([&](state::Conn& c) -> emulator::Outcome<core::OrderedJson> {
        Store store(c, appid);
        int remaining = store.subscription(*touser, *template_id);
        if (remaining <= 0) return make_error(Errc::kUserRefuseMsg);
        store.set_subscription(*touser, *template_id, remaining - 1);
        MessageRow m;
        m.msgid = std::to_string(ctx_.ids().uniform(1000000000000000000LL, 9000000000000000000LL));
        m.appid = appid;
        m.touser = *touser;
        m.template_id = *template_id;
        m.page = page.value_or("");
        m.data = b["data"];
        m.miniprogram_state = state_s.value_or("formal");
        m.lang = lang.value_or("zh_CN");
        m.sent_ms = now;
        store.insert_message(m);
        auto out = protocol::ok_object();
        out["msgid"] = std::stoll(m.msgid);
        return out;
    });
}

// ---- getwxacodeunlimit -------------------------------------------------------------------------

emulator::Outcome<std::string> Api::wxacode_unlimited(const std::string& appid, const std::string& body) {
    auto j = json_body(body);
    if (!j) return j.error();
    const core::Json& b = *j;
    bool wrong = false;
    auto scene = member_string(b, "scene", &wrong);
    auto page = member_string(b, "page", &wrong);
    auto env = member_string(b, "env_version", &wrong);
    if (wrong) return make_error(Errc::kDataFormatError);
    auto boolean = [&](const char* key, bool fallback) {
        if (!b.contains(key) || b[key].is_null()) return fallback;
        if (!b[key].is_boolean()) {
            wrong = true;
            return fallback;
        }
        return b[key].get<bool>();
    };
    bool check_path = boolean("check_path", true);
    bool auto_color = boolean("auto_color", false);
    bool hyaline = boolean("is_hyaline", false);
    if (wrong) return make_error(Errc::kDataFormatError, "booleans must be JSON booleans");
    WxacodeSpec spec;
    if (b.contains("width") && !b["width"].is_null()) {
        if (!b["width"].is_number()) return make_error(Errc::kDataFormatError, "width must be a number");
        double w = b["width"].get<double>();
        spec.width = static_cast<int>(std::clamp(w, 280.0, 1280.0));
    }
    if (!auto_color && b.contains("line_color") && !b["line_color"].is_null()) {
        const core::Json& lc = b["line_color"];
        if (!lc.is_object()) return make_error(Errc::kDataFormatError, "line_color must be an object");
        uint8_t* out[3] = {&spec.r, &spec.g, &spec.b};
        const char* keys[3] = {"r", "g", "b"};
        for (int i = 0; i < 3; ++i) {
            if (!lc.contains(keys[i])) continue;
            const core::Json& v = lc[keys[i]];
            long long n = -1;
            if (v.is_number_integer())
                n = v.get<long long>();
            else if (v.is_string() && !v.get<std::string>().empty() && v.get<std::string>().size() <= 3 &&
                     v.get<std::string>().find_first_not_of("0123456789") == std::string::npos) {
                n = std::stoll(v.get<std::string>());
            }
            if (n < 0 || n > 255) return make_error(Errc::kDataFormatError, "line_color values are 0-255");
            *out[i] = static_cast<uint8_t>(n);
        }
    }
    if (!scene || !protocol::is_valid_scene(*scene)) return make_error(Errc::kInvalidSceneLength);
    spec.env_version = env.value_or("release");
    if (spec.env_version != "release" && spec.env_version != "trial" && spec.env_version != "develop") {
        return make_error(Errc::kDataFormatError, "env_version must be release, trial or develop");
    }
    spec.page = page.value_or("");
    if (!spec.page.empty()) {
        if (spec.page.front() == '/' || spec.page.find('?') != std::string::npos) return make_error(Errc::kInvalidPage);
        auto cfg = config();
        const AppConfig* app = cfg->app(appid);
        if (check_path && app && !app->pages.empty() &&
            std::find(app->pages.begin(), app->pages.end(), spec.page) == app->pages.end()) {
            return make_error(Errc::kInvalidPage);
        }
    }
    spec.scene = *scene;
    spec.hyaline = hyaline;
    return render_wxacode_png(spec);
}

// ---- admin -------------------------------------------------------------------------------------

emulator::Outcome<std::vector<std::string>> Api::mint_login_codes(const std::string& appid, const std::string& openid,
                                                                  size_t count) {
    auto cfg = config();
    const AppConfig* app = cfg->app(appid);
    if (!app) return no_app(appid);
    if (!cfg->user(appid, openid)) {
        return no_user(openid, appid);
    }
    if (count < 1 || count > kMaxBulkCodes) {
        return bad_count(kMaxBulkCodes);
    }
    const long long now = ctx_.clock().now_unix_ms();
    // 8 base62 characters of the minting time, then 24 random ones: codes minted together sit together
    // in the primary-key B-tree, so bulk minting appends instead of touching every page (smaller
    // transactions, fuller pages). Real codes also share leading characters.
    std::string prefix(8, '0');
    for (long long t = now, i = 7; i >= 0 && t > 0; --i, t /= 62) prefix[i] = core::kBase62[t % 62];
    std::vector<std::string> codes;
    codes.reserve(count);
    for (size_t i = 0; i < count; ++i) codes.push_back(prefix + ctx_.ids().base62(24));
    std::vector<const std::string*> order;
    order.reserve(count);
    for (const auto& c : codes) order.push_back(&c);
    std::sort(order.begin(), order.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
    return ctx_.db().write([&](state::Conn& c) -> emulator::Outcome<std::vector<std::string>> {
        Store store(c, appid);
        auto user = store.user(openid);
        if (!user) return no_state_row(openid);
        if (app->rotate_session_key_on_login || !user->session_key)
            store.set_session_key(user->id, new_session_key(), now);
        for (const auto* code : order) store.insert_code(*code, CodeKind::kLogin, user->id, now);
        purge_expired_now(c, now);
        return codes;
    });
}

emulator::Outcome<std::string> Api::mint_phone_code(const std::string& appid, const std::string& openid) {
    auto cfg = config();
    if (!cfg->app(appid)) return no_app(appid);
    const UserConfig* u = cfg->user(appid, openid);
    if (!u) return no_user(openid, appid);
    if (!u->phone) return no_phone(openid);
    const long long now = ctx_.clock().now_unix_ms();
    std::string code = ctx_.ids().hex(64);
    return ctx_.db().write([&](state::Conn& c) -> emulator::Outcome<std::string> {
        Store store(c, appid);
        auto user = store.user(openid);
        if (!user) return no_state_row(openid);
        store.insert_code(code, CodeKind::kPhone, user->id, now);
        return code;
    });
}

emulator::Outcome<core::OrderedJson> Api::encrypted_data(const std::string& appid, const std::string& openid,
                                                         const std::string& kind) {
    if (kind != "userinfo" && kind != "phone") {
        return bad_kind();
    }
    auto cfg = config();
    if (!cfg->app(appid)) return no_app(appid);
    const UserConfig* u = cfg->user(appid, openid);
    if (!u) return no_user(openid, appid);
    if (kind == "phone" && !u->phone) return no_phone(openid);
    const long long now = ctx_.clock().now_unix_ms();
    std::string session_key = ctx_.db().write([&](state::Conn& c) {
        Store store(c, appid);
        auto user = store.user(openid);
        if (user && user->session_key) return *user->session_key;
        std::string key = new_session_key();
        if (user) store.set_session_key(user->id, key, now);
        return key;
    });
    std::string iv = ctx_.ids().bytes(16);
    core::OrderedJson out = core::OrderedJson::object();
    std::string plaintext;
    std::string raw;
    if (kind == "phone") {
        auto phone = protocol::split_phone(*u->phone);
        if (!phone) return admin_failure("bad_request", phone.error().message);
        plaintext = core::dump(protocol::phone_payload(*phone, now / 1000, appid));
    } else {
        protocol::UserProfile p;
        p.openid = u->openid;
        p.unionid = u->unionid;
        p.nickname = u->nickname;
        p.gender = u->gender;
        p.language = u->language;
        p.city = u->city;
        p.province = u->province;
        p.country = u->country;
        p.avatar_url = u->avatar_url;
        plaintext = protocol::user_info_plaintext(p, now / 1000, appid);
        raw = protocol::user_raw_data(p);
    }
    auto enc = protocol::encrypt_data(session_key, iv, plaintext);
    if (!enc) return admin_failure("internal", enc.error().message);
    out["encryptedData"] = *enc;
    out["iv"] = core::crypto::base64_encode(iv);
    if (kind == "userinfo") {
        out["rawData"] = raw;
        out["signature"] = protocol::raw_data_signature(raw, session_key);
    }
    return out;
}

core::Json Api::messages(const std::string& appid, const std::string& touser, const std::string& template_id,
                         size_t limit) {
    auto rows = ctx_.db().read([&](state::Conn& c) { return Store::messages(c, appid, touser, template_id, limit); });
    core::Json list = core::Json::array();
    for (const auto& m : rows) {
        list.push_back({{"msgid", m.msgid},
                        {"appid", m.appid},
                        {"touser", m.touser},
                        {"template_id", m.template_id},
                        {"page", m.page},
                        {"data", m.data},
                        {"miniprogram_state", m.miniprogram_state},
                        {"lang", m.lang},
                        {"sent_at_ms", m.sent_ms}});
    }
    return list;
}

}  // namespace mpemu::wechat
