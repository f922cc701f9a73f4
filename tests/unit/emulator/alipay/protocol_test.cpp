// Alipay protocol against the spec's Appendix A vectors, byte for byte (alipay.md V1-V5), plus the
// sign-content rules, envelopes, amounts and the v3 Authorization parser.
#include "emulator/alipay/protocol.hpp"

#include <catch2/catch.hpp>

#include "core/crypto.hpp"
#include "core/text.hpp"

using namespace mpemu;
using namespace mpemu::alipay;
namespace crypto = mpemu::core::crypto;

namespace {

std::string vec(const std::string& name) {
    auto text = core::read_file(std::string(MPEMU_TEST_DATA_DIR) + "/alipay/" + name);
    REQUIRE(text);
    return *text;
}

crypto::Key alipay_private() {
    auto k = crypto::load_private_key(vec("spec_alipay_private_key.pem"));
    REQUIRE(k);
    return *k;
}
crypto::Key alipay_public() {
    auto k = crypto::load_public_key(vec("spec_alipay_public_key.b64"));
    REQUIRE(k);
    return *k;
}
crypto::Key app_public() {
    auto k = crypto::load_public_key(vec("spec_app_public_key.b64"));
    REQUIRE(k);
    return *k;
}

}  // namespace

TEST_CASE("alipay protocol: V1: a Node exec request merges query and body into the spec's sign content and verifies",
          "[alipay][protocol]") {
    auto merged = merge_gateway_params(vec("v1_query.txt"), vec("v1_body.txt"),
                                       "application/x-www-form-urlencoded;charset=UTF-8");
    CHECK(merged.conflicts.empty());
    std::string content = request_sign_content(merged.params);
    CHECK(content == vec("v1_sign_content.txt"));
    CHECK(crypto::sha256_hex(content) == "e6d85c54348d504a7ec19dca7c1ab8e94708adaf0baa0286f717548b396cfd91");
    const std::string* sign = param(merged.params, "sign");
    REQUIRE(sign);
    CHECK(*sign == vec("v1_sign.txt"));
    CHECK(verify(app_public(), SignType::kRSA2, content, *sign));
    // One changed byte anywhere breaks it; so does the wrong algorithm.
    CHECK_FALSE(verify(app_public(), SignType::kRSA2, content + " ", *sign));
    CHECK_FALSE(verify(app_public(), SignType::kRSA, content, *sign));
    CHECK_FALSE(verify(alipay_public(), SignType::kRSA2, content, *sign));
}

TEST_CASE("alipay protocol: V1 also verifies when every parameter came in the query or in the body",
          "[alipay][protocol]") {
    std::string all = vec("v1_query.txt") + "&" + vec("v1_body.txt");
    auto in_query = merge_gateway_params(all, "", "");
    auto in_body = merge_gateway_params("", all, "application/x-www-form-urlencoded");
    CHECK(request_sign_content(in_query.params) == vec("v1_sign_content.txt"));
    CHECK(request_sign_content(in_body.params) == vec("v1_sign_content.txt"));
}

TEST_CASE("alipay protocol: V2: the response node and envelope are produced byte for byte", "[alipay][protocol]") {
    core::OrderedJson node;
    node["code"] = "10000";
    node["msg"] = "Success";
    node["out_trade_no"] = "ORDER_0001";
    node["trade_no"] = "2024050122001404650500000001";
    std::string bytes = render_node(node);
    CHECK(bytes == vec("v2_node.txt"));
    CHECK(crypto::sha256_hex(bytes) == "d846cb4475b07ad1b2e048dbc4bc02bcf6001f2a86e7298e8f5d2fc018cafee9");
    auto body = render_signed_response(alipay_private(), SignType::kRSA2, node_key("alipay.trade.create"), node);
    REQUIRE(body);
    CHECK(*body == vec("v2_body.txt"));
    // What alipay-sdk v4 cuts out for validateSign is exactly the signed node.
    auto cut = extract_signed_node(*body, "alipay_trade_create_response");
    REQUIRE(cut);
    CHECK(*cut == bytes);
    auto parsed = core::Json::parse(*body);
    CHECK(verify(alipay_public(), SignType::kRSA2, *cut, parsed["sign"].get<std::string>()));
}

