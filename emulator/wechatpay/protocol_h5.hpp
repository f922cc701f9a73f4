// The emulator's stand-in for WeChat Pay's H5 cashier, the page an H5 order's h5_url opens: the link's
// shape (path, the `package` check value) and the HTML page. Pure, so tests and the harness build the
// same links. The path lives under /__pay/ so it can never collide with a provider's production paths.
#pragma once

#include <string>
#include <string_view>

namespace mpemu::wechatpay::protocol {

// Where the emulator serves the cashier; h5_url = <origin> + kH5Path + "?prepay_id=...&package=...".
inline constexpr std::string_view kH5Prefix = "/__pay/wechatpay/";
inline constexpr std::string_view kH5Path = "/__pay/wechatpay/h5/checkmweb";

// The link's `package`: 10 decimal digits derived from the prepay_id (as the real link carries a
// number beside it), so a link whose prepay_id was edited by hand is refused.
std::string h5_package(std::string_view prepay_id);
// origin ("http://127.0.0.1:8787") + kH5Path + the two query parameters.
std::string h5_url(std::string_view origin, std::string_view prepay_id);

// What the cashier page shows. Strings are plain text (escaped when rendered).
struct H5Page {
    std::string merchant;      // the fixture merchant's name
    std::string description;   // the order's description
    std::string out_trade_no;  // the merchant's order number
    long long total = 0;       // fen
    std::string state;         // trade_state
    std::string notice;        // a result or error line; empty for none
    bool actions = false;      // show the Pay / Cancel / Fail buttons
    std::string form_target;   // the raw request target the buttons POST to (the page's own link)
    std::string back_url;      // the merchant's redirect_url (a link back), empty for none
};

// A self-contained page (inline CSS, no scripts or external assets) readable on a phone-sized
// viewport; its buttons POST action=pay|cancel|fail as a form to form_target.
std::string render_h5_page(const H5Page& p);

// The same frame with only a message (an unknown, altered or expired link, a refused action).
std::string render_h5_message(std::string_view message);

// "¥1.00" for 100 fen.
std::string yuan_text(long long fen);

}  // namespace mpemu::wechatpay::protocol
