// The H5 cashier's pure parts (protocol_h5.*) and the APP string to sign: the docs' example string, link
// shape and package stability, HTML escaping of merchant-controlled text, amounts in yuan.
#include <catch2/catch.hpp>

#include "emulator/wechatpay/protocol.hpp"
#include "emulator/wechatpay/protocol_h5.hpp"

using namespace mpemu::wechatpay;

TEST_CASE("wechatpay app pay: the four-line string of the docs' example", "[wechatpay][app]") {
    CHECK(protocol::app_pay_sign_message("wx8888888888888888", "1414561699", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
                                         "WX1217752501201407033233368018") ==
          "wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nWX1217752501201407033233368018\n");
}

TEST_CASE("wechatpay h5: link shape and package", "[wechatpay][h5]") {
    const std::string prepay = "wx20301231120000abcdef0123456789abcdef";
    std::string pkg = protocol::h5_package(prepay);
    CHECK(pkg.size() == 10);
    CHECK(pkg.find_first_not_of("0123456789") == std::string::npos);
    CHECK(pkg[0] != '0');
    CHECK(protocol::h5_package(prepay) == pkg);  // a function of the prepay_id only
    CHECK(protocol::h5_package(prepay + "0") != pkg);
    CHECK(protocol::h5_url("http://127.0.0.1:8787", prepay) ==
          "http://127.0.0.1:8787/__pay/wechatpay/h5/checkmweb?prepay_id=" + prepay + "&package=" + pkg);
}

TEST_CASE("wechatpay h5: merchant text is escaped, amounts in yuan", "[wechatpay][h5]") {
    CHECK(protocol::yuan_text(1) ==
          "\xC2\xA5"
          "0.01");
    CHECK(protocol::yuan_text(123456) ==
          "\xC2\xA5"
          "1234.56");
    protocol::H5Page p;
    p.merchant = "<Shop>";
    p.description = "\"quoted\" & more";
    p.out_trade_no = "H5_1";
    p.total = 100;
    p.state = "NOTPAY";
    p.actions = true;
    p.form_target = "/__pay/wechatpay/h5/checkmweb?prepay_id=wx1&package=1\"><script>";
    p.back_url = "https://shop.example/r?a=1&b=<2>";
    std::string html = protocol::render_h5_page(p);
    CHECK(html.find("<Shop>") == std::string::npos);
    CHECK(html.find("&lt;Shop&gt;") != std::string::npos);
    CHECK(html.find("&quot;quoted&quot; &amp; more") != std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("action=\"/__pay/wechatpay/h5/checkmweb?prepay_id=wx1&amp;package=1&quot;&gt;&lt;script&gt;\"") !=
          std::string::npos);
    CHECK(html.find("href=\"https://shop.example/r?a=1&amp;b=&lt;2&gt;\"") != std::string::npos);
    p.actions = false;
    CHECK(protocol::render_h5_page(p).find("<form") == std::string::npos);
    CHECK(protocol::render_h5_message("<b>").find("&lt;b&gt;") != std::string::npos);
}