TEST_CASE("alipay protocol: V3: a notification is signed without sign and sign_type, as the spec's form",
          "[alipay][protocol]") {
    auto params = core::parse_query(vec("v3_form.txt"));
    std::string content = notify_sign_content(params);
    CHECK(content == vec("v3_sign_content.txt"));
    CHECK(crypto::sha256_hex(content) == "f6a812051c3ed1916e02fa1a0f875e1ea7d2538ebb40f2b351d8bb368f597ca6");
    auto s = sign(alipay_private(), SignType::kRSA2, content);
    REQUIRE(s);
    CHECK(*s == vec("v3_sign.txt"));
    CHECK(*param(params, "sign") == vec("v3_sign.txt"));

    // Rendering the same fields (in the spec's order, sign excluded) gives the spec's body exactly.
    core::Params fields;
    for (auto& [k, v] : params) {
        if (k != "sign" && k != "sign_type") fields.emplace_back(k, v);
    }
    auto body = render_notification(fields, alipay_private());
    REQUIRE(body);
    CHECK(*body == vec("v3_form.txt"));
}

TEST_CASE("alipay protocol: V4: the v3 Authorization header parses and its sign content verifies",
          "[alipay][protocol][v3]") {
    std::string text = vec("v4_request.txt");
    auto lines = core::split(text, '\n');
    REQUIRE(lines.size() == 2);
    std::string header = lines[0].substr(std::string("authorization: ").size());
    std::string body = lines[1].substr(std::string("body: ").size());
    auto auth = parse_v3_authorization(header);
    REQUIRE(auth);
    CHECK(auth->app_id == "2021000000000001");
    CHECK(auth->nonce == "0b6b8c2e-4a0e-4f55-9c38-4d8b1f3f2a11");
    CHECK(auth->timestamp == "1714536000000");
    CHECK(auth->auth_string ==
          "app_id=2021000000000001,nonce=0b6b8c2e-4a0e-4f55-9c38-4d8b1f3f2a11,timestamp=1714536000000");
    std::string content = v3_request_sign_content(auth->auth_string, "POST", "/v3/alipay/trade/create", body);
    CHECK(content == auth->auth_string + "\nPOST\n/v3/alipay/trade/create\n" + body + "\n");
    CHECK(crypto::sha256_hex(content) == "0e9f507f29c491ab9efbb13cdde921f1e4146971eaeb9ab634c2d3866c75ee3a");
    CHECK(verify(app_public(), SignType::kRSA2, content, auth->sign));
    CHECK_FALSE(verify(app_public(), SignType::kRSA2,
                       v3_request_sign_content(auth->auth_string, "POST", "/v3/alipay/trade/query", body), auth->sign));
    CHECK(build_v3_authorization(auth->auth_string, auth->sign) == header);
    // An app auth token header adds one line.
    std::string token = "tok";
    CHECK(v3_request_sign_content("a", "get", "/p", "", &token) == "a\nGET\n/p\n\ntok\n");
}

TEST_CASE("alipay protocol: V5: the v3 response signature headers", "[alipay][protocol][v3]") {
    std::string body = R"({"out_trade_no":"ORDER_0001","trade_no":"2024050122001404650500000001"})";
    std::string content = v3_response_sign_content("1714536000123", "5f2b3c4d5e6f40718293a4b5c6d7e8f9", body);
    CHECK(crypto::sha256_hex(content) == "ad4d762cb6fa8deb60c9d2f21efd52aa7822bbdc3d320f5fc585a1b25f51f6ad");
    auto s = sign_v3_response(alipay_private(), "1714536000123", "5f2b3c4d5e6f40718293a4b5c6d7e8f9", body);
    REQUIRE(s);
    CHECK(s->signature == vec("v5_signature.txt"));
}

TEST_CASE("alipay protocol: request sign content: sign excluded, sign_type kept, empties dropped, byte order",
          "[alipay][protocol]") {
    core::Params p{{"sign_type", "RSA2"}, {"sign", "x"}, {"b", ""}, {"a_b", "1"}, {"ab", "2"}, {"A", "3"}};
    CHECK(request_sign_content(p) == "A=3&a_b=1&ab=2&sign_type=RSA2");
    CHECK(request_sign_content(p, true) == "A=3&a_b=1&ab=2&b=&sign_type=RSA2");
    CHECK(notify_sign_content(p) == "A=3&a_b=1&ab=2");
}

