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

constexpr long long kConfirmWindowMs = kDay;        // unconfirmed bills are cancelled after 24 h
constexpr long long kUserNameRequiredFen = 200000;  // 2000 yuan

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
    if (!row || row->params.rfind("v2|", 0) == 0) return errors::transfer_not_found();  // v2 企业付款 rows
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
        if (!t || t->params.rfind("v2|", 0) == 0) return errors::transfer_not_found();
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

// ---- transfer batches (/v3/transfer/batches) -------------------------------------------------------

namespace {

constexpr long long kBatchSettleMs = kMinute;  // PROCESSING batches finish by themselves after a minute
constexpr size_t kMaxDetails = 1000;

// The batch summary of queries and notifications: counts and sums over its details.
Json batch_summary(Store& store, const TransferBatchRow& b) {
    long long success_amount = 0, success_num = 0, fail_amount = 0, fail_num = 0;
    for (const auto& d : store.details(b.id, "", 0, static_cast<long long>(kMaxDetails))) {
        if (d.state == "SUCCESS") {
            success_amount += d.transfer_amount;
            ++success_num;
        } else if (d.state == "FAIL") {
            fail_amount += d.transfer_amount;
            ++fail_num;
        }
    }
    Json j;
    j["mchid"] = b.mchid;
    j["out_batch_no"] = b.out_batch_no;
    j["batch_id"] = b.batch_id;
    j["appid"] = b.appid;
    j["batch_status"] = b.state;
    j["batch_type"] = "API";
    j["batch_name"] = b.batch_name;
    j["batch_remark"] = b.batch_remark;
    if (b.state == "CLOSED") j["close_reason"] = b.close_reason;
    j["total_amount"] = b.total_amount;
    j["total_num"] = b.total_num;
    j["create_time"] = rfc3339(b.created_ms);
    j["update_time"] = rfc3339(b.updated_ms);
    j["success_amount"] = success_amount;
    j["success_num"] = success_num;
    j["fail_amount"] = fail_amount;
    j["fail_num"] = fail_num;
    if (!b.transfer_scene_id.empty()) j["transfer_scene_id"] = b.transfer_scene_id;
    return j;
}

std::string batch_notification(Store& store, const TransferBatchRow& b) {
    Json s = batch_summary(store, b);
    OrderedJson p;
    p["out_batch_no"] = b.out_batch_no;
    p["batch_id"] = b.batch_id;
    p["batch_status"] = b.state;
    p["total_num"] = b.total_num;
    p["total_amount"] = b.total_amount;
    p["success_amount"] = s["success_amount"];
    p["success_num"] = s["success_num"];
    p["fail_amount"] = s["fail_amount"];
    p["fail_num"] = s["fail_num"];
    p["mchid"] = b.mchid;
    p["update_time"] = rfc3339(b.updated_ms);
    if (b.state == "CLOSED") p["close_reason"] = b.close_reason;
    return core::dump(p);
}

// Finishes (SUCCESS details) or closes (FAIL details) a PROCESSING batch; `fail` names details that fail.
void settle_batch(emulator::ServiceContext& ctx, state::Conn& c, const Merchant* m, TransferBatchRow& b,
                  const std::string& result, const std::vector<std::string>& fail, const std::string& fail_reason,
                  const std::string& close_reason, long long now) {
    Store store(c, b.mchid);
    for (auto d : store.details(b.id, "", 0, static_cast<long long>(kMaxDetails))) {
        if (d.state != "PROCESSING") continue;
        bool fails = result == "CLOSED" || std::find(fail.begin(), fail.end(), d.out_detail_no) != fail.end();
        d.state = fails ? "FAIL" : "SUCCESS";
        if (fails) d.fail_reason = fail_reason;
        d.updated_ms = now;
        store.save_detail(d);
    }
    b.state = result;
    if (result == "CLOSED") b.close_reason = close_reason;
    b.updated_ms = now;
    store.save_batch(b);
    if (m) notify::queue_batch(ctx, c, *m, b, batch_notification(store, b));
}

void settle_due_batches(emulator::ServiceContext& ctx, state::Conn& c, const FixtureConfig* cfg, long long now) {
    for (auto b : Store::due_batches(c, now - kBatchSettleMs)) {
        settle_batch(ctx, c, cfg ? cfg->find(b.mchid) : nullptr, b, "FINISHED", {}, {}, {},
                     b.created_ms + kBatchSettleMs);
    }
}

Json detail_json(const TransferBatchRow& b, const TransferDetailRow& d) {
    Json j;
    j["mchid"] = b.mchid;
    j["out_batch_no"] = b.out_batch_no;
    j["batch_id"] = b.batch_id;
    j["appid"] = b.appid;
    j["out_detail_no"] = d.out_detail_no;
    j["detail_id"] = d.detail_id;
    j["detail_status"] = d.state;
    j["transfer_amount"] = d.transfer_amount;
    j["transfer_remark"] = d.transfer_remark;
    if (d.state == "FAIL") j["fail_reason"] = d.fail_reason;
    j["openid"] = d.openid;
    if (!d.user_name.empty()) j["user_name"] = d.user_name;
    j["initiate_time"] = rfc3339(d.created_ms);
    j["update_time"] = rfc3339(d.updated_ms);
    return j;
}

}  // namespace

