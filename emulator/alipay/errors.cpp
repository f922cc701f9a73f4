// The Alipay error catalogue (see errors.hpp). Texts: public error-code page copies [S10][S11],
// ACQ texts from the v3 error models and their copies [S4][S12].
#include "emulator/alipay/errors.hpp"

#include <array>
#include <utility>

#include "core/text.hpp"

namespace mpemu::alipay {
namespace {

struct CodeEntry {
    std::string_view code, msg;
};
constexpr std::array kCodes{
    CodeEntry{"10000", "Success"},
    CodeEntry{"20000", "Service Currently Unavailable"},
    CodeEntry{"20001", "Insufficient Token Permissions"},
    CodeEntry{"40001", "Missing Required Arguments"},
    CodeEntry{"40002", "Invalid Arguments"},
    CodeEntry{"40003", "Insufficient Conditions"},
    CodeEntry{"40004", "Business Failed"},
    CodeEntry{"40005", "Call Limited"},
    CodeEntry{"40006", "Insufficient Permissions"},
};

struct SubEntry {
    std::string_view sub_code, code, sub_msg;
};
constexpr std::array kSubs{
    SubEntry{"isp.unknow-error", "20000", "服务暂不可用（业务系统不可用）"},
    SubEntry{"aop.unknow-error", "20000", "服务暂不可用（网关自身的未知错误）"},
    SubEntry{"aop.invalid-auth-token", "20001", "无效的访问令牌"},
    SubEntry{"aop.auth-token-time-out", "20001", "访问令牌已过期"},
    SubEntry{"aop.invalid-app-auth-token", "20001", "无效的应用授权令牌"},
    SubEntry{"aop.invalid-app-auth-token-no-api", "20001", "商户未授权当前接口"},
    SubEntry{"aop.app-auth-token-time-out", "20001", "应用授权令牌已过期"},
    SubEntry{"aop.no-product-reg-by-partner", "20001", "商户未签约任何产品"},
    SubEntry{"isv.missing-method", "40001", "缺少方法名参数"},
    SubEntry{"isv.missing-signature", "40001", "缺少签名参数"},
    SubEntry{"isv.missing-signature-type", "40001", "缺少签名类型参数"},
    SubEntry{"isv.missing-signature-key", "40001", "缺少签名配置"},
    SubEntry{"isv.missing-app-id", "40001", "缺少appId参数"},
    SubEntry{"isv.missing-timestamp", "40001", "缺少时间戳参数"},
    SubEntry{"isv.missing-version", "40001", "缺少版本参数"},
    SubEntry{"isv.decryption-error-missing-encrypt-type", "40001", "解密出错, 未指定加密算法"},
    SubEntry{"isv.invalid-parameter", "40002", "参数无效"},
    SubEntry{"isv.invalid-method", "40002", "不存在的方法名"},
    SubEntry{"isv.invalid-format", "40002", "无效的数据格式"},
    SubEntry{"isv.invalid-signature-type", "40002", "无效的签名类型"},
    SubEntry{"isv.invalid-signature", "40002", "无效签名"},
    SubEntry{"isv.invalid-app-id", "40002", "无效的AppID参数"},
    SubEntry{"isv.invalid-timestamp", "40002", "非法的时间戳参数"},
    SubEntry{"isv.invalid-charset", "40002", "字符集错误"},
    SubEntry{"isv.missing-signature-config", "40002", "验签出错, 未配置对应签名算法的公钥或者证书"},
    SubEntry{"isv.not-support-app-auth", "40002", "本接口不支持第三方代理调用"},
    SubEntry{"isv.code-invalid", "40002", "授权码code无效"},
    // Certificate mode (alipay-additions.md §8); the two missing-* texts are unconfirmed.
    SubEntry{"isv.missing-app-cert-sn", "40002", "缺少应用公钥证书序列号"},
    SubEntry{"isv.app-cert-not-exist", "40002", "应用公钥证书不存在"},
    SubEntry{"isv.missing-alipay-root-cert-sn", "40002", "缺少支付宝根证书序列号"},
    SubEntry{"isv.invalid-alipay-root-cert-sn", "40002", "无效支付宝根证书序列号"},
    SubEntry{"isv.refresh-token-invalid", "40002", "刷新令牌refresh_token无效"},
    SubEntry{"isv.grant-type-invalid", "40002", "grant_type参数不正确"},
    SubEntry{"isv.decryption-error-unknown", "40003", "解密出错, 未知错误"},
    SubEntry{"isv.app-call-limited", "40005", "应用调用次数超限"},
    SubEntry{"isv.method-call-limited", "40005", "方法调用次数超限"},
    SubEntry{"isv.insufficient-isv-permissions", "40006", "ISV权限不足"},
    SubEntry{"isv.insufficient-user-permissions", "40006", "用户权限不足"},
    SubEntry{"ACQ.SYSTEM_ERROR", "40004", "系统异常"},
    SubEntry{"ACQ.INVALID_PARAMETER", "40004", "参数无效"},
    SubEntry{"ACQ.ACCESS_FORBIDDEN", "40004", "无权限使用接口"},
    SubEntry{"ACQ.TOTAL_FEE_EXCEED", "40004", "订单总金额超过限额"},
    SubEntry{"ACQ.CONTEXT_INCONSISTENT", "40004", "交易信息被篡改"},
    SubEntry{"ACQ.TRADE_HAS_SUCCESS", "40004", "交易已被支付"},
    SubEntry{"ACQ.TRADE_HAS_CLOSE", "40004", "交易已经关闭"},
    SubEntry{"ACQ.TRADE_BUYER_NOT_MATCH", "40004", "交易买家不匹配"},
    SubEntry{"ACQ.BUYER_SELLER_EQUAL", "40004", "买卖家不能相同"},
    SubEntry{"ACQ.OPEN_ID_NOT_TINY_APP", "40004", "请求的应用id非小程序应用类型"},
    SubEntry{"ACQ.TRADE_NOT_EXIST", "40004", "交易不存在"},
    SubEntry{"ACQ.TRADE_STATUS_ERROR", "40004", "交易状态非法"},
    SubEntry{"ACQ.TRADE_HAS_FINISHED", "40004", "交易已完结"},
    SubEntry{"ACQ.REASON_TRADE_REFUND_FEE_ERR", "40004", "退款金额无效"},
    SubEntry{"ACQ.DISCORDANT_REPEAT_REQUEST", "40004", "不一致的请求"},
    SubEntry{"ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "40004", "退款金额超限"},
    SubEntry{"ACQ.SELLER_BALANCE_NOT_ENOUGH", "40004", "卖家余额不足"},
    SubEntry{"ACQ.TRADE_NOT_ALLOW_REFUND", "40004", "当前交易不允许退款"},
    SubEntry{"ACQ.REASON_TRADE_BEEN_FREEZEN", "40004", "请求退款的交易被冻结"},
    SubEntry{"ACQ.REFUND_FEE_ERROR", "40004", "交易退款金额有误"},
    SubEntry{"ACQ.BUYER_NOT_EXIST", "40004", "买家不存在"},
    SubEntry{"ACQ.BUYER_ENABLE_STATUS_FORBID", "40004", "买家状态非法"},
    SubEntry{"ACQ.REASON_TRADE_STATUS_INVALID", "40004", "交易状态异常"},
    SubEntry{"ACQ.NOT_ALLOW_PARTIAL_REFUND", "40004", "不支持部分退款"},
    SubEntry{"ACQ.REASON_ILLEGAL_STATUS", "40004", "交易状态非法"},
    SubEntry{"ACQ.PAYMENT_AUTH_CODE_INVALID", "40004", "支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款"},
    SubEntry{"ACQ.BUYER_BALANCE_NOT_ENOUGH", "40004", "买家余额不足"},
    SubEntry{"ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR", "40004", "买家付款日限额超限"},
    SubEntry{"ACQ.BUYER_PAYMENT_AMOUNT_MONTH_LIMIT_ERROR", "40004", "买家付款月限额超限"},
    // Fund transfers (alipay-additions.md §9, §10: business codes without a prefix); BALANCE_IS_NOT_ENOUGH,
    // ORDER_NOT_EXIST and CERT_NOT_EXIST (alipaycert.download) texts are unconfirmed.
    SubEntry{"INVALID_PARAMETER", "40004", "参数有误。"},
    SubEntry{"PAYEE_NOT_EXIST", "40004", "收款账号不存在"},
    SubEntry{"PAYEE_USER_INFO_ERROR", "40004", "支付宝账号和姓名不匹配，请确认姓名是否正确"},
    SubEntry{"BALANCE_IS_NOT_ENOUGH", "40004", "余额不足，建议尽快充值"},
    SubEntry{"PAYMENT_INFO_INCONSISTENCY", "40004", "两次请求商户单号一样，但是参数不一致"},
    SubEntry{"EXCEED_LIMIT_SM_MIN_AMOUNT", "40004", "单笔最低转账金额0.1元"},
    SubEntry{"ORDER_NOT_EXIST", "40004", "转账订单不存在"},
    SubEntry{"CERT_NOT_EXIST", "40004", "证书不存在"},
};

const SubEntry* find_sub(std::string_view sub_code) {
    for (const auto& e : kSubs) {
        if (e.sub_code == sub_code) return &e;
    }
    return nullptr;
}

}  // namespace

using emulator::Failure;

std::string_view code_msg(std::string_view code) {
    for (const auto& e : kCodes) {
        if (e.code == code) return e.msg;
    }
    return {};
}

bool is_catalogued(std::string_view sub_code) {
    return find_sub(sub_code) != nullptr;
}

std::string gateway_code(const Failure& f) {
    const SubEntry* e = find_sub(f.code);
    return std::string(e ? e->code : "20000");
}

Failure failure(std::string_view sub_code, std::string sub_msg, std::string log) {
    const SubEntry* e = find_sub(sub_code);
    if (!e) {
        e = find_sub("isp.unknow-error");
        log = "uncatalogued sub_code " + std::string(sub_code) + (log.empty() ? "" : ": " + log);
        sub_msg.clear();
    }
    Failure out;
    out.code = std::string(e->sub_code);
    out.message = sub_msg.empty() ? std::string(e->sub_msg) : std::move(sub_msg);
    out.log = std::move(log);
    out.status = v3_status(out);
    return out;
}

Failure& echo(Failure& f, const std::string& key, const std::string& value) {
    if (!f.detail.is_object()) f.detail = core::Json::object();
    f.detail["fields"].push_back(core::Json::array({key, value}));
    return f;
}

Failure in_error_response(Failure f) {
    if (!f.detail.is_object()) f.detail = core::Json::object();
    f.detail["error_response"] = true;
    return f;
}

bool renders_in_error_response(const Failure& f) {
    return f.detail.is_object() && f.detail.value("error_response", false);
}

core::OrderedJson reply_node(const emulator::Outcome<core::OrderedJson>& outcome) {
    core::OrderedJson node;
    if (!outcome) {
        const Failure& f = outcome.error();
        std::string code = gateway_code(f);
        node["code"] = code;
        node["msg"] = std::string(code_msg(code));
        node["sub_code"] = f.code;
        node["sub_msg"] = f.message;
        if (f.detail.is_object() && f.detail.contains("fields")) {
            for (const auto& kv : f.detail["fields"]) node[kv[0].get<std::string>()] = kv[1].get<std::string>();
        }
        return node;
    }
    // A success other than 10000 (trade.pay's 10003 "Order success pay inprocess") names its code and msg.
    const core::OrderedJson& value = outcome.value();
    node["code"] = value.contains("code") ? value["code"] : core::OrderedJson("10000");
    node["msg"] = value.contains("msg") ? value["msg"] : core::OrderedJson(std::string(code_msg("10000")));
    for (auto& [k, v] : value.items()) {
        if (k != "code" && k != "msg") node[k] = v;
    }
    return node;
}

int v3_status(const Failure& f) {
    std::string code = gateway_code(f);
    if (f.code == "isv.invalid-signature" || f.code == "isv.missing-signature" || code == "20001") return 401;
    if (code == "40006") return 403;
    if (code == "40005") return 429;
    if (code == "20000" || f.code == "ACQ.SYSTEM_ERROR") return 500;
    if (f.code == "isv.invalid-method") return 404;
    return 400;
}

std::string v3_code(const Failure& f) {
    for (std::string_view p : {"isv.", "aop.", "isp."}) {
        if (core::starts_with(f.code, p)) return f.code.substr(p.size());
    }
    return f.code;
}

// ---- errors with a specific sub_msg ----------------------------------------------------------------

Failure unknown_method(std::string_view what) {
    return failure("isv.invalid-method", "不存在的方法名: " + std::string(what));
}

Failure invalid_parameter(std::string_view why) {
    return failure("isv.invalid-parameter", "参数无效: " + std::string(why));
}

Failure biz_content_not_object() {
    return invalid_parameter("biz_content 不是合法的 JSON 对象");
}

Failure body_not_object() {
    return invalid_parameter("请求体不是合法的 JSON 对象");
}

Failure missing_authorization() {
    return failure("isv.missing-signature", "缺少签名参数: Authorization 头缺失");
}

Failure malformed_authorization(std::string_view why) {
    return failure("isv.invalid-signature", "无效签名: " + std::string(why));
}

std::string invalid_signature_sub_msg(std::string_view sign_content) {
    return "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：" +
           core::replace_all(std::string(sign_content), "&", "&amp;");
}

Failure invalid_signature(std::string_view sign_content) {
    return failure("isv.invalid-signature", invalid_signature_sub_msg(sign_content),
                   "sign content: " + std::string(sign_content));
}

Failure invalid_field(std::string_view field) {
    return failure("ACQ.INVALID_PARAMETER", "参数无效: " + std::string(field));
}

Failure missing_both(std::string_view a, std::string_view b) {
    return failure("ACQ.INVALID_PARAMETER", "参数无效: " + std::string(a) + " 和 " + std::string(b) + " 不能同时为空");
}

Failure transfer_invalid(std::string_view why) {
    return failure("INVALID_PARAMETER", "参数有误。" + std::string(why));
}

Failure close_status_error() {
    return failure("ACQ.TRADE_STATUS_ERROR", "交易状态不合法");
}

}  // namespace mpemu::alipay
