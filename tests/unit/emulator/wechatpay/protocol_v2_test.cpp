// WeChat Pay v2 protocol against the spec's vectors (specs/wechatpay-v2.md §15), byte for byte.
#include "emulator/wechatpay/protocol_v2.hpp"

#include <catch2/catch.hpp>

#include "core/crypto.hpp"

using namespace mpemu;
using namespace mpemu::wechatpay::v2;

namespace {

const std::string kKey = "192006250b4c09247ec02edce69f6a2d";

Params unified_order_15a() {
    return Params{{"appid", "wxd678efh567hg6787"},
                  {"mch_id", "1230000109"},
                  {"device_info", ""},
                  {"nonce_str", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"},
                  {"body", "海风小店-测试商品"},
                  {"attach", "a&b=c"},
                  {"out_trade_no", "20240101123456789"},
                  {"total_fee", "1"},
                  {"spbill_create_ip", "127.0.0.1"},
                  {"notify_url", "https://shop.example.com/api/pay/notify"},
                  {"trade_type", "JSAPI"},
                  {"openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}};
}

}  // namespace

TEST_CASE("v2 official signing vectors (§15.0)", "[wechatpay][v2]") {
    Params p{{"appid", "wxd930ea5d5a258f4f"},
             {"mch_id", "10000100"},
             {"device_info", "1000"},
             {"body", "test"},
             {"nonce_str", "ibuaiVcKdpRxkhJA"}};
    CHECK(string_to_sign(p, kKey) ==
          "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key="
          "192006250b4c09247ec02edce69f6a2d");
    CHECK(sign(p, kKey, SignType::kMd5) == "9A0A8659F005D6984697E2CA0A9CF3B7");
    CHECK(sign(p, kKey, SignType::kHmacSha256) == "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6");

    Params t{{"test2", "test2"}, {"test1", "test1"}};
    CHECK(sign(t, kKey, SignType::kMd5) == "1E3A8D73B5A4AEE787C0F68B5DAB8520");
    CHECK(sign(t, kKey, SignType::kHmacSha256) == "EDAC6D70D2FDF5A2382F8204FC96A1918017E46ACC5297F565ED1A7610ACF659");

    CHECK(pay_sign("wxd678efh567hg6787", "1490840662", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
                   "prepay_id=wx2017033010242291fcfe0db70013231072", SignType::kMd5,
                   "qazwsxedcrfvtgbyhnujmikolp111111") == "22D9B4E54AB1950F51E0649E8810ACD6");
}

TEST_CASE("v2 unified order request signatures (§15.A, §15.A2)", "[wechatpay][v2]") {
    Params p = unified_order_15a();
    CHECK(string_to_sign(p, kKey).size() == 340);
    CHECK(sign(p, kKey, SignType::kMd5) == "00D3E24747AB75CE5EE69D441D76D328");
    p.set("sign_type", "HMAC-SHA256");
    CHECK(sign(p, kKey, SignType::kHmacSha256) == "7C1AD0CFA58B789F35E887232FAD4F66C07FA1E823D391CBDD97F526FB242340");
}

TEST_CASE("v2 reads the request of §5.4 as wechatpy lays it out, and verifies it", "[wechatpay][v2]") {
    const std::string body =
        "<xml>\n<appid><![CDATA[wxd678efh567hg6787]]></appid>\n<attach><![CDATA[a&b=c]]></attach>\n"
        "<body><![CDATA[海风小店-测试商品]]></body>\n<mch_id>1230000109</mch_id>\n"
        "<nonce_str><![CDATA[5K8264ILTKCH16CQ2502SI8ZNMTM67VS]]></nonce_str>\n"
        "<notify_url><![CDATA[https://shop.example.com/api/pay/notify]]></notify_url>\n"
        "<openid><![CDATA[oUpF8uMuAJO_M2pxb1Q9zNjWeS6o]]></openid>\n<out_trade_no>20240101123456789</out_trade_no>\n"
        "<spbill_create_ip><![CDATA[127.0.0.1]]></spbill_create_ip>\n<total_fee>1</total_fee>\n"
        "<trade_type><![CDATA[JSAPI]]></trade_type>\n<sign><![CDATA[00D3E24747AB75CE5EE69D441D76D328]]></sign>\n</xml>";
    ParseResult r = parse_xml(body);
    REQUIRE(r.ok);
    CHECK(r.params.root == "xml");
    CHECK(r.params.get_or("attach") == "a&b=c");
    CHECK(r.params.get_or("body") == "海风小店-测试商品");
    CHECK(verify(r.params, kKey, SignType::kMd5));
    CHECK_FALSE(verify(r.params, "192006250b4c09247ec02edce69f6a2e", SignType::kMd5));
    CHECK_FALSE(verify(r.params, kKey, SignType::kHmacSha256));

    SECTION("a lowercase sign is accepted") {
        r.params.set("sign", "00d3e24747ab75ce5ee69d441d76d328");
        CHECK(verify(r.params, kKey, SignType::kMd5));
    }
    SECTION("an unknown field takes part in the signature") {
        r.params.set("op_user_id", "1230000109");
        CHECK_FALSE(verify(r.params, kKey, SignType::kMd5));
        r.params.set("sign", sign(r.params, kKey, SignType::kMd5));
        CHECK(verify(r.params, kKey, SignType::kMd5));
    }
}

TEST_CASE("v2 lenient reading: any root, entities, references, empties, declaration, BOM", "[wechatpay][v2]") {
    ParseResult go = parse_xml(
        "<queryRequest><appid>wx1</appid><transaction_id></transaction_id>"
        "<attach>a&amp;b=c &#34;q&#34;&#xA;&lt;&gt;&apos;</attach><empty/><cd><![CDATA[]]></cd></queryRequest>");
    REQUIRE(go.ok);
    CHECK(go.params.root == "queryRequest");
    CHECK(go.params.get("transaction_id") == nullptr);
    CHECK(go.params.get("empty") == nullptr);
    CHECK(go.params.get("cd") == nullptr);
    CHECK(go.params.get_or("attach") == "a&b=c \"q\"\n<>'");

    ParseResult decl = parse_xml(
        "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c -->\n<xml>\n  "
        "<return_code attr=\"x\">SUCCESS</return_code>\n</xml>\n");
    REQUIRE(decl.ok);
    CHECK(decl.params.get_or("return_code") == "SUCCESS");

    ParseResult values_kept = parse_xml("<xml><a>  spaced  </a></xml>");
    REQUIRE(values_kept.ok);
    CHECK(values_kept.params.get_or("a") == "  spaced  ");

    ParseResult split = parse_xml("<xml><a><![CDATA[x]]]]><![CDATA[>y]]></a></xml>");
    REQUIRE(split.ok);
    CHECK(split.params.get_or("a") == "x]]>y");
}

TEST_CASE("v2 refuses what the spec refuses", "[wechatpay][v2]") {
    CHECK(parse_xml("").error.kind == ParseFailure::kEmpty);
    CHECK(parse_xml("  \n").error.kind == ParseFailure::kEmpty);
    CHECK(parse_xml("<xml><a>\xff\xfe</a></xml>").error.kind == ParseFailure::kNotUtf8);
    for (const char* bad :
         {"<!DOCTYPE xml [<!ENTITY x \"y\">]><xml><a>&x;</a></xml>", "<xml><a>1</a><a>2</a></xml>",
          "<xml><a><b>1</b></a></xml>", "<xml><a>1</b></xml>", "<xml><a>1</a>", "not xml", "<xml>text</xml>",
          "<xml><a>&bogus;</a></xml>", "<xml><a>&#0;</a></xml>", "<xml><a>&#x1F;</a></xml>", "<xml></xml><xml></xml>",
          "{\"appid\":\"wx\"}", "<xml><a><![CDATA[x</a></xml>"}) {
        INFO(bad);
        ParseResult r = parse_xml(bad);
        CHECK_FALSE(r.ok);
        CHECK(r.error.kind == ParseFailure::kMalformed);
        CHECK_FALSE(r.error.detail.empty());
    }
    // Raw control characters, in text and inside CDATA, are refused like their references.
    using namespace std::string_literals;
    for (const std::string& bad : {"<xml><a><![CDATA[x\0y]]></a></xml>"s, "<xml><a>x\0y</a></xml>"s,
                                   "<xml><a><![CDATA[\x01]]></a></xml>"s, "<xml><a>\x1b</a></xml>"s}) {
        INFO(bad);
        ParseResult r = parse_xml(bad);
        CHECK_FALSE(r.ok);
        CHECK(r.error.kind == ParseFailure::kMalformed);
        CHECK(r.error.detail.find("control character") != std::string::npos);
    }
    CHECK(parse_xml("<xml><a><![CDATA[tab\tcr\rlf\n]]></a></xml>").ok);
}

TEST_CASE("v2 unified order reply renders byte for byte (§15.B)", "[wechatpay][v2]") {
    Params reply{{"return_code", "SUCCESS"},
                 {"return_msg", "OK"},
                 {"appid", "wxd678efh567hg6787"},
                 {"mch_id", "1230000109"},
                 {"nonce_str", "IITRi8Iabbblz1Jc"}};
    reply.set("result_code", "SUCCESS");
    reply.set("prepay_id", "wx20240101123456a1b2c3d4e5f6a7b8c9d0");
    reply.set("trade_type", "JSAPI");
    CHECK(sign(reply, kKey, SignType::kMd5) == "7681CCBBA94B00004D18F6B50E278587");
    CHECK(sign(reply, kKey, SignType::kHmacSha256) ==
          "1C72363903487D22F660BB7D150D9F75745CDEA7FA9079103E6953E50E29C7CF");
    // Emitted order puts sign after nonce_str.
    Params ordered{{"return_code", "SUCCESS"},
                   {"return_msg", "OK"},
                   {"appid", "wxd678efh567hg6787"},
                   {"mch_id", "1230000109"},
                   {"nonce_str", "IITRi8Iabbblz1Jc"},
                   {"sign", "7681CCBBA94B00004D18F6B50E278587"},
                   {"result_code", "SUCCESS"},
                   {"prepay_id", "wx20240101123456a1b2c3d4e5f6a7b8c9d0"},
                   {"trade_type", "JSAPI"}};
    std::string body = render_xml(ordered);
    CHECK(body.size() == 456);
    CHECK(core::crypto::sha256_hex(body) == "9479c84a4abc8aaeff81ab9c8be35170f667d6960e6ba55132505dd31a1d6ebe");
}

TEST_CASE("v2 paySign for a prepay_id (§15.C)", "[wechatpay][v2]") {
    CHECK(pay_sign("wxd678efh567hg6787", "1704083696", "IITRi8Iabbblz1Jc",
                   "prepay_id=wx20240101123456a1b2c3d4e5f6a7b8c9d0", SignType::kMd5,
                   kKey) == "FCAD045A36343B3B1F699B4D75A76756");
    CHECK(pay_sign("wxd678efh567hg6787", "1704083696", "IITRi8Iabbblz1Jc",
                   "prepay_id=wx20240101123456a1b2c3d4e5f6a7b8c9d0", SignType::kHmacSha256,
                   kKey) == "C1FE4CCA7FC32CB26C4B619A756B49A6DC73A834D8048B530B426F16CA38ED64");
}

TEST_CASE("v2 payment notification renders byte for byte (§15.D)", "[wechatpay][v2]") {
    Params n{{"appid", "wxd678efh567hg6787"},
             {"attach", "a&b=c"},
             {"bank_type", "CFT"},
             {"cash_fee", "1"},
             {"fee_type", "CNY"},
             {"is_subscribe", "N"},
             {"mch_id", "1230000109"},
             {"nonce_str", "5d2b6c2a8db53831f7eda20af46e531c"},
             {"openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
             {"out_trade_no", "20240101123456789"},
             {"result_code", "SUCCESS"},
             {"return_code", "SUCCESS"},
             {"sign", ""},
             {"time_end", "20240101123501"},
             {"total_fee", "1"},
             {"trade_type", "JSAPI"},
             {"transaction_id", "4200002024202401015512345678"}};
    std::string s = sign(n, kKey, SignType::kMd5);
    CHECK(s == "3773F774EC96B3DCECFC687C0818998B");
    n.set("sign", s);
    std::string body = render_xml(n);
    CHECK(body.size() == 801);
    CHECK(core::crypto::sha256_hex(body) == "c43cff4cb22b0210036df0171af2aaf57d2ded43e589e90a451cb00f86ea3a5c");
    // Read back, it verifies.
    ParseResult r = parse_xml(body);
    REQUIRE(r.ok);
    CHECK(verify(r.params, kKey, SignType::kMd5));
}

TEST_CASE("v2 refund req_info encryption (§15.E)", "[wechatpay][v2]") {
    CHECK(core::crypto::md5_hex(kKey) == "d96eb16afdd491fa1e705096edbc2205");
    auto tiny = encrypt_req_info("<root></root>", kKey);
    REQUIRE(tiny.ok());
    CHECK(*tiny == "mSws7ojVyPgLKrjxnJsjcg==");

    Params fields{{"out_refund_no", "R20240102000001"}, {"refund_fee", "1"}, {"refund_status", "SUCCESS"}};
    std::string plain = render_root(fields);
    CHECK(plain.size() == 163);
    auto real = encrypt_req_info(plain, kKey);
    REQUIRE(real.ok());
    CHECK(*real ==
          "4gS8kbcHysCW7bHqyEU0M9umdFVGKPOUBs+y0jA3BljNYkmdGzISNTHtI9BGUknoxyIJDKwsKMcMuxrZm5SNh6zDdjiOSiFRg2NrPcreSE45"
          "Ok4FWEnXDqsbGWUksBMQKu7wTQb2m8ZKcntVwLiZ3TuCI3MZDjx8We69j5I74FqrF5CIiRo4Ew3X1R7DY9l76gkj1P2nsAqh75ZN2FZtI+br"
          "3sHuORLPtPog/+J6Ogo=");
    auto back = decrypt_req_info(*real, kKey);
    REQUIRE(back.ok());
    CHECK(*back == plain);
    ParseResult r = parse_xml(*back);
    REQUIRE(r.ok);
    CHECK(r.params.root == "root");
    CHECK(r.params.get_or("refund_status") == "SUCCESS");
    CHECK_FALSE(decrypt_req_info("not base64!", kKey).ok());
    CHECK_FALSE(decrypt_req_info(*real, "wrong-key").ok());
}

TEST_CASE("v2 judges merchant replies to notifications (§12.4)", "[wechatpay][v2]") {
    std::string why;
    CHECK(notification_reply_accepted(
        200, "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>", false,
        &why));
    CHECK(notification_reply_accepted(200, "<xml>\n  <return_code>SUCCESS</return_code>\n</xml>", false, &why));
    CHECK(notification_reply_accepted(
        200, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml>\n  <return_code> SUCCESS </return_code>\n</xml>\n",
        false, &why));
    CHECK_FALSE(notification_reply_accepted(500, "<xml><return_code>SUCCESS</return_code></xml>", false, &why));
    CHECK(why.find("500") != std::string::npos);
    CHECK_FALSE(notification_reply_accepted(200, "<xml><return_code>FAIL</return_code></xml>", false, &why));
    CHECK(why.find("FAIL") != std::string::npos);
    CHECK_FALSE(notification_reply_accepted(200, "\"SUCCESS\"", false, &why));
    CHECK(notification_reply_accepted(200, "\"SUCCESS\"", true, &why));
    CHECK(notification_reply_accepted(200, "success", true, &why));
    CHECK(notification_reply_accepted(200, "{\"code\":\"SUCCESS\"}", true, &why));
    CHECK_FALSE(notification_reply_accepted(200, "{\"code\":\"FAIL\"}", true, &why));
}

TEST_CASE("v2 writing: plain amounts, CDATA text, empties omitted, CDATA terminator split", "[wechatpay][v2]") {
    Params p{{"total_fee", "100"}, {"refund_fee_0", "5"}, {"attach", "x]]>y"}, {"device_info", ""}, {"n", "1"}};
    CHECK(render_xml(p) ==
          "<xml><total_fee>100</total_fee>\n<refund_fee_0>5</refund_fee_0>\n<attach><![CDATA[x]]]]><![CDATA[>y]]>"
          "</attach>\n<n><![CDATA[1]]></n>\n</xml>");
    SignType t;
    CHECK(parse_sign_type("", &t));
    CHECK(t == SignType::kMd5);
    CHECK(parse_sign_type("HMAC-SHA256", &t));
    CHECK(t == SignType::kHmacSha256);
    CHECK_FALSE(parse_sign_type("SHA1", &t));
}
