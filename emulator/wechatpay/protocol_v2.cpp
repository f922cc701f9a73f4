// WeChat Pay v2 XML, signatures and req_info encryption (specs/wechatpay-v2.md §2, §3, §11-§13).
#include "emulator/wechatpay/protocol_v2.hpp"

#include <algorithm>
#include <set>

#include "core/crypto.hpp"
#include "core/detail/utf8.hpp"
#include "core/json.hpp"
#include "core/text.hpp"

namespace mpemu::wechatpay::v2 {

const std::string* Params::get(std::string_view name) const {
    for (const auto& [k, v] : fields_) {
        if (k == name) return v.empty() ? nullptr : &v;
    }
    return nullptr;
}

std::string Params::get_or(std::string_view name, std::string fallback) const {
    if (const std::string* v = get(name)) return *v;
    return fallback;
}

void Params::set(std::string name, std::string value) {
    for (auto& [k, v] : fields_) {
        if (k == name) {
            v = std::move(value);
            return;
        }
    }
    fields_.emplace_back(std::move(name), std::move(value));
}

void Params::erase(std::string_view name) {
    fields_.erase(std::remove_if(fields_.begin(), fields_.end(), [&](const auto& f) { return f.first == name; }),
                  fields_.end());
}

namespace {

// A small hand-written reader for the flat documents WeChat Pay exchanges. It is deliberately not a
// general XML parser: it accepts exactly the spec's §2.2 shapes and refuses DTDs (no entity expansion).
class Reader {
public:
    explicit Reader(std::string_view s) : s_(s) {}

