// The Alipay error catalogue: gateway codes with their exact English msg, sub codes with their
// Chinese sub_msg (alipay.md §2.6, §2.9, §3), and how each maps onto an OpenAPI v3 error (§5.4).
#pragma once

#include <string>
#include <string_view>

namespace mpemu::alipay {

struct GatewayError {
    std::string code;      // "40004"
    std::string msg;       // "Business Failed"
    std::string sub_code;  // "ACQ.TRADE_NOT_EXIST"
    std::string sub_msg;   // "交易不存在"
    std::string detail;    // log only
};

// The msg of a gateway code ("10000" -> "Success"); "" when unknown.
std::string_view code_msg(std::string_view code);

// A catalogued error by sub code; `sub_msg` overrides the catalogue text when given. Unknown sub
// codes are a programming error and come back as isp.unknow-error naming them in detail.
GatewayError error(std::string_view sub_code, std::string sub_msg = {}, std::string detail = {});

// True when the sub code is in the catalogue.
bool is_catalogued(std::string_view sub_code);

// OpenAPI v3 rendering of an error: HTTP status and `code` (business ACQ.* codes keep their name;
// gateway sub codes lose the isv./aop./isp. prefix: "aop.invalid-auth-token" -> "invalid-auth-token").
int v3_status(const GatewayError& e);
std::string v3_code(const GatewayError& e);

}  // namespace mpemu::alipay