Outcome<Json> Api::create_batch(const Merchant& m, const std::string& raw_body, const std::string* serial) {
    auto parsed = core::parse_json(raw_body);
    if (!parsed) return errors::param_error("/", "request body is not valid JSON: " + parsed.error().message, "body");
    if (!parsed->is_object()) return errors::param_error("/", "request body must be a JSON object", "body");
    const Json& body = *parsed;
    TransferBatchRow b;
    for (auto [k, max, req, out] : std::initializer_list<std::tuple<const char*, size_t, bool, std::string*>>{
             {"appid", 32, true, &b.appid},
             {"out_batch_no", 32, true, &b.out_batch_no},
             {"batch_name", 32, true, &b.batch_name},
             {"batch_remark", 32, true, &b.batch_remark},
             {"transfer_scene_id", 36, false, &b.transfer_scene_id},
             {"notify_url", 256, false, &b.notify_url}}) {
        if (auto f = string_field(body, k, max, req, out)) return *f;
    }
    if (!alnum(b.out_batch_no) || b.out_batch_no.size() < 5) {
        return errors::param_error("/out_batch_no", "5-32 digits and letters", "body", b.out_batch_no);
    }
    for (auto [k, out] : {std::pair<const char*, long long*>{"total_amount", &b.total_amount},
                          std::pair<const char*, long long*>{"total_num", &b.total_num}}) {
        const Json* v = at(body, k);
        if (!v) return errors::param_missing(std::string("/") + k, k);
        if (!v->is_number_integer()) return errors::param_not_int64(std::string("/") + k, k, *v);
        *out = v->get<long long>();
    }
    if (!b.notify_url.empty()) {
        auto u = core::parse_url(b.notify_url);
        if (!u || b.notify_url.find('?') != std::string::npos) {
            return errors::param_error("/notify_url", "must be an absolute http(s) URL without a query string", "body",
                                       b.notify_url);
        }
    }
    const Json* list = at(body, "transfer_detail_list");
    if (!list) return errors::param_missing("/transfer_detail_list", "transfer_detail_list");
    if (!list->is_array() || list->empty() || list->size() > kMaxDetails) {
        return errors::param_error("/transfer_detail_list", "an array of 1-1000 details", "body");
    }
    std::vector<TransferDetailRow> details;
    long long sum = 0;
    bool named = false;
    for (size_t i = 0; i < list->size(); ++i) {
        const Json& jd = (*list)[i];
        std::string p = "/transfer_detail_list/" + std::to_string(i);
        if (!jd.is_object()) return errors::param_error(p, "must be an object", "body", jd);
        TransferDetailRow d;
        for (auto [k, max, req, out] : std::initializer_list<std::tuple<const char*, size_t, bool, std::string*>>{
                 {"out_detail_no", 32, true, &d.out_detail_no},
                 {"transfer_remark", 32, true, &d.transfer_remark},
                 {"openid", 128, true, &d.openid},
                 {"user_name", 1024, false, &d.user_name}}) {
            if (auto f = string_field(jd, k, max, req, out)) {
                f->detail["field"] = p + "/" + k;
                return *f;
            }
        }
        const Json* amount = at(jd, "transfer_amount");
        if (!amount) return errors::param_missing(p + "/transfer_amount", "transfer_amount");
        if (!amount->is_number_integer() || amount->get<long long>() < 1) {
            return errors::param_error(p + "/transfer_amount", "an integer of at least 1 (fen)", "body", *amount);
        }
        d.transfer_amount = amount->get<long long>();
        if (!alnum(d.out_detail_no) || d.out_detail_no.size() < 5) {
            return errors::param_error(p + "/out_detail_no", "5-32 digits and letters", "body", d.out_detail_no);
        }
        for (const auto& prev : details) {
            if (prev.out_detail_no == d.out_detail_no) {
                return errors::param_error(p + "/out_detail_no", "repeated in transfer_detail_list", "body",
                                           d.out_detail_no);
            }
        }
        if (d.transfer_amount >= kUserNameRequiredFen && d.user_name.empty()) {
            Failure f = errors::transfer_user_name_required();
            f.detail["field"] = p + "/user_name";
            return f;
        }
        named = named || !d.user_name.empty();
        sum += d.transfer_amount;
        details.push_back(std::move(d));
    }
    if (b.total_num != static_cast<long long>(details.size())) {
        return errors::param_error("/total_num", "must equal the number of transfer_detail_list entries", "body",
                                   b.total_num);
    }
    if (b.total_amount != sum) {
        return errors::param_error("/total_amount", "must equal the sum of the details' transfer_amount", "body",
                                   b.total_amount);
    }
    if (named && (!serial || serial->empty())) return errors::transfer_serial_required();
    if (!m.has_appid(b.appid)) return errors::appid_mchid_not_match();
    b.params = core::dump(body);
    b.mchid = m.mchid;
    auto cfg = orders_.config();
    const long long now = ctx().clock().now_unix_ms();
    return ctx().db().write([&](state::Conn& c) -> Outcome<Json> {
        settle_due_batches(ctx(), c, cfg.get(), now);
        Store store(c, m.mchid);
        auto reply = [](const TransferBatchRow& row) {
            return Json{{"out_batch_no", row.out_batch_no},
                        {"batch_id", row.batch_id},
                        {"create_time", rfc3339(row.created_ms)},
                        {"batch_status", row.state == "PROCESSING" ? "ACCEPTED" : row.state}};
        };
        if (auto e = store.batch(b.out_batch_no)) {
            if (e->params != b.params) return errors::batch_no_used();
            return reply(*e);
        }
        if (m.balance >= 0 &&
            store.held_transfers() + store.held_batch_details() + store.held_refunds() + sum > m.balance) {
            return errors::not_enough();
        }
        b.batch_id = "1030000" + ctx().ids().digits(14) + core::format_compact(core::from_unix_ms(now)).substr(0, 8) +
                     ctx().ids().digits(9);
        b.state = "PROCESSING";
        b.created_ms = now;
        b.updated_ms = now;
        b.id = store.insert_batch(b);
        for (auto& d : details) {
            d.batch_row = b.id;
            d.detail_id = "1040000" + ctx().ids().digits(14) +
                          core::format_compact(core::from_unix_ms(now)).substr(0, 8) + ctx().ids().digits(9);
            d.state = "PROCESSING";
            d.created_ms = now;
            d.updated_ms = now;
            store.insert_detail(d);
        }
        return reply(b);
    });
}

