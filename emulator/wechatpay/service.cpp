// WeChat Pay API v3 rules (see service.hpp). Every state change runs in one write transaction that
// re-reads the row it changes, so concurrent pay/close/refund calls cannot overtake each other.
#include "emulator/wechatpay/service.hpp"

#include <algorithm>
#include <chrono>

#include "core/text.hpp"
#include "core/time_format.hpp"
#include "emulator/state/outbox.hpp"
#include "emulator/wechatpay/protocol.hpp"
#include "emulator/wechatpay/service_v2.hpp"

namespace mpemu::wechatpay {

using core::Json;
using core::OrderedJson;
namespace crypto = core::crypto;

namespace {

constexpr long long kMinute = 60 * 1000;
constexpr long long kDay = 24 * 60 * kMinute;
constexpr long long kPrepayValidMs = 2 * 60 * kMinute;
constexpr int kMaxRefundsPerOrder = 50;

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool iequals(const std::string& a, const std::string& b) {
    return lower(a) == lower(b);
}

std::string rfc3339(long long ms) {
    return core::format_rfc3339(core::from_unix_ms(ms));
}

std::string state_desc(const std::string& s) {
    if (s == "SUCCESS") return "支付成功";
    if (s == "REFUND") return "订单发生过退款";
    if (s == "NOTPAY") return "订单未支付";
    if (s == "CLOSED") return "订单已关闭";
    if (s == "USERPAYING") return "用户支付中";
    if (s == "PAYERROR") return "支付失败，请重新下单支付";
    return s;
}

ApiError admin_error(int status, const char* code, std::string message) {
    return ApiError{status, code, std::move(message), nullptr, {}};
}

bool paid(const std::string& s) {
    return s == "SUCCESS" || s == "REFUND";
}

// Field checks over a parsed body, producing the spec's PARAM_ERROR bodies.
struct Fields {
    const Json& body;

    const Json* at(const std::string& pointer) const { return core::pointer_get(body, pointer); }

    // A string field: required/optional, max characters. Sets *err on failure.
    bool str(const std::string& pointer, const std::string& label, size_t max_chars, bool required, std::string* out,
             std::optional<ApiError>* err) const {
        const Json* v = at(pointer);
        if (!v || v->is_null()) {
            if (required) *err = errors::param_missing(pointer, label);
            return !required;
        }
        if (!v->is_string()) {
            *err = errors::param_error(pointer, "must be a string", "body", *v);
            return false;
        }
        std::string s = v->get<std::string>();
        long long n = utf8_chars_bmp(s);
        if (n < 0) {
            *err = errors::param_error(pointer, "only 1-3 byte UTF-8 characters are supported", "body", s);
            return false;
        }
        if (required && s.empty()) {
            *err = errors::param_missing(pointer, label);
            return false;
        }
        if (static_cast<size_t>(n) > max_chars) {
            *err = errors::param_error(pointer, "longer than " + std::to_string(max_chars) + " characters", "body", s);
            return false;
        }
        *out = s;
        return true;
    }

    bool integer(const std::string& pointer, const std::string& label, bool required, long long* out,
                 std::optional<ApiError>* err) const {
        const Json* v = at(pointer);
        if (!v || v->is_null()) {
            if (required) *err = errors::param_missing(pointer, label);
            return !required;
        }
        if (!v->is_number_integer()) {
            *err = errors::param_not_int64(pointer, label, *v);
            return false;
        }
        *out = v->get<long long>();
        return true;
    }

    bool object(const std::string& pointer, const std::string& label, bool required,
                std::optional<ApiError>* err) const {
        const Json* v = at(pointer);
        if (!v || v->is_null()) {
            if (required) *err = errors::param_missing(pointer, label);
            return !required;
        }
        if (!v->is_object()) {
            *err = errors::param_error(pointer, "must be an object", "body", *v);
            return false;
        }
        return true;
    }
};

Outcome<Json> parse_body(const std::string& raw) {
    auto j = core::parse_json(raw);
    if (!j) return errors::param_error("/", "request body is not valid JSON: " + j.error().message, "body");
    if (!j->is_object()) return errors::param_error("/", "request body must be a JSON object", "body");
    return *j;
}

bool allowed_chars(const std::string& s, std::string_view extra) {
    for (unsigned char c : s) {
        if (std::isalnum(c)) continue;
        if (extra.find(static_cast<char>(c)) == std::string_view::npos) return false;
    }
    return true;
}

}  // namespace

bool valid_out_trade_no(const std::string& s) {
    return s.size() >= 6 && s.size() <= 32 && allowed_chars(s, "_-|*");
}
bool valid_out_refund_no(const std::string& s) {
    return !s.empty() && s.size() <= 64 && allowed_chars(s, "_-|*@");
}

long long utf8_chars_bmp(const std::string& s) {
    long long n = 0;
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 0;
        if (len == 0 || i + len > s.size()) return -1;
        for (size_t k = 1; k < len; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return -1;
        }
        i += len;
        ++n;
    }
    return n;
}

// ---- merchants -----------------------------------------------------------------------------------

bool Merchant::has_appid(const std::string& appid) const {
    return std::find(appids.begin(), appids.end(), appid) != appids.end();
}

std::string Merchant::reply_serial(const std::string* requested) const {
    if (requested) {
        if (!public_key_id.empty() && *requested == public_key_id) return public_key_id;
        if (!platform_serial.empty() && iequals(*requested, platform_serial)) return platform_serial;
    }
    return platform_mode == "public_key" ? public_key_id : platform_serial;
}

const Merchant* FixtureConfig::find(const std::string& mchid) const {
    for (const auto& m : merchants) {
        if (m.mchid == mchid) return &m;
    }
    return nullptr;
}

