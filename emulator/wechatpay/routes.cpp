// WeChat Pay API v3 over HTTP: the operation table, request authentication, signed replies in
// WeChat Pay's format, and the admin calls. Parse, authenticate, call the Api, render.
#include "emulator/wechatpay/routes.hpp"

#include <cctype>
#include <string_view>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/text.hpp"
#include "core/url.hpp"
#include "emulator/admin/admin_http.hpp"
#include "emulator/wechatpay/errors.hpp"
#include "emulator/wechatpay/protocol.hpp"
#include "emulator/wechatpay/protocol_h5.hpp"
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

// The origin an h5_url points at: the request's own Host. A bare hostname (no port, not an IP literal or
// localhost) can only have come through the TLS front at a production hostname, so it gets https.
std::string origin_of(const Request& req) {
    const std::string* host = req.header("Host");
    std::string h = host ? *host : "";
    bool clean = !h.empty() && h.size() <= 255;
    for (char c : h) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view(".-:[]").find(c) == std::string::npos)
            clean = false;
    }
    if (!clean) return "http://127.0.0.1";
    bool letters = false;
    for (char c : h) letters = letters || std::isalpha(static_cast<unsigned char>(c));
    bool tls = h.find(':') == std::string::npos && letters && !core::iequals(h, "localhost");
    return (tls ? "https://" : "http://") + h;
}

// ---- the H5 cashier page (HTML) ----

Response html_reply(int status, std::string html) {
    Response r = Response::text(status, std::move(html), "text/html; charset=utf-8");
    r.set_header("Cache-Control", "no-store");
    r.set_header("X-Content-Type-Options", "nosniff");
    return r;
}

Response h5_error(const Failure& e) {
    return html_reply(e.status, protocol::render_h5_message(e.message));
}

Response h5_refuse(const Request&, const emulator::RefusalInfo& info) {
    using emulator::Refusal;
    switch (info.kind) {
        case Refusal::kNotEmulated:
            return h5_error(errors::h5_link_invalid(info.detail));
        case Refusal::kMethodNotAllowed: {
            Response r = h5_error(errors::h5_bad_request("请用浏览器打开此链接 (GET), 按钮以表单提交 (POST)"));
            r.status = 405;
            r.set_header("Allow", "GET, POST");
            return r;
        }
        case Refusal::kInternal:
            return h5_error(Failure{500, "internal", "系统繁忙，请稍后再试", nullptr, info.detail});
        default:
            return h5_error(errors::h5_bad_request(info.detail));
    }
}

