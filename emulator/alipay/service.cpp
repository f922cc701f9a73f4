// Alipay's rules: gateway authentication, OAuth, trades, refunds, timeouts and notifications.
#include "emulator/alipay/service.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "core/time_format.hpp"

namespace mpemu::alipay {

using core::Json;
using core::OrderedJson;

using emulator::Failure;
using emulator::Outcome;

namespace {

std::string str(const Json& j, const char* key) {
    if (!j.is_object()) return {};
    auto it = j.find(key);
    if (it == j.end()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number()) return it->dump();
    return {};
}

bool has_option(const Json& biz, const char* option) {
    if (!biz.is_object()) return false;
    auto it = biz.find("query_options");
    if (it == biz.end()) return false;
    if (it->is_array()) {
        for (const auto& v : *it) {
            if (v.is_string() && v.get<std::string>() == option) return true;
        }
        return false;
    }
    if (it->is_string()) {
        for (auto& part : core::split(it->get<std::string>(), ',')) {
            if (core::trim(part) == option) return true;
        }
    }
    return false;
}

// An admin API error: the admin map gives its HTTP status (admin::status_for).
Failure admin_failure(const char* code, std::string message) {
    return Failure{500, code, std::move(message), nullptr, {}};
}

bool is_user_id(const std::string& s) {
    return s.size() == 16 && core::starts_with(s, "2088") && s.find_first_not_of("0123456789") == std::string::npos;
}

// "90m", "2h", "15d", "1c" (until the end of today, Beijing) -> milliseconds from now.
std::optional<long long> parse_timeout_express(const std::string& s, long long now_ms) {
    if (s.size() < 2) return std::nullopt;
    char unit = s.back();
    std::string num = s.substr(0, s.size() - 1);
    if (num.find_first_not_of("0123456789") != std::string::npos || num.size() > 6) return std::nullopt;
    long long n = std::stoll(num);
    if (n <= 0) return std::nullopt;
    switch (unit) {
        case 'm':
            return n * 60'000;
        case 'h':
            return n * 3'600'000;
        case 'd':
            return n * 86'400'000;
        case 'c': {
            const long long day = 86'400'000, offset = 8LL * 3'600'000;
            long long local = now_ms + offset;
            return (local / day + 1) * day - local;
        }
        default:
            return std::nullopt;
    }
}

}  // namespace

AlipayService::AlipayService(emulator::ServiceContext& ctx) : ctx_(ctx) {}

std::shared_ptr<const FixtureConfig> AlipayService::config() const {
    auto set = ctx_.fixtures();
    return set ? set->section<FixtureConfig>("alipay") : nullptr;
}

const AppConfig& AlipayService::any_app(const FixtureConfig& config) const {
    return config.apps.front();
}

std::string AlipayService::fmt_time(long long ms) const {
    return core::format_datetime(core::from_unix_ms(ms));
}

std::string AlipayService::new_trade_no() {
    auto now = ctx_.clock().now();
    std::string date = core::format_compact(now).substr(0, 8);
    return date + "22" + ctx_.ids().digits(18);
}

std::string AlipayService::new_notify_id() {
    return alipay::notify_id(core::format_compact(ctx_.clock().now()).substr(0, 8), ctx_.ids());
}

// ---- authentication ------------------------------------------------------------------------------

Outcome<void> AlipayService::authenticate_gateway(const core::Params& params, bool method_known,
                                                  GatewayAuth* auth) const {
    GatewayAuth& out = *auth;
    out.config = config();
    if (const std::string* st = param(params, "sign_type")) {
        if (auto t = parse_sign_type(*st)) out.sign_type = *t;
    }
    const std::string* method = param(params, "method");
    if (!method || method->empty()) return in_error_response(failure("isv.missing-method"));
    if (!method_known) return in_error_response(unknown_method(*method));
    const std::string* app_id = param(params, "app_id");
    if (!app_id || app_id->empty()) return failure("isv.missing-app-id");
    out.app = out.config ? out.config->app(*app_id) : nullptr;
    if (!out.app) return failure("isv.invalid-app-id");
    const std::string* sign_type = param(params, "sign_type");
    if (!sign_type || sign_type->empty()) return failure("isv.missing-signature-type");
    auto type = parse_sign_type(*sign_type);
    if (!type) return failure("isv.invalid-signature-type");
    const std::string* sign = param(params, "sign");
    if (!sign || sign->empty()) return failure("isv.missing-signature");
    if (!out.app->app_public_key.valid()) return failure("isv.missing-signature-config");
    // Certificate mode: the SNs pick the certificate whose key verifies the request, so they come first.
    if (auto certs = check_cert_sns(*out.app, param(params, "app_cert_sn"), param(params, "alipay_root_cert_sn"));
        !certs) {
        return certs;
    }
    std::string content = request_sign_content(params);
    if (!verify(out.app->app_public_key, *type, content, *sign)) {
        // alipay-sdk and the Python SDK sign empty values too; the real gateway drops them (§2.5).
        std::string with_empty = request_sign_content(params, true);
        if (with_empty == content || !verify(out.app->app_public_key, *type, with_empty, *sign)) {
            return invalid_signature(content);
        }
        ctx_.log().warn(
            "alipay.sign.empty_values",
            {{"app_id", *app_id}, {"note", "request signed with empty values; the real gateway refuses it"}});
    }
    const std::string* ts = param(params, "timestamp");
    if (!ts || ts->empty()) return failure("isv.missing-timestamp");
    if (!core::parse_datetime(*ts)) return failure("isv.invalid-timestamp");
    const std::string* version = param(params, "version");
    if (!version || version->empty()) return failure("isv.missing-version");
    if (const std::string* cs = param(params, "charset"); cs && !cs->empty()) {
        if (!core::iequals(*cs, "utf-8") && !core::iequals(*cs, "utf8")) return failure("isv.invalid-charset");
    }
    if (const std::string* fmt = param(params, "format"); fmt && !fmt->empty()) {
        if (!core::iequals(*fmt, "json")) return failure("isv.invalid-format");
    }
    return Outcome<void>::success();
}

Outcome<void> AlipayService::authenticate_v3(const std::string& method, const std::string& target,
                                             const std::string& body, const std::string* authorization,
                                             const std::string* app_auth_token, const std::string* root_cert_sn,
                                             GatewayAuth* auth) const {
    GatewayAuth& out = *auth;
    out.config = config();
    if (!authorization || authorization->empty()) return missing_authorization();
    auto parsed = parse_v3_authorization(*authorization);
    if (!parsed) return malformed_authorization(parsed.error().message);
    out.app = out.config ? out.config->app(parsed->app_id) : nullptr;
    if (!out.app) return failure("isv.invalid-app-id");
    const std::string* app_cert_sn = parsed->app_cert_sn.empty() ? nullptr : &parsed->app_cert_sn;
    if (auto certs = check_cert_sns(*out.app, app_cert_sn, root_cert_sn); !certs) return certs;
    std::string content = v3_request_sign_content(parsed->auth_string, method, target, body, app_auth_token);
    if (!verify(out.app->app_public_key, SignType::kRSA2, content, parsed->sign)) {
        return failure("isv.invalid-signature", {}, "v3 sign content: " + content);
    }
    return Outcome<void>::success();
}

Outcome<void> AlipayService::check_cert_sns(const AppConfig& app, const std::string* app_cert_sn,
                                            const std::string* root_cert_sn) {
    if (!app.cert_mode) return Outcome<void>::success();  // key mode: SNs are not looked at (LIMITATIONS)
    if (!app_cert_sn || app_cert_sn->empty()) return failure("isv.missing-app-cert-sn");
    if (*app_cert_sn != app.app_cert_sn) {
        return failure("isv.app-cert-not-exist", {}, "app_cert_sn " + *app_cert_sn + ", expected " + app.app_cert_sn);
    }
    if (!root_cert_sn || root_cert_sn->empty()) return failure("isv.missing-alipay-root-cert-sn");
    if (*root_cert_sn != app.alipay_root_cert_sn) {
        return failure("isv.invalid-alipay-root-cert-sn", {},
                       "alipay_root_cert_sn " + *root_cert_sn + ", expected " + app.alipay_root_cert_sn);
    }
    return Outcome<void>::success();
}

// ---- OAuth ---------------------------------------------------------------------------------------

Reply AlipayService::oauth_token(const AppConfig& app, const Json& args) {
    auto fail = [](const char* sub) { return in_error_response(failure(sub)); };
    std::string grant = str(args, "grant_type");
    long long now = ctx_.clock().now_unix_ms();
    Token token;
    if (grant == "authorization_code") {
        std::string code = str(args, "code");
        bool ok = ctx_.db().write([&](state::Conn& c) {
            Store store(c, app.app_id);
            auto a = code.empty() ? std::nullopt : store.auth_code(code);
            if (!a || a->used || a->expires_ms <= now || a->app_id != app.app_id) return false;
            store.mark_auth_code_used(code);
            token.user_id = a->user_id;
            token.scopes = a->scopes;
            token.auth_start_ms = now;
            return true;
        });
        if (!ok) return fail("isv.code-invalid");
    } else if (grant == "refresh_token") {
        std::string refresh = str(args, "refresh_token");
        bool ok = ctx_.db().write([&](state::Conn& c) {
            Store store(c, app.app_id);
            auto t = refresh.empty() ? std::nullopt : store.token_by_refresh(refresh);
            if (!t || t->revoked || t->re_expires_ms <= now || t->app_id != app.app_id) return false;
            store.revoke_token(t->access_token);
            token.user_id = t->user_id;
            token.scopes = t->scopes;
            token.auth_start_ms = t->auth_start_ms;
            return true;
        });
        if (!ok) return fail("isv.refresh-token-invalid");
    } else {
        return fail("isv.grant-type-invalid");
    }
    std::string date = core::format_compact(ctx_.clock().now()).substr(0, 8);
    token.app_id = app.app_id;
    token.access_token = "authusrB" + date + ctx_.ids().hex(24);
    token.refresh_token = "authusrB" + date + ctx_.ids().hex(24);
    token.expires_ms = now + access_ttl_s_ * 1000;
    token.re_expires_ms = now + refresh_ttl_s_ * 1000;
    ctx_.db().write([&](state::Conn& c) { Store(c, app.app_id).insert_token(token); });

    auto cfg = config();
    const UserConfig* user = cfg ? cfg->user(token.user_id) : nullptr;
    OrderedJson f = OrderedJson::object();
    f["user_id"] = token.user_id;
    if (user && !user->open_id.empty() && user->app_id == app.app_id) f["open_id"] = user->open_id;
    f["access_token"] = token.access_token;
    f["expires_in"] = access_ttl_s_;
    f["refresh_token"] = token.refresh_token;
    f["re_expires_in"] = refresh_ttl_s_;
    f["auth_start"] = fmt_time(token.auth_start_ms);
    return Reply(std::move(f));
}

Reply AlipayService::user_info_share(const AppConfig& app, const std::string& auth_token) {
    long long now = ctx_.clock().now_unix_ms();
    auto token = auth_token.empty()
                     ? std::nullopt
                     : ctx_.db().read([&](state::Conn& c) { return Store(c, app.app_id).token_by_access(auth_token); });
    if (!token || token->revoked || token->app_id != app.app_id) return failure("aop.invalid-auth-token");
    if (token->expires_ms <= now) return failure("aop.auth-token-time-out");
    if (token->scopes.find("auth_user") == std::string::npos) {
        return failure("isv.insufficient-isv-permissions", {}, "the token was issued for scopes " + token->scopes);
    }
    auto cfg = config();
    const UserConfig* user = cfg ? cfg->user(token->user_id) : nullptr;
    OrderedJson f = OrderedJson::object();
    f["user_id"] = token->user_id;
    if (user) {
        if (!user->open_id.empty() && user->app_id == app.app_id) f["open_id"] = user->open_id;
        if (!user->avatar.empty()) f["avatar"] = user->avatar;
        if (!user->nick_name.empty()) f["nick_name"] = user->nick_name;
        if (!user->gender.empty()) f["gender"] = core::to_upper(user->gender);
        if (!user->province.empty()) f["province"] = user->province;
        if (!user->city.empty()) f["city"] = user->city;
    }
    f["country_code"] = "CN";
    f["is_certified"] = "T";
    f["user_type"] = "2";
    f["user_status"] = "T";
    return Reply(std::move(f));
}

// ---- trades --------------------------------------------------------------------------------------

Failure AlipayService::trade_error(Failure f, const std::string& out_trade_no) {
    if (!out_trade_no.empty()) echo(f, "out_trade_no", out_trade_no);
    return f;
}

Failure AlipayService::trade_error(const char* sub_code, const std::string& out_trade_no) {
    return trade_error(failure(sub_code), out_trade_no);
}

Outcome<void> AlipayService::lookup_keys(const Json& biz, std::string* trade_no, std::string* out_trade_no) {
    *trade_no = str(biz, "trade_no");
    *out_trade_no = str(biz, "out_trade_no");
    if (trade_no->empty() && out_trade_no->empty()) return missing_both("trade_no", "out_trade_no");
    return Outcome<void>::success();
}

std::string AlipayService::buyer_logon_id(const Trade& t) const {
    auto cfg = config();
    const UserConfig* u = cfg ? cfg->user(t.buyer_id.empty() ? t.buyer_open_id : t.buyer_id) : nullptr;
    if (u && u->phone.size() > 7) {
        std::string national = core::starts_with(u->phone, "+86") ? u->phone.substr(3) : u->phone.substr(1);
        if (national.size() >= 7) return national.substr(0, 3) + "****" + national.substr(national.size() - 4);
    }
    std::string id = t.buyer_id.empty() ? t.buyer_open_id : t.buyer_id;
    if (id.size() < 8) return "***";
    return id.substr(0, 3) + "****" + id.substr(id.size() - 4);
}

bool AlipayService::settle_due(state::Conn& c, Trade& t, long long now_ms) {
    if (t.status == "WAIT_BUYER_PAY" && t.expire_ms <= now_ms) {
        t.status = "TRADE_CLOSED";
        t.closed_ms = t.expire_ms;
    } else if (t.status == "TRADE_SUCCESS" && t.paid_ms > 0 && t.paid_ms + refund_window_ms_ <= now_ms) {
        t.status = "TRADE_FINISHED";
    } else {
        return false;
    }
    Store(c, t.app_id).update_trade(t);
    notify(c, t, nullptr);
    return true;
}

std::optional<Trade> AlipayService::load_trade(const std::string& app_id, const std::string& trade_no,
                                               const std::string& out_trade_no) {
    long long now = ctx_.clock().now_unix_ms();
    auto t = ctx_.db().read([&](state::Conn& c) { return Store(c, app_id).trade(trade_no, out_trade_no); });
    if (!t) return t;
    bool due = (t->status == "WAIT_BUYER_PAY" && t->expire_ms <= now) ||
               (t->status == "TRADE_SUCCESS" && t->paid_ms > 0 && t->paid_ms + refund_window_ms_ <= now);
    if (!due) return t;
    return ctx_.db().write([&](state::Conn& c) {
        auto fresh = Store(c, app_id).trade(trade_no, out_trade_no);
        if (fresh) settle_due(c, *fresh, now);
        return fresh;
    });
}

Outcome<Trade> AlipayService::new_trade(const AppConfig& app, const Json& biz, const std::string& notify_url,
                                        bool buyer_required) {
    std::string out_trade_no = str(biz, "out_trade_no");
    if (out_trade_no.empty() || out_trade_no.size() > 64) {
        return invalid_field("out_trade_no");
    }
    auto amount_it = biz.find("total_amount");
    std::optional<long long> total = amount_it == biz.end() ? std::nullopt : parse_amount(*amount_it);
    if (!total) return trade_error(invalid_field("total_amount"), out_trade_no);
    if (*total < 1 || *total > 100'000'000LL * 100) return trade_error("ACQ.TOTAL_FEE_EXCEED", out_trade_no);
    std::string subject = str(biz, "subject");
    if (subject.empty() || core::utf8_length(subject) > 256) {
        return trade_error(invalid_field("subject"), out_trade_no);
    }
    std::string buyer_id = str(biz, "buyer_id");
    std::string buyer_open_id = str(biz, "buyer_open_id");
    std::string op_app_id = str(biz, "op_app_id");
    if (buyer_required && buyer_id.empty() && buyer_open_id.empty()) {
        return trade_error(missing_both("buyer_id", "buyer_open_id"), out_trade_no);
    }
    if (!buyer_id.empty() && !is_user_id(buyer_id)) {
        return trade_error(invalid_field("buyer_id"), out_trade_no);
    }
    auto cfg = config();
    if (!buyer_open_id.empty()) {
        const std::string& scope_app = op_app_id.empty() ? app.app_id : op_app_id;
        const UserConfig* u = cfg ? cfg->user(buyer_open_id) : nullptr;
        if (!u || u->open_id != buyer_open_id || u->app_id != scope_app) {
            return trade_error("ACQ.OPEN_ID_NOT_TINY_APP", out_trade_no);
        }
    }
    if (!buyer_id.empty() && buyer_id == app.seller_id) return trade_error("ACQ.BUYER_SELLER_EQUAL", out_trade_no);
    std::string seller_id = str(biz, "seller_id");
    if (seller_id.empty()) seller_id = app.seller_id;

    long long now = ctx_.clock().now_unix_ms();
    long long expire = now + unpaid_timeout_ms_;
    if (std::string te = str(biz, "timeout_express"); !te.empty()) {
        auto d = parse_timeout_express(te, now);
        if (!d) return trade_error(invalid_field("timeout_express"), out_trade_no);
        expire = now + *d;
    }
    if (std::string tx = str(biz, "time_expire"); !tx.empty()) {
        auto t = core::parse_datetime(tx);
        if (!t) return trade_error(invalid_field("time_expire"), out_trade_no);
        expire = std::min(expire, core::to_unix_ms(*t));
    }
    if (biz.contains("notify_url")) {
        ctx_.log().warn("alipay.notify_url.ignored",
                        {{"note",
                          "notify_url inside biz_content is ignored by the real gateway; send it as a public "
                          "parameter"}});
    }

    Trade t;
    t.app_id = app.app_id;
    t.out_trade_no = out_trade_no;
    t.status = "WAIT_BUYER_PAY";
    t.total_cents = *total;
    t.subject = subject;
    t.body = str(biz, "body");
    t.buyer_id = buyer_id;
    t.buyer_open_id = buyer_open_id;
    t.seller_id = seller_id;
    t.product_code = str(biz, "product_code");
    if (t.product_code.empty()) t.product_code = "FACE_TO_FACE_PAYMENT";
    t.op_app_id = op_app_id;
    t.notify_url = notify_url;
    t.passback_params = str(biz, "passback_params");
    t.created_ms = now;
    t.expire_ms = expire;
    return Outcome<Trade>(std::move(t));
}

Outcome<Trade> AlipayService::save_trade(const AppConfig& app, Trade t) {
    std::string new_no = new_trade_no();
    const std::string& out_trade_no = t.out_trade_no;
    return ctx_.db().write([&](state::Conn& c) -> Outcome<Trade> {
        Store store(c, app.app_id);
        auto existing = store.trade("", out_trade_no);
        if (existing) {
            settle_due(c, *existing, t.created_ms);
            if (existing->status == "TRADE_SUCCESS" || existing->status == "TRADE_FINISHED")
                return trade_error("ACQ.TRADE_HAS_SUCCESS", out_trade_no);
            if (existing->status == "TRADE_CLOSED") return trade_error("ACQ.TRADE_HAS_CLOSE", out_trade_no);
            if (existing->buyer_id != t.buyer_id || existing->buyer_open_id != t.buyer_open_id)
                return trade_error("ACQ.TRADE_BUYER_NOT_MATCH", out_trade_no);
            if (existing->total_cents != t.total_cents || existing->subject != t.subject)
                return trade_error("ACQ.CONTEXT_INCONSISTENT", out_trade_no);
            return Outcome<Trade>(std::move(*existing));
        }
        t.trade_no = new_no;
        store.insert_trade(t);
        return Outcome<Trade>(t);
    });
}

Reply AlipayService::trade_create(const AppConfig& app, const Json& biz, const std::string& notify_url) {
    auto t = new_trade(app, biz, notify_url, true);
    if (!t) return t.error();
    auto saved = save_trade(app, std::move(*t));
    if (!saved) return saved.error();
    OrderedJson ok;
    ok["out_trade_no"] = saved->out_trade_no;
    ok["trade_no"] = saved->trade_no;
    return Reply(std::move(ok));
}

Outcome<Trade> AlipayService::page_pay(const AppConfig& app, const Json& biz, const PagePayArgs& args) {
    auto t = new_trade(app, biz, args.notify_url, false);
    if (!t) return t.error();
    if (t->product_code == "FACE_TO_FACE_PAYMENT") {
        t->product_code = args.method == "alipay.trade.wap.pay" ? "QUICK_WAP_WAY" : "FAST_INSTANT_TRADE_PAY";
    }
    t->pay_method = args.method;
    t->return_url = args.return_url;
    t->quit_url = str(biz, "quit_url");
    t->sign_type = std::string(sign_type_name(args.sign_type));
    return save_trade(app, std::move(*t));
}

Reply AlipayService::trade_query(const AppConfig& app, const Json& biz) {
    std::string trade_no, out_trade_no;
    if (auto keys = lookup_keys(biz, &trade_no, &out_trade_no); !keys) return keys.error();
    auto t = load_trade(app.app_id, trade_no, out_trade_no);
    if (!t) {
        Failure f = trade_error("ACQ.TRADE_NOT_EXIST", out_trade_no);
        for (const char* k : {"buyer_pay_amount", "invoice_amount", "point_amount", "receipt_amount"})
            echo(f, k, "0.00");
        return f;
    }
    bool paid = t->paid_ms > 0;
    std::string paid_amount = paid ? format_amount(t->total_cents) : "0.00";
    OrderedJson f;
    f["trade_no"] = t->trade_no;
    f["out_trade_no"] = t->out_trade_no;
    f["buyer_logon_id"] = buyer_logon_id(*t);
    f["trade_status"] = t->status;
    f["total_amount"] = format_amount(t->total_cents);
    if (!t->buyer_id.empty()) f["buyer_user_id"] = t->buyer_id;
    if (!t->buyer_open_id.empty()) f["buyer_open_id"] = t->buyer_open_id;
    f["buyer_pay_amount"] = paid_amount;
    f["receipt_amount"] = paid_amount;
    f["invoice_amount"] = paid_amount;
    f["point_amount"] = "0.00";
    if (paid) f["send_pay_date"] = fmt_time(t->paid_ms);
    f["subject"] = t->subject;
    if (!t->body.empty()) f["body"] = t->body;
    if (paid && has_option(biz, "fund_bill_list")) {
        f["fund_bill_list"] = OrderedJson::array(
            {OrderedJson{{"fund_channel", "ALIPAYACCOUNT"}, {"amount", format_amount(t->total_cents)}}});
    }
    return Reply(std::move(f));
}

Reply AlipayService::trade_refund(const AppConfig& app, const Json& biz) {
    std::string trade_no, out_trade_no;
    if (auto keys = lookup_keys(biz, &trade_no, &out_trade_no); !keys) return keys.error();
    auto amount_it = biz.find("refund_amount");
    if (amount_it == biz.end()) return trade_error(invalid_field("refund_amount"), out_trade_no);
    auto amount = parse_amount(*amount_it);
    if (!amount || *amount <= 0) return trade_error("ACQ.REASON_TRADE_REFUND_FEE_ERR", out_trade_no);
    std::string request_no = str(biz, "out_request_no");
    std::string reason = str(biz, "refund_reason");

    return ctx_.db().write([&](state::Conn& c) -> Reply {
        // Read the clock inside the transaction: refund times follow the commit order.
        long long now = ctx_.clock().now_unix_ms();
        Store store(c, app.app_id);
        auto t = store.trade(trade_no, out_trade_no);
        if (!t) return trade_error("ACQ.TRADE_NOT_EXIST", out_trade_no);
        settle_due(c, *t, now);
        std::string req_no = request_no.empty() ? t->out_trade_no : request_no;
        auto echo_failure = [&](const char* sub) {
            Failure f = trade_error(sub, t->out_trade_no);
            echo(f, "refund_fee", format_amount(t->refunded_cents));
            echo(f, "send_back_fee", "0.00");
            return Reply(std::move(f));
        };
        auto success = [&](bool changed, long long send_back, long long at_ms) {
            OrderedJson f;
            f["trade_no"] = t->trade_no;
            f["out_trade_no"] = t->out_trade_no;
            f["buyer_logon_id"] = buyer_logon_id(*t);
            if (!t->buyer_id.empty()) f["buyer_user_id"] = t->buyer_id;
            if (!t->buyer_open_id.empty()) f["buyer_open_id"] = t->buyer_open_id;
            f["fund_change"] = changed ? "Y" : "N";
            f["refund_fee"] = format_amount(t->refunded_cents);
            f["gmt_refund_pay"] = fmt_time(at_ms);
            f["send_back_fee"] = format_amount(send_back);
            return Reply(std::move(f));
        };
        if (auto prior = store.refund(t->trade_no, req_no)) {
            if (prior->amount_cents != *amount) return echo_failure("ACQ.DISCORDANT_REPEAT_REQUEST");
            return success(false, 0, prior->created_ms);
        }
        if (t->status == "WAIT_BUYER_PAY") return echo_failure("ACQ.TRADE_STATUS_ERROR");
        if (t->status == "TRADE_CLOSED") return echo_failure("ACQ.TRADE_HAS_CLOSE");
        if (t->status == "TRADE_FINISHED") return echo_failure("ACQ.TRADE_HAS_FINISHED");
        if (*amount > t->total_cents - t->refunded_cents) return echo_failure("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL");
        t->refunded_cents += *amount;
        if (t->refunded_cents == t->total_cents) {
            t->status = "TRADE_CLOSED";
            t->closed_ms = now;
        }
        store.update_trade(*t);
        Refund r;
        r.app_id = app.app_id;
        r.trade_no = t->trade_no;
        r.out_trade_no = t->out_trade_no;
        r.out_request_no = req_no;
        r.reason = reason;
        r.amount_cents = *amount;
        r.refunded_after_cents = t->refunded_cents;
        r.created_ms = now;
        store.insert_refund(r);
        notify(c, *t, &r);
        return success(true, *amount, now);
    });
}

Reply AlipayService::refund_query(const AppConfig& app, const Json& biz) {
    std::string trade_no, out_trade_no;
    if (auto keys = lookup_keys(biz, &trade_no, &out_trade_no); !keys) return keys.error();
    auto t = load_trade(app.app_id, trade_no, out_trade_no);
    if (!t) return trade_error("ACQ.TRADE_NOT_EXIST", out_trade_no);
    std::string req_no = str(biz, "out_request_no");
    if (req_no.empty()) req_no = t->out_trade_no;
    auto r = ctx_.db().read([&](state::Conn& c) { return Store(c, app.app_id).refund(t->trade_no, req_no); });
    OrderedJson f;
    f["trade_no"] = t->trade_no;
    f["out_trade_no"] = t->out_trade_no;
    if (!r) return Reply(std::move(f));  // 10000 without refund fields: "not refunded" [S19]
    f["out_request_no"] = r->out_request_no;
    f["total_amount"] = format_amount(t->total_cents);
    f["refund_amount"] = format_amount(r->amount_cents);
    if (!r->reason.empty()) f["refund_reason"] = r->reason;
    f["refund_status"] = "REFUND_SUCCESS";
    if (has_option(biz, "gmt_refund_pay")) f["gmt_refund_pay"] = fmt_time(r->created_ms);
    return Reply(std::move(f));
}

Reply AlipayService::trade_close(const AppConfig& app, const Json& biz) {
    std::string trade_no, out_trade_no;
    if (auto keys = lookup_keys(biz, &trade_no, &out_trade_no); !keys) return keys.error();
    long long now = ctx_.clock().now_unix_ms();
    return ctx_.db().write([&](state::Conn& c) -> Reply {
        Store store(c, app.app_id);
        auto t = store.trade(trade_no, out_trade_no);
        if (!t) return trade_error("ACQ.TRADE_NOT_EXIST", out_trade_no);
        settle_due(c, *t, now);
        if (t->status != "WAIT_BUYER_PAY") {
            Failure f = trade_error(close_status_error(), t->out_trade_no);
            echo(f, "trade_no", t->trade_no);
            return Reply(std::move(f));
        }
        t->status = "TRADE_CLOSED";
        t->closed_ms = now;
        store.update_trade(*t);
        notify(c, *t, nullptr);
        OrderedJson ok;
        ok["trade_no"] = t->trade_no;
        ok["out_trade_no"] = t->out_trade_no;
        return Reply(std::move(ok));
    });
}

int AlipayService::sweep() {
    long long now = ctx_.clock().now_unix_ms();
    // A read first: the sweep runs every second and must not take the write lock for nothing.
    bool any = ctx_.db().read([&](state::Conn& c) { return !Store::due_trades(c, now, refund_window_ms_).empty(); });
    if (!any) return 0;
    return ctx_.db().write([&](state::Conn& c) {
        int n = 0;
        for (auto& t : Store::due_trades(c, now, refund_window_ms_)) n += settle_due(c, t, now) ? 1 : 0;
        return n;
    });
}

// ---- notifications -------------------------------------------------------------------------------

void AlipayService::notify(state::Conn& c, const Trade& t, const Refund* refund) {
    if (t.notify_url.empty()) return;
    auto cfg = config();
    const AppConfig* app = cfg ? cfg->app(t.app_id) : nullptr;
    bool paid = t.paid_ms > 0;
    OrderedJson p;
    p["notify_type"] = "trade_status_sync";
    p["notify_id"] = new_notify_id();
    p["app_id"] = t.app_id;
    p["auth_app_id"] = t.app_id;
    p["charset"] = "utf-8";
    p["version"] = "1.0";
    p["trade_no"] = t.trade_no;
    p["out_trade_no"] = t.out_trade_no;
    if (refund) p["out_biz_no"] = refund->out_request_no;
    if (!t.buyer_id.empty()) p["buyer_id"] = t.buyer_id;
    if (!t.buyer_open_id.empty()) p["buyer_open_id"] = t.buyer_open_id;
    p["buyer_logon_id"] = buyer_logon_id(t);
    p["seller_id"] = t.seller_id;
    if (app) p["seller_email"] = app->seller_email;
    p["trade_status"] = t.status;
    p["total_amount"] = format_amount(t.total_cents);
    if (paid) {
        std::string a = format_amount(t.total_cents);
        p["receipt_amount"] = a;
        p["invoice_amount"] = a;
        p["buyer_pay_amount"] = a;
        p["point_amount"] = "0.00";
    }
    if (refund) p["refund_fee"] = format_amount(t.refunded_cents);
    p["subject"] = t.subject;
    if (!t.body.empty()) p["body"] = t.body;
    p["gmt_create"] = fmt_time(t.created_ms);
    if (paid) p["gmt_payment"] = fmt_time(t.paid_ms);
    if (refund) p["gmt_refund"] = core::format_datetime(core::from_unix_ms(refund->created_ms)) + ".000";
    if (t.status == "TRADE_CLOSED" && t.closed_ms > 0) p["gmt_close"] = fmt_time(t.closed_ms);
    if (paid) {
        p["fund_bill_list"] = core::dump(OrderedJson::array(
            {OrderedJson{{"amount", format_amount(t.total_cents)}, {"fundChannel", "ALIPAYACCOUNT"}}}));
    }
    if (!t.passback_params.empty()) p["passback_params"] = t.passback_params;
    Json meta{{"trade_status", t.status}, {"trade_no", t.trade_no}};
    if (refund) meta["out_biz_no"] = refund->out_request_no;
    ctx_.outbox().enqueue(c, kChannel, "trade_status_sync", t.app_id, t.out_trade_no, t.notify_url, core::dump(p),
                          meta);
}

state::OutboxChannel AlipayService::channel() {
    state::OutboxChannel ch;
    ch.name = kChannel;
    using std::chrono::hours;
    using std::chrono::minutes;
    ch.retry_waits = {minutes(4), minutes(10), minutes(10), hours(1), hours(2), hours(6), hours(15)};
    ch.render = [this](const state::OutboxMessage& m) -> core::Result<core::HttpRequest> {
        auto cfg = config();
        const AppConfig* app = cfg ? cfg->app(m.tenant) : nullptr;
        if (!app) return core::make_error("alipay_app", "app " + m.tenant + " is not in the loaded fixture set");
        auto fields = core::parse_ordered_json(m.payload);
        if (!fields || !fields->is_object())
            return core::make_error("alipay_payload", "unreadable notification payload");
        core::Params params;
        for (auto& [k, v] : fields->items()) {
            params.emplace_back(k, v.is_string() ? v.get<std::string>() : core::dump(v));
            if (k == "notify_id") params.emplace_back("notify_time", fmt_time(ctx_.clock().now_unix_ms()));
        }
        auto body = render_notification(params, app->alipay_private_key);
        if (!body) return body.error();
        core::HttpRequest req;
        req.method = "POST";
        req.url = m.url;
        req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                       {"User-Agent", "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)"}};
        req.body = std::move(*body);
        return req;
    };
    ch.accepted = [this](const core::HttpResponse& r, std::string* why) {
        if (r.status < 200 || r.status >= 300) {
            *why = "HTTP " + std::to_string(r.status) + " (Alipay needs 200 with the body \"success\")";
            return false;
        }
        if (core::trim(r.body) != "success") {
            *why = "the reply body is not \"success\"";
            return false;
        }
        if (r.body != "success") ctx_.log().info("alipay.notify.reply_not_exact", {{"body", r.body.substr(0, 64)}});
        return true;
    };
    return ch;
}

