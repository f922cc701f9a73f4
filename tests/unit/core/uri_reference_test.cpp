// Unit tests for core/uri_reference: RFC 3986 section 5.4 examples and the cases $ref relies on.
#include <catch2/catch.hpp>

#include "core/uri_reference.hpp"

using namespace mpemu::core;

TEST_CASE("RFC 3986 reference resolution examples", "[core][uri_reference]") {
    const std::string base = "http://a/b/c/d;p?q";
    CHECK(resolve_uri_reference(base, "g") == "http://a/b/c/g");
    CHECK(resolve_uri_reference(base, "./g") == "http://a/b/c/g");
    CHECK(resolve_uri_reference(base, "g/") == "http://a/b/c/g/");
    CHECK(resolve_uri_reference(base, "/g") == "http://a/g");
    CHECK(resolve_uri_reference(base, "//g") == "http://g");
    CHECK(resolve_uri_reference(base, "?y") == "http://a/b/c/d;p?y");
    CHECK(resolve_uri_reference(base, "#s") == "http://a/b/c/d;p?q#s");
    CHECK(resolve_uri_reference(base, "") == "http://a/b/c/d;p?q");
    CHECK(resolve_uri_reference(base, "..") == "http://a/b/");
    CHECK(resolve_uri_reference(base, "../g") == "http://a/b/g");
    CHECK(resolve_uri_reference(base, "../../../g") == "http://a/g");
    CHECK(resolve_uri_reference(base, "g;x=1/../y") == "http://a/b/c/y");
}

TEST_CASE("references against schema ids", "[core][uri_reference]") {
    CHECK(resolve_uri_reference("", "#/$defs/a") == "#/$defs/a");
    CHECK(resolve_uri_reference("", "common.json#/x") == "common.json#/x");
    CHECK(resolve_uri_reference("https://example.com/root.json", "item.json") == "https://example.com/item.json");
    CHECK(resolve_uri_reference("urn:uuid:deadbeef-1234", "#/$defs/a") == "urn:uuid:deadbeef-1234#/$defs/a");
    CHECK(resolve_uri_reference("https://example.com/a.json", "b.json#") == "https://example.com/b.json");
}