std::shared_ptr<const state::FixtureSection> WechatPay::load_fixture(state::FixtureReader& reader) const {
    const Json& root = reader.root();
    if (!root.contains("wechatpay")) return nullptr;
    auto cfg = std::make_shared<FixtureConfig>();
    const Json& sec = root["wechatpay"];
    if (sec.contains("refund_delay") && sec["refund_delay"].is_string()) {
        auto d = core::parse_duration(sec["refund_delay"].get<std::string>());
        if (!d || d->count() < 0) {
            reader.error("/wechatpay/refund_delay", "not a duration", "write e.g. \"30s\" or \"2m\"");
        } else {
            cfg->refund_delay_ms = d->count();
        }
    }
    if (sec.contains("expired_state") && sec["expired_state"].is_string()) {
        cfg->expired_state = sec["expired_state"].get<std::string>();
    }
    cfg->v2_lenient_notify_replies = sec.value("v2_notify_reply", "strict") == "lenient";
    const Json& list = sec["merchants"];
    for (size_t i = 0; i < list.size(); ++i) {
        const Json& jm = list[i];
        std::string ptr = "/wechatpay/merchants/" + std::to_string(i);
        Merchant m;
        m.mchid = jm.value("mchid", "");
        m.name = jm.value("name", "");
        for (const auto& a : jm.value("appids", Json::array())) m.appids.push_back(a.get<std::string>());
        m.platform_mode = jm.value("platform_mode", "certificate");
        if (jm.contains("balance") && jm["balance"].is_number_integer()) m.balance = jm["balance"].get<long long>();
        if (cfg->find(m.mchid)) {
            reader.error(ptr + "/mchid", "merchant " + m.mchid + " is listed twice");
            continue;
        }
        std::string dir = i == 0 ? "keys/wechatpay/" : "keys/wechatpay/" + m.mchid + "/";
        std::string mp = ptr + "/mchid";
        auto serial = reader.read_text(dir + "merchant_cert_serial.txt", mp, "merchant certificate serial");
        auto mpub = reader.read_file(dir + "merchant_public_key.pem", mp, "merchant public key");
        auto v3 = reader.read_text(dir + "apiv3_key.txt", mp, "APIv3 key");
        auto ppriv = reader.read_file(dir + "platform_private_key.pem", mp, "platform private key");
        auto pcert = reader.read_file(dir + "platform_cert.pem", mp, "platform certificate");
        auto pserial = reader.read_text(dir + "platform_serial.txt", mp, "platform certificate serial");
        auto pkid = reader.read_text(dir + "platform_public_key_id.txt", mp, "platform public key id");
        if (reader.file_exists(dir + "api_v2_key.txt")) {
            if (auto k2 = reader.read_text(dir + "api_v2_key.txt", mp, "API v2 key")) m.api_v2_key = *k2;
        }
        if (!serial || !mpub || !v3 || !ppriv || !pcert || !pserial || !pkid) continue;
        m.merchant_serial = *serial;
        auto k = crypto::load_public_key(*mpub);
        if (!k) {
            reader.error(mp, dir + "merchant_public_key.pem is not an RSA public key: " + k.error().message);
            continue;
        }
        m.merchant_public_key = *k;
        if (v3->size() != 32) {
            reader.error(mp,
                         dir + "apiv3_key.txt must hold exactly 32 characters, found " + std::to_string(v3->size()));
            continue;
        }
        m.apiv3_key = *v3;
        auto pk = crypto::load_private_key(*ppriv);
        if (!pk) {
            reader.error(mp, dir + "platform_private_key.pem is not an RSA private key: " + pk.error().message);
            continue;
        }
        m.platform_private_key = *pk;
        auto cert = crypto::load_certificate(*pcert);
        if (!cert) {
            reader.error(mp, dir + "platform_cert.pem is not an X.509 certificate: " + cert.error().message);
            continue;
        }
        if (!cert->public_key.same_public_key(m.platform_private_key)) {
            reader.error(mp, dir + "platform_cert.pem does not belong to platform_private_key.pem");
            continue;
        }
        if (!iequals(cert->serial_hex, *pserial)) {
            reader.error(mp, dir + "platform_serial.txt (" + *pserial + ") is not the serial of platform_cert.pem (" +
                                 cert->serial_hex + ")");
            continue;
        }
        m.platform_serial = *pserial;
        m.platform_cert_pem = cert->pem;
        m.platform_cert_not_before = cert->not_before;
        m.platform_cert_not_after = cert->not_after;
        m.public_key_id = *pkid;
        cfg->merchants.push_back(std::move(m));
    }
    return cfg;
}

void WechatPay::summarize(const state::FixtureSet& set, Json& summary) const {
    auto cfg = set.section<FixtureConfig>("wechatpay");
    if (!cfg) return;
    Json ms = Json::array();
    for (const auto& m : cfg->merchants) {
        ms.push_back({{"mchid", m.mchid},
                      {"name", m.name},
                      {"appids", m.appids},
                      {"merchant_serial", m.merchant_serial},
                      {"platform_mode", m.platform_mode},
                      {"platform_serial", m.platform_serial},
                      {"platform_public_key_id", m.public_key_id}});
    }
    summary["wechatpay"] = {{"merchants", ms}};
}

std::shared_ptr<const FixtureConfig> WechatPay::config() const {
    auto set = ctx_->fixtures();
    if (!set) return nullptr;
    auto cfg = set->section<FixtureConfig>("wechatpay");
    if (!cfg) return nullptr;
    // Keep the set alive as long as the section is used.
    return std::shared_ptr<const FixtureConfig>(set, cfg.get());
}