// GET shows the cashier; POST (form action=pay|cancel|fail) acts, then sends the browser to the
// merchant's redirect_url (as WeChat returns the user to it whatever the outcome) or shows the result.
Response h5_page(Api& api, const Request& req, bool post) {
    std::string prepay_id = req.query_param("prepay_id") ? *req.query_param("prepay_id") : "";
    std::string package = req.query_param("package") ? *req.query_param("package") : "";
    std::string back;
    if (const std::string* r = req.query_param("redirect_url")) {
        auto u = core::parse_url(*r);
        if (!u || (u->scheme != "http" && u->scheme != "https")) {
            return h5_error(errors::h5_bad_request("redirect_url 须为 URL 编码后的 http(s) 地址"));
        }
        back = *r;
    }
    std::string action;
    if (post) {
        auto form = core::parse_query(req.body);
        const std::string* a = core::find_param(form, "action");
        if (!a || a->empty()) return h5_error(errors::h5_bad_request("action must be pay, cancel or fail"));
        action = *a;
    }
    auto out = api.h5_cashier(prepay_id, package, action);
    if (!out.ok()) return h5_error(out.error());
    if (post && !back.empty()) {
        Response r = Response::empty(303);
        r.set_header("Location", back);
        r.set_header("Cache-Control", "no-store");
        return r;
    }
    const OrderRow& o = out->order;
    protocol::H5Page page;
    page.merchant = out->merchant_name;
    page.description = o.description;
    page.out_trade_no = o.out_trade_no;
    page.total = o.total;
    page.state = o.state;
    page.notice = out->notice;
    page.actions = out->payable;
    page.form_target = req.target;
    page.back_url = back;
    return html_reply(200, protocol::render_h5_page(page));
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
    add("POST", "/v3/pay/transactions/app", "wechatpay.transactions.app", [&api](Request& req) {
        return with_merchant(api, req,
                             [&](const Merchant& m) { return render(req, m, api.create_order(m, "APP", req.body)); });
    });
    add("POST", "/v3/pay/transactions/h5", "wechatpay.transactions.h5", [&api](Request& req) {
        return with_merchant(api, req, [&](const Merchant& m) {
            return render(req, m, api.create_order(m, "MWEB", req.body, origin_of(req)));
        });
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
        return with_merchant(api, req, [&](const Merchant& m) { return render(req, m, api.certificates(m)); });
    });

    add("POST", "/v3/fund-app/mch-transfer/transfer-bills", "wechatpay.transfer_bills.create", [&api](Request& req) {
        return with_merchant(api, req, [&](const Merchant& m) {
            return render(req, m, api.create_transfer(m, req.body, req.header("Wechatpay-Serial")));
        });
    });
    add("GET", "/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}",
        "wechatpay.transfer_bills.get_by_out_bill_no", [&api](Request& req) {
            return with_merchant(api, req, [&](const Merchant& m) {
                return render(req, m, api.query_transfer(m, "out-bill-no", req.path_param("out_bill_no")));
            });
        });
    add("GET", "/v3/fund-app/mch-transfer/transfer-bills/transfer-bill-no/{transfer_bill_no}",
        "wechatpay.transfer_bills.get_by_transfer_bill_no", [&api](Request& req) {
            return with_merchant(api, req, [&](const Merchant& m) {
                return render(req, m, api.query_transfer(m, "transfer-bill-no", req.path_param("transfer_bill_no")));
            });
        });
    add("POST", "/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}/cancel",
        "wechatpay.transfer_bills.cancel", [&api](Request& req) {
            return with_merchant(api, req, [&](const Merchant& m) {
                return render(req, m, api.cancel_transfer(m, req.path_param("out_bill_no")));
            });
        });

    add("POST", "/v3/transfer/batches", "wechatpay.transfer_batches.create", [&api](Request& req) {
        return with_merchant(api, req, [&](const Merchant& m) {
            return render(req, m, api.create_batch(m, req.body, req.header("Wechatpay-Serial")));
        });
    });
    add("GET", "/v3/transfer/batches/batch-id/{batch_id}", "wechatpay.transfer_batches.get_by_batch_id",
        [&api](Request& req) {
            return with_merchant(api, req, [&](const Merchant& m) {
                return render(req, m, api.query_batch(m, "batch-id", req.path_param("batch_id"), req.query));
            });
        });
    add("GET", "/v3/transfer/batches/out-batch-no/{out_batch_no}", "wechatpay.transfer_batches.get_by_out_batch_no",
        [&api](Request& req) {
            return with_merchant(api, req, [&](const Merchant& m) {
                return render(req, m, api.query_batch(m, "out-batch-no", req.path_param("out_batch_no"), req.query));
            });
        });
    add("GET", "/v3/transfer/batches/batch-id/{batch_id}/details/detail-id/{detail_id}",
        "wechatpay.transfer_batches.detail_by_id", [&api](Request& req) {
            return with_merchant(api, req, [&](const Merchant& m) {
                return render(
                    req, m,
                    api.query_batch_detail(m, "batch-id", req.path_param("batch_id"), req.path_param("detail_id")));
            });
        });
    add("GET", "/v3/transfer/batches/out-batch-no/{out_batch_no}/details/out-detail-no/{out_detail_no}",
        "wechatpay.transfer_batches.detail_by_out_detail_no", [&api](Request& req) {
            return with_merchant(api, req, [&](const Merchant& m) {
                return render(req, m,
                              api.query_batch_detail(m, "out-batch-no", req.path_param("out_batch_no"),
                                                     req.path_param("out_detail_no")));
            });
        });

    // ---- the H5 cashier: the emulator's own page, outside every production path ----
    emulator::RouteGroup h5;
    h5.name = "wechatpay_h5";
    h5.prefixes = {std::string(protocol::kH5Prefix)};
    h5.refuse = h5_refuse;
    router.add_group(std::move(h5));
    router.add("wechatpay_h5", emulator::Operation{"GET", std::string(protocol::kH5Path), "wechatpay.h5.cashier",
                                                   [&api](Request& req) { return h5_page(api, req, false); }});
    router.add("wechatpay_h5", emulator::Operation{"POST", std::string(protocol::kH5Path), "wechatpay.h5.action",
                                                   [&api](Request& req) { return h5_page(api, req, true); }});

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
    admin::add(router, "wechatpay.payment_codes.create", [&api](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return admin::error_response("bad_request", body.error().message);
        return admin_result(api.admin_payment_code(*body));
    });
    admin::add(router, "wechatpay.transfer_bills.list", [&api](Request& req) {
        std::string mchid = req.query_param("mchid") ? *req.query_param("mchid") : "";
        std::string st = req.query_param("state") ? *req.query_param("state") : "";
        return admin::json_response(200, api.admin_list_transfers(mchid, st, limit_of(req)));
    });
    admin::add(router, "wechatpay.transfer_bills.result", [&api](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return admin::error_response("bad_request", body.error().message);
        return admin_result(api.admin_transfer_result(req.path_param("out_bill_no"), *body));
    });
    admin::add(router, "wechatpay.transfer_batches.list", [&api](Request& req) {
        std::string mchid = req.query_param("mchid") ? *req.query_param("mchid") : "";
        return admin::json_response(200, api.admin_list_batches(mchid, limit_of(req)));
    });
    admin::add(router, "wechatpay.transfer_batches.result", [&api](Request& req) {
        auto body = admin::body_object(req);
        if (!body) return admin::error_response("bad_request", body.error().message);
        return admin_result(api.admin_batch_result(req.path_param("out_batch_no"), *body));
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
