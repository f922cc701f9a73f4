// WeChat Pay v3 error catalogue and its single renderer.
#include "emulator/wechatpay/errors.hpp"

namespace mpemu::wechatpay {

std::string render_error(const ApiError& e) {
    core::Json j;  // sorted keys: code, detail, message (real error bodies are alphabetical)
    j["code"] = e.code;
    j["message"] = e.message;
    if (!e.detail.is_null()) j["detail"] = e.detail;
    return core::dump(j);
}

namespace errors {

namespace {
ApiError make(int status, std::string code, std::string message, core::Json detail = nullptr, std::string log = {}) {
    return ApiError{status, std::move(code), std::move(message), std::move(detail), std::move(log)};
}
}  // namespace

ApiError sign_error(const std::string& issue, const std::string& method, const std::string& url,
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

ApiError sign_error_serial() {
    return make(401, "SIGN_ERROR", "商户证书序列号有误",
                {{"field", "serial_no"},
                 {"issue", "merchant certificate serial_no not registered"},
                 {"location", "authorization"}});
}

ApiError param_error(const std::string& field, const std::string& issue, const std::string& location,
                     const core::Json& value) {
    core::Json d = {{"field", field}, {"issue", issue}, {"location", location}};
    if (!value.is_null()) d["value"] = value;
    return make(400, "PARAM_ERROR", "参数错误", d, issue);
}

ApiError param_missing(const std::string& pointer, const std::string& label) {
    return make(400, "PARAM_ERROR", "输入源“" + pointer + "”映射到字段“" + label + "”必填性规则校验失败,此字段为必填项",
                {{"field", pointer}, {"issue", "required field missing"}, {"location", "body"}});
}

ApiError param_not_int64(const std::string& pointer, const std::string& label, const core::Json& value) {
    return make(
        400, "PARAM_ERROR",
        "无法将 JSON 输入源“/body" + pointer + "”映射到目标字段“" + label + "”中，此字段需要一个合法的 64 位有符号整数",
        {{"location", "body"}, {"value", value}});
}

ApiError invalid_request(const std::string& message) {
    return make(400, "INVALID_REQUEST", message);
}
ApiError appid_mchid_not_match() {
    return make(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配,请检查后再试");
}
ApiError mch_not_exists(int status) {
    return make(status, "MCH_NOT_EXISTS", "商户号不存在");
}
ApiError out_trade_no_used() {
    return make(400, "INVALID_REQUEST", "201 商户订单号重复");
}
ApiError reentry_mismatch() {
    return make(400, "PARAM_ERROR", "订单重入参数校验失败");
}
ApiError order_paid() {
    return make(400, "ORDERPAID", "订单已支付");
}
ApiError order_closed() {
    return make(400, "ORDER_CLOSED", "订单已关闭");
}
ApiError order_not_exist() {
    return make(404, "ORDER_NOT_EXIST", "订单不存在");
}
ApiError resource_not_exists(const std::string& message) {
    return make(404, "RESOURCE_NOT_EXISTS", message);
}
ApiError not_enough() {
    return make(403, "NOT_ENOUGH", "基本账户余额不足，请充值后重新发起");
}
ApiError system_error(const std::string& log) {
    return make(500, "SYSTEM_ERROR", "系统错误", nullptr, log);
}

ApiError not_emulated(const std::string& method, const std::string& path) {
    return make(
        404, "NOT_FOUND", "mpemu 未模拟此接口: " + method + " " + path + " (operation not emulated)",
        {{"location", "path"}, {"field", "url"}, {"value", path}, {"issue", "operation not emulated by mpemu"}});
}

ApiError method_not_allowed(const std::string& method, const std::string& path) {
    return make(405, "METHOD_NOT_ALLOWED", "不支持的请求方法: " + method + " " + path,
                {{"location", "method"}, {"value", method}, {"issue", "method not allowed"}});
}

}  // namespace errors
}  // namespace mpemu::wechatpay
