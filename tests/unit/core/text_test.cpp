// Unit tests for core/text.
#include <catch2/catch.hpp>

#include "core/text.hpp"

using namespace mpemu::core;

TEST_CASE("trim, split, join", "[core][text]") {
    CHECK(trim("  a b \r\n") == "a b");
    CHECK(split("a,b,,c", ',') == std::vector<std::string>{"a", "b", "", "c"});
    CHECK(join({"a", "b"}, "&") == "a&b");
    CHECK(iequals("Content-Type", "content-type"));
}

TEST_CASE("did_you_mean suggests close candidates only", "[core][text]") {
    CHECK(did_you_mean("asert", {"assert", "capture", "request"}) == std::optional<std::string>("assert"));
    CHECK(did_you_mean("secrte", {"secret", "appid"}) == std::optional<std::string>("secret"));
    CHECK_FALSE(did_you_mean("zzzzzz", {"assert", "capture"}).has_value());
    CHECK(did_you_mean("AppID", {"appid"}) == std::optional<std::string>("appid"));
}

TEST_CASE("utf8 helpers", "[core][text]") {
    CHECK(utf8_length("支付成功") == 4);
    CHECK(is_valid_utf8("支付成功"));
    CHECK_FALSE(is_valid_utf8("\xff\xfe"));
}
