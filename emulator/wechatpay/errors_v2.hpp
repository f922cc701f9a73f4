// WeChat Pay API v2's error catalogue (../shared/specs/wechatpay-v2.md §4): the protocol-layer
// return_msg texts and the business-layer err_code / err_code_des pairs, and the one place that
// renders an unsigned protocol FAIL.
#pragma once

#include <string>

#include "emulator/outcome.hpp"

namespace mpemu::wechatpay::v2 {

// A failed call is an emulator::Failure with status 200 (v2 always answers HTTP 200), in one of two
// layers: protocol (return_code FAIL + return_msg, unsigned): code empty, message = return_msg; or
// business (return_code SUCCESS, result_code FAIL, signed): code = err_code, message = err_code_des.
// A bill refusal has code = error_code ("20001"), message = return_msg. `log` goes only to the log.
using emulator::Failure;
using emulator::Outcome;

// True for a protocol-layer FAIL (no err_code).
inline bool is_protocol(const Failure& f) {
    return f.code.empty();
}

namespace fail {

// ---- protocol layer (§4.2 steps 1-8) ----
Failure protocol(std::string text, std::string log = {});
Failure not_post();                              // 请使用post方法
Failure empty_body();                            // post数据为空
Failure not_utf8();                              // 编码格式错误
Failure xml_format(std::string log);             // XML格式错误
Failure mch_id_format(std::string log);          // mch_id参数格式错误 (observed)
Failure sign_type_format();                      // sign_type参数格式错误
Failure sign_error(std::string log);             // 签名错误，请检查后再试 (observed 2025)
Failure appid_mch_mismatch();                    // appid和mch_id不匹配
Failure format(const std::string& field);        // <field>参数格式错误
Failure length(const std::string& field);        // <field>参数长度有误
Failure system_error_protocol(std::string log);  // 系统错误 (protocol layer)
Failure not_emulated(const std::string& method, const std::string& path);  // names well-known operations

// ---- business layer (§4.3) ----
Failure business(std::string code, std::string text, std::string log = {});
Failure lack_params(const std::string& field);          // LACK_PARAMS 缺少参数
Failure param_error(std::string text = "参数错误");     // PARAM_ERROR
Failure order_paid(const char* text = "该订单已支付");  // ORDERPAID (closeorder says 订单已支付)
Failure order_paid_on_close();                          // ORDERPAID 订单已支付 (closeorder)
Failure order_closed();                                 // ORDERCLOSED 订单已关闭
Failure order_not_exist();                              // ORDERNOTEXIST 此交易订单号不存在
Failure out_trade_no_used();                            // INVALID_REQUEST 201 商户订单号重复 (observed 2023)
Failure invalid_request(std::string text);              // INVALID_REQUEST
Failure amount_mismatch();  // INVALID_REQUEST 订单金额或退款金额与之前请求不一致，请核实后再试 (observed)
Failure refund_not_exist();             // REFUNDNOTEXIST 退款订单查询失败
Failure invalid_transaction_id();       // INVALID_TRANSACTIONID 无效transaction_id
Failure system_error(std::string log);  // SYSTEMERROR 系统错误
Failure jsapi_needs_openid();           // PARAM_ERROR JSAPI支付必须传openid
Failure native_needs_product_id();      // PARAM_ERROR NATIVE支付必须传product_id
Failure time_expire_too_short();        // INVALID_REQUEST time_expire时间过短…
Failure refund_exceeds_paid();          // INVALID_REQUEST 退款金额大于支付金额
Failure refund_count_exceeded();        // INVALID_REQUEST 订单退款次数超过限制
// micropay (付款码支付) and reverse (撤销订单)
Failure auth_code_error();  // AUTH_CODE_ERROR 授权码参数错误 (not 18 digits)
Failure auth_code_invalid();  // AUTH_CODE_INVALID 请扫描微信支付授权码(以10/11/12/13/14/15为前缀的18位数字)
Failure auth_code_expired();            // AUTHCODEEXPIRE 二维码已过期，请用户在微信上刷新后再试
Failure not_enough();                   // NOTENOUGH 余额不足
Failure user_paying();                  // USERPAYING 需要用户输入支付密码
Failure out_trade_no_used_micropay();   // OUT_TRADE_NO_USED 商户订单号重复
Failure order_reversed();               // ORDERREVERSED 订单已撤销
Failure trade_error(std::string text);  // TRADE_ERROR <text>
Failure reverse_expire();
// 企业付款到零钱 (/mmpaymkttransfers/promotion/transfers, gettransferinfo)
Failure transfer_amount_limit();   // AMOUNT_LIMIT 金额超限 (below 30 fen)
Failure transfer_name_required();  // PARAM_ERROR 收款用户姓名必填 (FORCE_CHECK without re_user_name)
Failure transfer_fatal_error();  // FATAL_ERROR 已存在该单处理中或已处理，并且两次请求参数不一致
Failure transfer_not_enough();   // NOTENOUGH 余额不足
Failure transfer_not_found();    // NOT_FOUND 指定单号数据不存在  // REVERSE_EXPIRE
                                 // 订单无法撤销，订单有7天的撤销有效期，过期将不能撤销

// ---- downloadbill (§10): unsigned return_msg + error_code ----
Failure bill_invalid(const std::string& field);  // invalid <field> / 20001
Failure bill_tar_type();                         // tar_type given (only plain text bills) / 20001
Failure no_bill();                               // No Bill Exist / 20002
Failure bill_refused(std::string return_msg);    // any other text / 20001

}  // namespace fail

// Admin pay with wx.requestPayment values: what the WeChat client says when they would not verify.
std::string request_payment_fail(const std::string& why);

// `<xml><return_code>FAIL</return_code>\n<return_msg>…</return_msg>\n</xml>`: the only shape of a
// protocol FAIL (no sign, no nonce_str).
std::string render_protocol_fail(const std::string& return_msg);

}  // namespace mpemu::wechatpay::v2
