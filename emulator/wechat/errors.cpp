// WeChat errcode catalogue. Texts follow the spec (specs/wechat-miniprogram.md §11) and
// docs/specs/wechat-miniprogram-additions.md; the ones marked unconfirmed there (40002, 41004, 43001/43002,
// 44002, 47003, 40097, 44004, 200012, 200017, 200018, 200021) use the commonly reported wording.
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
            // The text api.weixin.qq.com gives on /cgi-bin and /wxa since 2023 (README: access tokens).
            return "invalid credential, access_token is invalid or not latest, could get access_token by "
                   "getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r";
        case Errc::kInvalidGrantType:
            return "invalid grant_type";
        case Errc::kInvalidOpenid:
            return "invalid openid";
        case Errc::kInvalidMediaId:
            return "invalid media_id";
        case Errc::kInvalidMessageType:
            return "invalid message type";
        case Errc::kInvalidArgs:
            return "invalid args";
        case Errc::kEmptyContent:
            return "empty content";
        case Errc::kResponseOutOfTime:
            return "response out of time limit or subscription is canceled";
        case Errc::kResponseCountLimit:
            return "out of response count limit";
        case Errc::kTemplateLimit:
            return "template count reach limit";
        case Errc::kTidNotExist:
            return "tid does not exist";
        case Errc::kInvalidStart:
            return "invalid parameter start";
        case Errc::kInvalidLimit:
            return "invalid parameter limit";
        case Errc::kMissingIds:
            return "missing parameter ids";
        case Errc::kInvalidIds:
            return "invalid parameter ids";
        case Errc::kInvalidKeywords:
            return "invalid keywords";
        case Errc::kInvalidSceneDesc:
            return "invalid parameter sceneDesc";
        // The shipping service answers in Chinese (replies quoted in the developer community).
        case Errc::kPaymentNotExist:
            return "支付单不存在";
        case Errc::kReshipUsed:
            return "支付单已使用重新发货机会";
        case Errc::kNotShippable:
            return "支付单处于不可发货的状态";
        case Errc::kUnifiedListLength:
            return "统一发货模式下,物流信息列表长度必须为1";
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

emulator::Failure make_error(Errc code, std::string detail) {
    return make_error_text(code, std::string(errmsg(code)), std::move(detail));
}

emulator::Failure make_error_text(Errc code, std::string message, std::string detail) {
    return emulator::Failure{200, std::to_string(errcode(code)), std::move(message), nullptr, std::move(detail)};
}

int errcode_of(const emulator::Failure& f) {
    int v = -1;
    auto [p, ec] = std::from_chars(f.code.data(), f.code.data() + f.code.size(), v);
    if (ec != std::errc() || p != f.code.data() + f.code.size()) return -1;
    return v;
}

emulator::Failure not_emulated(std::string_view method, std::string_view path) {
    return make_error_text(Errc::kApiUnauthorized, "api unauthorized: mpemu does not emulate " + std::string(method) +
                                                       " " + std::string(path) +
                                                       " (GET /__admin/operations lists what it does)");
}

emulator::Failure admin_failure(std::string code, std::string message) {
    // The status is not used: admin::error_response maps the code (admin::status_for).
    return emulator::Failure{500, std::move(code), std::move(message), nullptr, {}};
}

emulator::Failure no_app(const std::string& appid) {
    return admin_failure("not_found", "no WeChat app " + appid + " in the fixture set");
}

emulator::Failure no_user(const std::string& openid, const std::string& appid) {
    return admin_failure("not_found", "no user " + openid + " of app " + appid + " in the fixture set");
}

emulator::Failure no_state_row(const std::string& openid) {
    return admin_failure("not_found", "user " + openid + " has no state row");
}

emulator::Failure no_phone(const std::string& openid) {
    return admin_failure("bad_request", "user " + openid + " has no phone in the fixture set");
}

emulator::Failure bad_count(size_t max) {
    return admin_failure("bad_request", "\"count\" must be 1 to " + std::to_string(max));
}

emulator::Failure bad_count_integer(size_t max) {
    return admin_failure("bad_request", "\"count\" must be an integer from 1 to " + std::to_string(max));
}

emulator::Failure bad_kind() {
    return admin_failure("bad_request", "\"kind\" must be \"userinfo\" or \"phone\"");
}

emulator::Failure bad_limit() {
    return admin_failure("bad_request", "\"limit\" must be a number");
}

}  // namespace mpemu::wechat