// ---- admin ---------------------------------------------------------------------------------------

core::Json AlipayService::trade_json(const Trade& t) {
    Json j{{"app_id", t.app_id},
           {"out_trade_no", t.out_trade_no},
           {"trade_no", t.trade_no},
           {"trade_status", t.status},
           {"total_amount", format_amount(t.total_cents)},
           {"refund_fee", format_amount(t.refunded_cents)},
           {"subject", t.subject},
           {"buyer_id", t.buyer_id},
           {"buyer_open_id", t.buyer_open_id},
           {"seller_id", t.seller_id},
           {"product_code", t.product_code},
           {"notify_url", t.notify_url},
           {"gmt_create", core::format_datetime(core::from_unix_ms(t.created_ms))},
           {"time_expire", core::format_datetime(core::from_unix_ms(t.expire_ms))}};
    if (!t.op_app_id.empty()) j["op_app_id"] = t.op_app_id;
    if (!t.pay_method.empty()) j["method"] = t.pay_method;
    if (!t.return_url.empty()) j["return_url"] = t.return_url;
    if (!t.quit_url.empty()) j["quit_url"] = t.quit_url;
    if (t.paid_ms) j["gmt_payment"] = core::format_datetime(core::from_unix_ms(t.paid_ms));
    if (t.closed_ms) j["gmt_close"] = core::format_datetime(core::from_unix_ms(t.closed_ms));
    return j;
}

