// WeChat Pay API v3 wire protocol, pure (core/ only) so the harness signs, verifies, encrypts and
// decrypts exactly as the emulator does: the Authorization header, the strings to sign, response
// and notification signatures, AEAD_AES_256_GCM resources, paySign and notification envelopes.
// Spec: ../shared/specs/wechatpay-v3.md.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/crypto.hpp"
#include "core/json.hpp"
#include "core/result.hpp"

namespace mpemu::wechatpay::protocol {

inline constexpr std::string_view kAuthScheme = "WECHATPAY2-SHA256-RSA2048";
inline constexpr std::string_view kAlgorithm = "AEAD_AES_256_GCM";
inline constexpr long long kMaxClockSkewSeconds = 300;

// ---- request authentication (§2) ---------------------------------------------------------------

struct Authorization {
    std::string mchid;
    std::string nonce_str;
    std::string timestamp;
    std::string serial_no;
    std::string signature;
};

// Parses `WECHATPAY2-SHA256-RSA2048 k="v",...`: keys in any order, optional whitespace around parts,
// any nonce. Error codes: "missing" (empty), "scheme", "format", "missing_field" (message names it).
core::Result<Authorization> parse_authorization(std::string_view header);
// Builds the header the way the docs' SDKs do (mchid,nonce_str,timestamp,serial_no,signature).
std::string format_authorization(const Authorization& a);

// "METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n" — target is the raw request-target (path + "?" + query
// exactly as sent), body the raw bytes (empty for GET).
std::string request_message(std::string_view method, std::string_view target, std::string_view timestamp,
                            std::string_view nonce, std::string_view body);
// "TIMESTAMP\nNONCE\nBODY\n" (responses and notifications; a 204's body is empty).
std::string response_message(std::string_view timestamp, std::string_view nonce, std::string_view body);
// "appId\ntimeStamp\nnonceStr\npackage\n" (wx.requestPayment).
std::string pay_sign_message(std::string_view app_id, std::string_view time_stamp, std::string_view nonce_str,
                             std::string_view package);

// "appid\ntimestamp\nnoncestr\nprepayid\n": what an app signs to open WeChat's payment (APP调起支付).
std::string app_pay_sign_message(std::string_view appid, std::string_view timestamp, std::string_view noncestr,
                                 std::string_view prepayid);

// base64(SHA256withRSA(key, message)).
core::Result<std::string> sign(const core::crypto::Key& private_key, std::string_view message);
bool verify(const core::crypto::Key& public_key, std::string_view message, std::string_view signature_b64);

// Verifies a parsed Authorization against the request; `now_unix` is real time (§3.4).
// Error codes: "timestamp" (not a number or outside ±300 s), "signature". The error detail holds the
// string the server built (for SIGN_ERROR's sign_information).
core::Status verify_request(const Authorization& auth, const core::crypto::Key& merchant_public_key,
                            std::string_view method, std::string_view target, std::string_view body,
                            long long now_unix);

// Signs a request as a merchant SDK would; returns the Authorization header value.
core::Result<std::string> sign_request(const core::crypto::Key& merchant_private_key, std::string_view mchid,
                                       std::string_view serial_no, std::string_view method, std::string_view target,
                                       std::string_view body, long long timestamp, std::string_view nonce);

// ---- response / notification signatures (§3) ---------------------------------------------------

struct SignedHeaders {
    std::string timestamp;  // Wechatpay-Timestamp
    std::string nonce;      // Wechatpay-Nonce
    std::string signature;  // Wechatpay-Signature
    std::string serial;     // Wechatpay-Serial
};
core::Result<SignedHeaders> sign_message_headers(const core::crypto::Key& platform_private_key, std::string_view serial,
                                                 std::string_view body, long long timestamp, std::string_view nonce);
// The headers of a notification POST (Content-Type, the four Wechatpay-* headers and
// Wechatpay-Signature-Type), as the emulator sends them; the harness uses the same.
std::vector<std::pair<std::string, std::string>> notification_headers(const SignedHeaders& h);
// Checks a signed reply/notification as the SDKs do (timestamp window against `now_unix`, signature).
// Error codes: "timestamp", "signature".
core::Status verify_message(const core::crypto::Key& platform_public_key, const SignedHeaders& h, std::string_view body,
                            long long now_unix);

// ---- AEAD_AES_256_GCM (§4) ---------------------------------------------------------------------

struct EncryptedResource {
    std::string algorithm = std::string(kAlgorithm);
    std::string ciphertext;  // base64(ct || tag16)
    std::string associated_data;
    std::string nonce;          // 12 ASCII chars
    std::string original_type;  // notifications only
};
// apiv3_key: the 32-character APIv3 key as raw bytes. Error "key" when it is not 32 bytes.
core::Result<std::string> encrypt(std::string_view apiv3_key, std::string_view nonce, std::string_view aad,
                                  std::string_view plaintext);
// Error "auth_failed" when the tag does not verify, "base64" for a malformed ciphertext.
core::Result<std::string> decrypt(std::string_view apiv3_key, std::string_view nonce, std::string_view aad,
                                  std::string_view ciphertext_b64);

// ---- notification envelope (§13.2) -------------------------------------------------------------

struct Envelope {
    std::string id;
    std::string create_time;
    std::string event_type;  // TRANSACTION.SUCCESS, REFUND.SUCCESS, ...
    std::string summary;     // 支付成功, 退款成功, ...
    EncryptedResource resource;
};
// Compact JSON in the real key order: what JSON.stringify(JSON.parse(body)) reproduces byte for byte.
std::string render_envelope(const Envelope& e);
core::Result<Envelope> parse_envelope(std::string_view body);

// The `encrypt_certificate` member of one /v3/certificates entry.
core::OrderedJson render_encrypted_certificate(const EncryptedResource& r);

// Summary text per notification event type (§13.2).
std::string event_summary(std::string_view event_type);

// trade_state_desc of a transaction in this trade_state (§7).
std::string trade_state_desc(std::string_view trade_state);

}  // namespace mpemu::wechatpay::protocol
