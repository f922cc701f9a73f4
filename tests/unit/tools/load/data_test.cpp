// --data files: CSV as spreadsheets write it (quotes, CRLF, a byte order mark, blank lines) and JSON
// arrays, and every mistake with its file:line:column.
#include <catch2/catch.hpp>

#include "tools/load/data.hpp"

using namespace mpemu::load;

namespace {

std::string refused_csv(const std::string& text) {
    auto r = parse_csv(text, "users.csv");
    REQUIRE_FALSE(r.ok());
    return r.error().message;
}

}  // namespace

TEST_CASE("load data: CSV rows become variables by header name", "[load][data]") {
    auto r = parse_csv("\xEF\xBB\xBFopenid,name\r\no1,\"Doe, Jane\"\r\n\r\no2,\"say \"\"hi\"\"\"\r\no3,\"two\nlines\"",
                       "u.csv");
    REQUIRE(r.ok());
    CHECK(r->columns == std::vector<std::string>{"openid", "name"});
    REQUIRE(r->rows.size() == 3);
    CHECK(r->rows[0]["name"] == "Doe, Jane");
    CHECK(r->rows[1]["name"] == "say \"hi\"");
    CHECK(r->rows[2]["name"] == "two\nlines");
    CHECK(r->rows[2]["openid"] == "o3");
    auto empty_field = parse_csv("a,b\n,x\n", "u.csv");
    REQUIRE(empty_field.ok());
    CHECK(empty_field->rows[0]["a"].get<std::string>().empty());
}

TEST_CASE("load data: CSV mistakes say file, line and column", "[load][data]") {
    CHECK(refused_csv("openid,2nd\no1,x\n").rfind("users.csv:1:8: \"2nd\" is not a variable name", 0) == 0);
    CHECK(refused_csv("a,a\n1,2\n").rfind("users.csv:1:3: column \"a\" appears twice", 0) == 0);
    CHECK(refused_csv("a,b\n1,2\n3\n").rfind("users.csv:3:1: 1 fields where the header has 2", 0) == 0);
    CHECK(refused_csv("a,b\n1,\"open\n").rfind("users.csv:2:3: this quoted field is never closed", 0) == 0);
    CHECK(refused_csv("a,b\n1,\"x\"y\n").rfind("users.csv:2:6: text after a closing quote", 0) == 0);
    CHECK(refused_csv("a,b\n1,x\"y\n").rfind("users.csv:2:4: a quote inside an unquoted field", 0) == 0);
    CHECK(refused_csv("").find("empty") != std::string::npos);
    CHECK(refused_csv("a,b\n").find("no data rows") != std::string::npos);
}

TEST_CASE("load data: a JSON array of objects", "[load][data]") {
    auto r = parse_data_json(R"([{"openid": "o1", "amount": 5}, {"openid": "o2", "vip": true}])", "u.json");
    REQUIRE(r.ok());
    CHECK(r->columns == std::vector<std::string>{"openid", "amount", "vip"});
    CHECK(r->rows[0]["amount"] == 5);
    CHECK_FALSE(parse_data_json("[]", "u.json").ok());
    CHECK_FALSE(parse_data_json("[1]", "u.json").ok());
    CHECK(parse_data_json(R"([{"a-b": 1}])", "u.json").error().message.find("\"a-b\" is not a variable name") !=
          std::string::npos);
}
