// WeChat Pay API v3's error catalogue: exact codes, HTTP statuses and message texts
// (../shared/specs/wechatpay-v3.md §12), and the one place that renders an error body. Errors are
// emulator::Failure: status, code, message (the client's text), detail (the body's "detail"), log.
#pragma once

#include <string>

#include "core/json.hpp"
#include "emulator/outcome.hpp"

namespace mpemu::wechatpay {

using emulator::Failure;
using emulator::Outcome;

// Renders {"code","detail"?,"message"} compactly, keys alphabetical as real replies are.
std::string render_error(const Failure& e);

namespace errors {

// 401 SIGN_ERROR with WeChat Pay's nested detail (detail.detail.issue + sign_information).
Failure sign_error(const std::string& issue, const std::string& method = {}, const std::string& url = {},
                   const std::string& sign_message = {});
Failure sign_error_serial();  // merchant certificate serial unknown
// 401 SIGN_ERROR for the Authorization header: missing, malformed, unknown mchid, stale timestamp.
Failure authorization_missing();
Failure authorization_malformed(const std::string& issue);
Failure authorization_mchid_unknown(const std::string& mchid);
// A failed signature check; `timestamp` says it was the timestamp window, not the signature.
Failure signature_rejected(const std::string& issue, bool timestamp, const std::string& method, const std::string& url,
                           const std::string& sign_message);
// 400 PARAM_ERROR "参数错误" with {field, value?, issue, location}.
Failure param_error(const std::string& field, const std::string& issue, const std::string& location = "body",
                    const core::Json& value = nullptr);
// 400 PARAM_ERROR for a missing required field (the real "必填性规则校验失败" text).
Failure param_missing(const std::string& pointer, const std::string& label);

// The request bodies whose fields PARAM_ERROR texts name by label ("映射到字段“公众号ID”"). The same
// pointer has different labels in different bodies (/amount/total: 总金额 in an order, 原订单金额 in a refund).
enum class RequestBody { kOrder, kClose, kRefund };
// The label of a field of that body (array indexes match any element); the pointer itself when unknown.
std::string field_label(RequestBody body, const std::string& pointer);
// 400 PARAM_ERROR for a non-integer amount (the real "64 位有符号整数" text).
Failure param_not_int64(const std::string& pointer, const std::string& label, const core::Json& value);
Failure body_too_large(const std::string& issue);  // 413 PARAM_ERROR
Failure invalid_request(const std::string& message);
Failure appid_mchid_not_match();
Failure mch_not_exists(int status = 400);
Failure out_trade_no_used();  // 400 INVALID_REQUEST "201 商户订单号重复" (emulator default, §6.3)
Failure reentry_mismatch();   // 400 PARAM_ERROR "订单重入参数校验失败"
Failure order_expired();      // 400 INVALID_REQUEST "订单已过期，请重新下单"
Failure order_paid();         // 400 ORDERPAID
Failure order_closed();       // 400 ORDER_CLOSED
Failure order_not_exist();    // 404 ORDER_NOT_EXIST
Failure resource_not_exists(const std::string& message = "订单不存在");  // 404 RESOURCE_NOT_EXISTS
Failure refund_not_exists();                                             // 404 RESOURCE_NOT_EXISTS "退款单不存在"
Failure refund_amount_mismatch();  // 400 INVALID_REQUEST: total differs from the order's
Failure refund_period_over();      // 400 INVALID_REQUEST: paid more than a year ago
Failure refund_exceeds_paid();     // 400 INVALID_REQUEST: refunds would exceed the amount paid
Failure refund_count_exceeded();   // 400 INVALID_REQUEST: more than 50 refunds on one order
Failure not_enough();              // 403 NOT_ENOUGH
// 404 RESOURCE_NOT_EXISTS from /v3/certificates for a merchant that has only a WeChat Pay public key.
Failure no_platform_certificate();
Failure system_error(const std::string& log = {});
// 404 NOT_FOUND, naming the production operation when the path is a well-known one.
Failure not_emulated(const std::string& method, const std::string& path);
// Transfer bills (商家转账).
Failure transfer_not_found();             // 404 NOT_FOUND 记录不存在
Failure transfer_scene_report_missing();  // 400 PARAM_ERROR 需传入转账场景报备信息,请检查 (observed)
Failure transfer_user_name_required();    // 400 PARAM_ERROR: 2000 yuan or more needs user_name
Failure transfer_out_bill_no_used();      // 400 INVALID_REQUEST: same out_bill_no, other parameters
Failure transfer_state_error(const std::string& state);  // 400 INVALID_REQUEST: cannot cancel in this state
Failure transfer_serial_required();                      // 400 PARAM_ERROR: user_name sent without Wechatpay-Serial

Failure batch_no_used();  // 400 INVALID_REQUEST: same out_batch_no, other parameters

// The H5 cashier page (the emulator's stand-in for the page h5_url opens; rendered as HTML with this
// status): unknown or altered link (404), link older than 5 minutes (410), an order that cannot be paid
// any more (409), a bad form or redirect_url (400).
Failure h5_link_invalid(const std::string& log);
Failure h5_link_expired();
Failure h5_not_payable(const std::string& state);
Failure h5_bad_request(const std::string& message);
Failure method_not_allowed(const std::string& method, const std::string& path);

}  // namespace errors

}  // namespace mpemu::wechatpay