TEST_CASE("alipay protocol: gateway params: query wins on conflict, sign repaired, multipart text parts only",
          "[alipay][protocol]") {
    auto m = merge_gateway_params("a=1&sign=ab+cd", "a=2&b=3", "application/x-www-form-urlencoded");
    CHECK(*param(m.params, "a") == "1");
    CHECK(*param(m.params, "b") == "3");
    CHECK(*param(m.params, "sign") == "ab+cd");
    REQUIRE(m.conflicts.size() == 1);
    CHECK(m.conflicts[0] == "a");

    std::string mp =
        "--XyZ\r\nContent-Disposition: form-data; name=\"biz_content\"\r\n\r\n{\"a\":1}\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n"
        "PNG\r\n--XyZ--\r\n";
    auto mm = merge_gateway_params("method=m", mp, "multipart/form-data; boundary=XyZ");
    CHECK(*param(mm.params, "biz_content") == "{\"a\":1}");
    CHECK(param(mm.params, "file") == nullptr);
    // A JSON body is not taken for parameters.
    CHECK(merge_gateway_params("", "{\"a\":1}", "application/json").params.empty());
}

TEST_CASE("alipay protocol: response nodes: braces inside strings are escaped, sign stays last", "[alipay][protocol]") {
    core::OrderedJson node;
    node["code"] = "10000";
    node["msg"] = "Success";
    node["subject"] = "a{b}c \"q\"";
    std::string bytes = render_node(node);
    CHECK(bytes == R"({"code":"10000","msg":"Success","subject":"a\u007bb\u007dc \"q\""})");
    CHECK(core::Json::parse(bytes)["subject"] == "a{b}c \"q\"");
    CHECK(render_envelope("error_response", "{}", "S") == R"({"error_response":{},"sign":"S"})");
    CHECK(node_key("alipay.trade.fastpay.refund.query") == "alipay_trade_fastpay_refund_query_response");
}

TEST_CASE("alipay protocol: RSA (SHA1) sign type round trips, unknown sign types are refused", "[alipay][protocol]") {
    auto s = sign(alipay_private(), SignType::kRSA, "hello");
    REQUIRE(s);
    CHECK(verify(alipay_public(), SignType::kRSA, "hello", *s));
    CHECK_FALSE(verify(alipay_public(), SignType::kRSA2, "hello", *s));
    CHECK(parse_sign_type("RSA2") == SignType::kRSA2);
    CHECK_FALSE(parse_sign_type("rsa2"));
    CHECK_FALSE(parse_sign_type("HMAC"));
    CHECK_FALSE(verify(alipay_public(), SignType::kRSA2, "hello", "not base64!"));
}

TEST_CASE("alipay protocol: amounts: strings or numbers, at most two decimals, exact", "[alipay][protocol]") {
    CHECK(parse_amount(core::Json("88.80")) == 8880);
    CHECK(parse_amount(core::Json("0.01")) == 1);
    CHECK(parse_amount(core::Json("100000000")) == 10000000000LL);
    CHECK(parse_amount(core::Json::parse("200.12")) == 20012);
    CHECK(parse_amount(core::Json::parse("0.1")) == 10);
    CHECK(parse_amount(core::Json::parse("3")) == 300);
    CHECK_FALSE(parse_amount(core::Json("1.234")));
    CHECK_FALSE(parse_amount(core::Json("-1")));
    CHECK_FALSE(parse_amount(core::Json("1.")));
    CHECK_FALSE(parse_amount(core::Json("abc")));
    CHECK_FALSE(parse_amount(core::Json::parse("0.001")));
    CHECK_FALSE(parse_amount(core::Json(true)));
    CHECK(format_amount(8880) == "88.80");
    CHECK(format_amount(1) == "0.01");
    CHECK(format_amount(0) == "0.00");
}

TEST_CASE("alipay protocol: v3 Authorization: errors and other pair orders", "[alipay][protocol][v3]") {
    CHECK_FALSE(parse_v3_authorization("Bearer x"));
    CHECK_FALSE(parse_v3_authorization("ALIPAY-SHA256withRSA app_id=1,nonce=2"));
    auto a = parse_v3_authorization("ALIPAY-SHA256withRSA timestamp=1,app_id=2021,nonce=n,sign=AB==");
    REQUIRE(a);
    CHECK(a->auth_string == "timestamp=1,app_id=2021,nonce=n");
    CHECK(a->app_id == "2021");
    CHECK(a->sign == "AB==");
    auto body = core::Json::parse(render_v3_error("ACQ.TRADE_NOT_EXIST", "交易不存在"));
    CHECK(body["code"] == "ACQ.TRADE_NOT_EXIST");
    CHECK(body["links"][0]["desc"] == "解决方案");
}