void WechatPay::start(emulator::ServiceContext& ctx) {
    ctx_ = &ctx;
    ctx.clock().on_change([this] {
        try {
            settle_due_refunds();
        } catch (const std::exception& e) {
            ctx_->log().error("wechatpay.settle_failed", {{"error", e.what()}});
        }
    });
}

bool WechatPay::apply_expiry(OrderRow& o, long long now) const {
    if (o.state != "NOTPAY" && o.state != "USERPAYING") return false;
    auto cfg = config();
    bool closed = now > std::max(o.created_ms + 7 * kDay, o.time_expire_ms) ||
                  (now > o.time_expire_ms && cfg && cfg->expired_state == "CLOSED");
    if (!closed) return false;
    o.state = "CLOSED";
    o.updated_ms = now;
    return true;
}

// ---- wire shapes ---------------------------------------------------------------------------------

Json WechatPay::transaction_json(const OrderRow& o) const {
    Json j;
    j["appid"] = o.appid;
    j["mchid"] = o.mchid;
    j["out_trade_no"] = o.out_trade_no;
    j["trade_state"] = o.state;
    j["trade_state_desc"] = state_desc(o.state);
    j["promotion_detail"] = Json::array();
    Json extra = core::parse_json(o.extra).value_or(Json::object());
    if (extra.contains("scene_info") && extra["scene_info"].contains("device_id")) {
        j["scene_info"] = {{"device_id", extra["scene_info"]["device_id"]}};
    }
    if (paid(o.state)) {
        j["transaction_id"] = o.transaction_id;
        j["trade_type"] = o.trade_type;
        j["bank_type"] = o.bank_type;
        j["attach"] = o.attach;
        j["success_time"] = rfc3339(o.success_ms);
        j["payer"] = {{"openid", o.openid}};
        j["amount"] = {
            {"total", o.total}, {"payer_total", o.total}, {"currency", o.currency}, {"payer_currency", o.currency}};
    } else {
        j["amount"] = {{"total", o.total}, {"payer_currency", o.currency}};
    }
    return j;
}

Json WechatPay::refund_json(const RefundRow& r) const {
    Json j;
    j["refund_id"] = r.refund_id;
    j["out_refund_no"] = r.out_refund_no;
    j["transaction_id"] = r.transaction_id;
    j["out_trade_no"] = r.out_trade_no;
    j["channel"] = r.channel;
    j["user_received_account"] = r.user_received_account;
    if (r.status == "SUCCESS") j["success_time"] = rfc3339(r.success_ms);
    j["create_time"] = rfc3339(r.created_ms);
    j["status"] = r.status;
    j["funds_account"] = r.funds_account;
    j["amount"] = {{"total", r.total},
                   {"refund", r.refund},
                   {"from", Json::array()},
                   {"payer_total", r.total},
                   {"payer_refund", r.refund},
                   {"settlement_refund", r.refund},
                   {"settlement_total", r.total},
                   {"discount_refund", 0},
                   {"currency", r.currency}};
    j["promotion_detail"] = Json::array();
    return j;
}

// ---- notifications -------------------------------------------------------------------------------

namespace {

std::string envelope_for(emulator::ServiceContext& ctx, const Merchant& m, const std::string& event,
                         const std::string& original_type, const std::string& plaintext) {
    protocol::Envelope e;
    e.id = ctx.ids().uuid();
    e.create_time = core::format_rfc3339(ctx.clock().now());
    e.event_type = event;
    e.summary = protocol::event_summary(event);
    e.resource.original_type = original_type;
    e.resource.associated_data = original_type;
    e.resource.nonce = ctx.ids().base62(12);
    auto ct = protocol::encrypt(m.apiv3_key, e.resource.nonce, e.resource.associated_data, plaintext);
    if (!ct) throw std::runtime_error("encrypting a notification failed: " + ct.error().message);
    e.resource.ciphertext = *ct;
    return protocol::render_envelope(e);
}

}  // namespace

void WechatPay::queue_payment_notification(state::Conn& c, const Merchant& m, const OrderRow& o) {
    if (o.notify_url.empty()) return;
    OrderedJson p;
    p["mchid"] = o.mchid;
    p["appid"] = o.appid;
    p["out_trade_no"] = o.out_trade_no;
    p["transaction_id"] = o.transaction_id;
    p["trade_type"] = o.trade_type;
    p["trade_state"] = "SUCCESS";
    p["trade_state_desc"] = state_desc("SUCCESS");
    p["bank_type"] = o.bank_type;
    p["attach"] = o.attach;
    p["success_time"] = rfc3339(o.success_ms);
    p["payer"] = {{"openid", o.openid}};
    OrderedJson amount;
    amount["total"] = o.total;
    amount["payer_total"] = o.total;
    amount["currency"] = o.currency;
    amount["payer_currency"] = o.currency;
    p["amount"] = amount;
    std::string plaintext = core::dump(p);
    if (o.api_version != "v3") {
        // v2 orders: the v2 module renders its XML from the plaintext transaction.
        ctx_->outbox().enqueue(c, "wechatpay." + o.api_version, "TRANSACTION.SUCCESS", o.mchid, o.out_trade_no,
                               o.notify_url, plaintext, {{"plaintext", Json::parse(plaintext)}});
        return;
    }
    std::string body = envelope_for(*ctx_, m, "TRANSACTION.SUCCESS", "transaction", plaintext);
    ctx_->outbox().enqueue(c, kChannelV3, "TRANSACTION.SUCCESS", o.mchid, o.out_trade_no, o.notify_url, body,
                           {{"plaintext", Json::parse(plaintext)}});
}

