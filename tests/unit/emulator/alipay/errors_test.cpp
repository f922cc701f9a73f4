// The Alipay error catalogue: codes, English msgs, Chinese sub_msgs and the v3 mapping.
#include "emulator/alipay/errors.hpp"

#include <catch2/catch.hpp>

using namespace mpemu::alipay;

TEST_CASE("alipay error catalogue: codes, msgs and v3 mapping", "[alipay][errors]") {
    auto e = error("ACQ.TRADE_NOT_EXIST");
    CHECK(e.code == "40004");
    CHECK(e.msg == "Business Failed");
    CHECK(e.sub_msg == "交易不存在");
    CHECK(v3_status(e) == 400);
    CHECK(v3_code(e) == "ACQ.TRADE_NOT_EXIST");
    auto t = error("aop.invalid-auth-token");
    CHECK(t.code == "20001");
    CHECK(t.msg == "Insufficient Token Permissions");
    CHECK(v3_status(t) == 401);
    CHECK(v3_code(t) == "invalid-auth-token");
    CHECK(error("isv.missing-method").msg == "Missing Required Arguments");
    CHECK(error("isv.insufficient-isv-permissions").code == "40006");
    CHECK(error("isv.code-invalid").sub_msg == "授权码code无效");
    auto unknown = error("ACQ.NOPE");
    CHECK(unknown.sub_code == "isp.unknow-error");
    CHECK(unknown.code == "20000");
    CHECK(code_msg("10000") == "Success");
    CHECK(is_catalogued("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"));
    CHECK_FALSE(is_catalogued("ACQ.NOPE"));
    CHECK(v3_status(error("isv.invalid-signature")) == 401);
    CHECK(v3_status(error("isv.insufficient-isv-permissions")) == 403);
    CHECK(error("ACQ.TRADE_STATUS_ERROR", "交易状态不合法").sub_msg == "交易状态不合法");
}
