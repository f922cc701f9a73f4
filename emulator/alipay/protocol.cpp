// Alipay wire protocol: sign contents, signatures, envelopes and v3 headers (see protocol.hpp).
#include "emulator/alipay/protocol.hpp"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>

#include "core/text.hpp"

namespace mpemu::alipay {

namespace crypto = core::crypto;

std::optional<SignType> parse_sign_type(std::string_view text) {
    if (text == "RSA2") return SignType::kRSA2;
    if (text == "RSA") return SignType::kRSA;
    return std::nullopt;
}

std::string_view sign_type_name(SignType type) {
    return type == SignType::kRSA2 ? "RSA2" : "RSA";
}

namespace {

bool looks_like_form(std::string_view body) {
    if (body.empty()) return false;
    auto eq = body.find('=');
    if (eq == std::string_view::npos || eq == 0) return false;
    std::string_view first_key = body.substr(0, eq);
    return first_key.find_first_of("{}[]\" \r\n") == std::string_view::npos;
}

// Value of a `name="value"` (or name=value) attribute inside a header value.
std::optional<std::string> header_attribute(std::string_view header, std::string_view name) {
    for (auto& part : core::split(header, ';')) {
        auto p = core::trim(part);
        auto eq = p.find('=');
        if (eq == std::string_view::npos) continue;
        if (!core::iequals(core::trim(p.substr(0, eq)), name)) continue;
        auto v = core::trim(p.substr(eq + 1));
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        return std::string(v);
    }
    return std::nullopt;
}

void parse_multipart(std::string_view body, std::string_view boundary, core::Params& out) {
    std::string delim = "--" + std::string(boundary);
    size_t pos = body.find(delim);
    while (pos != std::string_view::npos) {
        pos += delim.size();
        if (body.substr(pos, 2) == "--") break;
        if (body.substr(pos, 2) == "\r\n") pos += 2;
        size_t next = body.find(delim, pos);
        if (next == std::string_view::npos) break;
        std::string_view part = body.substr(pos, next - pos);
        if (part.size() >= 2 && part.substr(part.size() - 2) == "\r\n") part.remove_suffix(2);
        size_t head_end = part.find("\r\n\r\n");
        if (head_end != std::string_view::npos) {
            std::string_view head = part.substr(0, head_end);
            std::string_view content = part.substr(head_end + 4);
            std::optional<std::string> name, filename;
            for (auto& line : core::split(head, '\n')) {
                auto l = core::trim(line);
                auto colon = l.find(':');
                if (colon == std::string_view::npos) continue;
                if (!core::iequals(core::trim(l.substr(0, colon)), "Content-Disposition")) continue;
                auto value = l.substr(colon + 1);
                name = header_attribute(value, "name");
                filename = header_attribute(value, "filename");
            }
            if (name && !filename) out.emplace_back(*name, std::string(content));
        }
        pos = next;
    }
}

std::string join_sorted(std::vector<std::pair<std::string_view, std::string_view>> pairs) {
    std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string out;
    for (const auto& [k, v] : pairs) {
        if (!out.empty()) out += '&';
        out.append(k);
        out += '=';
        out.append(v);
    }
    return out;
}

}  // namespace

GatewayParams merge_gateway_params(std::string_view raw_query, std::string_view body, std::string_view content_type) {
    GatewayParams out;
    out.params = core::parse_query(raw_query);
    core::Params from_body;
    std::string ct = core::to_lower(content_type);
    if (ct.find("multipart/form-data") != std::string::npos) {
        if (auto boundary = header_attribute(content_type, "boundary")) parse_multipart(body, *boundary, from_body);
    } else if (ct.find("application/x-www-form-urlencoded") != std::string::npos ||
               (ct.empty() && looks_like_form(body)) ||
               (ct.find("text/plain") != std::string::npos && looks_like_form(body))) {
        from_body = core::parse_query(body);
    }
    for (auto& [k, v] : from_body) {
        if (const std::string* existing = param(out.params, k)) {
            if (*existing != v) out.conflicts.push_back(k);
            continue;
        }
        out.params.emplace_back(std::move(k), std::move(v));
    }
    for (auto& [k, v] : out.params) {
        if (k == "sign") std::replace(v.begin(), v.end(), ' ', '+');
    }
    return out;
}

const std::string* param(const core::Params& params, std::string_view key) {
    return core::find_param(params, key);
}

std::string request_sign_content(const core::Params& params, bool keep_empty) {
    std::vector<std::pair<std::string_view, std::string_view>> pairs;
    for (const auto& [k, v] : params) {
        if (k == "sign") continue;
        if (v.empty() && !keep_empty) continue;
        pairs.emplace_back(k, v);
    }
    return join_sorted(std::move(pairs));
}

std::string notify_sign_content(const core::Params& params) {
    std::vector<std::pair<std::string_view, std::string_view>> pairs;
    for (const auto& [k, v] : params) {
        if (k == "sign" || k == "sign_type" || v.empty()) continue;
        pairs.emplace_back(k, v);
    }
    return join_sorted(std::move(pairs));
}

core::Result<std::string> sign(const crypto::Key& private_key, SignType type, std::string_view content) {
    auto raw = type == SignType::kRSA2 ? crypto::rsa_sha256_sign(private_key, content)
                                       : crypto::rsa_sha1_sign(private_key, content);
    if (!raw) return raw.error();
    return crypto::base64_encode(*raw);
}

bool verify(const crypto::Key& public_key, SignType type, std::string_view content, std::string_view sign_b64) {
    auto raw = crypto::base64_decode(sign_b64);
    if (!raw || raw->empty()) return false;
    return type == SignType::kRSA2 ? crypto::rsa_sha256_verify(public_key, content, *raw)
                                   : crypto::rsa_sha1_verify(public_key, content, *raw);
}

std::string node_key(std::string_view method) {
    std::string out(method);
    std::replace(out.begin(), out.end(), '.', '_');
    return out + "_response";
}

std::string render_node(const core::OrderedJson& node) {
    std::string text = core::dump(node);
    if (text.find_first_of("{}", 1) == text.size() - 1) return text;  // no braces inside
    std::string out;
    out.reserve(text.size() + 16);
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') {
                out += c;
                if (i + 1 < text.size()) out += text[++i];
                continue;
            }
            if (c == '"') in_string = false;
            if (c == '{') {
                out += "\\u007b";
                continue;
            }
            if (c == '}') {
                out += "\\u007d";
                continue;
            }
        } else if (c == '"') {
            in_string = true;
        }
        out += c;
    }
    return out;
}

