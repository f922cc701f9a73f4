// Alipay's browser side (see protocol_cashier.hpp): return parameters and the cashier's HTML.
#include "emulator/alipay/protocol_cashier.hpp"

#include "core/html.hpp"

namespace mpemu::alipay {

using core::html_escape;

namespace {

// One stylesheet for every page: self-contained (no external fonts or images), readable from a
// 360 px phone to a desktop window.
constexpr std::string_view kStyle = R"CSS(
*{box-sizing:border-box}
body{margin:0;background:#f5f6f8;color:#1f2329;font:15px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",
"Noto Sans CJK SC",sans-serif}
header{background:#1677ff;color:#fff;padding:12px 20px;font-weight:600;letter-spacing:.5px}
header small{font-weight:400;opacity:.8;margin-left:8px}
main{max-width:520px;margin:24px auto;padding:0 16px}
.card{background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08);padding:24px}
.merchant{color:#646a73;font-size:14px;margin:0 0 4px}
.subject{font-size:17px;margin:0 0 12px;word-break:break-word}
.amount{font-size:34px;font-weight:600;margin:0 0 16px}
.amount span{font-size:20px;margin-right:4px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 12px;margin:0 0 20px;font-size:13px}
dt{color:#8f959e;max-width:9em}dd{margin:0;word-break:break-all}
label{display:block;font-size:14px;color:#646a73;margin-bottom:6px}
select{width:100%;padding:10px;border:1px solid #d0d3d6;border-radius:8px;font-size:15px;background:#fff;margin-bottom:20px}
.buttons{display:flex;gap:10px;flex-wrap:wrap}
button,.link{flex:1 1 120px;padding:12px;border-radius:8px;border:1px solid #d0d3d6;background:#fff;font-size:16px;
cursor:pointer;text-align:center;text-decoration:none;color:#1f2329}
button.pay{background:#1677ff;border-color:#1677ff;color:#fff;flex-basis:100%}
button.fail{color:#d83931}
.notice{padding:12px;border-radius:8px;background:#fff7e6;color:#8a5300;margin-bottom:16px}
.error{color:#d83931}
.code{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
footer{max-width:520px;margin:16px auto;padding:0 16px;color:#8f959e;font-size:12px;text-align:center}
)CSS";

std::string page(std::string_view title, std::string_view content) {
    std::string out;
    out.reserve(kStyle.size() + content.size() + 512);
    out += "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">";
    out += "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">";
    out += "<title>";
    out += html_escape(title);
    out += "</title><style>";
    out += kStyle;
    out += "</style></head><body><header>支付宝 <small>mpemu 收银台</small></header><main>";
    out += content;
    out += "</main><footer>mpemu: emulated Alipay cashier. No real money moves.</footer></body></html>\n";
    return out;
}

void row(std::string& out, std::string_view term, std::string_view value) {
    if (value.empty()) return;
    out += "<dt>";
    out += html_escape(term);
    out += "</dt><dd>";
    out += html_escape(value);
    out += "</dd>";
}

}  // namespace

std::string return_method(std::string_view pay_method) {
    return std::string(pay_method) + ".return";
}

core::Result<core::Params> return_params(const ReturnFields& f, const core::crypto::Key& alipay_private_key,
                                         SignType type) {
    core::Params p{{"charset", "utf-8"},       {"out_trade_no", f.out_trade_no},
                   {"method", f.method},       {"total_amount", f.total_amount},
                   {"trade_no", f.trade_no},   {"auth_app_id", f.app_id},
                   {"version", "1.0"},         {"app_id", f.app_id},
                   {"seller_id", f.seller_id}, {"timestamp", f.timestamp}};
    auto s = sign(alipay_private_key, type, notify_sign_content(p));
    if (!s) return s.error();
    // Alipay's order puts sign after total_amount and sign_type after app_id.
    p.insert(p.begin() + 4, {"sign", *s});
    p.insert(p.begin() + 9, {"sign_type", std::string(sign_type_name(type))});
    return p;
}

std::string return_location(std::string_view return_url, const core::Params& params) {
    std::string out(return_url);
    out += return_url.find('?') == std::string_view::npos ? '?' : '&';
    out += core::build_query(params);
    return out;
}

std::string render_app_pay_result(std::string_view node_bytes, std::string_view sign_b64, SignType type) {
    std::string out = "{\"alipay_trade_app_pay_response\":";
    out += node_bytes;
    out += ",\"sign\":\"";
    out += sign_b64;
    out += "\",\"sign_type\":\"";
    out += sign_type_name(type);
    out += "\"}";
    return out;
}

core::Result<std::string> signed_app_pay_result(const core::crypto::Key& alipay_private_key, SignType type,
                                                const core::OrderedJson& node) {
    std::string bytes = render_node(node);
    auto s = sign(alipay_private_key, type, bytes);
    if (!s) return s.error();
    return render_app_pay_result(bytes, *s, type);
}

std::string render_cashier_page(const CashierView& v) {
    std::string c = "<div class=\"card\">";
    c += "<p class=\"merchant\">" + html_escape(v.merchant.empty() ? v.app_id : v.merchant) + "</p>";
    c += "<h1 class=\"subject\">" + html_escape(v.subject) + "</h1>";
    c += "<p class=\"amount\" id=\"amount\"><span>¥</span>" + html_escape(v.amount) + "</p><dl>";
    row(c, "商品描述 body", v.body);
    row(c, "商户订单号 out_trade_no", v.out_trade_no);
    row(c, "支付宝交易号 trade_no", v.trade_no);
    row(c, "交易状态 status", v.status);
    row(c, "支付截止 expires", v.time_expire);
    row(c, "接口 method", v.method);
    c += "</dl>";
    if (v.status != "WAIT_BUYER_PAY") {
        c += "<p class=\"notice\" id=\"notice\">该交易当前状态为 " + html_escape(v.status) +
             "，无需支付。 (This trade is no longer waiting for payment.)</p></div>";
        return page("支付宝 - 收银台", c);
    }
    c += "<form method=\"post\" action=\"" + html_escape(v.action) + "\">";
    c += "<label for=\"buyer\">付款账户 (buyer)</label><select id=\"buyer\" name=\"buyer_id\">";
    for (const auto& b : v.buyers) {
        c += "<option value=\"" + html_escape(b.user_id) + "\">" + html_escape(b.label) + "</option>";
    }
    c += "</select><div class=\"buttons\">";
    c += "<button class=\"pay\" id=\"pay\" type=\"submit\" name=\"action\" value=\"pay\">确认付款 Pay</button>";
    c += "<button id=\"cancel\" type=\"submit\" name=\"action\" value=\"cancel\">取消 Cancel</button>";
    c += "<button class=\"fail\" id=\"fail\" type=\"submit\" name=\"action\" value=\"fail\">支付失败 Fail</button>";
    c += "</div></form></div>";
    return page("支付宝 - 收银台", c);
}

std::string render_message_page(std::string_view title, std::string_view message, std::string_view link_text,
                                std::string_view link_href) {
    std::string c = "<div class=\"card\"><h1 class=\"subject\" id=\"title\">" + html_escape(title) + "</h1>";
    c += "<p id=\"message\">" + html_escape(message) + "</p>";
    if (!link_href.empty()) {
        c += "<div class=\"buttons\"><a class=\"link\" id=\"link\" href=\"" + html_escape(link_href) + "\">" +
             html_escape(link_text) + "</a></div>";
    }
    c += "</div>";
    return page(title, c);
}

std::string render_error_page(std::string_view code, std::string_view reason, std::string_view gateway_code) {
    std::string c = "<div class=\"card\"><h1 class=\"subject error\">抱歉，请求出现异常 (request refused)</h1><dl>";
    c += "<dt>错误代码 code</dt><dd class=\"code\" id=\"error-code\">" + html_escape(code) + "</dd>";
    c += "<dt>错误原因 reason</dt><dd id=\"error-reason\">" + html_escape(reason) + "</dd>";
    c += "<dt>网关返回码 gateway code</dt><dd class=\"code\">" + html_escape(gateway_code) + "</dd></dl></div>";
    return page("支付宝 - 网上支付 安全快速！", c);
}

}  // namespace mpemu::alipay