void WechatPay::queue_refund_notification(state::Conn& c, const Merchant* m, const RefundRow& r, const OrderRow& o) {
    if (r.notify_url.empty() || !m) return;
    OrderedJson p;
    p["mchid"] = r.mchid;
    p["transaction_id"] = r.transaction_id;
    p["out_trade_no"] = r.out_trade_no;
    p["refund_id"] = r.refund_id;
    p["out_refund_no"] = r.out_refund_no;
    p["refund_status"] = r.status;
    if (r.status == "SUCCESS") p["success_time"] = rfc3339(r.success_ms);
    p["user_received_account"] = r.user_received_account;
    OrderedJson amount;
    amount["total"] = r.total;
    amount["refund"] = r.refund;
    amount["payer_total"] = o.total;
    amount["payer_refund"] = r.refund;
    p["amount"] = amount;
    std::string plaintext = core::dump(p);
    std::string event = "REFUND." + r.status;
    if (r.api_version != "v3") {
        ctx_->outbox().enqueue(c, "wechatpay." + r.api_version, event, r.mchid, r.out_refund_no, r.notify_url,
                               plaintext, {{"plaintext", Json::parse(plaintext)}});
        return;
    }
    std::string body = envelope_for(*ctx_, *m, event, "refund", plaintext);
    ctx_->outbox().enqueue(c, kChannelV3, event, r.mchid, r.out_refund_no, r.notify_url, body,
                           {{"plaintext", Json::parse(plaintext)}});
}

// ---- orders --------------------------------------------------------------------------------------

Outcome<Json> WechatPay::create_order(const Merchant& m, const std::string& trade_type, const std::string& raw_body) {
    auto parsed = parse_body(raw_body);
    if (!parsed.ok()) return parsed.error();
    const Json& body = parsed.value();
    Fields f{body};
    std::optional<ApiError> err;
    OrderRow o;
    o.trade_type = trade_type;
    std::string mchid, time_expire, goods_tag;
    long long total = 0;
    bool ok = f.str("/appid", "公众号ID", 32, true, &o.appid, &err) &&
              f.str("/mchid", "直连商户号", 32, true, &mchid, &err) &&
              f.str("/description", "商品描述", 127, true, &o.description, &err) &&
              f.str("/out_trade_no", "商户订单号", 32, true, &o.out_trade_no, &err) &&
              f.str("/time_expire", "交易结束时间", 64, false, &time_expire, &err) &&
              f.str("/attach", "附加数据", 128, false, &o.attach, &err) &&
              f.str("/notify_url", "通知地址", 255, true, &o.notify_url, &err) &&
              f.str("/goods_tag", "订单优惠标记", 32, false, &goods_tag, &err) &&
              f.object("/amount", "订单金额", true, &err) && f.integer("/amount/total", "总金额", true, &total, &err);
    if (!ok) return *err;
    std::string currency = "CNY";
    if (!f.str("/amount/currency", "货币类型", 16, false, &currency, &err)) return *err;
    if (currency.empty()) currency = "CNY";
    if (currency != "CNY") return errors::param_error("/amount/currency", "Currency code is invalid", "body", currency);
    if (total < 1) return errors::param_error("/amount/total", "must be at least 1 (fen)", "body", total);
    if (trade_type == "JSAPI") {
        if (!f.object("/payer", "支付者", true, &err) ||
            !f.str("/payer/openid", "用户标识", 128, true, &o.openid, &err)) {
            return *err;
        }
    }
    if (!valid_out_trade_no(o.out_trade_no)) {
        return errors::param_error("/out_trade_no", "6-32 characters of [0-9A-Za-z_-|*]", "body", o.out_trade_no);
    }
    {
        auto u = core::parse_url(o.notify_url);
        if (!u || o.notify_url.find('?') != std::string::npos) {
            return errors::param_error("/notify_url", "must be an absolute http(s) URL without a query string", "body",
                                       o.notify_url);
        }
    }
    // Nested objects: detail, scene_info, settle_info.
    if (!f.object("/detail", "优惠功能", false, &err) || !f.object("/scene_info", "场景信息", false, &err) ||
        !f.object("/settle_info", "结算信息", false, &err)) {
        return *err;
    }
    std::string tmp;
    long long num = 0;
    if (f.at("/scene_info") && f.at("/scene_info")->is_object()) {
        if (!f.str("/scene_info/payer_client_ip", "用户终端IP", 45, true, &tmp, &err) ||
            !f.str("/scene_info/device_id", "商户端设备号", 32, false, &tmp, &err)) {
            return *err;
        }
        if (f.object("/scene_info/store_info", "商户门店信息", false, &err) && f.at("/scene_info/store_info")) {
            if (!f.str("/scene_info/store_info/id", "门店编号", 32, true, &tmp, &err) ||
                !f.str("/scene_info/store_info/name", "门店名称", 256, false, &tmp, &err) ||
                !f.str("/scene_info/store_info/area_code", "地区编码", 32, false, &tmp, &err) ||
                !f.str("/scene_info/store_info/address", "详细地址", 512, false, &tmp, &err)) {
                return *err;
            }
        } else if (err) {
            return *err;
        }
    }
    if (f.at("/detail") && f.at("/detail")->is_object()) {
        if (!f.integer("/detail/cost_price", "订单原价", false, &num, &err) ||
            !f.str("/detail/invoice_id", "商品小票ID", 32, false, &tmp, &err)) {
            return *err;
        }
        if (const Json* gd = f.at("/detail/goods_detail")) {
            if (!gd->is_array()) return errors::param_error("/detail/goods_detail", "must be an array", "body", *gd);
            for (size_t i = 0; i < gd->size(); ++i) {
                std::string p = "/detail/goods_detail/" + std::to_string(i);
                if (!f.str(p + "/merchant_goods_id", "商户侧商品编码", 32, true, &tmp, &err) ||
                    !f.str(p + "/wechatpay_goods_id", "微信支付商品编码", 32, false, &tmp, &err) ||
                    !f.str(p + "/goods_name", "商品名称", 256, false, &tmp, &err) ||
                    !f.integer(p + "/quantity", "商品数量", true, &num, &err) ||
                    !f.integer(p + "/unit_price", "商品单价", true, &num, &err)) {
                    return *err;
                }
            }
        }
    }
    if (const Json* lp = f.at("/limit_pay")) {
        if (!lp->is_array()) return errors::param_error("/limit_pay", "must be an array", "body", *lp);
    }
    if (mchid != m.mchid) {
        return errors::param_error("/mchid", "mchid does not match the Authorization mchid", "body", mchid);
    }
    if (!m.has_appid(o.appid)) return errors::appid_mchid_not_match();

    const long long now = ctx_->clock().now_unix_ms();
    if (!time_expire.empty()) {
        auto t = core::parse_rfc3339(time_expire);
        if (!t) return errors::param_error("/time_expire", "not an RFC 3339 time", "body", time_expire);
        o.time_expire_ms = core::to_unix_ms(*t);
    }
    o.mchid = m.mchid;
    o.total = total;
    o.currency = currency;
    Json canonical = body;
    o.params = trade_type + "|" + core::dump(canonical);
    Json extra = Json::object();
    for (const char* k : {"scene_info", "detail", "settle_info", "goods_tag", "limit_pay", "support_fapiao"}) {
        if (body.contains(k)) extra[k] = body[k];
    }
    o.extra = core::dump(extra);

    return ctx_->db().write([&](state::Conn& c) -> Outcome<Json> {
        auto reply = [&](const OrderRow& row) -> Json {
            if (row.trade_type == "NATIVE") return Json{{"code_url", row.code_url}};
            return Json{{"prepay_id", row.prepay_id}};
        };
        auto existing = Store::find_order(c, m.mchid, o.out_trade_no);
        if (existing) {
            OrderRow& e = *existing;
            if (apply_expiry(e, now)) Store::save_order(c, e);
            if (paid(e.state)) return errors::order_paid();
            if (e.state == "CLOSED") return errors::order_closed();
            if (e.params != o.params) {
                // Only time_expire differing: the re-entry check's own message.
                Json a = core::parse_json(e.params.substr(e.params.find('|') + 1)).value_or(Json::object());
                Json b = canonical;
                a.erase("time_expire");
                b.erase("time_expire");
                if (e.params.substr(0, e.params.find('|')) == trade_type && a == b) return errors::reentry_mismatch();
                return errors::out_trade_no_used();
            }
            if (now > e.time_expire_ms) return errors::invalid_request("订单已过期，请重新下单");
            if (now - e.prepay_ms >= kPrepayValidMs) {
                e.prepay_id = "wx" + core::format_compact(core::from_unix_ms(now)) + ctx_->ids().hex(20);
                e.prepay_ms = now;
                e.updated_ms = now;
                Store::save_order(c, e);
            }
            return reply(e);
        }
        o.created_ms = now;
        o.updated_ms = now;
        if (o.time_expire_ms == 0) {
            o.time_expire_ms = now + 7 * kDay;
        } else {
            o.time_expire_ms = std::clamp(o.time_expire_ms, now + kMinute, now + 90 * kDay);
        }
        o.prepay_id = "wx" + core::format_compact(core::from_unix_ms(now)) + ctx_->ids().hex(20);
        o.prepay_ms = now;
        if (trade_type == "NATIVE") o.code_url = "weixin://wxpay/bizpayurl?pr=" + ctx_->ids().base62(9);
        o.id = Store::insert_order(c, o);
        return reply(o);
    });
}

