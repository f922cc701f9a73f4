// The Alipay error catalogue: gateway codes with their exact English msg, sub codes with their
// Chinese sub_msg (alipay.md §2.6, §2.9, §3), how each maps onto an OpenAPI v3 error (§5.4), and the
// one function that renders an error into a v2 reply node.
#pragma once

#include <string>
#include <string_view>

#include "core/json.hpp"
#include "emulator/outcome.hpp"

namespace mpemu::alipay {

// An Alipay error is an emulator::Failure with
//   code    = the sub code ("ACQ.TRADE_NOT_EXIST"); the gateway code ("40004") and its msg ("Business
//             Failed") follow from it (gateway_code, code_msg),
//   message = the sub_msg ("交易不存在"),
//   status  = the HTTP status of the v3 error (v3_status),
//   detail  = {"fields":[[key,value],...]} the business fields a v2 reply echoes beside the error, and
//             "error_response":true when v2 renders it in error_response instead of the method's node,
//   log     = text for the log only.

// The msg of a gateway code ("10000" -> "Success"); "" when unknown.
std::string_view code_msg(std::string_view code);

// A catalogued error by sub code; `sub_msg` overrides the catalogue text when given. Unknown sub
// codes are a programming error and come back as isp.unknow-error naming them in the log text.
emulator::Failure failure(std::string_view sub_code, std::string sub_msg = {}, std::string log = {});

// True when the sub code is in the catalogue.
bool is_catalogued(std::string_view sub_code);

// The gateway code of an error ("ACQ.TRADE_NOT_EXIST" -> "40004"; "20000" for an uncatalogued one).
std::string gateway_code(const emulator::Failure& f);

// Business fields echoed beside the error in a v2 reply node, in the order they are added.
emulator::Failure& echo(emulator::Failure& f, const std::string& key, const std::string& value);
// v2: render this error in error_response, not in the method's node (method and OAuth code errors).
emulator::Failure in_error_response(emulator::Failure f);
bool renders_in_error_response(const emulator::Failure& f);

// The v2 reply node: code and msg ("10000" / "Success", or the error's gateway code, msg, sub_code,
// sub_msg and echoed fields), then the business fields. A success whose fields carry "code" and "msg"
// (10003) keeps them.
core::OrderedJson reply_node(const emulator::Outcome<core::OrderedJson>& outcome);

// OpenAPI v3 rendering of an error: HTTP status and `code` (business ACQ.* codes keep their name;
// gateway sub codes lose the isv./aop./isp. prefix: "aop.invalid-auth-token" -> "invalid-auth-token").
int v3_status(const emulator::Failure& f);
std::string v3_code(const emulator::Failure& f);

// ---- errors with a specific sub_msg ----------------------------------------------------------------

// isv.invalid-method naming what was asked for ("不存在的方法名: <what>").
emulator::Failure unknown_method(std::string_view what);
// isv.invalid-parameter: "参数无效: <why>".
emulator::Failure invalid_parameter(std::string_view why);
// isv.invalid-parameter: biz_content (v2) or the request body (v3) is not a JSON object.
emulator::Failure biz_content_not_object();
emulator::Failure body_not_object();
// isv.missing-signature: v3 request without an Authorization header.
emulator::Failure missing_authorization();
// isv.invalid-signature: v3 Authorization header that does not parse.
emulator::Failure malformed_authorization(std::string_view why);
// isv.invalid-signature on the v2 gateway: names the gateway's sign content with '&' written as "&amp;".
emulator::Failure invalid_signature(std::string_view sign_content);
// The sub_msg of that error.
std::string invalid_signature_sub_msg(std::string_view sign_content);
// ACQ.INVALID_PARAMETER naming a field ("参数无效: total_amount").
emulator::Failure invalid_field(std::string_view field);
// ACQ.INVALID_PARAMETER when neither of two fields is given.
emulator::Failure missing_both(std::string_view a, std::string_view b);
// INVALID_PARAMETER of the fund transfer methods: "参数有误。<why>".
emulator::Failure transfer_invalid(std::string_view why);
// ACQ.TRADE_STATUS_ERROR of trade.close on a trade that is not WAIT_BUYER_PAY.
emulator::Failure close_status_error();

}  // namespace mpemu::alipay
