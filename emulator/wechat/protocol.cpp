// WeChat wire rendering and legacy crypto. Vectors: specs/wechat-miniprogram.md §6.3, §6.4, §7.1.
#include "emulator/wechat/protocol.hpp"

#include <array>

#include "core/crypto.hpp"

namespace mpemu::wechat::protocol {
namespace {

bool all_of(std::string_view s, bool (*pred)(char)) {
    for (char c : s) {
        if (!pred(c)) return false;
    }
    return true;
}
bool is_lower_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}
bool is_alnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_url_safe(char c) {
    return is_alnum(c) || c == '_' || c == '-';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// ITU-T E.164 country calling codes of one and two digits; every other code has three.
bool is_short_country_code(std::string_view cc) {
    static constexpr std::array<std::string_view, 46> kCodes = {
        "1",  "7",  "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45",
        "46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98"};
    for (auto c : kCodes) {
        if (c == cc) return true;
    }
    return false;
}

}  // namespace

std::string render_error(int errcode, std::string_view message, std::string_view rid) {
    core::OrderedJson j = core::OrderedJson::object();
    j["errcode"] = errcode;
    j["errmsg"] = std::string(message) + " rid: " + std::string(rid);
    return core::dump(j);
}

core::OrderedJson ok_object() {
    core::OrderedJson j = core::OrderedJson::object();
    j["errcode"] = 0;
    j["errmsg"] = "ok";
    return j;
}

std::string render_session(std::string_view session_key, std::string_view openid,
                           const std::optional<std::string>& unionid) {
    core::OrderedJson j = core::OrderedJson::object();
    j["session_key"] = session_key;
    j["openid"] = openid;
    if (unionid) j["unionid"] = *unionid;
    return core::dump(j);
}

std::string render_token(std::string_view access_token, long long expires_in) {
    core::OrderedJson j = core::OrderedJson::object();
    j["access_token"] = access_token;
    j["expires_in"] = expires_in;
    return core::dump(j);
}

bool is_appid(std::string_view s) {
    return s.size() == 18 && s.substr(0, 2) == "wx" && all_of(s.substr(2), is_lower_hex);
}
bool is_openid(std::string_view s) {
    return s.size() == 28 && s[0] == 'o' && all_of(s, is_url_safe);
}
bool is_login_code(std::string_view s) {
    return s.size() == 32 && all_of(s, is_alnum);
}
bool is_phone_code(std::string_view s) {
    return s.size() == 64 && all_of(s, is_lower_hex);
}

bool is_access_token_syntax(std::string_view s) {
    return !s.empty() && s.size() <= kMaxAccessTokenLength && all_of(s, is_url_safe);
}

std::string normalize_page(std::string_view path) {
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    return std::string(path);
}

bool is_valid_scene(std::string_view s) {
    if (s.empty() || s.size() > 32) return false;
    static constexpr std::string_view kExtra = "!#$&'()*+,/:;=?@-._~";
    for (char c : s) {
        if (!is_alnum(c) && kExtra.find(c) == std::string_view::npos) return false;
    }
    return true;
}

core::Result<std::string> encrypt_data(std::string_view session_key_b64, std::string_view iv,
                                       std::string_view plaintext) {
    auto key = core::crypto::base64_decode(session_key_b64);
    if (!key || key->size() != 16) return core::make_error("bad_key", "session_key must be base64 of 16 bytes");
    if (iv.size() != 16) return core::make_error("bad_iv", "iv must be 16 bytes");
    auto ct = core::crypto::aes128_cbc_encrypt(*key, iv, plaintext);
    if (!ct) return ct.error();
    return core::crypto::base64_encode(*ct);
}

core::Result<std::string> decrypt_data(std::string_view session_key_b64, std::string_view iv_b64,
                                       std::string_view encrypted_b64) {
    auto key = core::crypto::base64_decode(session_key_b64);
    if (!key || key->size() != 16) return core::make_error("bad_key", "session_key must be base64 of 16 bytes");
    auto iv = core::crypto::base64_decode(iv_b64);
    if (!iv || iv->size() != 16) return core::make_error("bad_iv", "iv must be base64 of 16 bytes");
    auto ct = core::crypto::base64_decode(encrypted_b64);
    if (!ct || ct->empty() || ct->size() % 16 != 0) {
        return core::make_error("bad_data", "encryptedData must be base64 of a non-zero multiple of 16 bytes");
    }
    return core::crypto::aes128_cbc_decrypt(*key, *iv, *ct);
}

std::string jsapi_signature(std::string_view ticket, std::string_view noncestr, std::string_view timestamp,
                            std::string_view url) {
    url = url.substr(0, url.find('#'));
    std::string msg = "jsapi_ticket=" + std::string(ticket) + "&noncestr=" + std::string(noncestr) +
                      "&timestamp=" + std::string(timestamp) + "&url=" + std::string(url);
    return core::crypto::sha1_hex(msg);
}

std::string raw_data_signature(std::string_view raw_data, std::string_view session_key_b64) {
    std::string msg(raw_data);
    msg += session_key_b64;
    return core::crypto::sha1_hex(msg);
}

std::string login_state_signature(std::string_view session_key_b64, std::string_view message) {
    return core::crypto::hmac_sha256_hex(session_key_b64, message);
}

core::Result<PhoneParts> split_phone(std::string_view e164) {
    if (e164.size() < 8 || e164.size() > 16 || e164[0] != '+' || e164[1] == '0' || !all_of(e164.substr(1), is_digit)) {
        return core::make_error("bad_phone", "phone must be E.164 like +8613800138000");
    }
    std::string_view digits = e164.substr(1);
    size_t cc_len = 3;
    if (is_short_country_code(digits.substr(0, 1)))
        cc_len = 1;
    else if (is_short_country_code(digits.substr(0, 2)))
        cc_len = 2;
    PhoneParts p;
    p.country_code = std::string(digits.substr(0, cc_len));
    p.pure_phone_number = std::string(digits.substr(cc_len));
    p.phone_number = p.country_code == "86" ? p.pure_phone_number : "+" + std::string(digits);
    return p;
}

core::OrderedJson phone_payload(const PhoneParts& phone, long long timestamp, std::string_view appid) {
    core::OrderedJson j = core::OrderedJson::object();
    j["phoneNumber"] = phone.phone_number;
    j["purePhoneNumber"] = phone.pure_phone_number;
    j["countryCode"] = phone.country_code;
    core::OrderedJson wm = core::OrderedJson::object();
    wm["timestamp"] = timestamp;
    wm["appid"] = appid;
    j["watermark"] = wm;
    return j;
}

namespace {
void add_profile_fields(core::OrderedJson& j, const UserProfile& u) {
    j["nickName"] = u.nickname;
    j["gender"] = u.gender;
    j["language"] = u.language;
    j["city"] = u.city;
    j["province"] = u.province;
    j["country"] = u.country;
    j["avatarUrl"] = u.avatar_url;
}
}  // namespace

std::string user_raw_data(const UserProfile& user) {
    core::OrderedJson j = core::OrderedJson::object();
    add_profile_fields(j, user);
    return core::dump(j);
}

std::string user_info_plaintext(const UserProfile& user, long long timestamp, std::string_view appid) {
    core::OrderedJson j = core::OrderedJson::object();
    j["openId"] = user.openid;
    add_profile_fields(j, user);
    if (user.unionid) j["unionId"] = *user.unionid;
    core::OrderedJson wm = core::OrderedJson::object();
    wm["timestamp"] = timestamp;
    wm["appid"] = appid;
    j["watermark"] = wm;
    return core::dump(j);
}

}  // namespace mpemu::wechat::protocol
