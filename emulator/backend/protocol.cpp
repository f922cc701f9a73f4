// HS256 JWT signing and verification on core/crypto's HMAC.
#include "emulator/backend/protocol.hpp"

#include "core/crypto.hpp"

namespace mpemu::backend::protocol {

namespace crypto = core::crypto;

std::string sign_jwt_hs256(const core::Json& claims, const std::string& secret) {
    static const std::string kHeader = crypto::base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
    std::string signing_input = kHeader + "." + crypto::base64url_encode(core::dump(claims));
    return signing_input + "." + crypto::base64url_encode(crypto::hmac_sha256(secret, signing_input));
}

core::Result<core::Json> verify_jwt_hs256(std::string_view token, const std::string& secret, const JwtOptions& o) {
    auto d1 = token.find('.');
    auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
    if (d1 == std::string_view::npos || d2 == std::string_view::npos ||
        token.find('.', d2 + 1) != std::string_view::npos)
        return core::make_error("malformed", "the token is not a JWT (three dot-separated parts)");
    auto header_text = crypto::base64url_decode(token.substr(0, d1));
    auto payload_text = crypto::base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
    auto sig = crypto::base64url_decode(token.substr(d2 + 1));
    if (!header_text || !payload_text || !sig) return core::make_error("malformed", "the token is not valid base64url");
    auto header = core::parse_json(*header_text, 8);
    auto payload = core::parse_json(*payload_text, 16);
    if (!header || !payload || !header->is_object() || !payload->is_object())
        return core::make_error("malformed", "the token's header or payload is not a JSON object");
    if (header->value("alg", "") != "HS256") return core::make_error("alg", "the token's alg must be HS256");
    std::string expected = crypto::hmac_sha256(secret, token.substr(0, d2));
    if (!crypto::constant_time_equals(expected, *sig))
        return core::make_error("signature", "the token's signature is invalid");
    const auto& c = *payload;
    if (c.contains("exp") && c["exp"].is_number() && o.now_unix >= c["exp"].get<long long>() + o.leeway_s)
        return core::make_error("expired", "the token has expired");
    if (c.contains("nbf") && c["nbf"].is_number() && o.now_unix + o.leeway_s < c["nbf"].get<long long>())
        return core::make_error("not_yet_valid", "the token is not valid yet");
    if (!o.issuer.empty() && c.value("iss", "") != o.issuer)
        return core::make_error("issuer", "the token was issued by someone else");
    if (!o.audience.empty()) {
        bool ok = false;
        if (c.contains("aud") && c["aud"].is_string()) ok = c["aud"] == o.audience;
        if (c.contains("aud") && c["aud"].is_array()) {
            for (const auto& a : c["aud"]) ok = ok || a == o.audience;
        }
        if (!ok) return core::make_error("audience", "the token is for another audience");
    }
    return *payload;
}

}  // namespace mpemu::backend::protocol