Outcome<Json> AlipayService::mint_auth_code(const std::string& app_id, const std::string& user_id,
                                            const std::string& scopes) {
    auto cfg = config();
    if (!cfg || !cfg->app(app_id)) return admin_failure("not_found", "no Alipay app " + app_id + " in the fixture set");
    const UserConfig* u = cfg->user(user_id);
    std::string uid = u ? u->user_id : user_id;
    if (!u && !is_user_id(user_id)) {
        return admin_failure(
            "not_found", "no Alipay user " + user_id + " in the fixture set (or give any 16-digit id starting 2088)");
    }
    AuthCode a;
    a.code = ctx_.ids().hex(32);
    a.app_id = app_id;
    a.user_id = uid;
    a.scopes = scopes.empty() ? "auth_user" : scopes;
    a.created_ms = ctx_.clock().now_unix_ms();
    a.expires_ms = a.created_ms + auth_code_ttl_ms_;
    ctx_.db().write([&](state::Conn& c) { Store(c, app_id).insert_auth_code(a); });
    return Outcome<Json>(Json{{"auth_code", a.code},
                              {"app_id", app_id},
                              {"user_id", uid},
                              {"scopes", a.scopes},
                              {"expires_in", auth_code_ttl_ms_ / 1000}});
}

Outcome<Json> AlipayService::admin_pay(const std::string& out_trade_no, const std::string& app_id,
                                       const std::string& result, const std::string& buyer) {
    if (result != "TRADE_SUCCESS" && result != "TRADE_CLOSED" && result != "TRADE_FINISHED" && result != "CANCEL") {
        return admin_failure("bad_request",
                             "result must be TRADE_SUCCESS, TRADE_CLOSED, TRADE_FINISHED or CANCEL, "
                             "not \"" +
                                 result + "\"");
    }
    long long now = ctx_.clock().now_unix_ms();
    return ctx_.db().write([&](state::Conn& c) -> Outcome<Json> {
        std::vector<Trade> found;
        if (!app_id.empty()) {
            if (auto t = Store(c, app_id).trade("", out_trade_no)) found.push_back(*t);
        } else {
            found = Store::trades_by_out_trade_no(c, out_trade_no);
        }
        if (found.empty()) return admin_failure("not_found", "no Alipay trade with out_trade_no " + out_trade_no);
        if (found.size() > 1) {
            return admin_failure("ambiguous", "several apps have a trade " + out_trade_no + "; give app_id");
        }
        Trade t = found.front();
        settle_due(c, t, now);
        Store store(c, t.app_id);
        std::string result_code = "9000";
        auto conflict = [&](const std::string& why) {
            return admin_failure("conflict", "trade " + out_trade_no + " is " + t.status + ": " + why);
        };
        if (result == "CANCEL") {
            result_code = "6001";
        } else if (result == "TRADE_SUCCESS") {
            if (t.status != "WAIT_BUYER_PAY") return conflict("only a WAIT_BUYER_PAY trade can be paid");
            if (t.buyer_id.empty() && t.buyer_open_id.empty()) {
                // precreate / page / app trades: the buyer is whoever scans or logs in.
                t.buyer_id = default_buyer(t.app_id, buyer);
                if (!is_user_id(t.buyer_id)) {
                    return admin_failure("bad_request",
                                         "buyer_id must be a fixture user or 2088 + 12 digits, not \"" + buyer + "\"");
                }
            }
            t.status = "TRADE_SUCCESS";
            t.paid_ms = now;
            store.update_trade(t);
            notify(c, t, nullptr);
        } else if (result == "TRADE_CLOSED") {
            if (t.status != "WAIT_BUYER_PAY") return conflict("only an unpaid trade can time out");
            t.status = "TRADE_CLOSED";
            t.closed_ms = now;
            store.update_trade(t);
            notify(c, t, nullptr);
        } else {
            if (t.status != "TRADE_SUCCESS") return conflict("only a TRADE_SUCCESS trade can finish");
            t.status = "TRADE_FINISHED";
            store.update_trade(t);
            notify(c, t, nullptr);
        }
        return Outcome<Json>(Json{{"result_code", result_code}, {"trade", trade_json(t)}});
    });
}

