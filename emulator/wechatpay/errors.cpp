// WeChat Pay v3 error catalogue and its single renderer.
#include "emulator/wechatpay/errors.hpp"

#include <string_view>

#include "core/json.hpp"

namespace mpemu::wechatpay {

std::string render_error(const Failure& e) {
    core::Json j;  // sorted keys: code, detail, message (real error bodies are alphabetical)
    j["code"] = e.code;
    j["message"] = e.message;
    if (!e.detail.is_null()) j["detail"] = e.detail;
    return core::dump(j);
}

namespace errors {

namespace {
Failure make(int status, std::string code, std::string message, core::Json detail = nullptr, std::string log = {}) {
    return Failure{status, std::move(code), std::move(message), std::move(detail), std::move(log)};
}

struct Named {
    const char* prefix;
    const char* name;
};
// Well-known production operations that mpemu does not emulate, named in the refusal.
constexpr Named kKnown[] = {
    {"/v3/pay/partner/", "服务商模式支付 (wechatpay.partner)"},
    {"/v3/pay/combine-transactions", "合单支付 (wechatpay.combine_transactions)"},
    {"/v3/refund/domestic/abnormal-refunds", "发起异常退款 (wechatpay.refunds.abnormal)"},
    {"/v3/bill/tradebill", "申请交易账单 (wechatpay.bills.trade)"},
    {"/v3/bill/fundflowbill", "申请资金账单 (wechatpay.bills.fundflow)"},
    {"/v3/billdownload/", "下载账单 (wechatpay.bills.download)"},
    {"/v3/profitsharing/", "分账 (wechatpay.profitsharing)"},
    {"/v3/marketing/", "营销 (wechatpay.marketing)"},
    {"/v3/merchant/media/", "图片/视频上传 (wechatpay.media.upload)"},
    {"/v3/merchant-service/", "消费者投诉 (wechatpay.complaints)"},
    {"/v3/payscore/", "微信支付分 (wechatpay.payscore)"},
    {"/v3/global/", "跨境支付 (wechatpay.global)"},
};
}  // namespace

Failure sign_error(const std::string& issue, const std::string& method, const std::string& url,
                   const std::string& sign_message) {
    core::Json detail;
    detail["detail"] = {{"issue", issue}};
    detail["field"] = "signature";
    detail["location"] = "authorization";
    if (!method.empty()) {
        detail["sign_information"] = {
            {"method", method},
            {"sign_message_length", sign_message.size()},
            {"truncated_sign_message", sign_message.substr(0, 1024)},
            {"url", url},
        };
    }
    return make(401, "SIGN_ERROR", "错误的签名，验签失败", detail, issue);
}

Failure authorization_missing() {
    Failure e = sign_error("Authorization header is missing");
    e.message = "Http头缺少Authorization或格式错误，请参考《微信支付商户REST API签名规则》";
    return e;
}

Failure authorization_malformed(const std::string& issue) {
    Failure e = sign_error(issue);
    e.message = "Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》";
    return e;
}

Failure authorization_mchid_unknown(const std::string& mchid) {
    Failure e = sign_error("mchid " + mchid + " is not a merchant of the fixture set");
    e.message = "商户号不存在或Authorization中mchid有误";
    return e;
}

Failure signature_rejected(const std::string& issue, bool timestamp, const std::string& method, const std::string& url,
                           const std::string& sign_message) {
    Failure e = sign_error(issue, method, url, sign_message);
    if (timestamp) e.message = "请求的时间戳已过期或不合法，请检查系统时间";
    return e;
}

Failure sign_error_serial() {
    return make(401, "SIGN_ERROR", "商户证书序列号有误",
                {{"field", "serial_no"},
                 {"issue", "merchant certificate serial_no not registered"},
                 {"location", "authorization"}});
}

Failure param_error(const std::string& field, const std::string& issue, const std::string& location,
                    const core::Json& value) {
    core::Json d = {{"field", field}, {"issue", issue}, {"location", location}};
    if (!value.is_null()) d["value"] = value;
    return make(400, "PARAM_ERROR", "参数错误", d, issue);
}

std::string field_label(RequestBody body, const std::string& pointer) {
    struct Label {
        RequestBody body;
        std::string_view pointer;
        std::string_view label;
    };
    static constexpr Label kLabels[] = {
        {RequestBody::kOrder, "/appid", "公众号ID"},
        {RequestBody::kOrder, "/mchid", "直连商户号"},
        {RequestBody::kOrder, "/description", "商品描述"},
        {RequestBody::kOrder, "/out_trade_no", "商户订单号"},
        {RequestBody::kOrder, "/time_expire", "交易结束时间"},
        {RequestBody::kOrder, "/attach", "附加数据"},
        {RequestBody::kOrder, "/notify_url", "通知地址"},
        {RequestBody::kOrder, "/goods_tag", "订单优惠标记"},
        {RequestBody::kOrder, "/amount", "订单金额"},
        {RequestBody::kOrder, "/amount/total", "总金额"},
        {RequestBody::kOrder, "/amount/currency", "货币类型"},
        {RequestBody::kOrder, "/payer", "支付者"},
        {RequestBody::kOrder, "/payer/openid", "用户标识"},
        {RequestBody::kOrder, "/detail", "优惠功能"},
        {RequestBody::kOrder, "/scene_info", "场景信息"},
        {RequestBody::kOrder, "/settle_info", "结算信息"},
        {RequestBody::kOrder, "/scene_info/payer_client_ip", "用户终端IP"},
        {RequestBody::kOrder, "/scene_info/device_id", "商户端设备号"},
        {RequestBody::kOrder, "/scene_info/store_info", "商户门店信息"},
        {RequestBody::kOrder, "/scene_info/h5_info", "H5场景信息"},
        {RequestBody::kOrder, "/scene_info/h5_info/type", "场景类型"},
        {RequestBody::kOrder, "/scene_info/h5_info/app_name", "应用名称"},
        {RequestBody::kOrder, "/scene_info/h5_info/app_url", "网站URL"},
        {RequestBody::kOrder, "/scene_info/h5_info/bundle_id", "iOS平台BundleID"},
        {RequestBody::kOrder, "/scene_info/h5_info/package_name", "Android平台PackageName"},
        {RequestBody::kOrder, "/scene_info/store_info/id", "门店编号"},
        {RequestBody::kOrder, "/scene_info/store_info/name", "门店名称"},
        {RequestBody::kOrder, "/scene_info/store_info/area_code", "地区编码"},
        {RequestBody::kOrder, "/scene_info/store_info/address", "详细地址"},
        {RequestBody::kOrder, "/detail/cost_price", "订单原价"},
        {RequestBody::kOrder, "/detail/invoice_id", "商品小票ID"},
        {RequestBody::kOrder, "/detail/goods_detail/*/merchant_goods_id", "商户侧商品编码"},
        {RequestBody::kOrder, "/detail/goods_detail/*/wechatpay_goods_id", "微信支付商品编码"},
        {RequestBody::kOrder, "/detail/goods_detail/*/goods_name", "商品名称"},
        {RequestBody::kOrder, "/detail/goods_detail/*/quantity", "商品数量"},
        {RequestBody::kOrder, "/detail/goods_detail/*/unit_price", "商品单价"},
        {RequestBody::kClose, "/mchid", "直连商户号"},
        {RequestBody::kRefund, "/transaction_id", "微信支付订单号"},
        {RequestBody::kRefund, "/out_trade_no", "商户订单号"},
        {RequestBody::kRefund, "/out_refund_no", "商户退款单号"},
        {RequestBody::kRefund, "/reason", "退款原因"},
        {RequestBody::kRefund, "/notify_url", "退款结果回调url"},
        {RequestBody::kRefund, "/funds_account", "退款资金来源"},
        {RequestBody::kRefund, "/amount", "金额信息"},
        {RequestBody::kRefund, "/amount/refund", "退款金额"},
        {RequestBody::kRefund, "/amount/total", "原订单金额"},
        {RequestBody::kRefund, "/amount/currency", "退款币种"},
    };
    // Array indexes ("/detail/goods_detail/0/quantity") match the table's "*".
    std::string pattern;
    for (const auto& token : core::pointer_tokens(pointer)) {
        bool index = !token.empty() && token.find_first_not_of("0123456789") == std::string::npos;
        pattern += "/" + (index ? std::string("*") : token);
    }
    for (const auto& l : kLabels) {
        if (l.body == body && l.pointer == pattern) return std::string(l.label);
    }
    return pointer;
}

Failure param_missing(const std::string& pointer, const std::string& label) {
    return make(400, "PARAM_ERROR", "输入源“" + pointer + "”映射到字段“" + label + "”必填性规则校验失败,此字段为必填项",
                {{"field", pointer}, {"issue", "required field missing"}, {"location", "body"}});
}

Failure param_not_int64(const std::string& pointer, const std::string& label, const core::Json& value) {
    return make(
        400, "PARAM_ERROR",
        "无法将 JSON 输入源“/body" + pointer + "”映射到目标字段“" + label + "”中，此字段需要一个合法的 64 位有符号整数",
        {{"location", "body"}, {"value", value}});
}

Failure body_too_large(const std::string& issue) {
    Failure e = param_error("/", issue, "body");
    e.status = 413;
    return e;
}

Failure invalid_request(const std::string& message) {
    return make(400, "INVALID_REQUEST", message);
}
Failure appid_mchid_not_match() {
    return make(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配,请检查后再试");
}
Failure mch_not_exists(int status) {
    return make(status, "MCH_NOT_EXISTS", "商户号不存在");
}
Failure out_trade_no_used() {
    return make(400, "INVALID_REQUEST", "201 商户订单号重复");
}
Failure reentry_mismatch() {
    return make(400, "PARAM_ERROR", "订单重入参数校验失败");
}
Failure order_expired() {
    return invalid_request("订单已过期，请重新下单");
}
Failure order_paid() {
    return make(400, "ORDERPAID", "订单已支付");
}
Failure order_closed() {
    return make(400, "ORDER_CLOSED", "订单已关闭");
}
Failure order_not_exist() {
    return make(404, "ORDER_NOT_EXIST", "订单不存在");
}
Failure resource_not_exists(const std::string& message) {
    return make(404, "RESOURCE_NOT_EXISTS", message);
}
Failure refund_not_exists() {
    return resource_not_exists("退款单不存在");
}
Failure refund_amount_mismatch() {
    return invalid_request("订单金额或退款金额与之前请求不一致，请核实后再试");
}
Failure refund_period_over() {
    return invalid_request("订单已经超过可退款的最大期限");
}
Failure refund_exceeds_paid() {
    return invalid_request("申请退款金额超过订单可退金额");
}
Failure refund_count_exceeded() {
    return invalid_request("订单退款次数超过限制");
}
Failure not_enough() {
    return make(403, "NOT_ENOUGH", "基本账户余额不足，请充值后重新发起");
}
Failure no_platform_certificate() {
    return resource_not_exists(
        "无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥。可查看指引"
        "https://pay.weixin.qq.com/docs/merchant/products/platform-certificate/wxp-pub-key-guide.html");
}
Failure system_error(const std::string& log) {
    return make(500, "SYSTEM_ERROR", "系统错误", nullptr, log);
}

Failure not_emulated(const std::string& method, const std::string& path) {
    Failure e =
        make(404, "NOT_FOUND", "mpemu 未模拟此接口: " + method + " " + path + " (operation not emulated)",
             {{"location", "path"}, {"field", "url"}, {"value", path}, {"issue", "operation not emulated by mpemu"}});
    for (const auto& k : kKnown) {
        if (path.rfind(k.prefix, 0) == 0) {
            e.message = "mpemu 未模拟此接口: ";
            e.message += k.name;
            e.message += " — ";
            e.message += method;
            e.message += ' ';
            e.message += path;
            e.detail["operation"] = k.name;
        }
    }
    return e;
}

Failure transfer_not_found() {
    return make(404, "NOT_FOUND", "记录不存在");
}
Failure transfer_scene_report_missing() {
    return make(400, "PARAM_ERROR", "需传入转账场景报备信息,请检查");
}
Failure transfer_user_name_required() {
    return param_error("/user_name", "transfer_amount >= 200000 (2000 yuan) requires user_name", "body");
}
Failure transfer_out_bill_no_used() {
    return invalid_request("商户单号重复，请使用新的单号或原参数重入");
}
Failure transfer_state_error(const std::string& state) {
    return make(400, "INVALID_REQUEST", "转账单当前状态不允许撤销", nullptr, "state " + state);
}
Failure transfer_serial_required() {
    return param_error("Wechatpay-Serial", "user_name is encrypted: the Wechatpay-Serial header must name the key",
                       "header");
}

Failure batch_no_used() {
    return invalid_request("商户批次单号重复，请使用新的单号或原参数重入");
}

Failure h5_link_invalid(const std::string& log) {
    return make(404, "not_found", "商家参数格式有误，请联系商家解决", nullptr, log);
}
Failure h5_link_expired() {
    return make(410, "gone", "支付链接已失效，请返回商家页面重新发起支付", nullptr,
                "h5_url is valid for 5 minutes after it was issued");
}
Failure h5_not_payable(const std::string& state) {
    std::string text = state == "SUCCESS" || state == "REFUND" ? "该订单已支付，请勿重复支付"
                       : state == "CLOSED"   ? "该订单已关闭，请返回商家页面重新下单"
                       : state == "PAYERROR" ? "该订单支付失败，请返回商家页面重新下单"
                                             : "该订单已过期，请返回商家页面重新下单";
    return make(409, "conflict", text, nullptr, "order is " + state);
}
Failure h5_bad_request(const std::string& message) {
    return make(400, "bad_request", message);
}

Failure method_not_allowed(const std::string& method, const std::string& path) {
    return make(405, "METHOD_NOT_ALLOWED", "不支持的请求方法: " + method + " " + path,
                {{"location", "method"}, {"value", method}, {"issue", "method not allowed"}});
}

}  // namespace errors
}  // namespace mpemu::wechatpay
