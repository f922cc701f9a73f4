// WeChat Pay notifications, v3 and v2: payloads, queueing and delivery rendering (see notify.hpp).
#include "emulator/wechatpay/notify.hpp"

#include "core/clock.hpp"
#include "core/time_format.hpp"
#include "emulator/wechatpay/protocol.hpp"
#include "emulator/wechatpay/protocol_v2.hpp"

namespace mpemu::wechatpay::notify {

using core::Json;
using core::OrderedJson;

namespace {

std::string rfc3339(long long ms) {
    return core::format_rfc3339(core::from_unix_ms(ms));
}

std::string str_of(const Json& j, const char* k) {
    return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
}

Json extra_of(const OrderRow& o) {
    return core::parse_json(o.extra).value_or(Json::object());
}

void enqueue(emulator::ServiceContext& ctx, state::Conn& c, const Merchant& m, const std::string& api_version,
             const std::string& event, const std::string& original_type, const std::string& mchid,
             const std::string& key, const std::string& url, const std::string& plaintext) {
    if (api_version != "v3") {
        // Other versions render their own format from the plaintext at delivery time.
        ctx.outbox().enqueue(c, "wechatpay." + api_version, event, mchid, key, url, plaintext,
                             {{"plaintext", Json::parse(plaintext)}});
        return;
    }
    std::string id = ctx.ids().uuid();
    std::string create_time = core::format_rfc3339(ctx.clock().now());
    std::string nonce = ctx.ids().base62(12);
    auto body = v3_envelope(m, event, original_type, plaintext, id, create_time, nonce);
    if (!body) throw std::runtime_error("encrypting a notification failed: " + body.error().message);
    ctx.outbox().enqueue(c, kChannelV3, event, mchid, key, url, *body, {{"plaintext", Json::parse(plaintext)}});
}

}  // namespace

std::vector<std::chrono::seconds> retry_waits() {
    using std::chrono::seconds;
    return {seconds(15),    seconds(15),    seconds(30),    seconds(180),   seconds(600),
            seconds(1200),  seconds(1800),  seconds(1800),  seconds(1800),  seconds(3600),
            seconds(10800), seconds(10800), seconds(10800), seconds(21600), seconds(21600)};
}

std::string payment_payload(const OrderRow& o) {
    OrderedJson p;
    p["mchid"] = o.mchid;
    p["appid"] = o.appid;
    p["out_trade_no"] = o.out_trade_no;
    p["transaction_id"] = o.transaction_id;
    p["trade_type"] = o.trade_type;
    p["trade_state"] = "SUCCESS";
    p["trade_state_desc"] = protocol::trade_state_desc("SUCCESS");
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
    return core::dump(p);
}

std::string refund_payload(const RefundRow& r, const OrderRow& o) {
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
    return core::dump(p);
}

core::Result<std::string> v3_envelope(const Merchant& m, const std::string& event, const std::string& original_type,
                                      const std::string& plaintext, const std::string& id,
                                      const std::string& create_time, const std::string& nonce) {
    protocol::Envelope e;
    e.id = id;
    e.create_time = create_time;
    e.event_type = event;
    e.summary = protocol::event_summary(event);
    e.resource.original_type = original_type;
    e.resource.associated_data = original_type;
    e.resource.nonce = nonce;
    auto ct = protocol::encrypt(m.apiv3_key, e.resource.nonce, e.resource.associated_data, plaintext);
    if (!ct) return ct.error();
    e.resource.ciphertext = *ct;
    return protocol::render_envelope(e);
}

void queue_payment(emulator::ServiceContext& ctx, state::Conn& c, const Merchant& m, const OrderRow& o) {
    if (o.notify_url.empty()) return;
    enqueue(ctx, c, m, o.api_version, "TRANSACTION.SUCCESS", "transaction", o.mchid, o.out_trade_no, o.notify_url,
            payment_payload(o));
}

std::string transfer_payload(const TransferRow& t) {
    OrderedJson p;
    p["out_bill_no"] = t.out_bill_no;
    p["transfer_bill_no"] = t.transfer_bill_no;
    p["state"] = t.state;
    p["mch_id"] = t.mchid;
    p["transfer_amount"] = t.transfer_amount;
    p["openid"] = t.openid;
    if (t.state == "FAIL" && !t.fail_reason.empty()) p["fail_reason"] = t.fail_reason;
    p["create_time"] = rfc3339(t.created_ms);
    p["update_time"] = rfc3339(t.updated_ms);
    return core::dump(p);
}

void queue_transfer(emulator::ServiceContext& ctx, state::Conn& c, const Merchant& m, const TransferRow& t) {
    if (t.notify_url.empty()) return;
    enqueue(ctx, c, m, "v3", "MCHTRANSFER.BILL.FINISHED", "mch_payment", t.mchid, t.out_bill_no, t.notify_url,
            transfer_payload(t));
}

void queue_batch(emulator::ServiceContext& ctx, state::Conn& c, const Merchant& m, const TransferBatchRow& b,
                 const std::string& plaintext) {
    if (b.notify_url.empty()) return;
    enqueue(ctx, c, m, "v3", "MCHTRANSFER.BATCH." + b.state, "mch_payment", b.mchid, b.out_batch_no, b.notify_url,
            plaintext);
}

void queue_refund(emulator::ServiceContext& ctx, state::Conn& c, const Merchant* m, const RefundRow& r,
                  const OrderRow& o) {
    if (r.notify_url.empty() || !m) return;
    enqueue(ctx, c, *m, r.api_version, "REFUND." + r.status, "refund", r.mchid, r.out_refund_no, r.notify_url,
            refund_payload(r, o));
}

core::Result<core::HttpRequest> render_v3(const Merchant& m, const state::OutboxMessage& msg, const std::string& nonce,
                                          long long timestamp) {
    auto h = protocol::sign_message_headers(m.platform_private_key, m.default_serial(), msg.payload, timestamp, nonce);
    if (!h) return h.error();
    core::HttpRequest r;
    r.method = "POST";
    r.url = msg.url;
    r.body = msg.payload;
    r.headers = protocol::notification_headers(*h);
    r.headers.emplace_back("User-Agent", "Mozilla/4.0");
    return r;
}

core::Result<std::string> v2_payment_xml(const Merchant& m, const OrderRow& order, const Json& j,
                                         const std::string& nonce_str) {
    Json extra = extra_of(order);
    v2::SignType type = v2::SignType::kMd5;
    v2::parse_sign_type(str_of(extra, "sign_type"), &type);
    const std::string total = std::to_string(j["amount"].value("total", 0LL));
    auto success = core::parse_rfc3339(str_of(j, "success_time"));
    v2::Params x{{"appid", str_of(j, "appid")},
                 {"attach", str_of(j, "attach")},
                 {"bank_type", str_of(j, "bank_type")},
                 {"cash_fee", total},
                 {"device_info", str_of(extra, "device_info")},
                 {"fee_type", "CNY"},
                 {"is_subscribe", "N"},
                 {"mch_id", m.mchid},
                 {"nonce_str", nonce_str},
                 {"openid", j.contains("payer") ? j["payer"].value("openid", "") : ""},
                 {"out_trade_no", str_of(j, "out_trade_no")},
                 {"result_code", "SUCCESS"},
                 {"return_code", "SUCCESS"},
                 {"sign", ""},
                 {"sign_type", type == v2::SignType::kHmacSha256 ? v2::sign_type_name(type) : ""},
                 {"time_end", success ? core::format_compact(*success) : ""},
                 {"total_fee", total},
                 {"trade_type", str_of(j, "trade_type")},
                 {"transaction_id", str_of(j, "transaction_id")}};
    x.set("sign", v2::sign(x, m.api_v2_key, type));
    return v2::render_xml(x);
}

core::Result<std::string> v2_refund_xml(const Merchant& m, const OrderRow& order, const RefundRow& r, const Json& j,
                                        const std::string& nonce_str) {
    auto success = core::parse_rfc3339(str_of(j, "success_time"));
    v2::Params info{{"out_refund_no", r.out_refund_no},
                    {"out_trade_no", r.out_trade_no},
                    {"refund_account", v2::refund_account(r.funds_account)},
                    {"refund_fee", std::to_string(r.refund)},
                    {"refund_id", r.refund_id},
                    {"refund_recv_accout", r.user_received_account},
                    {"refund_request_source", "API"},
                    {"refund_status", v2::refund_status(str_of(j, "refund_status"))},
                    {"settlement_refund_fee", std::to_string(r.refund)},
                    {"settlement_total_fee", std::to_string(r.total)},
                    {"success_time", success ? core::format_datetime(*success) : ""},
                    {"total_fee", std::to_string(r.total)},
                    {"transaction_id", r.transaction_id}};
    auto req_info = v2::encrypt_req_info(v2::render_root(info), m.api_v2_key);
    if (!req_info) return req_info.error();
    return v2::render_xml(v2::Params{{"return_code", "SUCCESS"},
                                     {"appid", order.appid},
                                     {"mch_id", m.mchid},
                                     {"nonce_str", nonce_str},
                                     {"req_info", *req_info}});
}

namespace {

core::Result<core::HttpRequest> render_v2(emulator::ServiceContext& ctx, const FixtureConfig* cfg,
                                          const state::OutboxMessage& msg) {
    const Merchant* m = cfg ? cfg->find(msg.tenant) : nullptr;
    if (m && m->api_v2_key.empty()) m = nullptr;
    if (!m)
        return core::make_error("merchant", "merchant " + msg.tenant + " has no API v2 key in the loaded fixture set");
    auto payload = core::parse_json(msg.payload);
    if (!payload || !payload->is_object())
        return core::make_error("payload", "notification payload is not a JSON object");
    const Json& j = *payload;
    auto order = ctx.db().read([&](state::Conn& c) { return Store(c, msg.tenant).order(str_of(j, "out_trade_no")); });
    if (!order) return core::make_error("order", "order " + str_of(j, "out_trade_no") + " is gone (reset?)");
    core::Result<std::string> body = std::string();
    if (msg.event == "TRANSACTION.SUCCESS") {
        body = v2_payment_xml(*m, *order, j, ctx.ids().hex(32));
    } else {
        auto refund =
            ctx.db().read([&](state::Conn& c) { return Store(c, msg.tenant).refund(str_of(j, "out_refund_no")); });
        if (!refund) return core::make_error("refund", "refund " + str_of(j, "out_refund_no") + " is gone (reset?)");
        body = v2_refund_xml(*m, *order, *refund, j, ctx.ids().base62(16));
    }
    if (!body) return body.error();
    core::HttpRequest req;
    req.method = "POST";
    req.url = msg.url;
    req.body = std::move(*body);
    req.headers.emplace_back("Content-Type", "text/xml");
    req.headers.emplace_back("User-Agent", "Mozilla/4.0");
    return req;
}

}  // namespace

void register_v3_channel(emulator::ServiceContext& ctx, ConfigSource config) {
    state::OutboxChannel ch;
    ch.name = kChannelV3;
    ch.retry_waits = retry_waits();
    ch.timeout = std::chrono::milliseconds(5000);
    ch.render = [&ctx, config = std::move(config)](const state::OutboxMessage& msg) -> core::Result<core::HttpRequest> {
        auto cfg = config();
        const Merchant* m = cfg ? cfg->find(msg.tenant) : nullptr;
        if (!m) return core::make_error("merchant", "merchant " + msg.tenant + " is not in the loaded fixture set");
        std::string nonce = ctx.ids().base62(32);
        long long ts = core::Clock::wall_unix();  // clock-ok: merchants check notification timestamps against real time
        return render_v3(*m, msg, nonce, ts);
    };
    ch.accepted = [](const core::HttpResponse& res, std::string* why) {
        if (res.status == 200 || res.status == 204) return true;
        if (why) *why = "merchant answered HTTP " + std::to_string(res.status) + " (only 200 and 204 acknowledge)";
        return false;
    };
    ctx.outbox().register_channel(std::move(ch));
}

void register_v2_channel(emulator::ServiceContext& ctx, ConfigSource config) {
    state::OutboxChannel ch;
    ch.name = kChannelV2;
    ch.retry_waits = retry_waits();  // §12.5, the same schedule as v3
    ch.timeout = std::chrono::milliseconds(5000);
    ch.render = [&ctx, config](const state::OutboxMessage& msg) {
        auto cfg = config();
        return render_v2(ctx, cfg.get(), msg);
    };
    ch.accepted = [config = std::move(config)](const core::HttpResponse& res, std::string* why) {
        auto cfg = config();
        return v2::notification_reply_accepted(res.status, res.body, cfg && cfg->v2_lenient_notify_replies, why);
    };
    ctx.outbox().register_channel(std::move(ch));
}

}  // namespace mpemu::wechatpay::notify