Outcome<Json> WechatPay::query_order(const Merchant& m, const std::string& by, const std::string& key,
                                     const std::string* mchid_param) {
    if (!mchid_param || mchid_param->empty()) return errors::param_error("mchid", "mchid is required", "query");
    if (*mchid_param != m.mchid) {
        return errors::param_error("mchid", "mchid does not match the Authorization mchid", "query", *mchid_param);
    }
    if (by == "out-trade-no" && !valid_out_trade_no(key)) {
        return errors::param_error("out_trade_no", "6-32 characters of [0-9A-Za-z_-|*]", "path", key);
    }
    settle_due_refunds();
    auto row = ctx_->db().read([&](state::Conn& c) {
        return by == "id" ? Store::find_order_by_transaction(c, m.mchid, key) : Store::find_order(c, m.mchid, key);
    });
    if (!row) return errors::order_not_exist();
    apply_expiry(*row, ctx_->clock().now_unix_ms());  // shown; persisted by the next write
    return transaction_json(*row);
}

Outcome<bool> WechatPay::close_order(const Merchant& m, const std::string& out_trade_no, const std::string& raw_body) {
    auto parsed = parse_body(raw_body);
    if (!parsed.ok()) return parsed.error();
    Fields f{parsed.value()};
    std::optional<ApiError> err;
    std::string mchid;
    if (!f.str("/mchid", "直连商户号", 32, true, &mchid, &err)) return *err;
    if (mchid != m.mchid)
        return errors::param_error("/mchid", "mchid does not match the Authorization mchid", "body", mchid);
    if (!valid_out_trade_no(out_trade_no)) {
        return errors::param_error("out_trade_no", "6-32 characters of [0-9A-Za-z_-|*]", "path", out_trade_no);
    }
    return ctx_->db().write([&](state::Conn& c) -> Outcome<bool> {
        auto o = Store::find_order(c, m.mchid, out_trade_no);
        if (!o) return errors::order_not_exist();
        if (apply_expiry(*o, ctx_->clock().now_unix_ms())) Store::save_order(c, *o);
        if (paid(o->state)) return errors::order_paid();
        if (o->state == "CLOSED") return true;  // idempotent
        o->state = "CLOSED";
        o->updated_ms = ctx_->clock().now_unix_ms();
        Store::save_order(c, *o);
        return true;
    });
}

