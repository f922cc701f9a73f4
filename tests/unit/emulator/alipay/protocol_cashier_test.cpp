// The browser side of Alipay's redirect payments: HTML escaping, the return_url parameters (Alipay's
// order, signed like a notification), where they are appended, and the pages' escaping and buttons.
#include "emulator/alipay/protocol_cashier.hpp"

#include <catch2/catch.hpp>

#include "core/crypto.hpp"
#include "core/text.hpp"

using namespace mpemu;
using namespace mpemu::alipay;
namespace crypto = mpemu::core::crypto;

namespace {

std::string vec(const std::string& name) {
    // Appended step by step: GCC 12 warns (-Warray-bounds, a false positive) on the chained temporaries.
    std::string path = MPEMU_TEST_DATA_DIR;
    path += "/alipay/";
    path += name;
    auto text = core::read_file(path);
    REQUIRE(text);
    return *text;
}

}  // namespace

TEST_CASE("alipay cashier: return parameters in Alipay's order, signed without sign and sign_type",
          "[alipay][cashier]") {
    auto priv = crypto::load_private_key(vec("spec_alipay_private_key.pem"));
    auto pub = crypto::load_public_key(vec("spec_alipay_public_key.b64"));
    REQUIRE(priv);
    REQUIRE(pub);
    ReturnFields f{"2021004100000001",
                   return_method("alipay.trade.page.pay"),
                   "PG1",
                   "2024050122000000000000000001",
                   "88.80",
                   "2088004100000001",
                   "2024-05-01 12:00:00"};
    CHECK(f.method == "alipay.trade.page.pay.return");
    for (SignType type : {SignType::kRSA2, SignType::kRSA}) {
        auto p = return_params(f, *priv, type);
        REQUIRE(p);
        std::vector<std::string> keys;
        for (const auto& [k, v] : *p) keys.push_back(k);
        CHECK(keys == std::vector<std::string>{"charset", "out_trade_no", "method", "total_amount", "sign", "trade_no",
                                               "auth_app_id", "version", "app_id", "sign_type", "seller_id",
                                               "timestamp"});
        CHECK(*core::find_param(*p, "sign_type") == sign_type_name(type));
        CHECK(*core::find_param(*p, "auth_app_id") == "2021004100000001");
        const std::string sign_content = notify_sign_content(*p);
        CHECK(sign_content.find("sign=") == std::string::npos);
        CHECK(sign_content.rfind("app_id=2021004100000001&auth_app_id=", 0) == 0);
        CHECK(verify(*pub, type, sign_content, *core::find_param(*p, "sign")));
        // Tampering any signed value breaks it.
        core::Params tampered = *p;
        for (auto& kv : tampered) {
            if (kv.first == "total_amount") kv.second = "0.01";
        }
        CHECK_FALSE(verify(*pub, type, notify_sign_content(tampered), *core::find_param(*p, "sign")));
    }
}

TEST_CASE("alipay cashier: return_location appends to return_url with ? or &", "[alipay][cashier]") {
    core::Params p{{"a", "1 2"}, {"sign", "x+y/="}};
    CHECK(return_location("https://shop.example/r", p) == "https://shop.example/r?a=1%202&sign=x%2By%2F%3D");
    CHECK(return_location("https://shop.example/r?o=9", p) == "https://shop.example/r?o=9&a=1%202&sign=x%2By%2F%3D");
}

TEST_CASE("alipay cashier: pages escape every text and offer buttons only while payable", "[alipay][cashier]") {
    CashierView v;
    v.merchant = "Shop <&>";
    v.subject = "<script>alert(1)</script>";
    v.amount = "88.80";
    v.out_trade_no = "O\"1";
    v.trade_no = "2024";
    v.status = "WAIT_BUYER_PAY";
    v.action = "/__alipay/cashier/2024";
    v.buyers = {{"2088102177846880", "买家 \"一\""}};
    std::string html = render_cashier_page(v);
    CHECK(html.find("<script>") == std::string::npos);
    CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(html.find("Shop &lt;&amp;&gt;") != std::string::npos);
    CHECK(html.find("O&quot;1") != std::string::npos);
    CHECK(html.find("买家 &quot;一&quot;") != std::string::npos);
    CHECK(html.find("action=\"/__alipay/cashier/2024\"") != std::string::npos);
    for (const char* b : {"value=\"pay\"", "value=\"cancel\"", "value=\"fail\""}) {
        CHECK(html.find(b) != std::string::npos);
    }
    CHECK(html.find("<link") == std::string::npos);  // self-contained: no external stylesheet
    v.status = "TRADE_SUCCESS";
    std::string paid = render_cashier_page(v);
    CHECK(paid.find("value=\"pay\"") == std::string::npos);
    CHECK(paid.find("id=\"notice\"") != std::string::npos);

    std::string err = render_error_page("invalid-signature", "验签出错 <x>", "40002");
    CHECK(err.find("id=\"error-code\">invalid-signature</dd>") != std::string::npos);
    CHECK(err.find("验签出错 &lt;x&gt;") != std::string::npos);
    std::string msg = render_message_page("T<", "m&", "back", "/p?a=1&b=2");
    CHECK(msg.find("href=\"/p?a=1&amp;b=2\"") != std::string::npos);
    CHECK(msg.find("T&lt;") != std::string::npos);
}