Outcome<Json> Api::query_batch(const Merchant& m, const std::string& by, const std::string& key,
                               const core::Params& query) {
    auto q = [&](const char* k) -> std::string {
        const std::string* v = core::find_param(query, k);
        return v ? *v : std::string();
    };
    const std::string need = q("need_query_detail");
    if (need != "true" && need != "false") {
        return errors::param_error("need_query_detail", "required: true or false", "query", need);
    }
    long long offset = 0, limit = 20;
    for (auto [k, out, lo, hi] :
         {std::tuple<const char*, long long*, long long, long long>{"offset", &offset, 0, 100000},
          std::tuple<const char*, long long*, long long, long long>{"limit", &limit, 1, 100}}) {
        std::string v = q(k);
        if (v.empty()) continue;
        if (v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos || std::stoll(v) < lo ||
            std::stoll(v) > hi) {
            return errors::param_error(k, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
                                       "query", v);
        }
        *out = std::stoll(v);
    }
    std::string status = q("detail_status");
    if (status.empty()) status = "ALL";
    if (status != "ALL" && status != "SUCCESS" && status != "FAIL") {
        return errors::param_error("detail_status", "ALL, SUCCESS or FAIL", "query", status);
    }
    if (key.empty() || key.size() > 64 || !alnum(key)) {
        return errors::param_error(by == "batch-id" ? "batch_id" : "out_batch_no", "digits and letters", "path", key);
    }
    auto cfg = orders_.config();
    const long long now = ctx().clock().now_unix_ms();
    return ctx().db().write([&](state::Conn& c) -> Outcome<Json> {
        settle_due_batches(ctx(), c, cfg.get(), now);
        Store store(c, m.mchid);
        auto b = by == "batch-id" ? store.batch_by_id(key) : store.batch(key);
        if (!b) return errors::transfer_not_found();
        Json out;
        out["transfer_batch"] = batch_summary(store, *b);
        if (need == "true") {
            Json list = Json::array();
            for (const auto& d : store.details(b->id, status == "ALL" ? "" : status, offset, limit)) {
                list.push_back(
                    {{"detail_id", d.detail_id}, {"out_detail_no", d.out_detail_no}, {"detail_status", d.state}});
            }
            out["transfer_detail_list"] = list;
            out["offset"] = offset;
            out["limit"] = limit;
        }
        return out;
    });
}

