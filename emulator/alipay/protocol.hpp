// Alipay open platform wire protocol, pure (core/ only): gateway parameter merging, the request,
// response and notification sign contents, RSA2/RSA signing, the v2 response envelope and the v3
// Authorization header. Shared by the emulator, the harness and the tests (alipay.md §1, 2, 4, 5).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/result.hpp"
#include "core/url.hpp"

namespace mpemu::alipay {

enum class SignType { kRSA2, kRSA };

// "RSA2" / "RSA" (exact case, as the gateway compares them); nullopt otherwise.
std::optional<SignType> parse_sign_type(std::string_view text);
std::string_view sign_type_name(SignType type);

// ---- v2 gateway parameters ------------------------------------------------------------------------

struct GatewayParams {
    core::Params params;                 // union of query and body; the query value wins on conflict
    std::vector<std::string> conflicts;  // keys sent in both with different values (logged)
};

// Merges the decoded query string and a form-encoded (or empty / k=v looking) body (§2.4). A
// multipart body contributes its text parts (file parts are ignored). Repairs a `sign` whose '+'
// arrived as spaces.
GatewayParams merge_gateway_params(std::string_view raw_query, std::string_view body, std::string_view content_type);

// First value of a key, or nullptr.
const std::string* param(const core::Params& params, std::string_view key);

// The string a client signs for a gateway request (§2.5): every parameter except `sign` (sign_type
// included), empty values dropped unless `keep_empty`, byte-ordered keys, `k=v` joined with '&', raw
// decoded values.
std::string request_sign_content(const core::Params& params, bool keep_empty = false);

// The string Alipay signs for an async notification (§4.4): like the request content but without
// `sign_type`, and empty values always dropped.
std::string notify_sign_content(const core::Params& params);

// Base64 signature over the UTF-8 bytes (SHA256withRSA for RSA2, SHA1withRSA for RSA).
core::Result<std::string> sign(const core::crypto::Key& private_key, SignType type, std::string_view content);
bool verify(const core::crypto::Key& public_key, SignType type, std::string_view content, std::string_view sign_b64);

// ---- v2 responses ---------------------------------------------------------------------------------

// "alipay.trade.query" -> "alipay_trade_query_response".
std::string node_key(std::string_view method);
inline constexpr std::string_view kErrorNodeKey = "error_response";

// The node's exact bytes: compact JSON, code/msg first as the object was built (§2.7). `{` and `}`
// inside strings are written as \u007b / \u007d so brace-counting SDKs (fzlee) find the node's end.
std::string render_node(const core::OrderedJson& node);

// `{"<node_key>":<node>,"sign":"<sign>"}` — node first, no whitespace, sign last. Certificate mode puts
// `"alipay_cert_sn":"<sn>"` between the node and the sign (not signed).
std::string render_envelope(std::string_view node_key, std::string_view node_bytes, std::string_view sign_b64,
                            std::string_view alipay_cert_sn = {});

// Signs the node bytes and renders the envelope.
core::Result<std::string> render_signed_response(const core::crypto::Key& alipay_private_key, SignType type,
                                                 std::string_view node_key, const core::OrderedJson& node);

// The node text that an SDK verifies, cut out of a response body the way alipay-sdk v4 does (after
// `"<node_key>"` up to the last `"sign"`, trimmed to the outer braces). nullopt when not found.
std::optional<std::string> extract_signed_node(std::string_view body, std::string_view node_key);

// ---- notifications --------------------------------------------------------------------------------

// A notify_id as Alipay writes them (34 characters): the day (yyyymmdd, Beijing time), "00222", then
// 21 random digits.
std::string notify_id(std::string_view yyyymmdd, core::IdGenerator& ids);

// Form body of a notification: the parameters (empty values left out), then `sign` and `sign_type`.
core::Result<std::string> render_notification(const core::Params& params, const core::crypto::Key& alipay_private_key,
                                              SignType type = SignType::kRSA2);

// ---- amounts --------------------------------------------------------------------------------------

// Yuan with at most two decimals, from a JSON string or number (the number's shortest text), into
// cents. nullopt when malformed (negative, more decimals, not a number, out of range of long long).
std::optional<long long> parse_amount(const core::Json& value);
std::optional<long long> parse_amount_text(std::string_view text);
std::string format_amount(long long cents);  // 8880 -> "88.80"

// ---- OpenAPI v3 -----------------------------------------------------------------------------------

inline constexpr std::string_view kV3AuthScheme = "ALIPAY-SHA256withRSA";

struct V3Authorization {
    std::string auth_string;  // verbatim text before ",sign="
    std::string app_id;
    std::string app_cert_sn;  // certificate mode only
    std::string nonce;
    std::string timestamp;
    std::string sign;
};

// Parses `ALIPAY-SHA256withRSA app_id=..[,app_cert_sn=..],nonce=..,timestamp=..,sign=..` (§5.2).
core::Result<V3Authorization> parse_v3_authorization(std::string_view header);
std::string build_v3_authorization(std::string_view auth_string, std::string_view sign_b64);

// authString\nMETHOD\ntarget\nbody\n[app_auth_token\n]
std::string v3_request_sign_content(std::string_view auth_string, std::string_view method, std::string_view target,
                                    std::string_view body, const std::string* app_auth_token = nullptr);
// timestamp\nnonce\nbody\n
std::string v3_response_sign_content(std::string_view timestamp, std::string_view nonce, std::string_view body);

// Headers of a signed v3 answer: alipay-timestamp, alipay-nonce, alipay-signature (SHA256withRSA).
struct V3ResponseSignature {
    std::string timestamp, nonce, signature;
};
core::Result<V3ResponseSignature> sign_v3_response(const core::crypto::Key& alipay_private_key,
                                                   std::string_view timestamp, std::string_view nonce,
                                                   std::string_view body);

// v3 error body: {"code":..,"message":..,"links":[{"link":..,"desc":"解决方案"}]}.
std::string render_v3_error(std::string_view code, std::string_view message);

}  // namespace mpemu::alipay
