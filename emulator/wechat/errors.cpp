// WeChat errcode catalogue. Texts follow the spec (specs/wechat-miniprogram.md §11); the ones the spec
// marks unconfirmed (40002, 41004, 43001/43002, 44002, 47003) use the commonly reported wording.
#include "emulator/wechat/errors.hpp"

#include <charconv>

namespace mpemu::wechat {

std::string_view errmsg(Errc code) {
    switch (code) {
        case Errc::kSystemError:
            return "system error";
        case Errc::kOk:
            return "ok";
        case Errc::kInvalidCredential:
            return "invalid credential, access_token is invalid or not latest";
        case Errc::kInvalidGrantType:
            return "invalid grant_type";
        case Errc::kInvalidOpenid:
            return "invalid openid";
        case Errc::kInvalidAppid:
            return "invalid appid";
        case Errc::kInvalidAccessToken:
            return "invalid access_token";
        case Errc::kInvalidCode:
            return "invalid code";
        case Errc::kInvalidTemplateId:
            return "invalid template_id";
        case Errc::kInvalidAppsecret:
            return "invalid appsecret";
        case Errc::kInvalidScene:
            return "invalid scene";
        case Errc::kCodeBeenUsed:
            return "code been used";
        case Errc::kInvalidSceneLength:
            return "invalid length for scene, or the data is not json string";
        case Errc::kCodeBlocked:
            return "code blocked";
        case Errc::kAccessTokenMissing:
            return "access_token missing";
        case Errc::kAppidMissing:
            return "appid missing";
        case Errc::kAppsecretMissing:
            return "appsecret missing";
        case Errc::kInvalidPage:
            return "invalid page";
        case Errc::kAccessTokenExpired:
            return "access_token expired";
        case Errc::kRequireGet:
            return "require GET method";
        case Errc::kRequirePost:
            return "require POST method";
        case Errc::kUserRefuseMsg:
            return "user refuse to accept the msg";
        case Errc::kAppidOpenidMismatch:
            return "appid and openid not match";
        case Errc::kEmptyPostData:
            return "empty post data";
        case Errc::kDailyQuota:
            return "reach max api daily quota limit";
        case Errc::kMinuteQuota:
            return "api minute-quota reach limit mustslower retry next minute";
        case Errc::kDataFormatError:
            return "data format error";
        case Errc::kArgumentInvalid:
            return "argument invalid!";
        case Errc::kApiUnauthorized:
            return "api unauthorized";
        case Errc::kInvalidSigMethod:
            return "invalid sig_method";
        case Errc::kInvalidSignature:
            return "invalid signature";
    }
    return "unknown error";
}

core::Error make_error(Errc code, std::string detail) {
    return core::Error{std::to_string(errcode(code)), std::string(errmsg(code)), std::move(detail)};
}

core::Error make_error_text(Errc code, std::string message, std::string detail) {
    return core::Error{std::to_string(errcode(code)), std::move(message), std::move(detail)};
}

int errcode_of(const core::Error& e) {
    int v = -1;
    auto [p, ec] = std::from_chars(e.code.data(), e.code.data() + e.code.size(), v);
    if (ec != std::errc() || p != e.code.data() + e.code.size()) return -1;
    return v;
}

}  // namespace mpemu::wechat
