// WeChat Pay v2 error catalogue: the protocol FAIL bytes and the layer/code/text of each entry
// (specs/wechatpay-v2.md §4).
#include "emulator/wechatpay/errors_v2.hpp"

#include <catch2/catch.hpp>

using namespace mpemu::wechatpay::v2;

TEST_CASE("wechatpay v2 errors: a protocol FAIL is return_code + return_msg only, one per line", "[wechatpay][v2]") {
    CHECK(render_protocol_fail("签名错误，请检查后再试") ==
          "<xml><return_code><![CDATA[FAIL]]></return_code>\n"
          "<return_msg><![CDATA[签名错误，请检查后再试]]></return_msg>\n</xml>");
}

TEST_CASE("wechatpay v2 errors: texts and layers of the catalogue", "[wechatpay][v2]") {
    struct Row {
        Failure f;
        bool protocol;
        const char* code;
        const char* text;
    };
    const Row rows[] = {
        {fail::not_post(), true, "", "请使用post方法"},
        {fail::empty_body(), true, "", "post数据为空"},
        {fail::not_utf8(), true, "", "编码格式错误"},
        {fail::xml_format("x"), true, "", "XML格式错误"},
        {fail::mch_id_format("x"), true, "", "mch_id参数格式错误"},
        {fail::sign_type_format(), true, "", "sign_type参数格式错误"},
        {fail::sign_error("x"), true, "", "签名错误，请检查后再试"},
        {fail::appid_mch_mismatch(), true, "", "appid和mch_id不匹配"},
        {fail::format("total_fee"), true, "", "total_fee参数格式错误"},
        {fail::length("body"), true, "", "body参数长度有误"},
        {fail::lack_params("body"), false, "LACK_PARAMS", "缺少参数"},
        {fail::param_error(), false, "PARAM_ERROR", "参数错误"},
        {fail::order_paid(), false, "ORDERPAID", "该订单已支付"},
        {fail::order_paid_on_close(), false, "ORDERPAID", "订单已支付"},
        {fail::order_closed(), false, "ORDERCLOSED", "订单已关闭"},
        {fail::order_not_exist(), false, "ORDERNOTEXIST", "此交易订单号不存在"},
        {fail::out_trade_no_used(), false, "INVALID_REQUEST", "201 商户订单号重复"},
        {fail::amount_mismatch(), false, "INVALID_REQUEST", "订单金额或退款金额与之前请求不一致，请核实后再试"},
        {fail::refund_not_exist(), false, "REFUNDNOTEXIST", "退款订单查询失败"},
        {fail::invalid_transaction_id(), false, "INVALID_TRANSACTIONID", "无效transaction_id"},
        {fail::system_error("x"), false, "SYSTEMERROR", "系统错误"},
        {fail::system_error_protocol("x"), true, "", "系统错误"},
        {fail::jsapi_needs_openid(), false, "PARAM_ERROR", "JSAPI支付必须传openid"},
        {fail::native_needs_product_id(), false, "PARAM_ERROR", "NATIVE支付必须传product_id"},
        {fail::time_expire_too_short(), false, "INVALID_REQUEST", "time_expire时间过短，刷卡至少1分钟，其他5分钟"},
        {fail::refund_exceeds_paid(), false, "INVALID_REQUEST", "退款金额大于支付金额"},
        {fail::refund_count_exceeded(), false, "INVALID_REQUEST", "订单退款次数超过限制"},
        {fail::bill_invalid("bill_date"), false, "20001", "invalid bill_date"},
        {fail::no_bill(), false, "20002", "No Bill Exist"},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        CHECK(is_protocol(r.f) == r.protocol);
        CHECK(r.f.status == 200);
        CHECK(r.f.code == r.code);
        CHECK(r.f.message == r.text);
    }
    CHECK(fail::lack_params("body").log == "missing body");
}

TEST_CASE("wechatpay v2 errors: refusals name well-known operations", "[wechatpay][v2]") {
    CHECK(fail::not_emulated("POST", "/pay/downloadfundflow").message ==
          "mpemu 未模拟此接口: 下载资金账单 (wechatpay.v2.downloadfundflow) — POST /pay/downloadfundflow");
    CHECK(fail::not_emulated("POST", "/pay/other").message == "mpemu 未模拟此接口: POST /pay/other");
    CHECK(request_payment_fail("x") == "requestPayment:fail 支付验证签名失败: x");
}
