// WeChat Pay API v2 error texts (see errors_v2.hpp); texts marked observed in the spec are exact,
// the rest follow the docs tables or the spec's recommendations.
#include "emulator/wechatpay/errors_v2.hpp"

#include "emulator/wechatpay/protocol_v2.hpp"

namespace mpemu::wechatpay::v2 {

namespace fail {

Failure protocol(std::string text, std::string log) {
    return Failure{200, {}, std::move(text), nullptr, std::move(log)};
}
Failure not_post() {
    return protocol("请使用post方法");
}
Failure empty_body() {
    return protocol("post数据为空");
}
Failure not_utf8() {
    return protocol("编码格式错误");
}
Failure xml_format(std::string log) {
    return protocol("XML格式错误", std::move(log));
}
Failure mch_id_format(std::string log) {
    return protocol("mch_id参数格式错误", std::move(log));
}
Failure sign_type_format() {
    return protocol("sign_type参数格式错误");
}
Failure sign_error(std::string log) {
    return protocol("签名错误，请检查后再试", std::move(log));
}
Failure appid_mch_mismatch() {
    return protocol("appid和mch_id不匹配");
}
Failure format(const std::string& field) {
    return protocol(field + "参数格式错误");
}
Failure length(const std::string& field) {
    return protocol(field + "参数长度有误");
}

Failure system_error_protocol(std::string log) {
    return protocol("系统错误", std::move(log));
}

// Well-known v2 operations that mpemu does not emulate, named in the refusal.
constexpr std::pair<const char*, const char*> kKnown[] = {
    {"/pay/downloadfundflow", "下载资金账单 (wechatpay.v2.downloadfundflow)"},
    {"/pay/batchquerycomment", "拉取订单评价数据 (wechatpay.v2.batchquerycomment)"},
    {"/mmpaymkttransfers/send", "现金红包 (wechatpay.v2.redpack)"},
    {"/mmpaymkttransfers/gethbinfo", "查询红包记录 (wechatpay.v2.redpack)"},
    {"/mmpaysptrans/", "企业付款到银行卡 (wechatpay.v2.pay_bank)"},
    {"/payitil/report", "交易保障 (wechatpay.v2.report)"},
};

Failure not_emulated(const std::string& method, const std::string& path) {
    std::string name = method + " " + path;
    for (const auto& [prefix, op] : kKnown) {
        if (path.find(prefix) != std::string::npos) name.insert(0, std::string(op) + " — ");
    }
    return protocol("mpemu 未模拟此接口: " + name);
}

Failure business(std::string code, std::string text, std::string log) {
    return Failure{200, std::move(code), std::move(text), nullptr, std::move(log)};
}
Failure lack_params(const std::string& field) {
    return business("LACK_PARAMS", "缺少参数", "missing " + field);
}
Failure param_error(std::string text) {
    return business("PARAM_ERROR", std::move(text));
}
Failure order_paid(const char* text) {
    return business("ORDERPAID", text);
}
Failure order_paid_on_close() {
    return order_paid("订单已支付");
}
Failure auth_code_error() {
    return business("AUTH_CODE_ERROR", "授权码参数错误");
}
Failure auth_code_invalid() {
    return business("AUTH_CODE_INVALID", "请扫描微信支付授权码(以10/11/12/13/14/15为前缀的18位数字)");
}
Failure auth_code_expired() {
    return business("AUTHCODEEXPIRE", "二维码已过期，请用户在微信上刷新后再试");
}
Failure not_enough() {
    return business("NOTENOUGH", "余额不足");
}
Failure user_paying() {
    return business("USERPAYING", "需要用户输入支付密码");
}
Failure out_trade_no_used_micropay() {
    return business("OUT_TRADE_NO_USED", "商户订单号重复");
}
Failure order_reversed() {
    return business("ORDERREVERSED", "订单已撤销");
}
Failure trade_error(std::string text) {
    return business("TRADE_ERROR", std::move(text));
}
Failure reverse_expire() {
    return business("REVERSE_EXPIRE", "订单无法撤销，订单有7天的撤销有效期，过期将不能撤销");
}
Failure transfer_amount_limit() {
    return business("AMOUNT_LIMIT", "金额超限");
}
Failure transfer_name_required() {
    return business("PARAM_ERROR", "收款用户姓名必填");
}
Failure transfer_fatal_error() {
    return business("FATAL_ERROR", "已存在该单处理中或已处理，并且两次请求参数不一致");
}
Failure transfer_not_enough() {
    return business("NOTENOUGH", "余额不足");
}
Failure transfer_not_found() {
    return business("NOT_FOUND", "指定单号数据不存在");
}
Failure order_closed() {
    return business("ORDERCLOSED", "订单已关闭");
}
Failure order_not_exist() {
    return business("ORDERNOTEXIST", "此交易订单号不存在");
}
Failure out_trade_no_used() {
    return business("INVALID_REQUEST", "201 商户订单号重复");
}
Failure invalid_request(std::string text) {
    return business("INVALID_REQUEST", std::move(text));
}
Failure amount_mismatch() {
    return invalid_request("订单金额或退款金额与之前请求不一致，请核实后再试");
}
Failure refund_not_exist() {
    return business("REFUNDNOTEXIST", "退款订单查询失败");
}
Failure invalid_transaction_id() {
    return business("INVALID_TRANSACTIONID", "无效transaction_id");
}
Failure system_error(std::string log) {
    return business("SYSTEMERROR", "系统错误", std::move(log));
}

Failure jsapi_needs_openid() {
    return param_error("JSAPI支付必须传openid");
}
Failure native_needs_product_id() {
    return param_error("NATIVE支付必须传product_id");
}
Failure time_expire_too_short() {
    return invalid_request("time_expire时间过短，刷卡至少1分钟，其他5分钟");
}
Failure refund_exceeds_paid() {
    return invalid_request("退款金额大于支付金额");
}
Failure refund_count_exceeded() {
    return invalid_request("订单退款次数超过限制");
}

Failure bill_invalid(const std::string& field) {
    return bill_refused("invalid " + field);
}
Failure bill_tar_type() {
    return bill_refused("invalid tar_type, mpemu emulates only the plain text bill");
}
Failure no_bill() {
    return Failure{200, "20002", "No Bill Exist", nullptr, {}};
}
Failure bill_refused(std::string return_msg) {
    return Failure{200, "20001", std::move(return_msg), nullptr, {}};
}

}  // namespace fail

std::string request_payment_fail(const std::string& why) {
    return "requestPayment:fail 支付验证签名失败: " + why;
}

std::string render_protocol_fail(const std::string& return_msg) {
    return render_xml(Params{{"return_code", "FAIL"}, {"return_msg", return_msg}});
}

}  // namespace mpemu::wechatpay::v2
