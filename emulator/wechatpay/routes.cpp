// WeChat Pay API v3 over HTTP: the operation table, request authentication, signed replies in
// WeChat Pay's format, and the admin calls. Parse, authenticate, call the Api, render.
#include "emulator/wechatpay/routes.hpp"

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/text.hpp"
#include "emulator/admin/admin_http.hpp"
#include "emulator/wechatpay/errors.hpp"
#include "emulator/wechatpay/protocol.hpp"
#include "emulator/wechatpay/service.hpp"

namespace mpemu::wechatpay {

using core::Json;
using emulator::Request;
using emulator::Response;

namespace {

Response error_reply(const Request& req, const Failure& e) {
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
    if (!header) return errors::authorization_missing();
    auto a = protocol::parse_authorization(*header);
    if (!a) return errors::authorization_malformed(a.error().message);
    const Merchant* m = cfg ? cfg->find(a->mchid) : nullptr;
    if (!m) return errors::authorization_mchid_unknown(a->mchid);
    if (!core::iequals(a->serial_no, m->merchant_serial)) return errors::sign_error_serial();
    long long now = core::Clock::wall_unix();  // clock-ok: request timestamps are checked against real time
    auto st = protocol::verify_request(*a, m->merchant_public_key, req.method, req.target, req.body, now);
    if (!st) {
        return errors::signature_rejected(st.error().message, st.error().code == "timestamp", req.method, req.target,
                                          st.error().detail);
    }
    return m;
}

// "parse, authenticate, call the service, render".
template <class Fn>
Response with_merchant(Api& svc, const Request& req, Fn&& fn) {
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

Response refuse(const Request& req, const emulator::RefusalInfo& info) {
    using emulator::Refusal;
    switch (info.kind) {
        case Refusal::kNotEmulated:
            return error_reply(req, errors::not_emulated(req.method, req.path));
        case Refusal::kMethodNotAllowed: {
            Response r = error_reply(req, errors::method_not_allowed(req.method, req.path));
            std::string allow;
            for (const auto& m : info.allowed) allow += (allow.empty() ? "" : ", ") + m;
            r.set_header("Allow", allow);
            return r;
        }
        case Refusal::kBodyTooLarge:
            return error_reply(req, errors::body_too_large(info.detail));
        case Refusal::kTooDeep:
            return error_reply(req, errors::param_error("/", info.detail, "body"));
        case Refusal::kHeadersTooLarge:
        case Refusal::kBadRequest:
            return error_reply(req, errors::invalid_request(info.detail));
        case Refusal::kForbidden:
        case Refusal::kUnauthorized:
            return error_reply(req, errors::sign_error(info.detail));
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

void mount_routes(emulator::Router& router, Api& api) {
    emulator::RouteGroup g;
    g.name = "wechatpay";
    g.prefixes = {"/v3/"};
    g.refuse = refuse;
    router.add_group(std::move(g));

    auto add = [&](const char* method, const char* path, const char* id, emulator::Handler h) {
        router.add("wechatpay", emulator::Operation{method, path, id, std::move(h)});
    };
    add("POST", "/v3/pay/transactions/jsapi", "wechatpay.transactions.jsapi", [&api](Request& req) {
        return with_merchant(api, req,
                             [&](const Merchant& m) { return render(req, m, api.create_order(m, "JSAPI", req.body)); });
    });
    add("POST", "/v3/pay/transactions/native", "wechatpay.transactions.native", [&api](Request& req) {
        return with_merchant(
            api, req, [&](const Merchant& m) { return render(req, m, api.create_order(m, "NATIVE", req.body)); });
    });
    add("GET", "/v3/pay/transactions/out-trade-no/{out_trade_no}", "wechatpay.transactions.get_by_out_trade_no",
        [&api](Request& req) {
            return with_merchant(api, req, [&](const Merchant& m) {
                return render(
                    req, m,
                    api.query_order(m, "out-trade-no", req.path_param("out_trade_no"), req.query_param("mchid")));
            });
        });
    add("GET", "/v3/pay/transactions/id/{transaction_id}", "wechatpay.transactions.get_by_id", [&api](Request& req) {
        return with_merchant(api, req, [&](const Merchant& m) {
            return render(req, m, api.query_order(m, "id", req.path_param("transaction_id"), req.query_param("mchid")));
        });
    });
    add("POST", "/v3/pay/transactions/out-trade-no/{out_trade_no}/close", "wechatpay.transactions.close",
        [&api](Request& req) {
            return with_merchant(api, req, [&](const Merchant& m) {
                auto out = api.close_order(m, req.path_param("out_trade_no"), req.body);
                if (!out.ok()) return error_reply(req, out.error());
                return signed_reply(req, m, 204, "");
            });
        });
    add("POST", "/v3/refund/domestic/refunds", "wechatpay.refunds.create", [&api](Request& req) {
        return with_merchant(api, req,
                             [&](const Merchant& m) { return render(req, m, api.create_refund(m, req.body)); });
    });
    add("GET", "/v3/refund/domestic/refunds/{out_refund_no}", "wechatpay.refunds.get", [&api](Request& req) {
        return with_merchant(api, req, [&](const Merchant& m) {
            return render(req, m, api.query_refund(m, req.path_param("out_refund_no")));
        });
    });
    add("GET", "/v3/certificates", "wechatpay.certificates.list", [&api](Request& req) {
        return with_merchant(
            api, req, [&](const Merchant& m) { return signed_reply(req, m, 200, core::dump(api.certificates(m))); });
    });

    // ---- admin ----
    admin::add(router, "wechatpay.transactions.list", [&api](Request& req) {
        std::string mchid = req.query_param("mchid") ? *req.query_param("mchid") : "";
        std::string st = req.query_param("state") ? *req.query_param("state") : "";
        return admin::json_response(200, api.admin_list_orders(mchid, st, limit_of(req)));
    });
    admin::add(router, "wechatpay.transactions.pay", [&api](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return admin::error_response("bad_request", body.error().message);
        return admin_result(api.admin_pay(req.path_param("out_trade_no"), *body));
    });
    admin::add(router, "wechatpay.refunds.list", [&api](Request& req) {
        std::string mchid = req.query_param("mchid") ? *req.query_param("mchid") : "";
        std::string no = req.query_param("out_trade_no") ? *req.query_param("out_trade_no") : "";
        return admin::json_response(200, api.admin_list_refunds(mchid, no, limit_of(req)));
    });
    admin::add(router, "wechatpay.refunds.outcome", [&api](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return admin::error_response("bad_request", body.error().message);
        return admin_result(api.admin_refund_outcome(req.path_param("out_refund_no"), *body));
    });
}

}  // namespace mpemu::wechatpay
