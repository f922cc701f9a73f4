// The backend mimic's own wire protocol, pure (core/ only): HS256 JSON Web Tokens for its logins (RFC 7519
// subset: HS256 only, exp/nbf/iss/aud checks). What it speaks to the providers is theirs: actions.cpp calls
// emulator/alipay/protocol.hpp and emulator/wechatpay/protocol.hpp.
#pragma once

#include <string>
#include <string_view>

#include "core/json.hpp"
#include "core/result.hpp"

namespace mpemu::backend::protocol {

// header.payload.signature, base64url without padding; the header is {"alg":"HS256","typ":"JWT"}.
std::string sign_jwt_hs256(const core::Json& claims, const std::string& secret);

struct JwtOptions {
    long long now_unix = 0;
    std::string issuer;    // "" = not checked
    std::string audience;  // "" = not checked
    long long leeway_s = 0;
};

// The claims of a valid token. Error codes: "malformed", "alg" (not HS256), "signature", "expired",
// "not_yet_valid", "issuer", "audience"; the message is the client's text (the 401's detail).
core::Result<core::Json> verify_jwt_hs256(std::string_view token, const std::string& secret, const JwtOptions& options);

}  // namespace mpemu::backend::protocol
