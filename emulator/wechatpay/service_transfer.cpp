// Merchant transfer bills (商家转账, the current payout API): creation with the user-confirmation
// package, queries by either number, cancellation, the admin call standing in for the user's confirmation,
// and the 24-hour cancellation of bills nobody confirmed. Part of Api (service.hpp); every state change
// runs in one write transaction, and final states queue MCHTRANSFER.BILL.FINISHED in it.
#include <algorithm>

#include "core/time_format.hpp"
#include "core/url.hpp"
#include "emulator/wechatpay/notify.hpp"
#include "emulator/wechatpay/service.hpp"

namespace mpemu::wechatpay {

using core::Json;
using core::OrderedJson;

namespace {

constexpr long long kConfirmWindowMs = 24 * 60 * kMinute;  // unconfirmed bills are cancelled after 24 h
constexpr long long kUserNameRequiredFen = 200000;         // 2000 yuan

std::string rfc3339(long long ms) {
    return core::format_rfc3339(core::from_unix_ms(ms));
}

Failure admin_error(int status, const char* code, std::string message) {
    return Failure{status, code, std::move(message), nullptr, {}};
}

bool alnum(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) != 0; });
}

const Json* at(const Json& j, const char* k) {
    return j.contains(k) && !j[k].is_null() ? &j[k] : nullptr;
}

// A required / optional string field of at most `max` characters.
std::optional<Failure> string_field(const Json& body, const char* k, size_t max, bool required, std::string* out) {
    const Json* v = at(body, k);
    std::string pointer = std::string("/") + k;
    if (!v) {
        if (required) return errors::param_missing(pointer, k);
        return std::nullopt;
    }
    if (!v->is_string()) return errors::param_error(pointer, "must be a string", "body", *v);
    std::string s = v->get<std::string>();
    long long n = utf8_chars_bmp(s);
    if (n < 0) return errors::param_error(pointer, "only 1-3 byte UTF-8 characters are supported", "body", s);
    if (required && s.empty()) return errors::param_missing(pointer, k);
    if (static_cast<size_t>(n) > max) {
        return errors::param_error(pointer, "longer than " + std::to_string(max) + " characters", "body", s);
    }
    *out = s;
    return std::nullopt;
}

Json bill_json(const TransferRow& t) {
    Json j;
    j["mch_id"] = t.mchid;
    j["out_bill_no"] = t.out_bill_no;
    j["transfer_bill_no"] = t.transfer_bill_no;
    j["appid"] = t.appid;
    j["state"] = t.state;
    j["transfer_amount"] = t.transfer_amount;
    j["transfer_remark"] = t.transfer_remark;
    if (t.state == "FAIL" && !t.fail_reason.empty()) j["fail_reason"] = t.fail_reason;
    j["openid"] = t.openid;
    if (!t.user_name.empty()) j["user_name"] = t.user_name;
    j["create_time"] = rfc3339(t.created_ms);
    j["update_time"] = rfc3339(t.updated_ms);
    return j;
}

Json create_reply(const TransferRow& t) {
    Json j;
    j["out_bill_no"] = t.out_bill_no;
    j["transfer_bill_no"] = t.transfer_bill_no;
    j["create_time"] = rfc3339(t.created_ms);
    j["state"] = t.state;
    if (t.state == "WAIT_USER_CONFIRM") j["package_info"] = t.package_info;
    if (t.state == "FAIL" && !t.fail_reason.empty()) j["fail_reason"] = t.fail_reason;
    return j;
}

bool final_state(const std::string& s) {
    return s == "SUCCESS" || s == "FAIL" || s == "CANCELLED";
}

}  // namespace

// Bills left in WAIT_USER_CONFIRM for 24 hours are cancelled (and notified), inside the caller's write.
static void cancel_unconfirmed(emulator::ServiceContext& ctx, state::Conn& c, const FixtureConfig* cfg, long long now) {
    for (auto t : Store::unconfirmed_transfers(c, now - kConfirmWindowMs)) {
        t.state = "CANCELLED";
        t.updated_ms = t.created_ms + kConfirmWindowMs;
        Store(c, t.mchid).save_transfer(t);
        if (const Merchant* m = cfg ? cfg->find(t.mchid) : nullptr) notify::queue_transfer(ctx, c, *m, t);
    }
}

