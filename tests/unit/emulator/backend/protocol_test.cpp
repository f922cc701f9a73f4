// HS256 JWTs: the RFC 7515 A.1 style round trip, and every verification failure.
#include <catch2/catch.hpp>

#include "core/crypto.hpp"
#include "emulator/backend/protocol.hpp"

using namespace mpemu;
using core::Json;

TEST_CASE("jwt: signs the header and claims with HMAC-SHA256 over base64url parts", "[backend][jwt]") {
    std::string token = backend::protocol::sign_jwt_hs256({{"sub", "u1"}, {"exp", 2000}}, "secret-secret-secret");
    auto first = token.find('.');
    auto second = token.find('.', first + 1);
    REQUIRE(second != std::string::npos);
    CHECK(*core::crypto::base64url_decode(token.substr(0, first)) == R"({"alg":"HS256","typ":"JWT"})");
    CHECK(*core::crypto::base64url_decode(token.substr(first + 1, second - first - 1)) == R"({"exp":2000,"sub":"u1"})");
    CHECK(token.substr(second + 1) ==
          core::crypto::base64url_encode(core::crypto::hmac_sha256("secret-secret-secret", token.substr(0, second))));

    backend::protocol::JwtOptions o;
    o.now_unix = 1999;
    auto claims = backend::protocol::verify_jwt_hs256(token, "secret-secret-secret", o);
    REQUIRE(claims.ok());
    CHECK((*claims)["sub"] == "u1");
}

TEST_CASE("jwt: refuses malformed, forged, expired, early, foreign tokens and other algorithms", "[backend][jwt]") {
    const std::string key = "secret-secret-secret";
    backend::protocol::JwtOptions o;
    o.now_unix = 1000;
    auto code = [&](const std::string& token, const backend::protocol::JwtOptions& opt) {
        auto r = backend::protocol::verify_jwt_hs256(token, key, opt);
        return r.ok() ? std::string("ok") : r.error().code;
    };
    CHECK(code("abc", o) == "malformed");
    CHECK(code("a.b.c.d", o) == "malformed");
    CHECK(code(backend::protocol::sign_jwt_hs256({{"exp", 2000}}, "another-key-another-key"), o) == "signature");
    CHECK(code(backend::protocol::sign_jwt_hs256({{"exp", 1000}}, key), o) == "expired");
    CHECK(code(backend::protocol::sign_jwt_hs256({{"nbf", 1001}}, key), o) == "not_yet_valid");
    auto with_iss = o;
    with_iss.issuer = "shop";
    CHECK(code(backend::protocol::sign_jwt_hs256({{"iss", "other"}}, key), with_iss) == "issuer");
    CHECK(code(backend::protocol::sign_jwt_hs256({{"iss", "shop"}}, key), with_iss) == "ok");
    auto with_aud = o;
    with_aud.audience = "app";
    CHECK(code(backend::protocol::sign_jwt_hs256({{"aud", Json::array({"web", "app"})}}, key), with_aud) == "ok");
    CHECK(code(backend::protocol::sign_jwt_hs256({{"aud", "web"}}, key), with_aud) == "audience");
    // alg "none" with an empty signature is never accepted.
    std::string none = core::crypto::base64url_encode(R"({"alg":"none"})") + "." +
                       core::crypto::base64url_encode(R"({"sub":"x"})") + ".";
    CHECK(code(none, o) != "ok");
}