Outcome<Json> AlipayService::list_trades(const std::string& app_id) {
    sweep();
    Json arr = Json::array();
    ctx_.db().read([&](state::Conn& c) {
        for (const auto& t : Store::trades(c, app_id)) arr.push_back(trade_json(t));
    });
    return Outcome<Json>(Json{{"trades", arr}});
}

Outcome<Json> AlipayService::list_refunds(const std::string& app_id, const std::string& out_trade_no) {
    Json arr = Json::array();
    ctx_.db().read([&](state::Conn& c) {
        for (const auto& r : Store::refunds(c, app_id, out_trade_no)) {
            arr.push_back(Json{{"app_id", r.app_id},
                               {"trade_no", r.trade_no},
                               {"out_trade_no", r.out_trade_no},
                               {"out_request_no", r.out_request_no},
                               {"refund_amount", format_amount(r.amount_cents)},
                               {"refund_fee", format_amount(r.refunded_after_cents)},
                               {"refund_reason", r.reason},
                               {"gmt_refund_pay", core::format_datetime(core::from_unix_ms(r.created_ms))}});
        }
    });
    return Outcome<Json>(Json{{"refunds", arr}});
}

}  // namespace mpemu::alipay

// ---- the cashier (redirect payments, my.tradePay) --------------------------------------------------

