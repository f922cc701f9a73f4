// The browser side of Alipay's redirect payments, pure (core/ only): the signed synchronous return
// parameters (return_url), and the HTML pages mpemu shows a browser: the cashier, its outcomes and the
// gateway's error page for a page method (alipay-additions.md §1).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.hpp"
#include "core/result.hpp"
#include "core/url.hpp"
#include "emulator/alipay/protocol.hpp"

namespace mpemu::alipay {

// "alipay.trade.page.pay" -> "alipay.trade.page.pay.return".
std::string return_method(std::string_view pay_method);

struct ReturnFields {
    std::string app_id, method, out_trade_no, trade_no, total_amount, seller_id, timestamp;
};

// The query Alipay appends to return_url after a page / wap payment, in Alipay's order (charset,
// out_trade_no, method, total_amount, sign, trade_no, auth_app_id, version, app_id, sign_type,
// seller_id, timestamp), signed like a notification (every key but sign and sign_type, sorted).
core::Result<core::Params> return_params(const ReturnFields& f, const core::crypto::Key& alipay_private_key,
                                         SignType type);

// return_url with the parameters appended ('?' or '&' as the URL needs).
std::string return_location(std::string_view return_url, const core::Params& params);

// What the Alipay app hands the merchant's app after alipay.trade.app.pay (the `result` string):
// {"alipay_trade_app_pay_response":<node>,"sign":"..","sign_type":"RSA2"}, the signature over the
// node's exact bytes as in a gateway reply.
std::string render_app_pay_result(std::string_view node_bytes, std::string_view sign_b64, SignType type);
core::Result<std::string> signed_app_pay_result(const core::crypto::Key& alipay_private_key, SignType type,
                                                const core::OrderedJson& node);

struct CashierBuyer {
    std::string user_id;  // the value posted back
    std::string label;    // what the page shows (nick name and masked phone)
};

// What the cashier page shows. Every text is escaped by the renderer.
struct CashierView {
    std::string merchant;  // the app's name
    std::string app_id, subject, body, amount, out_trade_no, trade_no, status, time_expire, method;
    std::string action;  // where the buttons post (a path)
    std::vector<CashierBuyer> buyers;
    bool buyer_fixed = false;  // the trade names its buyer: the list has that one entry
};

// The cashier: order, amount, merchant, buyer choice, buttons Pay / Cancel / Fail. When the trade is
// no longer WAIT_BUYER_PAY the page says so and offers no buttons.
std::string render_cashier_page(const CashierView& v);

// A page with a title, a message and an optional link (outcomes: cancelled, failed, paid without a
// return_url).
std::string render_message_page(std::string_view title, std::string_view message, std::string_view link_text = {},
                                std::string_view link_href = {});

// What the gateway shows a browser when a page method fails: the error code and reason.
std::string render_error_page(std::string_view code, std::string_view reason, std::string_view gateway_code);

}  // namespace mpemu::alipay
