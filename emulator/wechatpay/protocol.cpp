// WeChat Pay API v3 wire protocol (pure): see protocol.hpp.
#include "emulator/wechatpay/protocol.hpp"

#include <cstdlib>

namespace mpemu::wechatpay::protocol {

namespace crypto = core::crypto;

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool parse_int64(std::string_view s, long long* out) {
    if (s.empty() || s.size() > 18) return false;
    long long v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

}  // namespace

core::Result<Authorization> parse_authorization(std::string_view header) {
    header = trim(header);
    if (header.empty()) return core::make_error("missing", "Authorization header is missing");
    if (header.substr(0, kAuthScheme.size()) != kAuthScheme ||
        (header.size() > kAuthScheme.size() && header[kAuthScheme.size()] != ' ')) {
        return core::make_error("scheme", "Authorization scheme must be " + std::string(kAuthScheme));
    }
    std::string_view rest = header.substr(kAuthScheme.size());
    Authorization a;
    bool seen[5] = {false, false, false, false, false};
    static constexpr std::string_view kKeys[5] = {"mchid", "nonce_str", "timestamp", "serial_no", "signature"};
    while (!rest.empty()) {
        size_t comma = rest.find(',');
        std::string_view part = trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (part.empty()) continue;
        size_t eq = part.find('=');
        if (eq == std::string_view::npos) return core::make_error("format", "malformed part: " + std::string(part));
        std::string_view key = trim(part.substr(0, eq));
        std::string_view value = trim(part.substr(eq + 1));
        if (value.size() < 2 || value.front() != '"' || value.back() != '"') {
            return core::make_error("format", "value of " + std::string(key) + " must be in double quotes");
        }
        value = value.substr(1, value.size() - 2);
        std::string* slots[5] = {&a.mchid, &a.nonce_str, &a.timestamp, &a.serial_no, &a.signature};
        for (int i = 0; i < 5; ++i) {
            if (key == kKeys[i]) {
                *slots[i] = std::string(value);
                seen[i] = true;
            }
        }
    }
    for (int i = 0; i < 5; ++i) {
        if (!seen[i]) return core::make_error("missing_field", "Authorization lacks " + std::string(kKeys[i]));
    }
    if (a.mchid.empty() || a.timestamp.empty() || a.serial_no.empty() || a.signature.empty() || a.nonce_str.empty()) {
        return core::make_error("missing_field", "Authorization has an empty field");
    }
    return a;
}

std::string format_authorization(const Authorization& a) {
    // Appended in place: GCC 12 warns falsely (-Warray-bounds) on a long chain of temporaries here.
    std::string out(kAuthScheme);
    for (const auto& [name, value] : {std::pair<const char*, const std::string&>{" mchid", a.mchid},
                                      {",nonce_str", a.nonce_str},
                                      {",timestamp", a.timestamp},
                                      {",serial_no", a.serial_no},
                                      {",signature", a.signature}}) {
        out += name;
        out += "=\"";
        out += value;
        out += '"';
    }
    return out;
}

std::string request_message(std::string_view method, std::string_view target, std::string_view timestamp,
                            std::string_view nonce, std::string_view body) {
    std::string s;
    s.reserve(method.size() + target.size() + timestamp.size() + nonce.size() + body.size() + 5);
    s.append(method).append("\n").append(target).append("\n").append(timestamp).append("\n");
    s.append(nonce).append("\n").append(body).append("\n");
    return s;
}

std::string response_message(std::string_view timestamp, std::string_view nonce, std::string_view body) {
    std::string s;
    s.reserve(timestamp.size() + nonce.size() + body.size() + 3);
    s.append(timestamp).append("\n").append(nonce).append("\n").append(body).append("\n");
    return s;
}

std::string pay_sign_message(std::string_view app_id, std::string_view time_stamp, std::string_view nonce_str,
                             std::string_view package) {
    std::string s;
    s.append(app_id).append("\n").append(time_stamp).append("\n").append(nonce_str).append("\n");
    s.append(package).append("\n");
    return s;
}

std::string app_pay_sign_message(std::string_view appid, std::string_view timestamp, std::string_view noncestr,
                                 std::string_view prepayid) {
    // The same four-line shape as paySign, with the bare prepay_id where JSAPI has "prepay_id=...".
    return pay_sign_message(appid, timestamp, noncestr, prepayid);
}

core::Result<std::string> sign(const crypto::Key& private_key, std::string_view message) {
    return crypto::rsa_sha256_sign_base64(private_key, message);
}

bool verify(const crypto::Key& public_key, std::string_view message, std::string_view signature_b64) {
    return crypto::rsa_sha256_verify_base64(public_key, message, signature_b64);
}

core::Status verify_request(const Authorization& auth, const crypto::Key& merchant_public_key, std::string_view method,
                            std::string_view target, std::string_view body, long long now_unix) {
    std::string message = request_message(method, target, auth.timestamp, auth.nonce_str, body);
    long long ts = 0;
    if (!parse_int64(auth.timestamp, &ts)) {
        return core::make_error("timestamp", "timestamp is not a decimal number of seconds", message);
    }
    if (std::llabs(now_unix - ts) > kMaxClockSkewSeconds) {
        return core::make_error(
            "timestamp",
            "timestamp " + auth.timestamp + " is more than 300 s away from server time " + std::to_string(now_unix),
            message);
    }
    if (!verify(merchant_public_key, message, auth.signature)) {
        return core::make_error("signature", "sign not match", message);
    }
    return {};
}

core::Result<std::string> sign_request(const crypto::Key& merchant_private_key, std::string_view mchid,
                                       std::string_view serial_no, std::string_view method, std::string_view target,
                                       std::string_view body, long long timestamp, std::string_view nonce) {
    Authorization a;
    a.mchid = std::string(mchid);
    a.serial_no = std::string(serial_no);
    a.timestamp = std::to_string(timestamp);
    a.nonce_str = std::string(nonce);
    auto sig = sign(merchant_private_key, request_message(method, target, a.timestamp, a.nonce_str, body));
    if (!sig) return sig.error();
    a.signature = *sig;
    return format_authorization(a);
}

core::Result<SignedHeaders> sign_message_headers(const crypto::Key& platform_private_key, std::string_view serial,
                                                 std::string_view body, long long timestamp, std::string_view nonce) {
    SignedHeaders h;
    h.timestamp = std::to_string(timestamp);
    h.nonce = std::string(nonce);
    h.serial = std::string(serial);
    auto sig = sign(platform_private_key, response_message(h.timestamp, h.nonce, body));
    if (!sig) return sig.error();
    h.signature = *sig;
    return h;
}

std::vector<std::pair<std::string, std::string>> notification_headers(const SignedHeaders& h) {
    return {{"Content-Type", "application/json"}, {"Wechatpay-Timestamp", h.timestamp},
            {"Wechatpay-Nonce", h.nonce},         {"Wechatpay-Signature", h.signature},
            {"Wechatpay-Serial", h.serial},       {"Wechatpay-Signature-Type", std::string(kAuthScheme)}};
}

core::Status verify_message(const crypto::Key& platform_public_key, const SignedHeaders& h, std::string_view body,
                            long long now_unix) {
    long long ts = 0;
    if (!parse_int64(h.timestamp, &ts) || std::llabs(now_unix - ts) > kMaxClockSkewSeconds) {
        return core::make_error("timestamp", "Wechatpay-Timestamp outside the 300 s window");
    }
    if (!verify(platform_public_key, response_message(h.timestamp, h.nonce, body), h.signature)) {
        return core::make_error("signature", "Wechatpay-Signature does not verify");
    }
    return {};
}

core::Result<std::string> encrypt(std::string_view apiv3_key, std::string_view nonce, std::string_view aad,
                                  std::string_view plaintext) {
    if (apiv3_key.size() != 32) return core::make_error("key", "the APIv3 key must be 32 bytes");
    auto ct = crypto::aes256_gcm_encrypt(apiv3_key, nonce, aad, plaintext);
    if (!ct) return ct.error();
    return crypto::base64_encode(*ct);
}

core::Result<std::string> decrypt(std::string_view apiv3_key, std::string_view nonce, std::string_view aad,
                                  std::string_view ciphertext_b64) {
    if (apiv3_key.size() != 32) return core::make_error("key", "the APIv3 key must be 32 bytes");
    auto raw = crypto::base64_decode(ciphertext_b64);
    if (!raw) return core::make_error("base64", "ciphertext is not base64");
    if (raw->size() < 16) return core::make_error("auth_failed", "ciphertext shorter than the GCM tag");
    return crypto::aes256_gcm_decrypt(apiv3_key, nonce, aad, *raw);
}

std::string render_envelope(const Envelope& e) {
    core::OrderedJson j;
    j["id"] = e.id;
    j["create_time"] = e.create_time;
    j["resource_type"] = "encrypt-resource";
    j["event_type"] = e.event_type;
    j["summary"] = e.summary;
    core::OrderedJson r;
    r["original_type"] = e.resource.original_type;
    r["algorithm"] = e.resource.algorithm;
    r["ciphertext"] = e.resource.ciphertext;
    r["associated_data"] = e.resource.associated_data;
    r["nonce"] = e.resource.nonce;
    j["resource"] = std::move(r);
    return core::dump(j);
}

core::Result<Envelope> parse_envelope(std::string_view body) {
    auto j = core::parse_json(body);
    if (!j) return j.error();
    const auto& v = *j;
    if (!v.is_object() || !v.contains("resource") || !v["resource"].is_object()) {
        return core::make_error("format", "notification body lacks a resource object");
    }
    auto str = [](const core::Json& o, const char* k) {
        return o.contains(k) && o[k].is_string() ? o[k].get<std::string>() : std::string();
    };
    Envelope e;
    e.id = str(v, "id");
    e.create_time = str(v, "create_time");
    e.event_type = str(v, "event_type");
    e.summary = str(v, "summary");
    const auto& r = v["resource"];
    e.resource.algorithm = str(r, "algorithm");
    e.resource.ciphertext = str(r, "ciphertext");
    e.resource.associated_data = str(r, "associated_data");
    e.resource.nonce = str(r, "nonce");
    e.resource.original_type = str(r, "original_type");
    return e;
}

core::OrderedJson render_encrypted_certificate(const EncryptedResource& r) {
    core::OrderedJson j;
    j["algorithm"] = r.algorithm;
    j["nonce"] = r.nonce;
    j["associated_data"] = r.associated_data;
    j["ciphertext"] = r.ciphertext;
    return j;
}

std::string event_summary(std::string_view event_type) {
    if (event_type == "TRANSACTION.SUCCESS") return "支付成功";
    if (event_type == "REFUND.SUCCESS") return "退款成功";
    if (event_type == "REFUND.ABNORMAL") return "退款异常";
    if (event_type == "REFUND.CLOSED") return "退款关闭";
    if (event_type == "MCHTRANSFER.BILL.FINISHED") return "商家转账单据终态通知";
    if (event_type == "MCHTRANSFER.BATCH.FINISHED") return "商家转账批次完成通知";
    if (event_type == "MCHTRANSFER.BATCH.CLOSED") return "商家转账批次关闭通知";
    return std::string(event_type);
}

std::string trade_state_desc(std::string_view s) {
    if (s == "SUCCESS") return "支付成功";
    if (s == "REFUND") return "订单发生过退款";
    if (s == "NOTPAY") return "订单未支付";
    if (s == "CLOSED") return "订单已关闭";
    if (s == "USERPAYING") return "用户支付中";
    if (s == "PAYERROR") return "支付失败，请重新下单支付";
    return std::string(s);
}

}  // namespace mpemu::wechatpay::protocol