namespace mpemu::alipay {

std::optional<Trade> AlipayService::cashier_trade(const std::string& trade_no) {
    if (trade_no.empty() || trade_no.size() > 64) return std::nullopt;
    auto t = ctx_.db().read([&](state::Conn& c) { return Store::trade_by_no(c, trade_no); });
    if (!t) return t;
    return load_trade(t->app_id, t->trade_no, "");  // applies a due timeout first
}

Outcome<CashierView> AlipayService::cashier_view(const std::string& trade_no, const std::string& action) {
    auto t = cashier_trade(trade_no);
    if (!t) return admin_failure("not_found", "no Alipay trade " + trade_no);
    auto cfg = config();
    const AppConfig* app = cfg ? cfg->app(t->app_id) : nullptr;
    CashierView v;
    v.merchant = app ? app->name : "";
    v.app_id = t->app_id;
    v.subject = t->subject;
    v.body = t->body;
    v.amount = format_amount(t->total_cents);
    v.out_trade_no = t->out_trade_no;
    v.trade_no = t->trade_no;
    v.status = t->status;
    v.time_expire = fmt_time(t->expire_ms);
    v.method = t->pay_method.empty() ? "alipay.trade.create" : t->pay_method;
    v.action = action;
    auto label = [](const UserConfig& u) {
        std::string l = u.nick_name.empty() ? u.user_id : u.nick_name + " (" + u.user_id + ")";
        return l;
    };
    std::string fixed = t->buyer_id.empty() ? t->buyer_open_id : t->buyer_id;
    if (!fixed.empty()) {
        const UserConfig* u = cfg ? cfg->user(fixed) : nullptr;
        v.buyers.push_back({fixed, u ? label(*u) : fixed});
        v.buyer_fixed = true;
    } else if (cfg) {
        // Users of this app first, then the rest: any fixture buyer may pay a page / wap trade.
        for (int pass = 0; pass < 2; ++pass) {
            for (const auto& u : cfg->users) {
                if ((u.app_id == t->app_id) != (pass == 0) || u.user_id.empty()) continue;
                if (std::any_of(v.buyers.begin(), v.buyers.end(),
                                [&](const CashierBuyer& b) { return b.user_id == u.user_id; }))
                    continue;
                v.buyers.push_back({u.user_id, label(u)});
            }
        }
    }
    if (v.buyers.empty()) v.buyers.push_back({"2088000000000001", "2088000000000001 (no fixture user)"});
    return v;
}

Outcome<CashierOutcome> AlipayService::cashier_act(const std::string& trade_no, const std::string& action,
                                                   const std::string& buyer) {
    if (action != "pay" && action != "cancel" && action != "fail") {
        return admin_failure("bad_request", "action must be pay, cancel or fail, not \"" + action + "\"");
    }
    auto found = cashier_trade(trade_no);
    if (!found) return admin_failure("not_found", "no Alipay trade " + trade_no);
    CashierOutcome out;
    if (action == "cancel") {
        if (!found->quit_url.empty()) {
            out.location = found->quit_url;
            return out;
        }
        out.title = "已取消支付";
        out.message = "The buyer left the cashier; trade " + found->out_trade_no + " stays WAIT_BUYER_PAY.";
        out.result_code = "6001";
        return out;
    }
    if (action == "fail") {
        if (found->status != "WAIT_BUYER_PAY") {
            return admin_failure("conflict", "trade " + found->out_trade_no + " is " + found->status);
        }
        out.title = "支付失败";
        out.message =
            "The payment failed; trade " + found->out_trade_no + " stays WAIT_BUYER_PAY and may be paid again.";
        out.result_code = "4000";
        return out;
    }
    auto cfg = config();
    const AppConfig* app = cfg ? cfg->app(found->app_id) : nullptr;
    if (!app) return admin_failure("not_found", "app " + found->app_id + " is not in the loaded fixture set");
    std::string buyer_id;
    if (found->buyer_id.empty() && found->buyer_open_id.empty()) {
        buyer_id = default_buyer(found->app_id, buyer);
        if (!is_user_id(buyer_id)) {
            return admin_failure("bad_request",
                                 "buyer_id must be a fixture user or 2088 + 12 digits, not \"" + buyer + "\"");
        }
        if (buyer_id == app->seller_id) return admin_failure("bad_request", "the buyer cannot be the seller");
    }
    auto paid = pay_now(found->app_id, found->trade_no, buyer_id);
    if (!paid) return paid.error();
    out.result_code = "9000";
    out.trade = *paid;
    if (!paid->return_url.empty()) {
        ReturnFields f{paid->app_id,           return_method(paid->pay_method),  paid->out_trade_no,
                       paid->trade_no,         format_amount(paid->total_cents), paid->seller_id,
                       fmt_time(paid->paid_ms)};
        SignType type = parse_sign_type(paid->sign_type).value_or(SignType::kRSA2);
        auto params = return_params(f, app->alipay_private_key, type);
        if (!params)
            return admin_failure("internal", "signing the return parameters failed: " + params.error().message);
        out.location = return_location(paid->return_url, *params);
        return out;
    }
    out.title = "支付成功";
    out.message = "Paid " + format_amount(paid->total_cents) + " for " + paid->out_trade_no +
                  "; the notification goes to the notify_url.";
    return out;
}

Outcome<Json> AlipayService::cashier_link(const std::string& out_trade_no, const std::string& app_id) {
    std::vector<Trade> found = ctx_.db().read([&](state::Conn& c) {
        if (app_id.empty()) return Store::trades_by_out_trade_no(c, out_trade_no);
        std::vector<Trade> v;
        if (auto t = Store(c, app_id).trade("", out_trade_no)) v.push_back(*t);
        return v;
    });
    if (found.empty()) return admin_failure("not_found", "no Alipay trade with out_trade_no " + out_trade_no);
    if (found.size() > 1) {
        return admin_failure("ambiguous", "several apps have a trade " + out_trade_no + "; give app_id");
    }
    const Trade& t = found.front();
    return Outcome<Json>(Json{{"app_id", t.app_id},
                              {"out_trade_no", t.out_trade_no},
                              {"trade_no", t.trade_no},
                              {"trade_status", t.status},
                              {"cashier_path", std::string(kCashierPath) + t.trade_no}});
}

}  // namespace mpemu::alipay

