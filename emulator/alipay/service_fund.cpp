// Alipay's fund methods and certificate download: alipay.fund.trans.uni.transfer and
// alipay.fund.trans.common.query (cert-mode apps, the fixture balance, idempotent per out_biz_no), and
// alipay.open.app.alipaycert.download. Spec: docs/specs/alipay-additions.md §9, §10.
#include <algorithm>
#include <cctype>
#include <optional>

#include "core/text.hpp"
#include "core/time_format.hpp"
#include "emulator/alipay/protocol_cert.hpp"
#include "emulator/alipay/service.hpp"

namespace mpemu::alipay {

using core::Json;
using core::OrderedJson;
using emulator::Failure;
using emulator::Outcome;

namespace {

constexpr const char* kProductCode = "TRANS_ACCOUNT_NO_PWD";
constexpr const char* kBizScene = "DIRECT_TRANSFER";
constexpr long long kMinTransferCents = 10;                   // 0.1 yuan for TRANS_ACCOUNT_NO_PWD
constexpr long long kMaxTransferCents = 100'000'000LL * 100;  // 100,000,000 yuan

// A string member, or "" when absent; nullopt when present with another JSON type.
std::optional<std::string> text(const Json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::string();
    if (!it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

bool is_biz_no(const std::string& s) {
    return !s.empty() && s.size() <= 64 &&
           std::all_of(s.begin(), s.end(), [](unsigned char ch) { return std::isalnum(ch) || ch == '-' || ch == '_'; });
}

Failure with_biz_no(Failure f, const std::string& out_biz_no) {
    if (!out_biz_no.empty()) echo(f, "out_biz_no", out_biz_no);
    return f;
}

// Fund methods exist for certificate-mode apps only; a key-mode app is told its request lacks the SN.
Failure needs_cert_mode() {
    return failure("isv.missing-app-cert-sn", {},
                   "fund transfers need an app in certificate mode (fixture mode: cert)");
}

}  // namespace

Reply AlipayService::cert_download(const AppConfig&, const Json& biz) {
    auto sn = text(biz, "alipay_cert_sn");
    if (!sn || sn->empty()) return invalid_parameter("alipay_cert_sn");
    auto cfg = config();
    const AppConfig* owner = cfg ? cfg->app_by_alipay_cert_sn(*sn) : nullptr;
    if (!owner) return failure("CERT_NOT_EXIST", {}, "no Alipay public-key certificate with SN " + *sn);
    OrderedJson f = OrderedJson::object();
    f["alipay_cert_content"] = certificate_content(owner->alipay_cert_pem);
    return Reply(std::move(f));
}

Outcome<const UserConfig*> AlipayService::find_payee(const FixtureConfig& cfg, const std::string& identity_type,
                                                     const std::string& identity, const std::string& name) const {
    const UserConfig* found = nullptr;
    if (identity_type == "ALIPAY_USER_ID") {
        if (identity.size() != 16 || !core::starts_with(identity, "2088") ||
            identity.find_first_not_of("0123456789") != std::string::npos) {
            return transfer_invalid("payee_info.identity 不是合法的支付宝用户号");
        }
        const UserConfig* u = cfg.user(identity);
        if (u && u->user_id == identity) found = u;
    } else if (identity_type == "ALIPAY_OPEN_ID") {
        const UserConfig* u = cfg.user(identity);
        if (u && u->open_id == identity) found = u;
    } else if (identity_type == "ALIPAY_LOGON_ID") {
        if (name.empty()) return transfer_invalid("identity_type 为 ALIPAY_LOGON_ID 时 payee_info.name 必填");
        for (const auto& u : cfg.users) {
            if (u.has_logon_id(identity)) {
                found = &u;
                break;
            }
        }
    } else {
        return transfer_invalid("payee_info.identity_type");
    }
    if (!found) return failure("PAYEE_NOT_EXIST", {}, identity_type + " " + identity + " is no fixture user");
    if (!name.empty() && !found->real_name.empty() && found->real_name != name) {
        return failure("PAYEE_USER_INFO_ERROR", {}, "payee_info.name differs from the fixture user's real_name");
    }
    return found;
}

Reply AlipayService::fund_transfer(const AppConfig& app, const Json& biz) {
    if (!app.cert_mode) return needs_cert_mode();
    auto out_biz_no = text(biz, "out_biz_no");
    if (!out_biz_no || !is_biz_no(*out_biz_no)) return transfer_invalid("out_biz_no");
    auto invalid = [&](std::string_view why) { return with_biz_no(transfer_invalid(why), *out_biz_no); };
    auto amount_it = biz.find("trans_amount");
    std::optional<long long> amount = amount_it == biz.end() ? std::nullopt : parse_amount(*amount_it);
    if (!amount) return invalid("trans_amount");
    auto product_code = text(biz, "product_code");
    if (!product_code || *product_code != kProductCode) return invalid("product_code 仅支持 TRANS_ACCOUNT_NO_PWD");
    auto biz_scene = text(biz, "biz_scene");
    if (!biz_scene || *biz_scene != kBizScene) return invalid("biz_scene 仅支持 DIRECT_TRANSFER");
    auto order_title = text(biz, "order_title");
    if (!order_title || core::utf8_length(*order_title) > 128) return invalid("order_title");
    auto remark = text(biz, "remark");
    if (!remark || core::utf8_length(*remark) > 200) return invalid("remark");
    auto payee_it = biz.find("payee_info");
    if (payee_it == biz.end() || !payee_it->is_object()) return invalid("payee_info");
    auto identity = text(*payee_it, "identity");
    auto identity_type = text(*payee_it, "identity_type");
    auto name = text(*payee_it, "name");
    if (!identity || identity->empty() || identity->size() > 100) return invalid("payee_info.identity");
    if (!identity_type || identity_type->empty()) return invalid("payee_info.identity_type");
    if (!name || core::utf8_length(*name) > 100) return invalid("payee_info.name");
    if (*amount < kMinTransferCents) return with_biz_no(failure("EXCEED_LIMIT_SM_MIN_AMOUNT"), *out_biz_no);
    if (*amount > kMaxTransferCents) return invalid("trans_amount");

    Transfer t;
    t.app_id = app.app_id;
    t.out_biz_no = *out_biz_no;
    t.amount_cents = *amount;
    t.product_code = *product_code;
    t.biz_scene = *biz_scene;
    t.order_title = *order_title;
    t.remark = *remark;
    t.identity = *identity;
    t.identity_type = *identity_type;
    t.payee_name = *name;
    auto same_request = [&t](const Transfer& earlier) {
        return earlier.amount_cents == t.amount_cents && earlier.identity == t.identity &&
               earlier.identity_type == t.identity_type && earlier.payee_name == t.payee_name &&
               earlier.product_code == t.product_code && earlier.biz_scene == t.biz_scene;
    };
    // A repeat of a transfer that went through answers as it did (Alipay's idempotency on out_biz_no).
    auto earlier = ctx_.db().read([&](state::Conn& c) { return Store(c, app.app_id).transfer("", t.out_biz_no); });
    if (!earlier) {
        auto cfg = config();
        if (!cfg) return failure("isp.unknow-error", {}, "no fixture set");
        auto payee = find_payee(*cfg, t.identity_type, t.identity, t.payee_name);
        if (!payee) return with_biz_no(payee.error(), t.out_biz_no);
        t.payee_user_id = (*payee)->user_id;
        long long now = ctx_.clock().now_unix_ms();
        std::string date = core::format_compact(ctx_.clock().now()).substr(0, 8);
        t.order_id = date + "11007000" + ctx_.ids().digits(16);
        t.pay_fund_order_id = date + "110070001" + ctx_.ids().digits(15);
        t.status = "SUCCESS";
        t.created_ms = now;
        // One transaction: the balance check, and the row (a racing twin with the same out_biz_no finds it).
        auto outcome = ctx_.db().write([&](state::Conn& c) -> Outcome<Transfer> {
            Store store(c, app.app_id);
            if (auto twin = store.transfer("", t.out_biz_no)) return *twin;
            if (app.balance_cents >= 0 && store.transferred_cents() + t.amount_cents > app.balance_cents) {
                return failure("BALANCE_IS_NOT_ENOUGH", {},
                               "balance " + format_amount(app.balance_cents) + ", already transferred " +
                                   format_amount(store.transferred_cents()));
            }
            store.insert_transfer(t);
            return t;
        });
        if (!outcome) return with_biz_no(outcome.error(), t.out_biz_no);
        earlier = *outcome;
    }
    if (!same_request(*earlier)) return with_biz_no(failure("PAYMENT_INFO_INCONSISTENCY"), t.out_biz_no);
    OrderedJson f = OrderedJson::object();
    f["out_biz_no"] = earlier->out_biz_no;
    f["order_id"] = earlier->order_id;
    f["pay_fund_order_id"] = earlier->pay_fund_order_id;
    f["status"] = earlier->status;
    f["trans_date"] = fmt_time(earlier->created_ms);
    return Reply(std::move(f));
}

Reply AlipayService::fund_transfer_query(const AppConfig& app, const Json& biz) {
    if (!app.cert_mode) return needs_cert_mode();
    auto order_id = text(biz, "order_id");
    auto out_biz_no = text(biz, "out_biz_no");
    if (!order_id || !out_biz_no) return transfer_invalid(!order_id ? "order_id" : "out_biz_no");
    if (order_id->empty() && out_biz_no->empty()) return transfer_invalid("order_id 和 out_biz_no 不能同时为空");
    if (order_id->empty()) {
        // With out_biz_no the product and scene are required: they tell which product's order it is.
        auto product_code = text(biz, "product_code");
        auto biz_scene = text(biz, "biz_scene");
        if (!product_code || product_code->empty()) return transfer_invalid("product_code");
        if (!biz_scene || biz_scene->empty()) return transfer_invalid("biz_scene");
        if (*product_code != kProductCode || *biz_scene != kBizScene) return failure("ORDER_NOT_EXIST");
    }
    auto t = ctx_.db().read([&](state::Conn& c) { return Store(c, app.app_id).transfer(*order_id, *out_biz_no); });
    if (!t) return failure("ORDER_NOT_EXIST");
    OrderedJson f = OrderedJson::object();
    f["order_id"] = t->order_id;
    f["pay_fund_order_id"] = t->pay_fund_order_id;
    f["out_biz_no"] = t->out_biz_no;
    f["trans_amount"] = format_amount(t->amount_cents);
    f["status"] = t->status;
    f["pay_date"] = fmt_time(t->created_ms);
    return Reply(std::move(f));
}

Outcome<Json> AlipayService::list_transfers(const std::string& app_id) {
    Json arr = Json::array();
    ctx_.db().read([&](state::Conn& c) {
        for (const auto& t : Store::transfers(c, app_id)) {
            arr.push_back(Json{{"app_id", t.app_id},
                               {"out_biz_no", t.out_biz_no},
                               {"order_id", t.order_id},
                               {"pay_fund_order_id", t.pay_fund_order_id},
                               {"status", t.status},
                               {"trans_amount", format_amount(t.amount_cents)},
                               {"payee_user_id", t.payee_user_id},
                               {"identity_type", t.identity_type},
                               {"identity", t.identity},
                               {"order_title", t.order_title},
                               {"trans_date", fmt_time(t.created_ms)}});
        }
    });
    return Outcome<Json>(Json{{"transfers", arr}});
}

}  // namespace mpemu::alipay