    ParseResult run() {
        ParseResult r;
        if (s_.size() >= 3 && s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
        if (!skip_misc()) return fail(r);
        if (!at('<')) return fail(r, "expected the document element");
        if (!read_root(r.params)) return fail(r);
        if (!skip_misc()) return fail(r);
        if (pos_ != s_.size()) return fail(r, "text after the document element");
        r.ok = true;
        return r;
    }

private:
    ParseResult& fail(ParseResult& r, const std::string& why = {}) {
        r.ok = false;
        r.error.kind = ParseFailure::kMalformed;
        r.error.detail = (why.empty() ? error_ : why) + " at byte " + std::to_string(pos_);
        return r;
    }
    bool error(std::string why) {
        if (error_.empty()) error_ = std::move(why);
        return false;
    }
    bool at(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
    bool starts(std::string_view p) const { return s_.substr(pos_, p.size()) == p; }
    static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
    // XML 1.0's Char production: of the C0 controls only tab, LF and CR may appear, raw, inside CDATA
    // or as a reference. A NUL would otherwise reach stores and signatures as a string terminator.
    static bool is_forbidden_control(char32_t c) { return c < 0x20 && c != '\t' && c != '\n' && c != '\r'; }
    bool check_chars(std::string_view text, size_t at) {
        for (size_t i = 0; i < text.size(); ++i) {
            if (is_forbidden_control(static_cast<unsigned char>(text[i]))) {
                pos_ = at + i;
                return error("control character U+" + hex4(static_cast<unsigned char>(text[i])) + " in a value");
            }
        }
        return true;
    }
    static std::string hex4(unsigned v) {
        static constexpr char kDigits[] = "0123456789ABCDEF";
        std::string out(4, '0');
        for (int i = 3; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kDigits[v & 0xF];
        return out;
    }
    void skip_space() {
        while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
    }
    bool skip_until(std::string_view end) {
        size_t e = s_.find(end, pos_);
        if (e == std::string_view::npos) return error("unterminated markup");
        pos_ = e + end.size();
        return true;
    }
    // Whitespace, comments, processing instructions (the declaration among them) outside elements.
    bool skip_misc() {
        for (;;) {
            skip_space();
            if (starts("<?")) {
                if (!skip_until("?>")) return false;
            } else if (starts("<!--")) {
                if (!skip_until("-->")) return false;
            } else if (starts("<!")) {
                return error("DOCTYPE and entity declarations are not accepted");
            } else {
                return true;
            }
        }
    }
    bool read_name(std::string* name) {
        size_t start = pos_;
        while (pos_ < s_.size()) {
            char c = s_[pos_];
            if (is_space(c) || c == '>' || c == '/' || c == '<' || c == '=' || c == '&') break;
            ++pos_;
        }
        if (pos_ == start) return error("expected an element name");
        *name = std::string(s_.substr(start, pos_ - start));
        return true;
    }
    // After the name of a start tag: attributes (ignored) up to ">" or "/>".
    bool finish_start_tag(bool* self_closing) {
        for (;;) {
            skip_space();
            if (starts("/>")) {
                pos_ += 2;
                *self_closing = true;
                return true;
            }
            if (at('>')) {
                ++pos_;
                *self_closing = false;
                return true;
            }
            std::string attr;
            if (!read_name(&attr)) return false;
            skip_space();
            if (!at('=')) return error("attribute without a value");
            ++pos_;
            skip_space();
            if (!at('"') && !at('\'')) return error("unquoted attribute value");
            char q = s_[pos_++];
            size_t e = s_.find(q, pos_);
            if (e == std::string_view::npos) return error("unterminated attribute value");
            pos_ = e + 1;
        }
    }
    bool read_end_tag(const std::string& name) {
        if (!starts("</")) return error("expected </" + name + ">");
        pos_ += 2;
        std::string got;
        if (!read_name(&got)) return false;
        if (got != name) return error("</" + got + "> closes <" + name + ">");
        skip_space();
        if (!at('>')) return error("malformed end tag");
        ++pos_;
        return true;
    }
    bool read_reference(std::string& out) {
        size_t semi = s_.find(';', pos_);
        if (semi == std::string_view::npos || semi - pos_ > 12) return error("malformed character reference");
        std::string_view ref = s_.substr(pos_ + 1, semi - pos_ - 1);
        pos_ = semi + 1;
        if (ref == "amp")
            out += '&';
        else if (ref == "lt")
            out += '<';
        else if (ref == "gt")
            out += '>';
        else if (ref == "quot")
            out += '"';
        else if (ref == "apos")
            out += '\'';
        else if (ref.size() >= 2 && ref[0] == '#') {
            bool hex = ref[1] == 'x' || ref[1] == 'X';
            std::string_view digits = ref.substr(hex ? 2 : 1);
            if (digits.empty()) return error("empty character reference");
            unsigned long cp = 0;
            for (char c : digits) {
                int d;
                if (c >= '0' && c <= '9')
                    d = c - '0';
                else if (hex && c >= 'a' && c <= 'f')
                    d = c - 'a' + 10;
                else if (hex && c >= 'A' && c <= 'F')
                    d = c - 'A' + 10;
                else
                    return error("bad digit in character reference");
                cp = cp * (hex ? 16 : 10) + static_cast<unsigned long>(d);
                if (cp > 0x10FFFF) return error("character reference out of range");
            }
            if (is_forbidden_control(static_cast<char32_t>(cp)) || (cp >= 0xD800 && cp <= 0xDFFF))
                return error("character reference to an invalid character");
            core::detail::append_utf8(out, static_cast<char32_t>(cp));
        } else {
            return error("unknown entity &" + std::string(ref) + ";");
        }
        return true;
    }
    // Text content of a parameter element up to its end tag.
    bool read_value(const std::string& name, std::string* value) {
        std::string out;
        for (;;) {
            if (pos_ >= s_.size()) return error("unterminated <" + name + ">");
            char c = s_[pos_];
            if (c == '<') {
                if (starts("<![CDATA[")) {
                    size_t e = s_.find("]]>", pos_ + 9);
                    if (e == std::string_view::npos) return error("unterminated CDATA section");
                    if (!check_chars(s_.substr(pos_ + 9, e - pos_ - 9), pos_ + 9)) return false;
                    out.append(s_.substr(pos_ + 9, e - pos_ - 9));
                    pos_ = e + 3;
                } else if (starts("<!--")) {
                    if (!skip_until("-->")) return false;
                } else if (starts("<?")) {
                    if (!skip_until("?>")) return false;
                } else if (starts("</")) {
                    if (!read_end_tag(name)) return false;
                    *value = std::move(out);
                    return true;
                } else {
                    return error("parameter <" + name + "> contains an element");
                }
            } else if (c == '&') {
                if (!read_reference(out)) return false;
            } else {
                if (!check_chars(std::string_view(&c, 1), pos_)) return false;
                out += c;
                ++pos_;
            }
        }
    }
    bool read_root(Params& params) {
        ++pos_;  // '<'
        std::string root;
        if (!read_name(&root)) return false;
        params.root = root;
        bool self_closing = false;
        if (!finish_start_tag(&self_closing)) return false;
        if (self_closing) return true;
        std::set<std::string, std::less<>> seen;
        for (;;) {
            skip_space();
            if (pos_ >= s_.size()) return error("unterminated <" + root + ">");
            if (starts("<!--")) {
                if (!skip_until("-->")) return false;
            } else if (starts("<?")) {
                if (!skip_until("?>")) return false;
            } else if (starts("</")) {
                return read_end_tag(root);
            } else if (at('<')) {
                ++pos_;
                std::string name;
                if (!read_name(&name)) return false;
                bool empty = false;
                if (!finish_start_tag(&empty)) return false;
                std::string value;
                if (!empty && !read_value(name, &value)) return false;
                if (!seen.insert(name).second) return error("parameter <" + name + "> appears twice");
                params.fields().emplace_back(std::move(name), std::move(value));
            } else {
                return error("text directly inside <" + root + ">");
            }
        }
    }

    std::string_view s_;
    size_t pos_ = 0;
    std::string error_;
};

void append_cdata(std::string& out, std::string_view value) {
    out += "<![CDATA[";
    size_t start = 0;
    for (;;) {
        size_t e = value.find("]]>", start);
        if (e == std::string_view::npos) break;
        // "]]>" cannot appear inside one section: end it after "]]" and continue with ">".
        out.append(value.substr(start, e + 2 - start));
        out += "]]><![CDATA[";
        start = e + 2;
    }
    out.append(value.substr(start));
    out += "]]>";
}

std::string upper_hex_digest(std::string_view data, std::string_view key, SignType type) {
    return type == SignType::kMd5 ? core::crypto::hex_encode(core::crypto::md5(data), true)
                                  : core::crypto::hex_encode(core::crypto::hmac_sha256(key, data), true);
}

}  // namespace

ParseResult parse_xml(std::string_view body) {
    ParseResult r;
    if (core::trim(body).empty()) {
        r.error = {ParseFailure::kEmpty, "empty body"};
        return r;
    }
    if (!core::is_valid_utf8(body)) {
        r.error = {ParseFailure::kNotUtf8, "body is not valid UTF-8"};
        return r;
    }
    return Reader(body).run();
}

bool parse_sign_type(std::string_view text, SignType* out) {
    if (text.empty() || text == "MD5") {
        *out = SignType::kMd5;
        return true;
    }
    if (text == "HMAC-SHA256") {
        *out = SignType::kHmacSha256;
        return true;
    }
    return false;
}

const char* sign_type_name(SignType t) {
    return t == SignType::kMd5 ? "MD5" : "HMAC-SHA256";
}

std::string string_to_sign(const Params& params, std::string_view api_key) {
    std::vector<const std::pair<std::string, std::string>*> fields;
    for (const auto& f : params.fields()) {
        if (f.first != "sign" && !f.second.empty()) fields.push_back(&f);
    }
    // std::string's operator< compares bytes as unsigned char: exactly the spec's ASCII order.
    std::sort(fields.begin(), fields.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
    std::string out;
    for (const auto* f : fields) {
        out += f->first;
        out += '=';
        out += f->second;
        out += '&';
    }
    out += "key=";
    out += api_key;
    return out;
}

std::string sign(const Params& params, std::string_view api_key, SignType type) {
    return upper_hex_digest(string_to_sign(params, api_key), api_key, type);
}

bool verify(const Params& params, std::string_view api_key, SignType type) {
    const std::string* given = params.get("sign");
    if (!given) return false;
    std::string expected = sign(params, api_key, type);
    return core::crypto::constant_time_equals(core::to_upper(*given), expected);
}

bool is_plain_field(std::string_view name) {
    static const std::set<std::string, std::less<>> kPlain = {"total_fee",
                                                              "cash_fee",
                                                              "settlement_total_fee",
                                                              "coupon_fee",
                                                              "coupon_count",
                                                              "refund_fee",
                                                              "settlement_refund_fee",
                                                              "cash_refund_fee",
                                                              "coupon_refund_fee",
                                                              "coupon_refund_count",
                                                              "refund_count",
                                                              "total_refund_count"};
    if (kPlain.count(name)) return true;
    // Subscripted amounts: refund_fee_0, settlement_refund_fee_1, coupon_fee_2, ...
    size_t us = name.rfind('_');
    if (us == std::string_view::npos || us + 1 >= name.size()) return false;
    std::string_view tail = name.substr(us + 1);
    if (!std::all_of(tail.begin(), tail.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
    return is_plain_field(name.substr(0, us));
}

std::string render_xml(const Params& params) {
    std::string out = "<xml>";
    for (const auto& [k, v] : params.fields()) {
        if (v.empty()) continue;
        out += '<';
        out += k;
        out += '>';
        if (is_plain_field(k) && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            out += v;
        } else {
            append_cdata(out, v);
        }
        out += "</";
        out += k;
        out += ">\n";
    }
    out += "</xml>";
    return out;
}

std::string render_root(const Params& params) {
    std::string out = "<root>\n";
    for (const auto& [k, v] : params.fields()) {
        if (v.empty()) continue;
        out += '<';
        out += k;
        out += '>';
        append_cdata(out, v);
        out += "</";
        out += k;
        out += ">\n";
    }
    out += "</root>";
    return out;
}

std::string pay_sign(std::string_view app_id, std::string_view time_stamp, std::string_view nonce_str,
                     std::string_view package, SignType type, std::string_view api_key) {
    Params p{{"appId", std::string(app_id)},
             {"timeStamp", std::string(time_stamp)},
             {"nonceStr", std::string(nonce_str)},
             {"package", std::string(package)},
             {"signType", sign_type_name(type)}};
    return sign(p, api_key, type);
}

core::Result<std::string> encrypt_req_info(std::string_view plaintext, std::string_view api_key) {
    auto sealed = core::crypto::aes256_ecb_encrypt(core::crypto::md5_hex(api_key), plaintext);
    if (!sealed) return sealed.error();
    return core::crypto::base64_encode(*sealed);
}

core::Result<std::string> decrypt_req_info(std::string_view req_info, std::string_view api_key) {
    auto raw = core::crypto::base64_decode(req_info);
    if (!raw) return raw.error();
    return core::crypto::aes256_ecb_decrypt(core::crypto::md5_hex(api_key), *raw);
}

std::string sandbox_sign_key(std::string_view mch_id, std::string_view api_key) {
    return core::crypto::md5_hex("mpemu-sandbox:" + std::string(mch_id) + ":" + std::string(api_key));
}

std::string trade_state_desc(std::string_view s) {
    if (s == "SUCCESS") return "支付成功";
    if (s == "REFUND") return "订单发生过退款，退款详情请查询退款单";
    if (s == "NOTPAY") return "订单未支付";
    if (s == "CLOSED") return "订单已关闭";
    if (s == "USERPAYING") return "用户支付中";
    if (s == "PAYERROR") return "支付失败，请重新下单支付";
    if (s == "REVOKED") return "已撤销";
    return std::string(s);
}

std::string refund_status(std::string_view s) {
    if (s == "ABNORMAL") return "CHANGE";
    if (s == "CLOSED") return "REFUNDCLOSE";
    return std::string(s);  // PROCESSING, SUCCESS
}

std::string refund_account(std::string_view funds_account) {
    return std::string(funds_account.rfind("REFUND_SOURCE_", 0) == 0 ? funds_account : kDefaultRefundAccount);
}

std::string bill_line(const std::vector<std::string>& cells) {
    std::string s;
    for (size_t i = 0; i < cells.size(); ++i) s += (i ? ",`" : "`") + cells[i];
    return s + "\r\n";
}

std::string bill_header(std::string_view type) {
    const bool refunds_only = type == "REFUND" || type == "RECHARGE_REFUND";
    std::string head =
        "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
        "货币种类,应结订单金额,代金券金额,";
    if (type == "ALL") head += "微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,";
    if (refunds_only)
        head += "退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,";
    head += "商品名称,商户数据包,手续费,费率,订单金额";
    if (type != "SUCCESS") head += ",申请退款金额";
    head += ",费率备注\r\n";
    return head;
}

std::string bill_totals_header() {
    return "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n";
}

bool notification_reply_accepted(int status, std::string_view body, bool lenient, std::string* why) {
    if (status != 200) {
        *why = "HTTP " + std::to_string(status) + " (WeChat Pay needs 200)";
        return false;
    }
    ParseResult parsed = parse_xml(body);
    if (parsed.ok) {
        const std::string* code = parsed.params.get("return_code");
        if (code && core::trim(*code) == "SUCCESS") return true;
        *why = code ? "return_code is " + *code + ", not SUCCESS" : "reply has no return_code";
        if (!lenient) return false;
    }
    if (lenient) {
        std::string_view t = core::trim(body);
        if (t == "SUCCESS" || t == "\"SUCCESS\"" || t == "success") return true;
        auto json = core::parse_json(t);
        if (json.ok() && json->is_object()) {
            for (const char* key : {"return_code", "code"}) {
                auto it = json->find(key);
                if (it != json->end() && it->is_string() && it->get<std::string>() == "SUCCESS") return true;
            }
        }
    }
    if (!parsed.ok) *why = "reply is not XML with return_code SUCCESS: " + parsed.error.detail;
    return false;
}

}  // namespace mpemu::wechatpay::v2
