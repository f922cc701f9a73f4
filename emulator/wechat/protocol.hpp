// WeChat mini program wire protocol, pure (core/ only): error and success bodies, identifier shapes,
// legacy encryptedData (AES-128-CBC under the session_key), rawData and login-state signatures, and
// phone number rendering. The harness can use it to decrypt or sign exactly as the emulator does.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "core/result.hpp"

namespace mpemu::wechat::protocol {

// What api.weixin.qq.com sends on JSON replies (note "encoding=", not "charset=").
inline constexpr std::string_view kJsonContentType = "application/json; encoding=utf-8";

// {"errcode":N,"errmsg":"<message> rid: <rid>"}.
std::string render_error(int errcode, std::string_view message, std::string_view rid);
// {"errcode":0,"errmsg":"ok", ...extra members in order}.
core::OrderedJson ok_object();

// jscode2session success: session_key, openid, then unionid when present (real key order).
std::string render_session(std::string_view session_key, std::string_view openid,
                           const std::optional<std::string>& unionid);
// cgi-bin/token and stable_token success.
std::string render_token(std::string_view access_token, long long expires_in);

// ---- identifier shapes ----
bool is_appid(std::string_view s);       // wx + 16 lowercase hex
bool is_openid(std::string_view s);      // o + 27 of [A-Za-z0-9_-]
bool is_login_code(std::string_view s);  // 32 of [A-Za-z0-9]
bool is_phone_code(std::string_view s);  // 64 lowercase hex
// Issued tokens look like <2 digits>_<[A-Za-z0-9_-]+>. What WeChat cannot parse at all (40014) is a
// token with characters outside that alphabet or longer than the 512 characters the docs reserve; any
// other string is only unknown (40001), like the docs' placeholder "ACCESS_TOKEN".
inline constexpr size_t kMaxAccessTokenLength = 512;
bool is_access_token_syntax(std::string_view s);
// A mini program page path without its leading slash ("/pages/a" and "pages/a" name the same page).
std::string normalize_page(std::string_view path);
// getwxacodeunlimit scene: 1-32 visible characters from [0-9A-Za-z] and !#$&'()*+,/:;=?@-._~
bool is_valid_scene(std::string_view s);

// ---- legacy open data (spec §6) ----
// Encrypts plaintext under base64 session_key with the raw 16-byte iv; returns base64 ciphertext.
core::Result<std::string> encrypt_data(std::string_view session_key_b64, std::string_view iv,
                                       std::string_view plaintext);
// Decrypts base64 encryptedData with base64 session_key and iv; checks sizes and padding.
core::Result<std::string> decrypt_data(std::string_view session_key_b64, std::string_view iv_b64,
                                       std::string_view encrypted_b64);
// lowercase_hex(SHA1(rawData || session_key)); the session_key as its base64 text.
std::string raw_data_signature(std::string_view raw_data, std::string_view session_key_b64);
// JS-SDK wx.config signature: lowercase_hex(SHA1("jsapi_ticket=T&noncestr=N&timestamp=S&url=U")), the url
// without its #fragment.
std::string jsapi_signature(std::string_view ticket, std::string_view noncestr, std::string_view timestamp,
                            std::string_view url);
// lowercase_hex(HMAC-SHA256(key = session_key base64 text, message = post body or "")).
std::string login_state_signature(std::string_view session_key_b64, std::string_view message);

// ---- phone numbers ----
struct PhoneParts {
    std::string phone_number;       // mainland: bare national number; elsewhere "+<cc><national>"
    std::string pure_phone_number;  // national number
    std::string country_code;       // "86"
};
// From E.164 ("+8613800138000"); error when it is not E.164.
core::Result<PhoneParts> split_phone(std::string_view e164);
// {"phoneNumber","purePhoneNumber","countryCode","watermark":{"timestamp","appid"}} in that order.
core::OrderedJson phone_payload(const PhoneParts& phone, long long timestamp, std::string_view appid);

// ---- legacy user info (wx.getUserInfo) ----
struct UserProfile {
    std::string openid;
    std::optional<std::string> unionid;
    std::string nickname;
    int gender = 0;
    std::string language;
    std::string city;
    std::string province;
    std::string country;
    std::string avatar_url;
};
// rawData: {"nickName","gender","language","city","province","country","avatarUrl"} as sent to the client.
std::string user_raw_data(const UserProfile& user);
// The encrypted payload: openId, the rawData fields, unionId (when any), watermark last.
std::string user_info_plaintext(const UserProfile& user, long long timestamp, std::string_view appid);

}  // namespace mpemu::wechat::protocol