// ---- precreate (QR) and app pay ------------------------------------------------------------------

namespace mpemu::alipay {

std::string AlipayService::default_buyer(const std::string& app_id, const std::string& given) const {
    auto cfg = config();
    if (!given.empty()) {
        const UserConfig* u = cfg ? cfg->user(given) : nullptr;
        return u ? u->user_id : given;
    }
    if (cfg) {
        for (const auto& u : cfg->users) {
            if (u.app_id == app_id && !u.user_id.empty()) return u.user_id;
        }
        for (const auto& u : cfg->users) {
            if (!u.user_id.empty()) return u.user_id;
        }
    }
    return "2088000000000001";
}

Reply AlipayService::trade_precreate(const AppConfig& app, const Json& biz, const std::string& notify_url,
                                     const std::string& origin) {
    auto t = new_trade(app, biz, notify_url, false);
    if (!t) return t.error();
    t->pay_method = "alipay.trade.precreate";
    auto saved = save_trade(app, std::move(*t));
    if (!saved) return saved.error();
    OrderedJson ok;
    ok["out_trade_no"] = saved->out_trade_no;
    ok["qr_code"] = origin + std::string(kCashierPath) + saved->trade_no;
    return Reply(std::move(ok));
}

Outcome<Trade> AlipayService::pay_now(const std::string& app_id, const std::string& trade_no,
                                      const std::string& buyer_id) {
    long long now = ctx_.clock().now_unix_ms();
    return ctx_.db().write([&](state::Conn& c) -> Outcome<Trade> {
        auto t = Store(c, app_id).trade(trade_no, "");
        if (!t) return admin_failure("not_found", "no Alipay trade " + trade_no);
        settle_due(c, *t, now);
        if (t->status != "WAIT_BUYER_PAY") {
            return admin_failure("conflict", "trade " + t->out_trade_no + " is " + t->status +
                                                 ": only a WAIT_BUYER_PAY trade can be paid");
        }
        if (t->buyer_id.empty() && t->buyer_open_id.empty()) t->buyer_id = buyer_id;
        t->status = "TRADE_SUCCESS";
        t->paid_ms = now;
        Store(c, t->app_id).update_trade(*t);
        notify(c, *t, nullptr);
        return Outcome<Trade>(std::move(*t));
    });
}

Outcome<Json> AlipayService::app_pay(const std::string& order_string, const std::string& buyer,
                                     const std::string& action) {
    if (action != "pay" && action != "cancel" && action != "open") {
        return admin_failure("bad_request", "action must be pay, cancel or open, not \"" + action + "\"");
    }
    if (order_string.empty()) return admin_failure("bad_request", "order_string is empty: pass what sdkExec returned");
    // What the Alipay app answers when it refuses the order string: resultStatus 4000 and the reason.
    auto refused = [](const Failure& f) {
        return Outcome<Json>(Json{
            {"resultStatus", "4000"}, {"memo", v3_code(f) + ": " + f.message}, {"result", ""}, {"sub_code", f.code}});
    };
    core::Params params = core::parse_query(order_string);
    const std::string* method = param(params, "method");
    GatewayAuth auth;
    auto authenticated = authenticate_gateway(params, method && *method == "alipay.trade.app.pay", &auth);
    if (!authenticated) return refused(authenticated.error());
    Json biz = Json::object();
    if (const std::string* text = param(params, "biz_content"); text && !text->empty()) {
        auto parsed = core::parse_json(*text);
        if (!parsed || !parsed->is_object()) return refused(biz_content_not_object());
        biz = std::move(*parsed);
    }
    const std::string* notify_url = param(params, "notify_url");
    auto t = new_trade(*auth.app, biz, notify_url ? *notify_url : "", false);
    if (!t) return refused(t.error());
    if (t->product_code == "FACE_TO_FACE_PAYMENT") t->product_code = "QUICK_MSECURITY_PAY";
    t->pay_method = "alipay.trade.app.pay";
    t->sign_type = std::string(sign_type_name(auth.sign_type));
    auto saved = save_trade(*auth.app, std::move(*t));
    if (!saved) return refused(saved.error());
    if (action == "open") {
        return Outcome<Json>(
            Json{{"trade", trade_json(*saved)}, {"cashier_path", std::string(kCashierPath) + saved->trade_no}});
    }
    if (action == "cancel") {
        return Outcome<Json>(Json{{"resultStatus", "6001"}, {"memo", "用户中途取消"}, {"result", ""}});
    }
    std::string buyer_id = default_buyer(saved->app_id, buyer);
    if (saved->buyer_id.empty() && saved->buyer_open_id.empty()) {
        if (!is_user_id(buyer_id)) {
            return admin_failure("bad_request",
                                 "buyer_id must be a fixture user or 2088 + 12 digits, not \"" + buyer + "\"");
        }
        if (buyer_id == auth.app->seller_id) return admin_failure("bad_request", "the buyer cannot be the seller");
    }
    auto paid = pay_now(saved->app_id, saved->trade_no, buyer_id);
    if (!paid) return paid.error();
    OrderedJson node;
    node["code"] = "10000";
    node["msg"] = "Success";
    node["app_id"] = paid->app_id;
    node["auth_app_id"] = paid->app_id;
    node["charset"] = "utf-8";
    node["timestamp"] = fmt_time(paid->paid_ms);
    node["out_trade_no"] = paid->out_trade_no;
    node["total_amount"] = format_amount(paid->total_cents);
    node["trade_no"] = paid->trade_no;
    node["seller_id"] = paid->seller_id;
    auto result = signed_app_pay_result(auth.app->alipay_private_key, auth.sign_type, node);
    if (!result) return admin_failure("internal", "signing the app pay result failed: " + result.error().message);
    return Outcome<Json>(Json{{"resultStatus", "9000"}, {"result", *result}, {"memo", ""}});
}

}  // namespace mpemu::alipay