Outcome<Json> Api::create_transfer(const Merchant& m, const std::string& raw_body, const std::string* serial) {
    auto parsed = core::parse_json(raw_body);
    if (!parsed) return errors::param_error("/", "request body is not valid JSON: " + parsed.error().message, "body");
    if (!parsed->is_object()) return errors::param_error("/", "request body must be a JSON object", "body");
    const Json& body = *parsed;
    TransferRow t;
    std::string perception;
    for (auto [k, max, req, out] : std::initializer_list<std::tuple<const char*, size_t, bool, std::string*>>{
             {"appid", 32, true, &t.appid},
             {"out_bill_no", 32, true, &t.out_bill_no},
             {"transfer_scene_id", 36, true, &t.transfer_scene_id},
             {"openid", 64, true, &t.openid},
             {"user_name", 1024, false, &t.user_name},
             {"transfer_remark", 32, true, &t.transfer_remark},
             {"notify_url", 256, false, &t.notify_url},
             {"user_recv_perception", 64, false, &perception}}) {
        if (auto f = string_field(body, k, max, req, out)) return *f;
    }
    const Json* amount = at(body, "transfer_amount");
    if (!amount) return errors::param_missing("/transfer_amount", "transfer_amount");
    if (!amount->is_number_integer()) return errors::param_not_int64("/transfer_amount", "转账金额", *amount);
    t.transfer_amount = amount->get<long long>();
    if (t.transfer_amount < 1) {
        return errors::param_error("/transfer_amount", "must be at least 1 (fen)", "body", t.transfer_amount);
    }
    if (!alnum(t.out_bill_no)) {
        return errors::param_error("/out_bill_no", "only digits and letters", "body", t.out_bill_no);
    }
    if (!t.notify_url.empty()) {
        auto u = core::parse_url(t.notify_url);
        if (!u || t.notify_url.find('?') != std::string::npos) {
            return errors::param_error("/notify_url", "must be an absolute http(s) URL without a query string", "body",
                                       t.notify_url);
        }
    }
    const Json* infos = at(body, "transfer_scene_report_infos");
    if (!infos || !infos->is_array() || infos->empty()) return errors::transfer_scene_report_missing();
    for (const auto& info : *infos) {
        if (!info.is_object() || !info.contains("info_type") || !info["info_type"].is_string() ||
            !info.contains("info_content") || !info["info_content"].is_string() ||
            info["info_type"].get<std::string>().empty() || info["info_content"].get<std::string>().empty()) {
            return errors::transfer_scene_report_missing();
        }
    }
    if (t.transfer_amount >= kUserNameRequiredFen && t.user_name.empty()) return errors::transfer_user_name_required();
    if (!t.user_name.empty() && (!serial || serial->empty())) return errors::transfer_serial_required();
    if (!m.has_appid(t.appid)) return errors::appid_mchid_not_match();
    Json extra = Json::object();
    if (!perception.empty()) extra["user_recv_perception"] = perception;
    extra["transfer_scene_report_infos"] = *infos;
    t.extra = core::dump(extra);
    t.params = core::dump(body);
    t.mchid = m.mchid;
    auto cfg = orders_.config();
    const long long now = ctx().clock().now_unix_ms();
    return ctx().db().write([&](state::Conn& c) -> Outcome<Json> {
        cancel_unconfirmed(ctx(), c, cfg.get(), now);
        Store store(c, m.mchid);
        if (auto e = store.transfer(t.out_bill_no)) {
            // Re-entry with the same parameters answers the bill as it is now.
            if (e->params != t.params) return errors::transfer_out_bill_no_used();
            return create_reply(*e);
        }
        if (m.balance >= 0 && store.held_transfers() + store.held_refunds() + t.transfer_amount > m.balance) {
            return errors::not_enough();
        }
        t.transfer_bill_no = "1330" + ctx().ids().digits(6) +
                             core::format_compact(core::from_unix_ms(now)).substr(0, 8) + ctx().ids().digits(16);
        // Opaque to the merchant; handed to wx.requestMerchantTransfer as `package`.
        t.package_info = "ABBQO+oYAAABAAAAAAAH" + ctx().ids().base62(64);
        t.state = "WAIT_USER_CONFIRM";
        t.created_ms = now;
        t.updated_ms = now;
        t.id = store.insert_transfer(t);
        return create_reply(t);
    });
}

Outcome<Json> Api::query_transfer(const Merchant& m, const std::string& by, const std::string& key) {
    if (key.empty() || key.size() > 64 || !alnum(key)) {
        return errors::param_error(by == "out-bill-no" ? "out_bill_no" : "transfer_bill_no", "only digits and letters",
                                   "path", key);
    }
    auto cfg = orders_.config();
    const long long now = ctx().clock().now_unix_ms();
    auto row = ctx().db().write([&](state::Conn& c) {
        cancel_unconfirmed(ctx(), c, cfg.get(), now);
        Store store(c, m.mchid);
        return by == "out-bill-no" ? store.transfer(key) : store.transfer_by_bill_no(key);
    });
    if (!row) return errors::transfer_not_found();
    return bill_json(*row);
}

