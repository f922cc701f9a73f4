// The Alipay error catalogue: codes, English msgs, Chinese sub_msgs, the v3 mapping, and the v2 node.
#include "emulator/alipay/errors.hpp"

#include <catch2/catch.hpp>

using namespace mpemu;
using namespace mpemu::alipay;

TEST_CASE("alipay error catalogue: codes, msgs and v3 mapping", "[alipay][errors]") {
    auto e = failure("ACQ.TRADE_NOT_EXIST");
    CHECK(e.code == "ACQ.TRADE_NOT_EXIST");
    CHECK(gateway_code(e) == "40004");
    CHECK(code_msg(gateway_code(e)) == "Business Failed");
    CHECK(e.message == "交易不存在");
    CHECK(e.status == 400);
    CHECK(v3_status(e) == 400);
    CHECK(v3_code(e) == "ACQ.TRADE_NOT_EXIST");
    auto t = failure("aop.invalid-auth-token");
    CHECK(gateway_code(t) == "20001");
    CHECK(code_msg(gateway_code(t)) == "Insufficient Token Permissions");
    CHECK(t.status == 401);
    CHECK(v3_code(t) == "invalid-auth-token");
    CHECK(code_msg(gateway_code(failure("isv.missing-method"))) == "Missing Required Arguments");
    CHECK(gateway_code(failure("isv.insufficient-isv-permissions")) == "40006");
    CHECK(failure("isv.code-invalid").message == "授权码code无效");
    auto unknown = failure("ACQ.NOPE", {}, "why");
    CHECK(unknown.code == "isp.unknow-error");
    CHECK(gateway_code(unknown) == "20000");
    CHECK(unknown.log == "uncatalogued sub_code ACQ.NOPE: why");
    CHECK(code_msg("10000") == "Success");
    CHECK(is_catalogued("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"));
    CHECK_FALSE(is_catalogued("ACQ.NOPE"));
    CHECK(failure("isv.invalid-signature").status == 401);
    CHECK(failure("isv.insufficient-isv-permissions").status == 403);
    CHECK(failure("ACQ.TRADE_STATUS_ERROR", "交易状态不合法").message == "交易状态不合法");
    CHECK(close_status_error().message == "交易状态不合法");
}

TEST_CASE("alipay errors with specific sub_msgs", "[alipay][errors]") {
    CHECK(invalid_signature_sub_msg("a=1&b=2") ==
          "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：a=1&amp;b=2");
    auto sig = invalid_signature("a=1&b=2");
    CHECK(sig.code == "isv.invalid-signature");
    CHECK(sig.log == "sign content: a=1&b=2");
    CHECK(unknown_method("alipay.nope").message == "不存在的方法名: alipay.nope");
    CHECK(unknown_method("alipay.nope").status == 404);
    CHECK(invalid_field("total_amount").message == "参数无效: total_amount");
    CHECK(invalid_field("total_amount").code == "ACQ.INVALID_PARAMETER");
    CHECK(missing_both("trade_no", "out_trade_no").message == "参数无效: trade_no 和 out_trade_no 不能同时为空");
    CHECK(biz_content_not_object().message == "参数无效: biz_content 不是合法的 JSON 对象");
    CHECK(biz_content_not_object().code == "isv.invalid-parameter");
    CHECK(missing_authorization().message == "缺少签名参数: Authorization 头缺失");
}

TEST_CASE("alipay v2 reply node: code and msg first, then the error, then echoed fields", "[alipay][errors]") {
    core::OrderedJson fields;
    fields["trade_no"] = "T";
    fields["out_trade_no"] = "O";
    CHECK(reply_node(emulator::Outcome<core::OrderedJson>(fields)).dump() ==
          R"({"code":"10000","msg":"Success","trade_no":"T","out_trade_no":"O"})");

    auto f = failure("ACQ.TRADE_NOT_EXIST");
    echo(f, "out_trade_no", "O");
    echo(f, "buyer_pay_amount", "0.00");
    CHECK_FALSE(renders_in_error_response(f));
    CHECK(reply_node(emulator::Outcome<core::OrderedJson>(f)).dump() ==
          R"({"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在",)"
          R"("out_trade_no":"O","buyer_pay_amount":"0.00"})");
    CHECK(renders_in_error_response(in_error_response(failure("isv.code-invalid"))));
}