// ---- barcode payment (trade.pay) and cancel ------------------------------------------------------

namespace mpemu::alipay {

namespace {

// What a payment code makes trade.pay do: pay at once, wait for the buyer's password, or fail.
bool is_code_result(const std::string& r) {
    return r == "SUCCESS" || r == "WAIT_BUYER_PAY" || r == "ACQ.BUYER_BALANCE_NOT_ENOUGH" ||
           r == "ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR" || r == "ACQ.BUYER_PAYMENT_AMOUNT_MONTH_LIMIT_ERROR";
}

}  // namespace

Outcome<Json> AlipayService::mint_payment_code(const std::string& user_id, const std::string& result) {
    std::string r = result.empty() ? "SUCCESS" : result;
    if (!is_code_result(r)) {
        return admin_failure(
            "bad_request",
            "result must be SUCCESS, WAIT_BUYER_PAY, ACQ.BUYER_BALANCE_NOT_ENOUGH, "
            "ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR or ACQ.BUYER_PAYMENT_AMOUNT_MONTH_LIMIT_ERROR, not \"" +
                result + "\"");
    }
    auto cfg = config();
    const UserConfig* u = cfg ? cfg->user(user_id) : nullptr;
    std::string uid = u ? u->user_id : user_id;
    if (!u && !is_user_id(user_id)) {
        return admin_failure(
            "not_found", "no Alipay user " + user_id + " in the fixture set (or give any 16-digit id starting 2088)");
    }
    PaymentCode p;
    p.code = "28" + ctx_.ids().digits(16);
    p.user_id = uid;
    p.result = r;
    p.created_ms = ctx_.clock().now_unix_ms();
    p.expires_ms = p.created_ms + payment_code_ttl_ms_;
    ctx_.db().write([&](state::Conn& c) { Store::insert_payment_code(c, p); });
    return Outcome<Json>(
        Json{{"payment_code", p.code}, {"user_id", uid}, {"result", r}, {"expires_in", payment_code_ttl_ms_ / 1000}});
}

Reply AlipayService::trade_pay(const AppConfig& app, const Json& biz, const std::string& notify_url) {
    std::string out_trade_no = str(biz, "out_trade_no");
    std::string scene = str(biz, "scene");
    if (scene != "bar_code" && scene != "security_code") return trade_error(invalid_field("scene"), out_trade_no);
    std::string auth_code = str(biz, "auth_code");
    if (auth_code.empty()) return trade_error(invalid_field("auth_code"), out_trade_no);
    auto built = new_trade(app, biz, notify_url, false);
    if (!built) return built.error();
    Trade t = std::move(*built);
    t.pay_method = "alipay.trade.pay";
    std::string new_no = new_trade_no();
    long long now = t.created_ms;
    return ctx_.db().write([&](state::Conn& c) -> Reply {
        auto code = Store::payment_code(c, auth_code);
        if (!code || code->used || code->expires_ms <= now) {
            return trade_error("ACQ.PAYMENT_AUTH_CODE_INVALID", out_trade_no);
        }
        if (code->user_id == app.seller_id) return trade_error("ACQ.BUYER_SELLER_EQUAL", out_trade_no);
        Store store(c, app.app_id);
        auto existing = store.trade("", out_trade_no);
        if (existing) {
            settle_due(c, *existing, now);
            if (existing->status == "TRADE_SUCCESS" || existing->status == "TRADE_FINISHED")
                return trade_error("ACQ.TRADE_HAS_SUCCESS", out_trade_no);
            if (existing->status == "TRADE_CLOSED") return trade_error("ACQ.TRADE_HAS_CLOSE", out_trade_no);
            if (existing->total_cents != t.total_cents || existing->subject != t.subject)
                return trade_error("ACQ.CONTEXT_INCONSISTENT", out_trade_no);
        }
        // The buyer has shown the code: it is spent whatever follows (Alipay asks for a fresh one).
        Store::mark_payment_code_used(c, auth_code);
        if (core::starts_with(code->result, "ACQ.")) {
            Failure f = trade_error(code->result.c_str(), out_trade_no);
            return f;
        }
        if (existing) {
            t = *existing;
        } else {
            t.trade_no = new_no;
        }
        t.buyer_id = code->user_id;
        if (!existing) store.insert_trade(t);
        bool wait = code->result == "WAIT_BUYER_PAY";
        if (!wait) {
            t.status = "TRADE_SUCCESS";
            t.paid_ms = now;
            notify(c, t, nullptr);
        }
        store.update_trade(t);
        OrderedJson f;
        if (wait) {
            f["code"] = "10003";
            f["msg"] = "Order success pay inprocess";
        }
        f["trade_no"] = t.trade_no;
        f["out_trade_no"] = t.out_trade_no;
        f["buyer_logon_id"] = buyer_logon_id(t);
        f["total_amount"] = format_amount(t.total_cents);
        std::string paid = wait ? "0.00" : format_amount(t.total_cents);
        f["receipt_amount"] = paid;
        f["buyer_pay_amount"] = paid;
        f["point_amount"] = "0.00";
        f["invoice_amount"] = paid;
        if (!wait) {
            f["gmt_payment"] = fmt_time(now);
            f["fund_bill_list"] =
                OrderedJson::array({OrderedJson{{"fund_channel", "ALIPAYACCOUNT"}, {"amount", paid}}});
        }
        f["buyer_user_id"] = t.buyer_id;
        return Reply(std::move(f));
    });
}

Reply AlipayService::trade_cancel(const AppConfig& app, const Json& biz) {
    std::string trade_no, out_trade_no;
    if (auto keys = lookup_keys(biz, &trade_no, &out_trade_no); !keys) return keys.error();
    return ctx_.db().write([&](state::Conn& c) -> Reply {
        long long now = ctx_.clock().now_unix_ms();
        Store store(c, app.app_id);
        auto t = store.trade(trade_no, out_trade_no);
        if (!t) return trade_error("ACQ.TRADE_NOT_EXIST", out_trade_no);
        settle_due(c, *t, now);
        OrderedJson ok;
        ok["trade_no"] = t->trade_no;
        ok["out_trade_no"] = t->out_trade_no;
        ok["retry_flag"] = "N";
        if (t->status == "WAIT_BUYER_PAY") {
            t->status = "TRADE_CLOSED";
            t->closed_ms = now;
            store.update_trade(*t);
            notify(c, *t, nullptr);
            ok["action"] = "close";
            return Reply(std::move(ok));
        }
        if (t->status == "TRADE_SUCCESS" && t->refunded_cents == 0) {
            // A paid trade is cancelled by refunding it in full.
            t->refunded_cents = t->total_cents;
            t->status = "TRADE_CLOSED";
            t->closed_ms = now;
            store.update_trade(*t);
            Refund r;
            r.app_id = app.app_id;
            r.trade_no = t->trade_no;
            r.out_trade_no = t->out_trade_no;
            r.out_request_no = t->out_trade_no;
            r.reason = "cancel";
            r.amount_cents = t->total_cents;
            r.refunded_after_cents = t->total_cents;
            r.created_ms = now;
            store.insert_refund(r);
            notify(c, *t, &r);
            ok["action"] = "refund";
            ok["gmt_refund_pay"] = fmt_time(now);
            return Reply(std::move(ok));
        }
        if (t->status == "TRADE_CLOSED") return Reply(std::move(ok));  // cancelled before: nothing to do
        Failure f = trade_error("ACQ.TRADE_STATUS_ERROR", t->out_trade_no);
        echo(f, "retry_flag", "N");
        return f;
    });
}

}  // namespace mpemu::alipay
