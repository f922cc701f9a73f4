// HS256 JSON Web Tokens for the mimic's logins (RFC 7519 subset: HS256 only, exp/nbf/iss/aud checks).
#pragma once

#include <string>

#include "core/json.hpp"
#include "core/result.hpp"

namespace mpemu::backend::jwt {

std::string sign_hs256(const core::Json& claims, const std::string& secret);

struct VerifyOptions {
    long long now_unix = 0;
    std::string issuer;    // "" = not checked
    std::string audience;  // "" = not checked
    long long leeway_s = 0;
};

// Error codes: "malformed", "alg" (not HS256), "signature", "expired", "not_yet_valid", "issuer", "audience".
core::Result<core::Json> verify_hs256(std::string_view token, const std::string& secret, const VerifyOptions& options);

}  // namespace mpemu::backend::jwt