Outcome<Json> Api::query_batch_detail(const Merchant& m, const std::string& by, const std::string& batch_key,
                                      const std::string& detail_key) {
    for (const std::string* k : {&batch_key, &detail_key}) {
        if (k->empty() || k->size() > 64 || !alnum(*k))
            return errors::param_error("path", "digits and letters", "path", *k);
    }
    auto cfg = orders_.config();
    const long long now = ctx().clock().now_unix_ms();
    return ctx().db().write([&](state::Conn& c) -> Outcome<Json> {
        settle_due_batches(ctx(), c, cfg.get(), now);
        Store store(c, m.mchid);
        auto b = by == "batch-id" ? store.batch_by_id(batch_key) : store.batch(batch_key);
        if (!b) return errors::transfer_not_found();
        auto d = by == "batch-id" ? store.detail_by_id(b->id, detail_key) : store.detail(b->id, detail_key);
        if (!d) return errors::transfer_not_found();
        return detail_json(*b, *d);
    });
}

Outcome<Json> Api::admin_batch_result(const std::string& out_batch_no, const Json& body) {
    auto str = [&](const char* k, const char* fallback) {
        return body.contains(k) && body[k].is_string() ? body[k].get<std::string>() : std::string(fallback);
    };
    const std::string result = str("result", "FINISHED");
    if (result != "FINISHED" && result != "CLOSED")
        return admin_error(400, "bad_request", "result must be FINISHED or CLOSED");
    std::vector<std::string> fail;
    if (body.contains("fail")) {
        if (!body["fail"].is_array()) return admin_error(400, "bad_request", "fail must be an array of out_detail_no");
        for (const auto& v : body["fail"]) {
            if (!v.is_string()) return admin_error(400, "bad_request", "fail must be an array of out_detail_no");
            fail.push_back(v.get<std::string>());
        }
    }
    const std::string fail_reason = str("fail_reason", "ACCOUNT_FROZEN");
    const std::string close_reason = str("close_reason", "OVERDUE_CLOSE");
    for (const std::string* r : {&fail_reason, &close_reason}) {
        if (r->empty() || !std::all_of(r->begin(), r->end(), [](unsigned char ch) {
                return std::isupper(ch) || std::isdigit(ch) || ch == '_';
            })) {
            return admin_error(400, "bad_request", "fail_reason / close_reason must be upper-case codes");
        }
    }
    const std::string mchid = str("mchid", "");
    auto cfg = orders_.config();
    const long long now = ctx().clock().now_unix_ms();
    return ctx().db().write([&](state::Conn& c) -> Outcome<Json> {
        settle_due_batches(ctx(), c, cfg.get(), now);
        std::optional<TransferBatchRow> b;
        if (!mchid.empty()) {
            b = Store(c, mchid).batch(out_batch_no);
        } else {
            auto all = Store::batches_numbered(c, out_batch_no);
            if (all.size() > 1) {
                return admin_error(409, "conflict",
                                   "several merchants have batch " + out_batch_no + "; give \"mchid\"");
            }
            if (!all.empty()) b = all.front();
        }
        if (!b) return admin_error(404, "not_found", "no WeChat Pay transfer batch " + out_batch_no);
        if (b->state != "PROCESSING") {
            return admin_error(409, "conflict", "batch " + out_batch_no + " is already " + b->state);
        }
        Store store(c, b->mchid);
        for (const auto& no : fail) {
            if (!store.detail(b->id, no)) {
                std::string msg = "batch " + out_batch_no;
                msg += " has no detail ";
                msg += no;
                return admin_error(404, "not_found", std::move(msg));
            }
        }
        settle_batch(ctx(), c, cfg ? cfg->find(b->mchid) : nullptr, *b, result, fail, fail_reason, close_reason, now);
        return batch_summary(store, *b);
    });
}

Json Api::admin_list_batches(const std::string& mchid, int limit) {
    auto cfg = orders_.config();
    const long long now = ctx().clock().now_unix_ms();
    return ctx().db().write([&](state::Conn& c) {
        settle_due_batches(ctx(), c, cfg.get(), now);
        Json out = Json::array();
        for (const auto& b : Store::list_batches(c, mchid, limit)) {
            Store store(c, b.mchid);
            Json j = batch_summary(store, b);
            j["notify_url"] = b.notify_url;
            out.push_back(j);
        }
        return Json{{"transfer_batches", out}};
    });
}

}  // namespace mpemu::wechatpay