std::string render_envelope(std::string_view node_key, std::string_view node_bytes, std::string_view sign_b64,
                            std::string_view alipay_cert_sn) {
    std::string out;
    out.reserve(node_key.size() + node_bytes.size() + sign_b64.size() + alipay_cert_sn.size() + 40);
    out += "{\"";
    out.append(node_key);
    out += "\":";
    out.append(node_bytes);
    if (!alipay_cert_sn.empty()) {
        out += ",\"alipay_cert_sn\":\"";
        out.append(alipay_cert_sn);
        out += '"';
    }
    out += ",\"sign\":\"";
    out.append(sign_b64);
    out += "\"}";
    return out;
}

core::Result<std::string> render_signed_response(const crypto::Key& alipay_private_key, SignType type,
                                                 std::string_view node_key, const core::OrderedJson& node) {
    std::string bytes = render_node(node);
    auto s = sign(alipay_private_key, type, bytes);
    if (!s) return s.error();
    return render_envelope(node_key, bytes, *s);
}

std::optional<std::string> extract_signed_node(std::string_view body, std::string_view node_key) {
    std::string key = std::string(node_key) + "\"";
    size_t start = body.find(key);
    if (start == std::string_view::npos) return std::nullopt;
    start += key.size();
    size_t end = body.rfind("\"sign\"");
    if (end == std::string_view::npos || end < start) return std::nullopt;
    std::string_view slice = body.substr(start, end - start);
    size_t open = slice.find('{');
    size_t close = slice.rfind('}');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
    return std::string(slice.substr(open, close - open + 1));
}

std::string notify_id(std::string_view yyyymmdd, core::IdGenerator& ids) {
    return std::string(yyyymmdd) + "00222" + ids.digits(21);
}

core::Result<std::string> render_notification(const core::Params& params, const crypto::Key& alipay_private_key,
                                              SignType type) {
    auto s = sign(alipay_private_key, type, notify_sign_content(params));
    if (!s) return s.error();
    core::Params body;
    for (const auto& [k, v] : params) {
        if (k == "sign" || k == "sign_type" || v.empty()) continue;
        body.emplace_back(k, v);
    }
    body.emplace_back("sign", *s);
    body.emplace_back("sign_type", std::string(sign_type_name(type)));
    return core::build_form(body);
}