// ---- refunds -------------------------------------------------------------------------------------

Outcome<Json> WechatPay::create_refund(const Merchant& m, const std::string& raw_body) {
    auto parsed = parse_body(raw_body);
    if (!parsed.ok()) return parsed.error();
    const Json& body = parsed.value();
    Fields f{body};
    std::optional<ApiError> err;
    std::string transaction_id, out_trade_no, out_refund_no, reason, notify_url, funds_account, currency;
    long long refund = 0, total = 0;
    bool ok = f.str("/transaction_id", "微信支付订单号", 32, false, &transaction_id, &err) &&
              f.str("/out_trade_no", "商户订单号", 32, false, &out_trade_no, &err) &&
              f.str("/out_refund_no", "商户退款单号", 64, true, &out_refund_no, &err) &&
              f.str("/reason", "退款原因", 80, false, &reason, &err) &&
              f.str("/notify_url", "退款结果回调url", 256, false, &notify_url, &err) &&
              f.str("/funds_account", "退款资金来源", 32, false, &funds_account, &err) &&
              f.object("/amount", "金额信息", true, &err) &&
              f.integer("/amount/refund", "退款金额", true, &refund, &err) &&
              f.integer("/amount/total", "原订单金额", true, &total, &err) &&
              f.str("/amount/currency", "退款币种", 16, true, &currency, &err);
    if (!ok) return *err;
    if (transaction_id.empty() && out_trade_no.empty()) {
        return errors::param_error("/out_trade_no", "one of transaction_id and out_trade_no is required", "body");
    }
    if (!valid_out_refund_no(out_refund_no)) {
        return errors::param_error("/out_refund_no", "1-64 characters of [0-9A-Za-z_-|*@]", "body", out_refund_no);
    }
    if (currency != "CNY") return errors::param_error("/amount/currency", "Currency code is invalid", "body", currency);
    if (refund < 1) return errors::param_error("/amount/refund", "must be at least 1 (fen)", "body", refund);
    if (!notify_url.empty()) {
        auto u = core::parse_url(notify_url);
        if (!u) return errors::param_error("/notify_url", "must be an absolute http(s) URL", "body", notify_url);
    }
    if (!funds_account.empty() && funds_account != "AVAILABLE") {
        return errors::param_error("/funds_account", "only AVAILABLE is accepted", "body", funds_account);
    }
    auto result = ctx_->db().write([&](state::Conn& c) -> Outcome<Json> {
        if (auto existing = Store::find_refund(c, m.mchid, out_refund_no)) return refund_json(*existing);
        std::optional<OrderRow> o = !transaction_id.empty()
                                        ? Store::find_order_by_transaction(c, m.mchid, transaction_id)
                                        : Store::find_order(c, m.mchid, out_trade_no);
        if (o && !transaction_id.empty() && !out_trade_no.empty() && o->out_trade_no != out_trade_no) o.reset();
        if (!o || !paid(o->state)) return errors::resource_not_exists("订单不存在");
        const long long now = ctx_->clock().now_unix_ms();
        if (total != o->total) return errors::invalid_request("订单金额或退款金额与之前请求不一致，请核实后再试");
        if (now - o->success_ms > 365 * kDay) return errors::invalid_request("订单已经超过可退款的最大期限");
        long long refunded = Store::refunded_amount(c, o->id);
        if (refunded + refund > o->total) return errors::invalid_request("申请退款金额超过订单可退金额");
        auto count = c.query_one("SELECT COUNT(*) FROM wechatpay_refunds WHERE order_id = ?", {o->id});
        if (count && count->at(0).as_int() >= kMaxRefundsPerOrder) {
            return errors::invalid_request("订单退款次数超过限制");
        }
        if (m.balance >= 0) {
            auto all = c.query_one(
                "SELECT COALESCE(SUM(refund),0) FROM wechatpay_refunds WHERE mchid = ? AND status <> 'CLOSED'",
                {m.mchid});
            if ((all ? all->at(0).as_int() : 0) + refund > m.balance) return errors::not_enough();
        }
        RefundRow r;
        r.out_refund_no = out_refund_no;
        r.api_version = "v3";
        r.refund = refund;
        r.currency = currency;
        r.reason = reason;
        r.notify_url = notify_url;
        return refund_json(record_refund(c, m, *o, r, now));
    });
    return result;
}

RefundRow WechatPay::record_refund(state::Conn& c, const Merchant& m, OrderRow& o, RefundRow r, long long now) {
    const long long delay = config() ? config()->refund_delay_ms : 0;
    r.mchid = m.mchid;
    r.order_id = o.id;
    r.out_trade_no = o.out_trade_no;
    r.transaction_id = o.transaction_id;
    r.refund_id = "50" + ctx_->ids().digits(9) + core::format_compact(core::from_unix_ms(now)).substr(0, 8) +
                  ctx_->ids().digits(10);
    r.total = o.total;
    r.status = "PROCESSING";
    r.created_ms = now;
    r.settle_at_ms = now + delay;
    r.id = Store::insert_refund(c, r);
    RefundRow recorded = r;
    o.state = "REFUND";
    o.updated_ms = now;
    Store::save_order(c, o);
    if (delay == 0) {
        r.status = "SUCCESS";
        r.success_ms = now;
        Store::save_refund(c, r);
        queue_refund_notification(c, &m, r, o);
    }
    return recorded;
}

