// WeChat Pay API v2 (legacy XML) wire protocol: lenient XML reading, strict XML writing, MD5 and
// HMAC-SHA256 signatures with the API v2 key, paySign, and the refund notification's req_info.
// Pure (core/ only) so the harness signs and parses exactly as the emulator does.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace mpemu::wechatpay::v2 {

// One message's top-level parameters in document order. Values are decoded text (CDATA unwrapped,
// entities and character references decoded). Empty elements are kept with an empty value but
// count as absent everywhere (get() returns nullptr, signing skips them).
class Params {
public:
    Params() = default;
    Params(std::initializer_list<std::pair<std::string, std::string>> fields) : fields_(fields) {}

    // Non-empty value of `name`, or nullptr (absent or empty).
    const std::string* get(std::string_view name) const;
    std::string get_or(std::string_view name, std::string fallback = {}) const;
    bool has(std::string_view name) const { return get(name) != nullptr; }
    // Appends (or replaces, keeping the position) a field. Empty values are stored but never emitted.
    void set(std::string name, std::string value);
    void erase(std::string_view name);

    const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
    std::vector<std::pair<std::string, std::string>>& fields() { return fields_; }
    std::string root = "xml";  // document element name as read; "xml" when written

private:
    std::vector<std::pair<std::string, std::string>> fields_;
};

// Why a body could not be read; maps to the protocol-layer return_msg texts of the spec (§4.2).
enum class ParseFailure { kEmpty, kNotUtf8, kMalformed };

struct ParseError {
    ParseFailure kind;
    std::string detail;  // for the log: what and where
};

// Reads a request, notification reply or decrypted req_info per the spec's §2.2 rules: optional BOM
// and declaration, any root element, comments/PIs/attributes ignored, DOCTYPE refused, a parameter
// with element children or a repeated parameter refused, depth and size bounded by the caller.
struct ParseResult {
    bool ok = false;
    Params params;
    ParseError error;
};
ParseResult parse_xml(std::string_view body);

enum class SignType { kMd5, kHmacSha256 };

// "MD5" (or empty) / "HMAC-SHA256"; false for anything else.
bool parse_sign_type(std::string_view text, SignType* out);
const char* sign_type_name(SignType t);

// §3.2: every non-empty parameter except `sign`, byte-wise sorted, `k=v` joined by `&`, + `&key=KEY`.
std::string string_to_sign(const Params& params, std::string_view api_key);
// §3.3: uppercase hex MD5 or HMAC-SHA256 (keyed with the API key) of string_to_sign.
std::string sign(const Params& params, std::string_view api_key, SignType type);
// Compares case-insensitively (a lowercase MD5 is accepted by the real server, per the spec).
bool verify(const Params& params, std::string_view api_key, SignType type);

// §2.3: `<xml>` + one element per non-empty field, each followed by "\n", + `</xml>`. Values in
// CDATA except the integer amount/count fields; `]]>` split across two CDATA sections.
std::string render_xml(const Params& params);
// The decrypted refund notification plaintext layout: `<root>\n` + elements in CDATA each followed
// by "\n" + `</root>`.
std::string render_root(const Params& params);
bool is_plain_field(std::string_view name);

// §11: paySign over exactly appId, nonceStr, package, signType, timeStamp.
std::string pay_sign(std::string_view app_id, std::string_view time_stamp, std::string_view nonce_str,
                     std::string_view package, SignType type, std::string_view api_key);

// §13.2: AES-256-ECB with key = lowercase hex MD5 of the API key (32 ASCII bytes), PKCS#7/16, base64.
core::Result<std::string> encrypt_req_info(std::string_view plaintext, std::string_view api_key);
core::Result<std::string> decrypt_req_info(std::string_view req_info, std::string_view api_key);

// §1.1: the fixed per-merchant key that sandbox-prefixed calls are signed with (what getsignkey
// answers): lowercase hex MD5 of "mpemu-sandbox:<mch_id>:<API v2 key>".
std::string sandbox_sign_key(std::string_view mch_id, std::string_view api_key);

// §6: trade_state_desc of an order in this trade_state.
std::string trade_state_desc(std::string_view trade_state);

// §9: a refund's refund_status from the shared (v3) status: ABNORMAL -> CHANGE, CLOSED -> REFUNDCLOSE.
std::string refund_status(std::string_view v3_status);
inline constexpr std::string_view kDefaultRefundAccount = "REFUND_SOURCE_UNSETTLED_FUNDS";
// §9: refund_account: the recorded REFUND_SOURCE_* value, else the default.
std::string refund_account(std::string_view funds_account);

// §10: the text bill. One line: every cell prefixed with a backtick, comma separated, "\r\n" ended.
std::string bill_line(const std::vector<std::string>& cells);
// The column header line for bill_type ALL, SUCCESS, REFUND or RECHARGE_REFUND ("\r\n" ended).
std::string bill_header(std::string_view bill_type);
// The header line of the totals that close a bill ("\r\n" ended).
std::string bill_totals_header();

// §12.4: whether a merchant's reply to a notification means "received". Strict: HTTP 200 and an XML
// body whose return_code is SUCCESS. Lenient additionally takes SUCCESS / "SUCCESS" / success and
// JSON {"return_code"|"code":"SUCCESS"}. `why` says what was wrong.
bool notification_reply_accepted(int status, std::string_view body, bool lenient, std::string* why);

}  // namespace mpemu::wechatpay::v2