std::optional<long long> parse_amount_text(std::string_view text) {
    if (text.empty() || text.size() > 20) return std::nullopt;
    size_t dot = text.find('.');
    std::string_view whole = text.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    if (whole.empty() || whole.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    if (dot != std::string_view::npos && (frac.empty() || frac.size() > 2)) return std::nullopt;
    if (frac.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    if (whole.size() > 15) return std::nullopt;
    long long yuan = 0;
    std::from_chars(whole.data(), whole.data() + whole.size(), yuan);
    long long cents = 0;
    if (!frac.empty()) {
        std::from_chars(frac.data(), frac.data() + frac.size(), cents);
        if (frac.size() == 1) cents *= 10;
    }
    return yuan * 100 + cents;
}

std::optional<long long> parse_amount(const core::Json& value) {
    if (value.is_string()) return parse_amount_text(value.get_ref<const std::string&>());
    if (value.is_number_unsigned() || value.is_number_integer()) {
        long long v = value.get<long long>();
        if (v < 0 || v > LLONG_MAX / 100) return std::nullopt;
        return v * 100;
    }
    if (value.is_number_float()) {
        double d = value.get<double>();
        if (!std::isfinite(d) || d < 0) return std::nullopt;
        char buf[64];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);  // shortest text that round-trips
        if (ec != std::errc()) return std::nullopt;
        std::string_view text(buf, static_cast<size_t>(end - buf));
        if (text.find_first_of("eE") != std::string_view::npos) return std::nullopt;
        return parse_amount_text(text);
    }
    return std::nullopt;
}

std::string format_amount(long long cents) {
    bool neg = cents < 0;
    unsigned long long c = neg ? static_cast<unsigned long long>(-cents) : static_cast<unsigned long long>(cents);
    std::string frac = std::to_string(c % 100);
    if (frac.size() < 2) frac.insert(0, "0");
    return (neg ? "-" : "") + std::to_string(c / 100) + "." + frac;
}

core::Result<V3Authorization> parse_v3_authorization(std::string_view header) {
    std::string prefix = std::string(kV3AuthScheme) + " ";
    if (!core::starts_with(header, prefix)) {
        return core::make_error("auth_scheme", "Authorization must start with \"ALIPAY-SHA256withRSA \"");
    }
    std::string_view rest = header.substr(prefix.size());
    size_t cut = rest.rfind(",sign=");
    if (cut == std::string_view::npos) return core::make_error("auth_sign", "Authorization has no \",sign=\"");
    V3Authorization a;
    a.auth_string = std::string(rest.substr(0, cut));
    a.sign = std::string(rest.substr(cut + 6));
    for (auto& pair : core::split(a.auth_string, ',')) {
        auto eq = pair.find('=');
        if (eq == std::string::npos) continue;
        std::string k = pair.substr(0, eq), v = pair.substr(eq + 1);
        if (k == "app_id")
            a.app_id = v;
        else if (k == "app_cert_sn")
            a.app_cert_sn = v;
        else if (k == "nonce")
            a.nonce = v;
        else if (k == "timestamp")
            a.timestamp = v;
    }
    if (a.app_id.empty()) return core::make_error("auth_app_id", "Authorization has no app_id");
    if (a.sign.empty()) return core::make_error("auth_sign", "Authorization has an empty sign");
    return a;
}

std::string build_v3_authorization(std::string_view auth_string, std::string_view sign_b64) {
    return std::string(kV3AuthScheme) + " " + std::string(auth_string) + ",sign=" + std::string(sign_b64);
}

std::string v3_request_sign_content(std::string_view auth_string, std::string_view method, std::string_view target,
                                    std::string_view body, const std::string* app_auth_token) {
    std::string out;
    out.reserve(auth_string.size() + target.size() + body.size() + 16);
    out.append(auth_string);
    out += '\n';
    out += core::to_upper(method);
    out += '\n';
    out.append(target);
    out += '\n';
    out.append(body);
    out += '\n';
    if (app_auth_token) {
        out += *app_auth_token;
        out += '\n';
    }
    return out;
}

std::string v3_response_sign_content(std::string_view timestamp, std::string_view nonce, std::string_view body) {
    std::string out;
    out.reserve(timestamp.size() + nonce.size() + body.size() + 3);
    out.append(timestamp);
    out += '\n';
    out.append(nonce);
    out += '\n';
    out.append(body);
    out += '\n';
    return out;
}

core::Result<V3ResponseSignature> sign_v3_response(const crypto::Key& alipay_private_key, std::string_view timestamp,
                                                   std::string_view nonce, std::string_view body) {
    auto s = sign(alipay_private_key, SignType::kRSA2, v3_response_sign_content(timestamp, nonce, body));
    if (!s) return s.error();
    return V3ResponseSignature{std::string(timestamp), std::string(nonce), *s};
}

std::string render_v3_error(std::string_view code, std::string_view message) {
    core::OrderedJson j;
    j["code"] = std::string(code);
    j["message"] = std::string(message);
    j["links"] = core::OrderedJson::array({core::OrderedJson{
        {"link", "https://open.alipay.com/api/errCheck?code=" + std::string(code)}, {"desc", "解决方案"}}});
    return core::dump(j);
}

}  // namespace mpemu::alipay
