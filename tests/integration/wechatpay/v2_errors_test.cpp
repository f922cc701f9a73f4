// WeChat Pay v2 (XML) errors over HTTP: the §4.2 check order with the spec's protocol-layer texts
// (always HTTP 200, unsigned, only return_code + return_msg), business-layer codes signed, lenient
// XML reading, and refused requests that change no state.
#include <catch2/catch.hpp>

#include "tests/integration/wechatpay/v2_client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::wxpay2;

namespace {

// A protocol FAIL: HTTP 200, exactly return_code FAIL + return_msg, no sign.
void check_protocol_fail(const Reply& r, const std::string& msg) {
    INFO(r.body);
    CHECK(r.status == 200);
    CHECK(r.get("return_code") == "FAIL");
    CHECK(r.get("return_msg") == msg);
    CHECK(r.p.fields().size() == 2);
    CHECK_FALSE(r.p.has("sign"));
}

}  // namespace

TEST_CASE("wechatpay v2: protocol-layer failures in the spec's order and texts", "[wechatpay][v2][errors]") {
    EmulatorProcess emu;
    V2Session s(emu);
    std::string good = wechatpay::v2::render_xml(s.sign(Params{{"out_trade_no", "V2ERR_0001"}}));

    auto get = emu.get("/pay/orderquery");
    CHECK(get.status == 200);
    Reply g;
    g.status = get.status;
    g.p = wechatpay::v2::parse_xml(get.body).params;
    check_protocol_fail(g, "请使用post方法");

    check_protocol_fail(s.raw("/pay/orderquery", ""), "post数据为空");
    check_protocol_fail(s.raw("/pay/orderquery", "<xml><mch_id>\xff\xfe</mch_id></xml>"), "编码格式错误");
    check_protocol_fail(s.raw("/pay/orderquery", "<xml><a>1</b></xml>"), "XML格式错误");
    check_protocol_fail(s.raw("/pay/orderquery", R"({"mch_id":"1900000109"})"), "XML格式错误");
    check_protocol_fail(s.raw("/pay/orderquery", "<!DOCTYPE xml [<!ENTITY x \"y\">]><xml><a>&x;</a></xml>"),
                        "XML格式错误");
    check_protocol_fail(s.raw("/pay/orderquery", "<xml><a><b>1</b></a></xml>"), "XML格式错误");
    check_protocol_fail(s.raw("/pay/orderquery", "<xml><a>1</a><a>2</a></xml>"), "XML格式错误");
    // Oversized (> 64 KiB).
    check_protocol_fail(s.raw("/pay/unifiedorder", "<xml><detail>" + std::string(70000, 'x') + "</detail></xml>"),
                        "XML格式错误");
    // Beyond the server's body limit (1 MiB) and JSON nested too deeply: still the v2 format, HTTP 200.
    check_protocol_fail(s.raw("/pay/unifiedorder", std::string(size_t{2} * 1024 * 1024, 'x')), "XML格式错误");
    check_protocol_fail(s.raw("/pay/unifiedorder", std::string(500, '[') + std::string(500, ']')), "XML格式错误");
    // mch_id unknown / missing.
    check_protocol_fail(s.raw("/pay/orderquery", "<xml><mch_id>123</mch_id></xml>"), "mch_id参数格式错误");
    check_protocol_fail(s.raw("/pay/orderquery", "<xml><appid>x</appid></xml>"), "mch_id参数格式错误");
    // sign_type unknown.
    {
        Params p{{"appid", kAppid}, {"mch_id", kMchid}, {"nonce_str", "x1"}, {"sign_type", "SHA1"}, {"sign", "AA"}};
        check_protocol_fail(s.raw("/pay/orderquery", wechatpay::v2::render_xml(p)), "sign_type参数格式错误");
    }
    // Unsigned, wrong sign, signed with another key.
    {
        Params p{{"appid", kAppid}, {"mch_id", kMchid}, {"nonce_str", "x1"}, {"out_trade_no", "V2ERR_0001"}};
        check_protocol_fail(s.raw("/pay/orderquery", wechatpay::v2::render_xml(p)), "签名错误，请检查后再试");
        p.set("sign", "0123456789ABCDEF0123456789ABCDEF");
        check_protocol_fail(s.raw("/pay/orderquery", wechatpay::v2::render_xml(p)), "签名错误，请检查后再试");
        p.set("sign", wechatpay::v2::sign(p, api_key("1900000209"), SignType::kMd5));
        check_protocol_fail(s.raw("/pay/orderquery", wechatpay::v2::render_xml(p)), "签名错误，请检查后再试");
        // MD5 sign named HMAC: refused.
        p.set("sign_type", "HMAC-SHA256");
        p.set("sign", wechatpay::v2::sign(p, s.key, SignType::kMd5));
        check_protocol_fail(s.raw("/pay/orderquery", wechatpay::v2::render_xml(p)), "签名错误，请检查后再试");
    }
    // appid not bound to the merchant.
    check_protocol_fail(
        s.call("/pay/orderquery", Params{{"appid", "wx051b3a21b3d6ae57"}, {"out_trade_no", "V2ERR_0001"}}),
        "appid和mch_id不匹配");
    // Not emulated v2 path: the provider's format, naming the operation.
    auto fundflow = s.raw("/pay/downloadfundflow", good);
    CHECK(fundflow.get("return_code") == "FAIL");
    CHECK(fundflow.get("return_msg").find("下载资金账单") != std::string::npos);
    // A lowercase MD5 sign is accepted (spec §3.4).
    {
        Params p = s.sign(Params{{"out_trade_no", "V2ERR_0001"}});
        std::string sig = p.get_or("sign");
        for (auto& c : sig) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        p.set("sign", sig);
        auto r = s.raw("/pay/orderquery", wechatpay::v2::render_xml(p));
        CHECK(r.get("return_code") == "SUCCESS");
        CHECK(r.get("err_code") == "ORDERNOTEXIST");
    }
}

