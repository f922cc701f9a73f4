// WeChat Pay notifications (emulator/wechatpay/notify.*): the v3 payload byte for byte against the
// spec's vector 4-C, the envelope round trip, and the v2 payment / refund XML bodies.
#include "emulator/wechatpay/notify.hpp"

#include <catch2/catch.hpp>

#include "emulator/wechatpay/protocol.hpp"
#include "emulator/wechatpay/protocol_v2.hpp"

using namespace mpemu;
using namespace mpemu::wechatpay;

namespace {

// The plaintext of the spec's §4 vector 4-C: what a paid order's notification carries.
const std::string kPlain4C =
    R"({"mchid":"1900000001","appid":"wx1234567890abcdef","out_trade_no":"ORDER20240101000001","transaction_id":"4200000000202401010000000001","trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"OTHERS","attach":"","success_time":"2024-01-01T12:00:05+08:00","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"}})";

OrderRow paid_order() {
    OrderRow o;
    o.id = 7;
    o.mchid = "1900000001";
    o.appid = "wx1234567890abcdef";
    o.out_trade_no = "ORDER20240101000001";
    o.transaction_id = "4200000000202401010000000001";
    o.trade_type = "JSAPI";
    o.state = "SUCCESS";
    o.bank_type = "OTHERS";
    o.openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
    o.total = 100;
    o.success_ms = 1704081605000;  // 2024-01-01T12:00:05+08:00
    return o;
}

Merchant merchant() {
    Merchant m;
    m.mchid = "1900000001";
    m.apiv3_key = "0123456789abcdefABCDEF0123456789";
    m.api_v2_key = "192006250b4c09247ec02edce69f6a2d";
    return m;
}

}  // namespace

TEST_CASE("wechatpay notify: the payment payload is the spec's plaintext byte for byte", "[wechatpay]") {
    CHECK(notify::payment_payload(paid_order()) == kPlain4C);
}

TEST_CASE("wechatpay notify: the refund payload", "[wechatpay]") {
    RefundRow r;
    r.mchid = "1900000001";
    r.out_trade_no = "ORDER20240101000001";
    r.transaction_id = "4200000000202401010000000001";
    r.refund_id = "50000000382019052709732678859";
    r.out_refund_no = "R1";
    r.status = "PROCESSING";
    r.refund = 30;
    r.total = 100;
    CHECK(
        notify::refund_payload(r, paid_order()) ==
        R"({"mchid":"1900000001","transaction_id":"4200000000202401010000000001","out_trade_no":"ORDER20240101000001","refund_id":"50000000382019052709732678859","out_refund_no":"R1","refund_status":"PROCESSING","user_received_account":"支付用户零钱","amount":{"total":100,"refund":30,"payer_total":100,"payer_refund":30}})");
}

TEST_CASE("wechatpay notify: the v3 envelope decrypts to the payload", "[wechatpay]") {
    Merchant m = merchant();
    auto body = notify::v3_envelope(m, "TRANSACTION.SUCCESS", "transaction", kPlain4C, "id-1",
                                    "2024-01-01T12:00:06+08:00", "n0nce1234567");
    REQUIRE(body.ok());
    auto e = protocol::parse_envelope(*body);
    REQUIRE(e.ok());
    CHECK(e->id == "id-1");
    CHECK(e->summary == "支付成功");
    CHECK(e->resource.original_type == "transaction");
    CHECK(e->resource.associated_data == "transaction");
    auto plain = protocol::decrypt(m.apiv3_key, e->resource.nonce, e->resource.associated_data, e->resource.ciphertext);
    REQUIRE(plain.ok());
    CHECK(*plain == kPlain4C);
}

TEST_CASE("wechatpay notify: v2 payment XML is signed with the order's sign type", "[wechatpay][v2]") {
    Merchant m = merchant();
    OrderRow o = paid_order();
    o.extra = R"({"sign_type":"HMAC-SHA256","device_info":"WEB"})";
    auto xml = notify::v2_payment_xml(m, o, core::parse_json(kPlain4C).value(), std::string(32, 'a'));
    REQUIRE(xml.ok());
    auto parsed = v2::parse_xml(*xml);
    REQUIRE(parsed.ok);
    CHECK(parsed.params.get_or("sign_type") == "HMAC-SHA256");
    CHECK(parsed.params.get_or("device_info") == "WEB");
    CHECK(parsed.params.get_or("time_end") == "20240101120005");
    CHECK(parsed.params.get_or("total_fee") == "100");
    CHECK(v2::verify(parsed.params, m.api_v2_key, v2::SignType::kHmacSha256));
}

TEST_CASE("wechatpay notify: v2 refund XML carries req_info encrypted with the API v2 key", "[wechatpay][v2]") {
    Merchant m = merchant();
    RefundRow r;
    r.out_refund_no = "R1";
    r.out_trade_no = "ORDER20240101000001";
    r.refund_id = "5000";
    r.refund = 30;
    r.total = 100;
    auto xml = notify::v2_refund_xml(m, paid_order(), r, core::Json{{"refund_status", "ABNORMAL"}}, "nonce16");
    REQUIRE(xml.ok());
    auto parsed = v2::parse_xml(*xml);
    REQUIRE(parsed.ok);
    CHECK_FALSE(parsed.params.has("sign"));
    CHECK(parsed.params.get_or("appid") == "wx1234567890abcdef");
    auto info = v2::decrypt_req_info(parsed.params.get_or("req_info"), m.api_v2_key);
    REQUIRE(info.ok());
    auto root = v2::parse_xml(*info);
    REQUIRE(root.ok);
    CHECK(root.params.root == "root");
    CHECK(root.params.get_or("refund_status") == "CHANGE");
    CHECK(root.params.get_or("refund_account") == "REFUND_SOURCE_UNSETTLED_FUNDS");
    CHECK(root.params.get_or("refund_fee") == "30");
}
