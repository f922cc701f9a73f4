// The WeChat mini program API's error catalogue: errcode numbers and the exact errmsg texts clients
// see (before the " rid: ..." suffix that the protocol adds when rendering), and the texts of the
// wechat admin operations' errors.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "emulator/outcome.hpp"

namespace mpemu::wechat {

enum class Errc : int {
    kSystemError = -1,
    kOk = 0,
    kInvalidCredential = 40001,
    kInvalidGrantType = 40002,
    kInvalidOpenid = 40003,
    kInvalidMediaId = 40007,
    kInvalidMessageType = 40008,
    kInvalidAppid = 40013,
    kInvalidAccessToken = 40014,
    kInvalidCode = 40029,
    kInvalidTemplateId = 40037,
    kInvalidArgs = 40097,
    kInvalidAppsecret = 40125,
    kInvalidScene = 40129,
    kCodeBeenUsed = 40163,
    kInvalidSceneLength = 40169,
    kCodeBlocked = 40226,
    kAccessTokenMissing = 41001,
    kAppidMissing = 41002,
    kAppsecretMissing = 41004,
    kInvalidPage = 41030,
    kAccessTokenExpired = 42001,
    kRequireGet = 43001,
    kRequirePost = 43002,
    kUserRefuseMsg = 43101,
    kAppidOpenidMismatch = 43104,
    kEmptyPostData = 44002,
    kEmptyContent = 44004,
    kDailyQuota = 45009,
    kMinuteQuota = 45011,
    kResponseOutOfTime = 45015,
    kResponseCountLimit = 45047,
    kDataFormatError = 47001,
    kArgumentInvalid = 47003,
    kApiUnauthorized = 48001,
    kInvalidSigMethod = 87008,
    kInvalidSignature = 87009,
    // Subscribe message templates (/wxaapi/newtmpl/*).
    kTemplateLimit = 200012,
    kTidNotExist = 200014,
    kInvalidStart = 200016,
    kInvalidLimit = 200017,
    kMissingIds = 200018,
    kInvalidIds = 200019,
    kInvalidKeywords = 200020,
    kInvalidSceneDesc = 200021,
    // Order shipping management (/wxa/sec/order/*).
    kPaymentNotExist = 10060001,
    kReshipUsed = 10060003,
    kNotShippable = 10060004,
    kUnifiedListLength = 268485228,
};

// The catalogue text for a code ("invalid code"); "unknown error" for a code not in it.
std::string_view errmsg(Errc code);
inline int errcode(Errc code) {
    return static_cast<int>(code);
}

// A failure as the service returns it: HTTP 200 (api.weixin.qq.com answers errors with 200), code the
// decimal errcode, message the text the client sees (catalogue text, or a more specific one), log the
// detail that goes only to the log.
emulator::Failure make_error(Errc code, std::string detail = {});
emulator::Failure make_error_text(Errc code, std::string message, std::string detail = {});
// The errcode of a Failure made above (-1 when its code is not a number).
int errcode_of(const emulator::Failure& f);

// 48001 for a path under /sns, /cgi-bin or /wxa that mpemu does not emulate, naming it.
emulator::Failure not_emulated(std::string_view method, std::string_view path);

// ---- admin operations: {"error":{"code","message"}}, status from admin::status_for(code) ----
emulator::Failure admin_failure(std::string code, std::string message);
emulator::Failure no_app(const std::string& appid);
emulator::Failure no_user(const std::string& openid, const std::string& appid);
emulator::Failure no_state_row(const std::string& openid);
emulator::Failure no_phone(const std::string& openid);
emulator::Failure bad_count(size_t max);          // "count" out of 1..max (the service's check)
emulator::Failure bad_count_integer(size_t max);  // "count" not an integer in 1..max (the request's check)
emulator::Failure bad_kind();                     // encrypted_data "kind"
emulator::Failure bad_limit();                    // messages "limit"

}  // namespace mpemu::wechat
