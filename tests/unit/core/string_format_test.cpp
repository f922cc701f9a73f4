// Unit tests for core/string_format (the JSON-Schema-Test-Suite's optional/format files cover the
// edge cases; these pin the shapes the providers send).
#include <catch2/catch.hpp>

#include "core/string_format.hpp"

using namespace mpemu::core;

TEST_CASE("provider-shaped values pass their formats", "[core][string_format]") {
    CHECK(check_string_format("date-time", "2018-06-08T10:34:56+08:00") == true);
    CHECK(check_string_format("date-time", "2018-06-08 10:34:56") == false);  // Alipay's form is not RFC 3339
    CHECK(check_string_format("date", "2024-02-29") == true);
    CHECK(check_string_format("date", "2023-02-29") == false);
    CHECK(check_string_format("time", "10:34:56Z") == true);
    CHECK(check_string_format("duration", "PT30M") == true);
    CHECK(check_string_format("duration", "P1Y2D") == false);
    CHECK(check_string_format("email", "pay@example.com") == true);
    CHECK(check_string_format("hostname", "api.mch.weixin.qq.com") == true);
    CHECK(check_string_format("ipv4", "127.0.0.1") == true);
    CHECK(check_string_format("ipv4", "127.0.0.01") == false);
    CHECK(check_string_format("ipv6", "::1") == true);
    CHECK(check_string_format("uri", "https://api.mch.weixin.qq.com/v3/pay/transactions/jsapi") == true);
    CHECK(check_string_format("uri", "/v3/pay/transactions/jsapi") == false);
    CHECK(check_string_format("uri-reference", "/v3/pay/transactions/jsapi") == true);
    CHECK(check_string_format("uuid", "3e6f9b0a-4a8c-4d6e-9d2b-0c1a2b3c4d5e") == true);
    CHECK(check_string_format("regex", "^[0-9]{10}$") == true);
    CHECK(check_string_format("regex", "(") == false);
    CHECK_FALSE(check_string_format("int32", "1").has_value());  // not a string format: no verdict
    CHECK(string_format_hint("date") == "expected YYYY-MM-DD, like 2024-05-01");
}
