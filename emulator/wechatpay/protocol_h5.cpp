// The H5 cashier's link and page (see protocol_h5.hpp).
#include "emulator/wechatpay/protocol_h5.hpp"

#include <cstdio>
#include <tuple>

#include "core/crypto.hpp"
#include "core/html.hpp"
#include "core/url.hpp"

namespace mpemu::wechatpay::protocol {

using core::html_escape;

std::string h5_package(std::string_view prepay_id) {
    std::string digest = core::crypto::sha256(std::string("mpemu-h5:") + std::string(prepay_id));
    unsigned long long n = 0;
    for (int i = 0; i < 8; ++i) n = (n << 8) | static_cast<unsigned char>(digest[static_cast<size_t>(i)]);
    // 10 digits, never starting with 0 (the real links' numbers are 10-digit values).
    return std::to_string(1000000000ULL + n % 9000000000ULL);
}

std::string h5_url(std::string_view origin, std::string_view prepay_id) {
    std::string u(origin);
    u.append(kH5Path).append("?prepay_id=").append(core::url_encode(prepay_id));
    u.append("&package=").append(h5_package(prepay_id));
    return u;
}

std::string yuan_text(long long fen) {
    char buf[48];
    const char* sign = fen < 0 ? "-" : "";
    long long a = fen < 0 ? -fen : fen;
    std::snprintf(buf, sizeof buf, "%s%lld.%02lld", sign, a / 100, a % 100);
    return std::string("\xC2\xA5") + buf;  // U+00A5 YEN SIGN, as WeChat's cashier shows amounts
}

namespace {

std::string page_head() {
    std::string h;
    h += "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n";
    h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    h += "<title>微信支付 (mpemu)</title>\n<style>\n";
    h += "body{margin:0;font-family:-apple-system,\"PingFang SC\",\"Helvetica Neue\",sans-serif;background:#f2f2f2;"
         "color:#111}\n";
    h += ".card{max-width:420px;margin:0 auto;padding:24px 20px;background:#fff;min-height:100vh;"
         "box-sizing:border-box}\n";
    h += ".merchant{text-align:center;color:#555;font-size:15px;margin:8px 0}\n";
    h += ".amount{text-align:center;font-size:36px;font-weight:600;margin:12px 0 20px}\n";
    h += "dl{margin:0 0 20px;font-size:14px}dt{color:#888;margin-top:10px}dd{margin:2px 0 0;word-break:break-all}\n";
    h += ".notice{padding:10px 12px;border-radius:6px;background:#fff7e6;color:#8a5300;font-size:14px;"
         "margin-bottom:16px}\n";
    h += "button{display:block;width:100%;padding:14px;margin:10px 0;border:0;border-radius:8px;font-size:17px}\n";
    h += ".pay{background:#07c160;color:#fff}.cancel{background:#f2f2f2;color:#111}.fail{background:#fff;"
         "color:#fa5151;border:1px solid #fa5151}\n";
    h += ".tag{text-align:center;color:#aaa;font-size:12px;margin-top:24px}a{color:#576b95}\n";
    h += "</style>\n</head>\n<body>\n<main class=\"card\">\n";
    return h;
}

std::string page_tail() {
    return "<p class=\"tag\">mpemu 模拟的微信支付 H5 收银台 — no real payment</p>\n</main>\n</body>\n</html>\n";
}

}  // namespace

std::string render_h5_message(std::string_view message) {
    return page_head() + "<p class=\"notice\" role=\"alert\">" + html_escape(message) + "</p>\n" + page_tail();
}

std::string render_h5_page(const H5Page& p) {
    std::string h = page_head();
    h += "<p class=\"merchant\">" + html_escape(p.merchant) + "</p>\n";
    h += "<p class=\"amount\">" + html_escape(yuan_text(p.total)) + "</p>\n";
    h += "<dl>\n<dt>商品</dt><dd>" + html_escape(p.description) + "</dd>\n";
    h += "<dt>商户订单号</dt><dd>" + html_escape(p.out_trade_no) + "</dd>\n";
    h += "<dt>状态</dt><dd id=\"state\">" + html_escape(p.state) + "</dd>\n</dl>\n";
    if (!p.notice.empty()) h += "<p class=\"notice\" role=\"status\">" + html_escape(p.notice) + "</p>\n";
    if (p.actions) {
        std::string target = html_escape(p.form_target);
        for (const auto& [action, cls, label] :
             {std::tuple<const char*, const char*, const char*>{"pay", "pay", "确认支付 (Pay)"},
              {"cancel", "cancel", "取消 (Cancel)"},
              {"fail", "fail", "支付失败 (Fail)"}}) {
            h += "<form method=\"post\" action=\"" + target + "\"><input type=\"hidden\" name=\"action\" value=\"";
            h += action;
            h += "\"><button type=\"submit\" class=\"";
            h += cls;
            h += "\">";
            h += label;
            h += "</button></form>\n";
        }
    }
    if (!p.back_url.empty()) h += "<p><a href=\"" + html_escape(p.back_url) + "\">返回商户页面</a></p>\n";
    h += page_tail();
    return h;
}

}  // namespace mpemu::wechatpay::protocol