std::vector<std::chrono::seconds> notification_retry_waits() {
    using std::chrono::seconds;
    return {seconds(15),    seconds(15),    seconds(30),    seconds(180),   seconds(600),
            seconds(1200),  seconds(1800),  seconds(1800),  seconds(1800),  seconds(3600),
            seconds(10800), seconds(10800), seconds(10800), seconds(21600), seconds(21600)};
}

Outcome<Json> WechatPay::query_refund(const Merchant& m, const std::string& out_refund_no) {
    if (!valid_out_refund_no(out_refund_no)) {
        return errors::param_error("out_refund_no", "1-64 characters of [0-9A-Za-z_-|*@]", "path", out_refund_no);
    }
    settle_due_refunds();
    auto r = ctx_->db().read([&](state::Conn& c) { return Store::find_refund(c, m.mchid, out_refund_no); });
    if (!r) return errors::resource_not_exists("退款单不存在");
    return refund_json(*r);
}

void WechatPay::settle_due_refunds() {
    if (!ctx_) return;
    auto cfg = config();
    const long long now = ctx_->clock().now_unix_ms();
    bool any = ctx_->db().read([&](state::Conn& c) { return !Store::due_refunds(c, now).empty(); });
    if (!any) return;
    ctx_->db().write([&](state::Conn& c) {
        for (auto r : Store::due_refunds(c, now)) {
            r.status = "SUCCESS";
            r.success_ms = std::max(r.settle_at_ms, r.created_ms);
            Store::save_refund(c, r);
            auto o = Store::find_order_by_id(c, r.order_id);
            if (o) queue_refund_notification(c, cfg ? cfg->find(r.mchid) : nullptr, r, *o);
        }
    });
}

Json WechatPay::certificates(const Merchant& m) {
    OrderedJson data = OrderedJson::array();
    if (!m.platform_cert_pem.empty()) {
        protocol::EncryptedResource r;
        r.nonce = ctx_->ids().hex(12);
        r.associated_data = "certificate";
        auto ct = protocol::encrypt(m.apiv3_key, r.nonce, r.associated_data, m.platform_cert_pem);
        if (ct) {
            r.ciphertext = *ct;
            OrderedJson item;
            item["serial_no"] = m.platform_serial;
            item["effective_time"] = core::format_rfc3339(core::from_unix(m.platform_cert_not_before));
            item["expire_time"] = core::format_rfc3339(core::from_unix(m.platform_cert_not_after));
            item["encrypt_certificate"] = protocol::render_encrypted_certificate(r);
            data.push_back(item);
        }
    }
    OrderedJson out;
    out["data"] = data;
    return Json::parse(core::dump(out));
}

// ---- admin ---------------------------------------------------------------------------------------

Outcome<Json> WechatPay::admin_pay(const std::string& out_trade_no, const Json& body) {
    std::string result = body.value("result", "SUCCESS");
    if (result != "SUCCESS" && result != "PAYERROR" && result != "USERPAYING") {
        return admin_error(400, "bad_request", "result must be SUCCESS, PAYERROR or USERPAYING");
    }
    std::string mchid = body.contains("mchid") && body["mchid"].is_string() ? body["mchid"].get<std::string>() : "";
    auto cfg = config();
    return ctx_->db().write([&](state::Conn& c) -> Outcome<Json> {
        std::optional<OrderRow> o;
        if (!mchid.empty()) {
            o = Store::find_order(c, mchid, out_trade_no);
        } else {
            auto all = Store::find_orders_by_number(c, out_trade_no);
            if (all.size() > 1) {
                return admin_error(409, "conflict",
                                   "several merchants have order " + out_trade_no + "; give \"mchid\"");
            }
            if (!all.empty()) o = all.front();
        }
        if (!o) return admin_error(404, "not_found", "no WeChat Pay order " + out_trade_no);
        const Merchant* m = cfg ? cfg->find(o->mchid) : nullptr;
        if (!m) return admin_error(404, "not_found", "merchant " + o->mchid + " is not in the fixture set");
        const long long now = ctx_->clock().now_unix_ms();
        if (apply_expiry(*o, now)) Store::save_order(c, *o);
        if (paid(o->state))
            return admin_error(409, "conflict", "order " + out_trade_no + " is already paid (" + o->state + ")");
        if (o->state == "CLOSED") return admin_error(409, "conflict", "order " + out_trade_no + " is closed");
        if (o->state == "PAYERROR")
            return admin_error(409, "conflict", "order " + out_trade_no + " failed payment (PAYERROR)");
        if (now > o->time_expire_ms) {
            return admin_error(409, "conflict", "order " + out_trade_no + " expired at " + rfc3339(o->time_expire_ms));
        }
        if (body.contains("request_payment") && !body["request_payment"].is_null()) {
            const Json& rp = body["request_payment"];
            auto s = [&](const char* k) {
                return rp.contains(k) && rp[k].is_string() ? rp[k].get<std::string>() : std::string();
            };
            if (!rp.is_object()) return admin_error(400, "bad_request", "request_payment must be an object");
            if (s("package") != "prepay_id=" + o->prepay_id) {
                return admin_error(400, "bad_request",
                                   "request_payment.package is not prepay_id=<the order's prepay_id>");
            }
            if (now - o->prepay_ms >= kPrepayValidMs)
                return admin_error(400, "bad_request", "prepay_id has expired (2 hours)");
            if (o->api_version == "v2") {
                if (auto bad = v2_request_payment_error(*o, *m, rp)) return admin_error(400, "bad_request", *bad);
            } else {
                if (s("signType") != "RSA")
                    return admin_error(400, "bad_request", "request_payment.signType must be RSA");
                if (rp.contains("appId") && s("appId") != o->appid) {
                    return admin_error(400, "bad_request", "request_payment.appId is not the order's appid");
                }
                if (s("timeStamp").empty() || s("nonceStr").empty() || s("nonceStr").size() > 32) {
                    return admin_error(400, "bad_request",
                                       "request_payment needs timeStamp (string) and nonceStr (<= 32)");
                }
                std::string msg = protocol::pay_sign_message(o->appid, s("timeStamp"), s("nonceStr"), s("package"));
                if (!protocol::verify(m->merchant_public_key, msg, s("paySign"))) {
                    return admin_error(400, "bad_request", "paySign does not verify with the merchant's key");
                }
            }
        }
        o->updated_ms = now;
        std::optional<long long> notification;
        if (result == "SUCCESS") {
            o->state = "SUCCESS";
            o->transaction_id = "4200" + ctx_->ids().digits(6) +
                                core::format_compact(core::from_unix_ms(now)).substr(0, 8) + ctx_->ids().digits(10);
            o->bank_type = body.contains("bank_type") && body["bank_type"].is_string()
                               ? body["bank_type"].get<std::string>()
                           : o->api_version == "v2" ? "CFT"
                                                    : "OTHERS";
            o->success_ms = now;
            if (o->openid.empty()) {
                o->openid = body.contains("openid") && body["openid"].is_string()
                                ? body["openid"].get<std::string>()
                                : "o" + ctx_->ids().from_alphabet(core::kUrlSafe, 27);
            }
            Store::save_order(c, *o);
            queue_payment_notification(c, *m, *o);
        } else {
            o->state = result;
            Store::save_order(c, *o);
        }
        Json j = transaction_json(*o);
        j["api_version"] = o->api_version;
        return j;
    });
}

