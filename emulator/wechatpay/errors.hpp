// WeChat Pay API v3's error catalogue: exact codes, HTTP statuses and message texts
// (../shared/specs/wechatpay-v3.md §12), and the one place that renders an error body.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "core/json.hpp"

namespace mpemu::wechatpay {

// An error as the client sees it: status + {code, message, detail?}. `log` goes only to the log.
struct ApiError {
    int status = 400;
    std::string code;
    std::string message;
    core::Json detail;  // null = no "detail" member
    std::string log;
};

// Renders {"code","detail"?,"message"} compactly, keys alphabetical as real replies are.
std::string render_error(const ApiError& e);

namespace errors {

// 401 SIGN_ERROR with WeChat Pay's nested detail (detail.detail.issue + sign_information).
ApiError sign_error(const std::string& issue, const std::string& method = {}, const std::string& url = {},
                    const std::string& sign_message = {});
ApiError sign_error_serial();  // merchant certificate serial unknown
// 400 PARAM_ERROR "参数错误" with {field, value?, issue, location}.
ApiError param_error(const std::string& field, const std::string& issue, const std::string& location = "body",
                     const core::Json& value = nullptr);
// 400 PARAM_ERROR for a missing required field (the real "必填性规则校验失败" text).
ApiError param_missing(const std::string& pointer, const std::string& label);
// 400 PARAM_ERROR for a non-integer amount (the real "64 位有符号整数" text).
ApiError param_not_int64(const std::string& pointer, const std::string& label, const core::Json& value);
ApiError invalid_request(const std::string& message);
ApiError appid_mchid_not_match();
ApiError mch_not_exists(int status = 400);
ApiError out_trade_no_used();  // 400 INVALID_REQUEST "201 商户订单号重复" (emulator default, §6.3)
ApiError reentry_mismatch();   // 400 PARAM_ERROR "订单重入参数校验失败"
ApiError order_paid();         // 400 ORDERPAID
ApiError order_closed();       // 400 ORDER_CLOSED
ApiError order_not_exist();    // 404 ORDER_NOT_EXIST
ApiError resource_not_exists(const std::string& message = "订单不存在");  // 404 RESOURCE_NOT_EXISTS
ApiError not_enough();                                                    // 403 NOT_ENOUGH
ApiError system_error(const std::string& log = {});
ApiError not_emulated(const std::string& method, const std::string& path);
ApiError method_not_allowed(const std::string& method, const std::string& path);

}  // namespace errors

// A value or an ApiError (service boundary).
template <class T>
class Outcome {
public:
    Outcome() : v_(T{}) {}                     // for Database::write's result slot
    Outcome(T v) : v_(std::move(v)) {}         // NOLINT(google-explicit-constructor)
    Outcome(ApiError e) : v_(std::move(e)) {}  // NOLINT(google-explicit-constructor)
    bool ok() const { return v_.index() == 0; }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    const ApiError& error() const { return std::get<1>(v_); }

private:
    std::variant<T, ApiError> v_;
};

}  // namespace mpemu::wechatpay
