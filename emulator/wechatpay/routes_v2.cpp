// WeChat Pay API v2 over HTTP: the operation table (also under the legacy sandbox prefixes), the
// §4.2 check order (XML, mch_id, sign_type, signature, appid), and replies signed with the
// request's algorithm. Every answer is HTTP 200, as in production.
#include "emulator/wechatpay/service_v2.hpp"

namespace mpemu::wechatpay {

using emulator::Request;
using emulator::Response;
using v2::Answer;
using v2::Call;
using v2::Failure;
using v2::Params;
namespace fail = v2::fail;

namespace {

constexpr size_t kMaxBody = 64 * 1024;  // §2.2: `detail` may hold 6 000 characters

// The sandbox prefixes of wechatpy/tenpay and WxJava (§1.1); "" is production.
constexpr const char* kPrefixes[] = {"", "/sandboxnew", "/xdc/apiv2sandbox"};

Response xml_reply(emulator::ServiceContext& ctx, std::string body) {
    Response r = Response::text(200, std::move(body), "text/plain");
    // The shape of a real Request-Id: 42 upper-case hex characters, "-", 5 digits.
    r.set_header("Request-Id", ctx.ids().hex_upper(42) + "-" + ctx.ids().digits(5));
    return r;
}

Response protocol_fail(emulator::ServiceContext& ctx, const Failure& f) {
    if (!f.log.empty()) ctx.log().debug("wechatpay.v2.refused", {{"return_msg", f.text}, {"detail", f.log}});
    return xml_reply(ctx, v2::render_protocol_fail(f.text));
}

// A checked request: the call, or why not (a protocol failure, or a business one the reply signs).
struct Checked {
    Call call;
    std::optional<Failure> failure;
};

Checked check(const WechatPayV2& svc, const Request& req, bool sandbox, bool needs_appid) {
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
    const std::string mch_id = p.get_or("mch_id");
    const Merchant* m = svc.merchant(mch_id);
    if (!m) return refuse(fail::mch_id_format("no merchant with an API v2 key has mch_id \"" + mch_id + "\""));
    if (!v2::parse_sign_type(p.get_or("sign_type"), &out.call.sign_type)) return refuse(fail::sign_type_format());
    out.call.key = sandbox ? WechatPayV2::sandbox_key(*m) : m->api_v2_key;
    if (!p.has("sign")) return refuse(fail::sign_error("no sign"));
    if (!v2::verify(p, out.call.key, out.call.sign_type)) {
        return refuse(fail::sign_error(std::string("sign does not match; expected string to sign: ") +
                                       v2::string_to_sign(p, "<API v2 key>")));
    }
    if (needs_appid && !m->has_appid(p.get_or("appid"))) return refuse(fail::appid_mch_mismatch());
    out.call.merchant = m;
    if (const std::string* n = p.get("nonce_str"); n && n->size() > 32) return refuse(fail::length("nonce_str"));
    if (!p.has("nonce_str")) out.failure = fail::lack_params("nonce_str");
    return out;
}

// return_code SUCCESS + common header + result_code and the business fields, signed (§3.5, §4.1).
Response render(emulator::ServiceContext& ctx, const Call& call, const Answer& a) {
    if (a.failure && a.failure->protocol) return protocol_fail(ctx, *a.failure);
    const Params& p = call.params;
    Params out{{"return_code", "SUCCESS"}, {"return_msg", "OK"}};
    out.set("appid", p.get_or("appid"));
    out.set("mch_id", p.get_or("mch_id"));
    out.set("device_info", p.get_or("device_info"));
    out.set("nonce_str", ctx.ids().base62(16));
    out.set("sign", "");
    if (a.failure) {
        ctx.log().debug("wechatpay.v2.business_fail", {{"err_code", a.failure->code}, {"detail", a.failure->log}});
        out.set("result_code", "FAIL");
        out.set("err_code", a.failure->code);
        out.set("err_code_des", a.failure->text);
    } else {
        out.set("result_code", "SUCCESS");
        for (const auto& [k, v] : a.fields.fields()) out.set(k, v);
    }
    out.set("sign", v2::sign(out, call.key, call.sign_type));
    return xml_reply(ctx, v2::render_xml(out));
}

struct Op {
    const char* path;
    const char* id;
    Answer (WechatPayV2::*fn)(const Call&);
};
constexpr Op kOps[] = {
    {"/pay/unifiedorder", "wechatpay.v2.unifiedorder", &WechatPayV2::unified_order},
    {"/pay/orderquery", "wechatpay.v2.orderquery", &WechatPayV2::order_query},
    {"/pay/closeorder", "wechatpay.v2.closeorder", &WechatPayV2::close_order},
    {"/secapi/pay/refund", "wechatpay.v2.refund", &WechatPayV2::refund},
    {"/pay/refundquery", "wechatpay.v2.refundquery", &WechatPayV2::refund_query},
};

// Well-known v2 operations that mpemu does not emulate, named in the refusal.
constexpr std::pair<const char*, const char*> kKnown[] = {
    {"/pay/micropay", "付款码支付 (wechatpay.v2.micropay)"},
    {"/secapi/pay/reverse", "撤销订单 (wechatpay.v2.reverse)"},
    {"/pay/downloadfundflow", "下载资金账单 (wechatpay.v2.downloadfundflow)"},
    {"/pay/batchquerycomment", "拉取订单评价数据 (wechatpay.v2.batchquerycomment)"},
    {"/mmpaymkttransfers/", "企业付款/红包 (wechatpay.v2.transfers)"},
    {"/payitil/report", "交易保障 (wechatpay.v2.report)"},
};

Response refuse(emulator::ServiceContext* ctx, const Request& req, const emulator::RefusalInfo& info) {
    using emulator::Refusal;
    switch (info.kind) {
        case Refusal::kMethodNotAllowed:
            return protocol_fail(*ctx, fail::not_post());
        case Refusal::kBodyTooLarge:
        case Refusal::kTooDeep:
            return protocol_fail(*ctx, fail::xml_format(info.detail));
        case Refusal::kNotEmulated: {
            std::string name = req.method + " " + req.path;
            for (const auto& [prefix, op] : kKnown) {
                if (req.path.find(prefix) != std::string::npos) name = std::string(op) + " — " + name;
            }
            return protocol_fail(*ctx, fail::protocol("mpemu 未模拟此接口: " + name));
        }
        case Refusal::kInternal:
            return protocol_fail(*ctx, fail::protocol("系统错误", info.detail));
        default:
            return protocol_fail(*ctx, fail::protocol(info.detail));
    }
}

}  // namespace

void WechatPayV2::mount(emulator::Router& router, emulator::ServiceContext& ctx) {
    ctx_ = &ctx;
    register_channel();
    emulator::RouteGroup g;
    g.name = "wechatpay_v2";
    g.prefixes = {"/pay/", "/secapi/", "/sandboxnew/", "/xdc/"};
    g.refuse = [this](const Request& req, const emulator::RefusalInfo& info) { return refuse(ctx_, req, info); };
    router.add_group(std::move(g));
    auto add = [&](const std::string& path, const std::string& id, emulator::Handler h) {
        router.add("wechatpay_v2", emulator::Operation{"POST", path, id, std::move(h)});
    };

    for (const char* prefix : kPrefixes) {
        const bool sandbox = *prefix != '\0';
        const std::string suffix = sandbox ? ".sandbox" : "";
        for (const Op& op : kOps) {
            // "parse, authenticate, call the service, render".
            add(prefix + std::string(op.path), op.id + suffix, [this, sandbox, fn = op.fn](Request& req) {
                Checked c = check(*this, req, sandbox, true);
                if (c.failure && (c.failure->protocol || !c.call.merchant)) return protocol_fail(*ctx_, *c.failure);
                return render(*ctx_, c.call, c.failure ? Answer(*c.failure) : (this->*fn)(c.call));
            });
        }
        add(prefix + std::string("/pay/downloadbill"), "wechatpay.v2.downloadbill" + suffix,
            [this, sandbox](Request& req) {
                Checked c = check(*this, req, sandbox, true);
                if (c.failure && (c.failure->protocol || !c.call.merchant)) return protocol_fail(*ctx_, *c.failure);
                v2::Bill bill = c.failure ? v2::Bill{false, {}, c.failure->text, "20001"} : download_bill(c.call);
                if (bill.ok) return xml_reply(*ctx_, std::move(bill.text));
                return xml_reply(*ctx_, v2::render_xml(Params{{"return_code", "FAIL"},
                                                              {"return_msg", bill.return_msg},
                                                              {"error_code", bill.error_code}}));
            });
    }
    // Sandbox key (§1.1): signed with the real key, answers the fixed per-merchant sandbox key.
    auto signkey = [this](Request& req) {
        Checked c = check(*this, req, false, false);
        if (c.failure) return protocol_fail(*ctx_, *c.failure);
        Params out{{"return_code", "SUCCESS"},
                   {"return_msg", "ok"},
                   {"mch_id", c.call.merchant->mchid},
                   {"sandbox_signkey", sandbox_key(*c.call.merchant)}};
        return xml_reply(*ctx_, v2::render_xml(out));
    };
    add("/sandboxnew/pay/getsignkey", "wechatpay.v2.getsignkey", signkey);
    add("/xdc/apiv2getsignkey/sign/getsignkey", "wechatpay.v2.getsignkey.xdc", signkey);
}

}  // namespace mpemu::wechatpay