Outcome<Json> WechatPay::admin_refund_outcome(const std::string& out_refund_no, const Json& body) {
    std::string status = body.value("status", "");
    if (status != "SUCCESS" && status != "ABNORMAL" && status != "CLOSED") {
        return admin_error(400, "bad_request", "status must be SUCCESS, ABNORMAL or CLOSED");
    }
    std::string mchid = body.contains("mchid") && body["mchid"].is_string() ? body["mchid"].get<std::string>() : "";
    auto cfg = config();
    return ctx_->db().write([&](state::Conn& c) -> Outcome<Json> {
        std::optional<RefundRow> r;
        if (!mchid.empty()) {
            r = Store::find_refund(c, mchid, out_refund_no);
        } else {
            auto all = Store::find_refunds_by_number(c, out_refund_no);
            if (all.size() > 1)
                return admin_error(409, "conflict",
                                   "several merchants have refund " + out_refund_no + "; give \"mchid\"");
            if (!all.empty()) r = all.front();
        }
        if (!r) return admin_error(404, "not_found", "no WeChat Pay refund " + out_refund_no);
        if (r->status != "PROCESSING" && r->status != "ABNORMAL") {
            return admin_error(409, "conflict", "refund " + out_refund_no + " is already " + r->status);
        }
        if (r->status == status)
            return admin_error(409, "conflict", "refund " + out_refund_no + " is already " + status);
        const long long now = ctx_->clock().now_unix_ms();
        r->status = status;
        r->settle_at_ms = 0;
        if (status == "SUCCESS") r->success_ms = now;
        Store::save_refund(c, *r);
        auto o = Store::find_order_by_id(c, r->order_id);
        if (o && status == "CLOSED" && Store::refunded_amount(c, o->id) == 0 && o->state == "REFUND") {
            o->state = "SUCCESS";
            o->updated_ms = now;
            Store::save_order(c, *o);
        }
        if (o) queue_refund_notification(c, cfg ? cfg->find(r->mchid) : nullptr, *r, *o);
        return refund_json(*r);
    });
}

Json WechatPay::admin_list_orders(const std::string& mchid, const std::string& st, int limit) {
    settle_due_refunds();
    auto rows = ctx_->db().read([&](state::Conn& c) { return Store::list_orders(c, mchid, st, limit); });
    Json out = Json::array();
    const long long now = ctx_->clock().now_unix_ms();
    for (auto& o : rows) {
        apply_expiry(o, now);
        Json j = transaction_json(o);
        j["api_version"] = o.api_version;
        j["prepay_id"] = o.prepay_id;
        if (!o.code_url.empty()) j["code_url"] = o.code_url;
        j["notify_url"] = o.notify_url;
        j["description"] = o.description;
        j["create_time"] = rfc3339(o.created_ms);
        j["time_expire"] = rfc3339(o.time_expire_ms);
        if (!paid(o.state)) j["trade_type"] = o.trade_type;
        out.push_back(j);
    }
    return Json{{"transactions", out}};
}

Json WechatPay::admin_list_refunds(const std::string& mchid, const std::string& out_trade_no, int limit) {
    settle_due_refunds();
    auto rows = ctx_->db().read([&](state::Conn& c) { return Store::list_refunds(c, mchid, out_trade_no, limit); });
    Json out = Json::array();
    for (const auto& r : rows) {
        Json j = refund_json(r);
        j["mchid"] = r.mchid;
        j["api_version"] = r.api_version;
        j["notify_url"] = r.notify_url;
        j["reason"] = r.reason;
        out.push_back(j);
    }
    return Json{{"refunds", out}};
}

}  // namespace mpemu::wechatpay