TEST_CASE("wechatpay v2: field format, length and missing parameters", "[wechatpay][v2][errors]") {
    EmulatorProcess emu;
    V2Session s(emu);
    check_protocol_fail(s.order("V2FMT_0001", 100, Params{{"total_fee", "0.01"}}), "total_fee参数格式错误");
    check_protocol_fail(s.order("V2FMT_0001", 100, Params{{"total_fee", "010"}}), "total_fee参数格式错误");
    check_protocol_fail(s.order("V2FMT_0001", 100, Params{{"total_fee", "-1"}}), "total_fee参数格式错误");
    check_protocol_fail(s.order("V2FMT_0001", 100, Params{{"body", std::string(128, 'b')}}), "body参数长度有误");
    check_protocol_fail(s.order("V2FMT_0001", 100, Params{{"out_trade_no", "has space"}}), "out_trade_no参数格式错误");
    check_protocol_fail(s.order("V2FMT_0001", 100, Params{{"trade_type", "FACE"}}), "trade_type参数格式错误");
    check_protocol_fail(s.order("V2FMT_0001", 100, Params{{"fee_type", "USD"}}), "fee_type参数格式错误");
    check_protocol_fail(s.order("V2FMT_0001", 100, Params{{"notify_url", "not a url"}}), "notify_url参数格式错误");
    check_protocol_fail(s.call("/pay/orderquery", Params{{"nonce_str", std::string(33, 'n')}, {"out_trade_no", "x"}}),
                        "nonce_str参数长度有误");
    // Missing body: business LACK_PARAMS 缺少参数, signed.
    auto lack = s.order("V2FMT_0001", 100, Params{{"body", ""}});
    CHECK(lack.get("return_code") == "SUCCESS");
    CHECK(lack.get("result_code") == "FAIL");
    CHECK(lack.get("err_code") == "LACK_PARAMS");
    CHECK(lack.get("err_code_des") == "缺少参数");
    CHECK(s.verified(lack));
    // None of these created the order; hioshop's empty spbill_create_ip is fine.
    CHECK(s.query("V2FMT_0001").get("err_code") == "ORDERNOTEXIST");
    auto hioshop = s.order("V2FMT_0001", 100, Params{{"spbill_create_ip", ""}});
    CHECK(hioshop.ok());
}

TEST_CASE("wechatpay v2: lenient XML reading: any root, CDATA or entities, unknown fields signed",
          "[wechatpay][v2][errors]") {
    EmulatorProcess emu;
    V2Session s(emu);
    Params p = s.sign(Params{{"body", "a<b>&\"c\"\nd"},
                             {"out_trade_no", "V2XML_0001"},
                             {"total_fee", "5"},
                             {"notify_url", "https://shop.example.com/n"},
                             {"trade_type", "JSAPI"},
                             {"openid", kOpenid},
                             {"scene_info", R"({"id":"1"})"},
                             {"receipt", "Y"}});
    // Go-style escaping, no CDATA, a declaration, a comment, a BOM and a request root.
    std::string xml = "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<request>\n  <!-- go -->";
    for (const auto& [k, v] : p.fields()) {
        std::string esc;
        for (char c : v) {
            if (c == '&')
                esc += "&amp;";
            else if (c == '<')
                esc += "&lt;";
            else if (c == '>')
                esc += "&gt;";
            else if (c == '"')
                esc += "&#34;";
            else if (c == '\n')
                esc += "&#xA;";
            else
                esc += c;
        }
        xml += "  <";
        xml += k;
        xml += " attr=\"x\">";
        xml += esc;
        xml += "</";
        xml += k;
        xml += ">\n";
    }
    xml += "  <device_info/>\n</request>";
    auto r = s.raw("/pay/unifiedorder", xml);
    INFO(r.body);
    REQUIRE(r.ok());
    CHECK(s.verified(r));
    CHECK_FALSE(r.p.has("device_info"));
    // Any Content-Type (WxJava sends application/json for XML).
    auto res = emu.post("/pay/orderquery", wechatpay::v2::render_xml(s.sign(Params{{"out_trade_no", "V2XML_0001"}})),
                        {{"Content-Type", "application/json; charset=utf-8"}});
    CHECK(res.status == 200);
    CHECK(res.body.find("NOTPAY") != std::string::npos);
    CHECK(res.header("Request-Id") != nullptr);
}
