// WeChat Pay API v2 over HTTP: the operation table (also under the legacy sandbox prefixes), the
// §4.2 check order (XML, mch_id, sign_type, signature, appid), and replies signed with the
// request's algorithm. Every answer is HTTP 200, as in production.
#include "emulator/wechatpay/routes_v2.hpp"

#include "emulator/wechatpay/errors_v2.hpp"
#include "emulator/wechatpay/service_v2.hpp"

namespace mpemu::wechatpay {

using emulator::Outcome;
using emulator::Request;
using emulator::Response;
using v2::Answer;
using v2::Call;
using v2::Failure;
using v2::Params;
namespace fail = v2::fail;

namespace {

constexpr size_t kMaxBody = size_t{64} * 1024;  // §2.2: `detail` may hold 6 000 characters

// The sandbox prefixes of wechatpy/tenpay and WxJava (§1.1); "" is production.
constexpr const char* kPrefixes[] = {"", "/sandboxnew", "/xdc/apiv2sandbox"};

Response xml_reply(emulator::ServiceContext& ctx, std::string body) {
    Response r = Response::text(200, std::move(body), "text/plain");
    // The shape of a real Request-Id: 42 upper-case hex characters, "-", 5 digits.
    r.set_header("Request-Id", ctx.ids().hex_upper(42) + "-" + ctx.ids().digits(5));
    return r;
}

Response protocol_fail(emulator::ServiceContext& ctx, const Failure& f) {
    if (!f.log.empty()) ctx.log().debug("wechatpay.v2.refused", {{"return_msg", f.message}, {"detail", f.log}});
    return xml_reply(ctx, v2::render_protocol_fail(f.message));
}

// A checked request: the call, or why not (a protocol failure, or a business one the reply signs).
struct Checked {
    Call call;
    std::optional<Failure> failure;
};

// `mch_field` / `appid_field`: the names this operation gives the merchant and app ids (企业付款 says
// mchid / mch_appid).
Checked check(const ApiV2& svc, const Request& req, bool sandbox, bool needs_appid, const char* mch_field = "mch_id",
              const char* appid_field = "appid") {
    Checked out;
    auto refuse = [&](Failure f) {
        out.failure = std::move(f);
        return out;
    };
    if (req.body.size() > kMaxBody) return refuse(fail::xml_format("body larger than 64 KiB"));
    v2::ParseResult parsed = v2::parse_xml(req.body);
    if (!parsed.ok) {
        switch (parsed.error.kind) {
            case v2::ParseFailure::kEmpty:
                return refuse(fail::empty_body());
            case v2::ParseFailure::kNotUtf8:
                return refuse(fail::not_utf8());
            default:
                return refuse(fail::xml_format(parsed.error.detail));
        }
    }
    Params& p = out.call.params;
    p = std::move(parsed.params);
    const std::string mch_id = p.get_or(mch_field);
    const Merchant* m = svc.merchant(mch_id);
    if (!m) {
        Failure f = fail::format(mch_field);  // mch_id参数格式错误 (observed), mchid参数格式错误
        f.log = "no merchant with an API v2 key has " + std::string(mch_field) + " \"" + mch_id + "\"";
        return refuse(std::move(f));
    }
    if (!v2::parse_sign_type(p.get_or("sign_type"), &out.call.sign_type)) return refuse(fail::sign_type_format());
    out.call.key = sandbox ? ApiV2::sandbox_key(*m) : m->api_v2_key;
    if (!p.has("sign")) return refuse(fail::sign_error("no sign"));
    if (!v2::verify(p, out.call.key, out.call.sign_type)) {
        return refuse(fail::sign_error(std::string("sign does not match; expected string to sign: ") +
                                       v2::string_to_sign(p, "<API v2 key>")));
    }
    if (needs_appid && !m->has_appid(p.get_or(appid_field))) return refuse(fail::appid_mch_mismatch());
    out.call.merchant = m;
    if (const std::string* n = p.get("nonce_str"); n && n->size() > 32) return refuse(fail::length("nonce_str"));
    if (!p.has("nonce_str")) out.failure = fail::lack_params("nonce_str");
    return out;
}

// return_code SUCCESS + common header + result_code and the business fields, signed (§3.5, §4.1).
Response render(emulator::ServiceContext& ctx, const Call& call, const Answer& a) {
    if (!a.ok() && v2::is_protocol(a.error())) return protocol_fail(ctx, a.error());
    const Params& p = call.params;
    Params out{{"return_code", "SUCCESS"}, {"return_msg", "OK"}};
    out.set("appid", p.get_or("appid"));
    out.set("mch_id", p.get_or("mch_id"));
    out.set("device_info", p.get_or("device_info"));
    out.set("nonce_str", ctx.ids().base62(16));
    out.set("sign", "");
    if (!a.ok()) {
        const Failure& f = a.error();
        ctx.log().debug("wechatpay.v2.business_fail", {{"err_code", f.code}, {"detail", f.log}});
        out.set("result_code", "FAIL");
        out.set("err_code", f.code);
        out.set("err_code_des", f.message);
    } else {
        out.set("result_code", "SUCCESS");
        for (const auto& [k, v] : a.value().fields()) out.set(k, v);
    }
    out.set("sign", v2::sign(out, call.key, call.sign_type));
    return xml_reply(ctx, v2::render_xml(out));
}

// 企业付款 replies: unsigned, the request's own id field names, result_code and the business fields; a
// business failure repeats err_code_des as return_msg.
Response render_unsigned(emulator::ServiceContext& ctx, const Call& call, const Answer& a, const char* mch_field,
                         const char* appid_field) {
    if (!a.ok() && v2::is_protocol(a.error())) return protocol_fail(ctx, a.error());
    const Params& p = call.params;
    Params out{{"return_code", "SUCCESS"}, {"return_msg", a.ok() ? "" : a.error().message}};
    out.set(appid_field, p.get_or(appid_field));
    out.set(mch_field, p.get_or(mch_field));
    out.set("device_info", p.get_or("device_info"));
    out.set("nonce_str", ctx.ids().base62(16));
    if (!a.ok()) {
        out.set("result_code", "FAIL");
        out.set("err_code", a.error().code);
        out.set("err_code_des", a.error().message);
    } else {
        out.set("result_code", "SUCCESS");
        for (const auto& [k, v] : a.value().fields()) out.set(k, v);
    }
    return xml_reply(ctx, v2::render_xml(out));
}

struct Op {
    const char* path;
    const char* id;
    Answer (ApiV2::*fn)(const Call&);
};
constexpr Op kOps[] = {
    {"/pay/unifiedorder", "wechatpay.v2.unifiedorder", &ApiV2::unified_order},
    {"/pay/orderquery", "wechatpay.v2.orderquery", &ApiV2::order_query},
    {"/pay/closeorder", "wechatpay.v2.closeorder", &ApiV2::close_order},
    {"/secapi/pay/refund", "wechatpay.v2.refund", &ApiV2::refund},
    {"/pay/refundquery", "wechatpay.v2.refundquery", &ApiV2::refund_query},
    {"/pay/micropay", "wechatpay.v2.micropay", &ApiV2::micropay},
    {"/secapi/pay/reverse", "wechatpay.v2.reverse", &ApiV2::reverse},
};

Response refuse(emulator::ServiceContext* ctx, const Request& req, const emulator::RefusalInfo& info) {
    using emulator::Refusal;
    switch (info.kind) {
        case Refusal::kMethodNotAllowed:
            return protocol_fail(*ctx, fail::not_post());
        case Refusal::kBodyTooLarge:
        case Refusal::kTooDeep:
            return protocol_fail(*ctx, fail::xml_format(info.detail));
        case Refusal::kNotEmulated:
            return protocol_fail(*ctx, fail::not_emulated(req.method, req.path));
        case Refusal::kInternal:
            return protocol_fail(*ctx, fail::system_error_protocol(info.detail));
        default:
            return protocol_fail(*ctx, fail::protocol(info.detail));
    }
}

}  // namespace

void mount_routes_v2(emulator::Router& router, ApiV2& api, emulator::ServiceContext& ctx) {
    emulator::ServiceContext* ctxp = &ctx;
    emulator::RouteGroup g;
    g.name = "wechatpay_v2";
    g.prefixes = {"/pay/", "/secapi/", "/sandboxnew/", "/xdc/", "/mmpaymkttransfers/", "/mmpaysptrans/"};
    g.refuse = [ctxp](const Request& req, const emulator::RefusalInfo& info) { return refuse(ctxp, req, info); };
    router.add_group(std::move(g));
    auto add = [&](const std::string& path, const std::string& id, emulator::Handler h) {
        router.add("wechatpay_v2", emulator::Operation{"POST", path, id, std::move(h)});
    };

    for (const char* prefix : kPrefixes) {
        const bool sandbox = *prefix != '\0';
        const std::string suffix = sandbox ? ".sandbox" : "";
        for (const Op& op : kOps) {
            // "parse, authenticate, call the service, render".
            add(prefix + std::string(op.path), op.id + suffix, [&api, ctxp, sandbox, fn = op.fn](Request& req) {
                Checked c = check(api, req, sandbox, true);
                if (c.failure && (v2::is_protocol(*c.failure) || !c.call.merchant))
                    return protocol_fail(*ctxp, *c.failure);
                return render(*ctxp, c.call, c.failure ? Answer(*c.failure) : (api.*fn)(c.call));
            });
        }
        add(prefix + std::string("/pay/downloadbill"), "wechatpay.v2.downloadbill" + suffix,
            [&api, ctxp, sandbox](Request& req) {
                Checked c = check(api, req, sandbox, true);
                if (c.failure && (v2::is_protocol(*c.failure) || !c.call.merchant))
                    return protocol_fail(*ctxp, *c.failure);
                Outcome<std::string> bill = c.failure ? Outcome<std::string>(fail::bill_refused(c.failure->message))
                                                      : api.download_bill(c.call);
                if (bill.ok()) return xml_reply(*ctxp, std::move(bill.value()));
                return xml_reply(*ctxp, v2::render_xml(Params{{"return_code", "FAIL"},
                                                              {"return_msg", bill.error().message},
                                                              {"error_code", bill.error().code}}));
            });
    }
    // 企业付款到零钱 (client certificate in production; not enforced, as for refunds).
    struct TransferOp {
        const char* path;
        const char* id;
        Answer (ApiV2::*fn)(const Call&);
        const char* mch_field;
        const char* appid_field;
    };
    for (const TransferOp& op : {TransferOp{"/mmpaymkttransfers/promotion/transfers", "wechatpay.v2.transfers",
                                            &ApiV2::transfer, "mchid", "mch_appid"},
                                 TransferOp{"/mmpaymkttransfers/gettransferinfo", "wechatpay.v2.gettransferinfo",
                                            &ApiV2::transfer_info, "mch_id", "appid"}}) {
        add(op.path, op.id, [&api, ctxp, op](Request& req) {
            Checked c = check(api, req, false, true, op.mch_field, op.appid_field);
            if (c.failure && (v2::is_protocol(*c.failure) || !c.call.merchant)) return protocol_fail(*ctxp, *c.failure);
            return render_unsigned(*ctxp, c.call, c.failure ? Answer(*c.failure) : (api.*op.fn)(c.call), op.mch_field,
                                   op.appid_field);
        });
    }

    // Sandbox key (§1.1): signed with the real key, answers the fixed per-merchant sandbox key.
    auto signkey = [&api, ctxp](Request& req) {
        Checked c = check(api, req, false, false);
        if (c.failure) return protocol_fail(*ctxp, *c.failure);
        Params out{{"return_code", "SUCCESS"},
                   {"return_msg", "ok"},
                   {"mch_id", c.call.merchant->mchid},
                   {"sandbox_signkey", ApiV2::sandbox_key(*c.call.merchant)}};
        return xml_reply(*ctxp, v2::render_xml(out));
    };
    add("/sandboxnew/pay/getsignkey", "wechatpay.v2.getsignkey", signkey);
    add("/xdc/apiv2getsignkey/sign/getsignkey", "wechatpay.v2.getsignkey.xdc", signkey);
}

}  // namespace mpemu::wechatpay
