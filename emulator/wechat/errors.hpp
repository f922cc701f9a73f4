// The WeChat mini program API's error catalogue: errcode numbers and the exact errmsg texts clients
// see (before the " rid: ..." suffix that the protocol adds when rendering).
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace mpemu::wechat {

enum class Errc : int {
    kSystemError = -1,
    kOk = 0,
    kInvalidCredential = 40001,
    kInvalidGrantType = 40002,
    kInvalidOpenid = 40003,
    kInvalidAppid = 40013,
    kInvalidAccessToken = 40014,
    kInvalidCode = 40029,
    kInvalidTemplateId = 40037,
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
    kDailyQuota = 45009,
    kMinuteQuota = 45011,
    kDataFormatError = 47001,
    kArgumentInvalid = 47003,
    kApiUnauthorized = 48001,
    kInvalidSigMethod = 87008,
    kInvalidSignature = 87009,
};

// The catalogue text for a code ("invalid code"); "unknown error" for a code not in it.
std::string_view errmsg(Errc code);
inline int errcode(Errc code) {
    return static_cast<int>(code);
}

// An error as the service returns it: Error.code is the decimal errcode, Error.message the text the
// client sees (catalogue text, or a more specific one), Error.detail goes only to the log.
core::Error make_error(Errc code, std::string detail = {});
core::Error make_error_text(Errc code, std::string message, std::string detail = {});
// The errcode of an Error made above (-1 when its code is not a number).
int errcode_of(const core::Error& e);

}  // namespace mpemu::wechat
