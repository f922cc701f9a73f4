// WeChat Pay API v3 over HTTP: the operation table, request authentication, signed replies in
// WeChat Pay's format, the outbox channel that signs notifications, and the admin calls.
#include "emulator/wechatpay/routes.hpp"

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "emulator/admin/admin_http.hpp"
#include "emulator/state/outbox.hpp"
#include "emulator/wechatpay/protocol.hpp"
#include "emulator/wechatpay/service.hpp"

namespace mpemu::wechatpay {

using core::Json;
using emulator::Request;
using emulator::Response;

namespace {

Response error_reply(const Request& req, const ApiError& e) {
    Response r = Response::json(e.status, render_error(e));
    r.set_header("Request-ID", req.request_id);
    return r;
}

// Signs a 2xx reply with the merchant's platform key over the exact body bytes, at real time.
Response signed_reply(const Request& req, const Merchant& m, int status, std::string body) {
    Response r = body.empty() ? Response::empty(status) : Response::json(status, std::move(body));
    r.set_header("Request-ID", req.request_id);
    std::string serial = m.reply_serial(req.header("Wechatpay-Serial"));
    std::string nonce = core::crypto::hex_encode(core::crypto::random_bytes(16));
    long long ts = core::Clock::wall_unix();  // clock-ok: SDKs check signature timestamps against real time
    auto h = protocol::sign_message_headers(m.platform_private_key, serial, r.body, ts, nonce);
    if (!h) return error_reply(req, errors::system_error("signing failed: " + h.error().message));
    r.set_header("Wechatpay-Timestamp", h->timestamp);
    r.set_header("Wechatpay-Nonce", h->nonce);
    r.set_header("Wechatpay-Signature", h->signature);
    r.set_header("Wechatpay-Serial", h->serial);
    r.set_header("Wechatpay-Signature-Type", std::string(protocol::kAuthScheme));
    return r;
}

// Authenticates the caller from Authorization (§2.3); the merchant or a ready error reply.
Outcome<const Merchant*> authenticate(const Request& req, const FixtureConfig* cfg) {
    const std::string* header = req.header("Authorization");
    if (!header) {
        ApiError e = errors::sign_error("Authorization header is missing");
        e.message = "Http头缺少Authorization或格式错误，请参考《微信支付商户REST API签名规则》";
        return e;
    }
    auto a = protocol::parse_authorization(*header);
    if (!a) {
        ApiError e = errors::sign_error(a.error().message);
        e.message = "Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》";
        return e;
    }
    const Merchant* m = cfg ? cfg->find(a->mchid) : nullptr;
    if (!m) {
        ApiError e = errors::sign_error("mchid " + a->mchid + " is not a merchant of the fixture set");
        e.message = "商户号不存在或Authorization中mchid有误";
        return e;
    }
    std::string s1 = a->serial_no, s2 = m->merchant_serial;
    for (auto& c : s1) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (auto& c : s2) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (s1 != s2) return errors::sign_error_serial();
    long long now = core::Clock::wall_unix();  // clock-ok: request timestamps are checked against real time
    auto st = protocol::verify_request(*a, m->merchant_public_key, req.method, req.target, req.body, now);
    if (!st) {
        ApiError e = errors::sign_error(st.error().message, req.method, req.target, st.error().detail);
        if (st.error().code == "timestamp") e.message = "请求的时间戳已过期或不合法，请检查系统时间";
        return e;
    }
    return m;
}

// "parse, authenticate, call the service, render".
template <class Fn>
Response with_merchant(WechatPay& svc, const Request& req, Fn&& fn) {
    auto cfg = svc.config();
    auto who = authenticate(req, cfg.get());
    if (!who.ok()) return error_reply(req, who.error());
    return fn(*who.value());
}

template <class T>
Response render(const Request& req, const Merchant& m, const Outcome<T>& out) {
    if (!out.ok()) return error_reply(req, out.error());
    return signed_reply(req, m, 200, core::dump(out.value()));
}

struct Named {
    const char* prefix;
    const char* name;
};
// Well-known production operations that mpemu does not emulate, named in the refusal.
constexpr Named kKnown[] = {
    {"/v3/pay/transactions/app", "APP下单 (wechatpay.transactions.app)"},
    {"/v3/pay/transactions/h5", "H5下单 (wechatpay.transactions.h5)"},
    {"/v3/pay/partner/", "服务商模式支付 (wechatpay.partner)"},
    {"/v3/pay/combine-transactions", "合单支付 (wechatpay.combine_transactions)"},
    {"/v3/refund/domestic/abnormal-refunds", "发起异常退款 (wechatpay.refunds.abnormal)"},
    {"/v3/bill/tradebill", "申请交易账单 (wechatpay.bills.trade)"},
    {"/v3/bill/fundflowbill", "申请资金账单 (wechatpay.bills.fundflow)"},
    {"/v3/billdownload/", "下载账单 (wechatpay.bills.download)"},
    {"/v3/profitsharing/", "分账 (wechatpay.profitsharing)"},
    {"/v3/marketing/", "营销 (wechatpay.marketing)"},
    {"/v3/merchant/media/", "图片/视频上传 (wechatpay.media.upload)"},
    {"/v3/transfer/batches", "商家转账到零钱 (wechatpay.transfer.batches)"},
    {"/v3/fund-app/mch-transfer/", "商家转账 (wechatpay.transfer.bills)"},
    {"/v3/merchant-service/", "消费者投诉 (wechatpay.complaints)"},
    {"/v3/payscore/", "微信支付分 (wechatpay.payscore)"},
    {"/v3/global/", "跨境支付 (wechatpay.global)"},
};

Response refuse(const Request& req, const emulator::RefusalInfo& info) {
    using emulator::Refusal;
    switch (info.kind) {
        case Refusal::kNotEmulated: {
            ApiError e = errors::not_emulated(req.method, req.path);
            for (const auto& k : kKnown) {
                if (req.path.rfind(k.prefix, 0) == 0) {
                    e.message = "mpemu 未模拟此接口: " + std::string(k.name) + " — " + req.method + " " + req.path;
                    e.detail["operation"] = k.name;
                }
            }
            return error_reply(req, e);
        }
        case Refusal::kMethodNotAllowed: {
            Response r = error_reply(req, errors::method_not_allowed(req.method, req.path));
            std::string allow;
            for (const auto& m : info.allowed) allow += (allow.empty() ? "" : ", ") + m;
            r.set_header("Allow", allow);
            return r;
        }
        case Refusal::kBodyTooLarge: {
            ApiError e = errors::param_error("/", info.detail, "body");
            e.status = 413;
            return error_reply(req, e);
        }
        case Refusal::kTooDeep:
            return error_reply(req, errors::param_error("/", info.detail, "body"));
        case Refusal::kHeadersTooLarge:
        case Refusal::kBadRequest:
            return error_reply(req, errors::invalid_request(info.detail));
        case Refusal::kForbidden:
        case Refusal::kUnauthorized: {
            ApiError e = errors::sign_error(info.detail);
            return error_reply(req, e);
        }
        case Refusal::kInternal:
        default:
            return error_reply(req, errors::system_error(info.detail));
    }
}

Response admin_result(const Outcome<Json>& r) {
    if (r.ok()) return admin::json_response(200, r.value());
    return admin::error_response(r.error().code, r.error().message);
}

int limit_of(const Request& req) {
    const std::string* v = req.query_param("limit");
    if (!v) return 1000;
    try {
        return std::max(1, std::stoi(*v));
    } catch (...) {
        return 1000;
    }
}

}  // namespace

void WechatPay::register_channel() {
    state::OutboxChannel ch;
    ch.name = kChannelV3;
    ch.retry_waits = notification_retry_waits();
    ch.timeout = std::chrono::milliseconds(5000);
    ch.render = [this](const state::OutboxMessage& msg) -> core::Result<core::HttpRequest> {
        auto cfg = config();
        const Merchant* m = cfg ? cfg->find(msg.tenant) : nullptr;
        if (!m) return core::make_error("merchant", "merchant " + msg.tenant + " is not in the loaded fixture set");
        std::string nonce = ctx_->ids().base62(32);
        long long ts = core::Clock::wall_unix();  // clock-ok: merchants check notification timestamps against real time
        std::string serial = m->platform_mode == "public_key" ? m->public_key_id : m->platform_serial;
        auto h = protocol::sign_message_headers(m->platform_private_key, serial, msg.payload, ts, nonce);
        if (!h) return h.error();
        core::HttpRequest r;
        r.method = "POST";
        r.url = msg.url;
        r.body = msg.payload;
        r.headers = protocol::notification_headers(*h);
        r.headers.emplace_back("User-Agent", "Mozilla/4.0");
        return r;
    };
    ch.accepted = [](const core::HttpResponse& res, std::string* why) {
        if (res.status == 200 || res.status == 204) return true;
        if (why) *why = "merchant answered HTTP " + std::to_string(res.status) + " (only 200 and 204 acknowledge)";
        return false;
    };
    ctx_->outbox().register_channel(std::move(ch));
}

void WechatPay::mount(emulator::Router& router, emulator::ServiceContext& ctx) {
    ctx_ = &ctx;
    register_channel();
    emulator::RouteGroup g;
    g.name = "wechatpay";
    g.prefixes = {"/v3/"};
    g.refuse = refuse;
    router.add_group(std::move(g));

    auto add = [&](const char* method, const char* path, const char* id, emulator::Handler h) {
        router.add("wechatpay", emulator::Operation{method, path, id, std::move(h)});
    };
    add("POST", "/v3/pay/transactions/jsapi", "wechatpay.transactions.jsapi", [this](Request& req) {
        return with_merchant(*this, req,
                             [&](const Merchant& m) { return render(req, m, create_order(m, "JSAPI", req.body)); });
    });
    add("POST", "/v3/pay/transactions/native", "wechatpay.transactions.native", [this](Request& req) {
        return with_merchant(*this, req,
                             [&](const Merchant& m) { return render(req, m, create_order(m, "NATIVE", req.body)); });
    });
    add("GET", "/v3/pay/transactions/out-trade-no/{out_trade_no}", "wechatpay.transactions.get_by_out_trade_no",
        [this](Request& req) {
            return with_merchant(*this, req, [&](const Merchant& m) {
                return render(req, m,
                              query_order(m, "out-trade-no", req.path_param("out_trade_no"), req.query_param("mchid")));
            });
        });
    add("GET", "/v3/pay/transactions/id/{transaction_id}", "wechatpay.transactions.get_by_id", [this](Request& req) {
        return with_merchant(*this, req, [&](const Merchant& m) {
            return render(req, m, query_order(m, "id", req.path_param("transaction_id"), req.query_param("mchid")));
        });
    });
    add("POST", "/v3/pay/transactions/out-trade-no/{out_trade_no}/close", "wechatpay.transactions.close",
        [this](Request& req) {
            return with_merchant(*this, req, [&](const Merchant& m) {
                auto out = close_order(m, req.path_param("out_trade_no"), req.body);
                if (!out.ok()) return error_reply(req, out.error());
                return signed_reply(req, m, 204, "");
            });
        });
    add("POST", "/v3/refund/domestic/refunds", "wechatpay.refunds.create", [this](Request& req) {
        return with_merchant(*this, req, [&](const Merchant& m) { return render(req, m, create_refund(m, req.body)); });
    });
    add("GET", "/v3/refund/domestic/refunds/{out_refund_no}", "wechatpay.refunds.get", [this](Request& req) {
        return with_merchant(*this, req, [&](const Merchant& m) {
            return render(req, m, query_refund(m, req.path_param("out_refund_no")));
        });
    });
    add("GET", "/v3/certificates", "wechatpay.certificates.list", [this](Request& req) {
        return with_merchant(*this, req,
                             [&](const Merchant& m) { return signed_reply(req, m, 200, core::dump(certificates(m))); });
    });

    // ---- admin ----
    admin::add(router, "wechatpay.transactions.list", [this](Request& req) {
        std::string mchid = req.query_param("mchid") ? *req.query_param("mchid") : "";
        std::string st = req.query_param("state") ? *req.query_param("state") : "";
        return admin::json_response(200, admin_list_orders(mchid, st, limit_of(req)));
    });
    admin::add(router, "wechatpay.transactions.pay", [this](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return admin::error_response("bad_request", body.error().message);
        return admin_result(admin_pay(req.path_param("out_trade_no"), *body));
    });
    admin::add(router, "wechatpay.refunds.list", [this](Request& req) {
        std::string mchid = req.query_param("mchid") ? *req.query_param("mchid") : "";
        std::string no = req.query_param("out_trade_no") ? *req.query_param("out_trade_no") : "";
        return admin::json_response(200, admin_list_refunds(mchid, no, limit_of(req)));
    });
    admin::add(router, "wechatpay.refunds.outcome", [this](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return admin::error_response("bad_request", body.error().message);
        return admin_result(admin_refund_outcome(req.path_param("out_refund_no"), *body));
    });
}

}  // namespace mpemu::wechatpay