Outcome<Json> Api::cancel_transfer(const Merchant& m, const std::string& out_bill_no) {
    if (out_bill_no.empty() || out_bill_no.size() > 32 || !alnum(out_bill_no)) {
        return errors::param_error("out_bill_no", "only digits and letters", "path", out_bill_no);
    }
    auto cfg = orders_.config();
    const long long now = ctx().clock().now_unix_ms();
    return ctx().db().write([&](state::Conn& c) -> Outcome<Json> {
        cancel_unconfirmed(ctx(), c, cfg.get(), now);
        Store store(c, m.mchid);
        auto t = store.transfer(out_bill_no);
        if (!t) return errors::transfer_not_found();
        if (t->state != "CANCELLED") {
            if (t->state != "WAIT_USER_CONFIRM" && t->state != "ACCEPTED")
                return errors::transfer_state_error(t->state);
            // Accepted as CANCELING; the emulator finishes the cancellation in the same step.
            t->state = "CANCELLED";
            t->updated_ms = now;
            store.save_transfer(*t);
            notify::queue_transfer(ctx(), c, m, *t);
            return Json{{"out_bill_no", t->out_bill_no},
                        {"transfer_bill_no", t->transfer_bill_no},
                        {"state", "CANCELING"},
                        {"update_time", rfc3339(now)}};
        }
        return Json{{"out_bill_no", t->out_bill_no},
                    {"transfer_bill_no", t->transfer_bill_no},
                    {"state", t->state},
                    {"update_time", rfc3339(t->updated_ms)}};
    });
}

Outcome<Json> Api::admin_transfer_result(const std::string& out_bill_no, const Json& body) {
    auto str = [&](const char* k) {
        return body.contains(k) && body[k].is_string() ? body[k].get<std::string>() : std::string();
    };
    const std::string result = body.contains("result") ? str("result") : "SUCCESS";
    if (result != "SUCCESS" && result != "TRANSFERING" && result != "FAIL" && result != "REJECT") {
        return admin_error(400, "bad_request", "result must be SUCCESS, TRANSFERING, FAIL or REJECT");
    }
    const std::string mchid = str("mchid");
    const std::string fail_reason = body.contains("fail_reason") ? str("fail_reason") : "PAYEE_ACCOUNT_ABNORMAL";
    if (fail_reason.empty() || !std::all_of(fail_reason.begin(), fail_reason.end(), [](unsigned char ch) {
            return std::isupper(ch) || std::isdigit(ch) || ch == '_';
        })) {
        return admin_error(400, "bad_request", "fail_reason must be an upper-case code such as PAYEE_ACCOUNT_ABNORMAL");
    }
    auto cfg = orders_.config();
    const long long now = ctx().clock().now_unix_ms();
    return ctx().db().write([&](state::Conn& c) -> Outcome<Json> {
        cancel_unconfirmed(ctx(), c, cfg.get(), now);
        std::optional<TransferRow> t;
        if (!mchid.empty()) {
            t = Store(c, mchid).transfer(out_bill_no);
        } else {
            auto all = Store::transfers_numbered(c, out_bill_no);
            if (all.size() > 1) {
                return admin_error(409, "conflict",
                                   "several merchants have transfer " + out_bill_no + "; give \"mchid\"");
            }
            if (!all.empty()) t = all.front();
        }
        if (!t) return admin_error(404, "not_found", "no WeChat Pay transfer bill " + out_bill_no);
        const Merchant* m = cfg ? cfg->find(t->mchid) : nullptr;
        if (!m) return admin_error(404, "not_found", "merchant " + t->mchid + " is not in the fixture set");
        if (final_state(t->state)) {
            return admin_error(409, "conflict", "transfer " + out_bill_no + " is already " + t->state);
        }
        const bool waiting = t->state == "WAIT_USER_CONFIRM" || t->state == "ACCEPTED";
        if (!waiting && (result == "TRANSFERING" || result == "REJECT")) {
            return admin_error(409, "conflict",
                               "transfer " + out_bill_no + " was already confirmed (" + t->state + ")");
        }
        // The confirmation page's package: when given it must be the bill's package_info.
        if (body.contains("package_info") && !body["package_info"].is_null() &&
            str("package_info") != t->package_info) {
            return admin_error(400, "bad_request", "package_info is not the bill's package_info");
        }
        Store store(c, t->mchid);
        t->updated_ms = now;
        t->state = result == "REJECT" ? "CANCELLED" : result;
        if (result == "FAIL") t->fail_reason = fail_reason;
        store.save_transfer(*t);
        if (final_state(t->state)) notify::queue_transfer(ctx(), c, *m, *t);
        return bill_json(*t);
    });
}

Json Api::admin_list_transfers(const std::string& mchid, const std::string& st, int limit) {
    auto cfg = orders_.config();
    const long long now = ctx().clock().now_unix_ms();
    auto rows = ctx().db().write([&](state::Conn& c) {
        cancel_unconfirmed(ctx(), c, cfg.get(), now);
        return Store::list_transfers(c, mchid, st, limit);
    });
    Json out = Json::array();
    for (const auto& t : rows) {
        Json j = bill_json(t);
        j["package_info"] = t.package_info;
        j["notify_url"] = t.notify_url;
        j["transfer_scene_id"] = t.transfer_scene_id;
        out.push_back(j);
    }
    return Json{{"transfer_bills", out}};
}

}  // namespace mpemu::wechatpay
