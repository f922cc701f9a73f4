// Alipay v2 gateway over HTTP: envelope and signatures, every gateway error of §2.6, OAuth and
// user.info.share, with keys from fixtures/default/keys/alipay.
#include <algorithm>

#include <catch2/catch.hpp>

#include <httplib.h>

#include "tests/integration/alipay/client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::alipay_test;
using core::Json;

namespace {

void check_error(const Reply& r, const std::string& node_key, const std::string& code, const std::string& sub_code) {
    INFO(r.body);
    CHECK(r.status == 200);
    CHECK(r.node_key == node_key);
    CHECK(r.node["code"] == code);
    CHECK(r.node["sub_code"] == sub_code);
    CHECK(r.node["sub_msg"].is_string());
    // Every reply is signed, error_response included.
    CHECK(r.sign_ok);
}

}  // namespace

TEST_CASE("alipay gateway: a success reply is the signed node first, sign last, HTTP 200", "[alipay][gateway]") {
    EmulatorProcess emu;
    Client c(emu);
    auto r = c.exec("alipay.trade.query", {{"out_trade_no", "nope"}});
    CHECK(r.status == 200);
    CHECK(
        core::starts_with(r.body, "{\"alipay_trade_query_response\":{\"code\":\"40004\",\"msg\":\"Business Failed\","));
    CHECK(r.body.find(",\"sign\":\"") != std::string::npos);
    CHECK(core::ends_with(r.body, "\"}"));
    CHECK(r.sign_ok);
    CHECK(r.node["sub_code"] == "ACQ.TRADE_NOT_EXIST");
    CHECK(r.node["sub_msg"] == "交易不存在");
    CHECK(r.node["out_trade_no"] == "nope");
}

TEST_CASE("alipay gateway: every request check answers with its code, sub_code and text", "[alipay][gateway]") {
    EmulatorProcess emu;
    Client c(emu);
    Json biz{{"out_trade_no", "x"}};

    SECTION("missing method -> error_response 40001") {
        core::Params p = c.signed_params("alipay.trade.query", biz);
        p.erase(std::remove_if(p.begin(), p.end(), [](auto& kv) { return kv.first == "method"; }), p.end());
        auto r = c.send(p, "alipay.trade.query");
        check_error(r, "error_response", "40001", "isv.missing-method");
        CHECK(r.node["msg"] == "Missing Required Arguments");
        CHECK(r.node["sub_msg"] == "缺少方法名参数");
    }
    SECTION("unknown method -> error_response naming it") {
        auto r = c.exec("alipay.trade.order.settle", biz);
        check_error(r, "error_response", "40002", "isv.invalid-method");
        CHECK(r.node["msg"] == "Invalid Arguments");
        CHECK(r.node["sub_msg"].get<std::string>().find("alipay.trade.order.settle") != std::string::npos);
    }
    SECTION("missing app_id") {
        auto p = c.signed_params("alipay.trade.query", biz, {{"app_id", ""}});
        check_error(c.send(p, "alipay.trade.query"), "alipay_trade_query_response", "40001", "isv.missing-app-id");
    }
    SECTION("unknown app_id is answered in the method node") {
        auto p = c.signed_params("alipay.trade.query", biz, {{"app_id", "2021009999999999"}});
        auto r = c.send(p, "alipay.trade.query");
        check_error(r, "alipay_trade_query_response", "40002", "isv.invalid-app-id");
        CHECK(r.node["sub_msg"] == "无效的AppID参数");
    }
    SECTION("missing and invalid sign_type") {
        auto p = c.signed_params("alipay.trade.query", biz, {{"sign_type", ""}});
        check_error(c.send(p, "alipay.trade.query"), "alipay_trade_query_response", "40001",
                    "isv.missing-signature-type");
        p = c.signed_params("alipay.trade.query", biz, {{"sign_type", "MD5"}});
        check_error(c.send(p, "alipay.trade.query"), "alipay_trade_query_response", "40002",
                    "isv.invalid-signature-type");
    }
    SECTION("missing sign") {
        auto p = c.signed_params("alipay.trade.query", biz);
        p.pop_back();
        check_error(c.send(p, "alipay.trade.query"), "alipay_trade_query_response", "40001", "isv.missing-signature");
    }
    SECTION("a bad signature names the gateway's sign content with &amp;") {
        auto p = c.signed_params("alipay.trade.query", biz);
        p.back().second = p.back().second.substr(4) + "AAAA";
        auto r = c.send(p, "alipay.trade.query");
        check_error(r, "alipay_trade_query_response", "40002", "isv.invalid-signature");
        std::string msg = r.node["sub_msg"].get<std::string>();
        CHECK(core::starts_with(msg,
                                "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为："));
        CHECK(msg.find("app_id=2021004100000001&amp;biz_content={\"out_trade_no\":\"x\"}&amp;charset=utf-8") !=
              std::string::npos);
    }
    SECTION("a request signed by another app's key is refused") {
        Client other(emu, kApp2);
        auto p = other.signed_params("alipay.trade.query", biz, {{"app_id", kApp1}});
        check_error(c.send(p, "alipay.trade.query"), "alipay_trade_query_response", "40002", "isv.invalid-signature");
    }
    SECTION("missing and invalid timestamp") {
        check_error(c.send(c.signed_params("alipay.trade.query", biz, {{"timestamp", ""}}), "alipay.trade.query"),
                    "alipay_trade_query_response", "40001", "isv.missing-timestamp");
        auto r = c.send(c.signed_params("alipay.trade.query", biz, {{"timestamp", "yesterday"}}), "alipay.trade.query");
        check_error(r, "alipay_trade_query_response", "40002", "isv.invalid-timestamp");
        CHECK(r.node["sub_msg"] == "非法的时间戳参数");
    }
    SECTION("missing version, bad charset, bad format, bad biz_content") {
        check_error(c.send(c.signed_params("alipay.trade.query", biz, {{"version", ""}}), "alipay.trade.query"),
                    "alipay_trade_query_response", "40001", "isv.missing-version");
        check_error(c.send(c.signed_params("alipay.trade.query", biz, {{"charset", "GBK"}}), "alipay.trade.query"),
                    "alipay_trade_query_response", "40002", "isv.invalid-charset");
        check_error(c.send(c.signed_params("alipay.trade.query", biz, {{"format", "xml"}}), "alipay.trade.query"),
                    "alipay_trade_query_response", "40002", "isv.invalid-format");
        auto p = c.signed_params("alipay.trade.query", nullptr, {{"biz_content", "{not json"}});
        check_error(c.send(p, "alipay.trade.query"), "alipay_trade_query_response", "40002", "isv.invalid-parameter");
    }
}

TEST_CASE("alipay gateway: what the SDKs send is accepted", "[alipay][gateway]") {
    EmulatorProcess emu;
    Client c(emu);
    Json biz{{"out_trade_no", "x"}};
    SECTION("format=json, extra signed parameters (alipay_sdk, terminal_type)") {
        auto p = c.signed_params("alipay.trade.query", biz,
                                 {{"format", "JSON"}, {"alipay_sdk", "alipay-sdk-java-4"}, {"terminal_type", "APP"}});
        auto r = c.send(p, "alipay.trade.query");
        CHECK(r.node["sub_code"] == "ACQ.TRADE_NOT_EXIST");
    }
    SECTION("empty values signed as alipay-sdk does (k=) are accepted") {
        auto p = c.signed_params("alipay.trade.query", biz, {{"return_url", ""}}, alipay::SignType::kRSA2, true);
        auto r = c.send(p, "alipay.trade.query");
        CHECK(r.node["sub_code"] == "ACQ.TRADE_NOT_EXIST");
    }
    SECTION("RSA (SHA1) requests get RSA-signed replies") {
        auto p = c.signed_params("alipay.trade.query", biz, {}, alipay::SignType::kRSA);
        auto r = c.send(p, "alipay.trade.query");
        CHECK(r.node["sub_code"] == "ACQ.TRADE_NOT_EXIST");
        auto j = Json::parse(r.body);
        auto cut = alipay::extract_signed_node(r.body, "alipay_trade_query_response");
        REQUIRE(cut);
        CHECK(alipay::verify(c.alipay_public(), alipay::SignType::kRSA, *cut, j["sign"].get<std::string>()));
    }
    SECTION("GET with every parameter in the query (fzlee)") {
        auto p = c.signed_params("alipay.trade.query", biz);
        auto r = c.parse(emu.get("/gateway.do?" + core::build_query(p)), "alipay.trade.query");
        CHECK(r.node["sub_code"] == "ACQ.TRADE_NOT_EXIST");
        CHECK(r.sign_ok);
    }
    SECTION("everything in the body") {
        auto p = c.signed_params("alipay.trade.query", biz);
        auto r = c.parse(
            emu.post("/gateway.do", core::build_form(p), {{"Content-type", "application/x-www-form-urlencoded"}}),
            "alipay.trade.query");
        CHECK(r.node["sub_code"] == "ACQ.TRADE_NOT_EXIST");
    }
    SECTION("a sign whose '+' arrived as spaces is repaired") {
        auto p = c.signed_params("alipay.trade.query", biz);
        std::string raw = core::build_form(p);
        std::string sign = p.back().second;
        std::string broken = "sign=" + core::replace_all(core::url_encode(sign), "%2B", "+");
        raw = raw.substr(0, raw.rfind("sign=")) + broken;
        auto r = c.parse(emu.post("/gateway.do", raw, {{"Content-Type", "application/x-www-form-urlencoded"}}),
                         "alipay.trade.query");
        CHECK(r.node["sub_code"] == "ACQ.TRADE_NOT_EXIST");
    }
    SECTION("the PKCS#8 app signs and verifies with its own keys") {
        Client c2(emu, kApp2);
        auto r = c2.exec("alipay.trade.query", biz);
        CHECK(r.node["sub_code"] == "ACQ.TRADE_NOT_EXIST");
        CHECK(r.sign_ok);
    }
    SECTION("the gateway under a path prefix (a proxy mounting it at /alipay/)") {
        auto p = c.signed_params("alipay.trade.query", biz);
        auto r = c.parse(emu.post("/alipay/openapi/gateway.do", core::build_form(p),
                                  {{"Content-Type", "application/x-www-form-urlencoded"}}),
                         "alipay.trade.query");
        CHECK(r.status == 200);
        CHECK(r.node["sub_code"] == "ACQ.TRADE_NOT_EXIST");
        CHECK(r.sign_ok);
    }
    SECTION("an absolute-form request target (the official Python SDK)") {
        auto p = c.signed_params("alipay.trade.query", biz);
        std::string target = "http://127.0.0.1:" + std::to_string(emu.port()) + "/gateway.do?" + core::build_query(p);
        // The test client normalises URLs, so send the request line through cpp-httplib as written.
        httplib::Client raw("127.0.0.1", emu.port());
        auto sent = raw.Post(target, "", "application/x-www-form-urlencoded;charset=utf-8");
        REQUIRE(sent);
        core::HttpResponse reply;
        reply.status = sent->status;
        reply.body = sent->body;
        auto r = c.parse(reply, "alipay.trade.query");
        CHECK(r.status == 200);
        CHECK(r.node["sub_code"] == "ACQ.TRADE_NOT_EXIST");
        CHECK(r.sign_ok);
        auto journal = emu.admin("GET", "/__admin/requests?path=%2Fgateway.do");
        REQUIRE(journal["requests"].size() == 1);
        CHECK(core::starts_with(journal["requests"][0]["target"].get<std::string>(), "/gateway.do?app_id="));
    }
    SECTION("other HTTP methods on the gateway still answer 200 in Alipay's format") {
        auto r = emu.request("PUT", "/gateway.do", "");
        CHECK(r.status == 200);
        CHECK(Json::parse(r.body)["error_response"]["sub_code"] == "isv.invalid-method");
    }
}

TEST_CASE("alipay oauth: auth codes are single use, expire and belong to one app", "[alipay][oauth]") {
    EmulatorProcess emu;
    Client c(emu);
    auto code = emu.admin("POST", "/__admin/alipay/auth-codes", {{"app_id", kApp1}, {"user_id", kUser1}})["auth_code"]
                    .get<std::string>();
    CHECK(code.size() == 32);
    auto r = c.exec("alipay.system.oauth.token", nullptr, {{"grant_type", "authorization_code"}, {"code", code}});
    CHECK(r.node_key == "alipay_system_oauth_token_response");
    CHECK(r.sign_ok);
    CHECK(r.node["code"] == "10000");
    CHECK(r.node["msg"] == "Success");
    CHECK(r.node["user_id"] == kUser1);
    CHECK(r.node["open_id"] == kOpenId1);
    CHECK(r.node["expires_in"].is_number_integer());
    CHECK(r.node["re_expires_in"].is_number_integer());
    CHECK(r.node["access_token"].get<std::string>().size() <= 40);
    CHECK(r.node["auth_start"].get<std::string>().size() == 19);

    // Second use of the same code.
    auto again = c.exec("alipay.system.oauth.token", nullptr, {{"grant_type", "authorization_code"}, {"code", code}});
    check_error(again, "error_response", "40002", "isv.code-invalid");
    CHECK(again.node["sub_msg"] == "授权码code无效");
    CHECK(again.body.find("{\"error_response\":{\"code\":\"40002\",\"msg\":\"Invalid Arguments\",\"sub_code\":"
                          "\"isv.code-invalid\",\"sub_msg\":\"授权码code无效\"},\"sign\":\"") == 0);

    // Unknown, expired, another app's.
    check_error(c.exec("alipay.system.oauth.token", nullptr, {{"grant_type", "authorization_code"}, {"code", "nope"}}),
                "error_response", "40002", "isv.code-invalid");
    auto late = emu.admin("POST", "/__admin/alipay/auth-codes", {{"app_id", kApp1}, {"user_id", kUser1}})["auth_code"]
                    .get<std::string>();
    emu.admin("POST", "/__admin/clock", {{"advance", "6m"}});
    check_error(c.exec("alipay.system.oauth.token", nullptr, {{"grant_type", "authorization_code"}, {"code", late}}),
                "error_response", "40002", "isv.code-invalid");
    auto other = emu.admin("POST", "/__admin/alipay/auth-codes", {{"app_id", kApp2}, {"user_id", kUser1}})["auth_code"]
                     .get<std::string>();
    check_error(c.exec("alipay.system.oauth.token", nullptr, {{"grant_type", "authorization_code"}, {"code", other}}),
                "error_response", "40002", "isv.code-invalid");

    // Bad grant type.
    check_error(c.exec("alipay.system.oauth.token", nullptr, {{"grant_type", "password"}}), "error_response", "40002",
                "isv.grant-type-invalid");

    // Admin refuses unknown apps and users.
    CHECK(emu.post("/__admin/alipay/auth-codes", R"({"app_id":"2021009999999999","user_id":"2088102177846880"})")
              .status == 404);
    CHECK(emu.post("/__admin/alipay/auth-codes", R"({"app_id":"2021004100000001","user_id":"bob"})").status == 404);
    CHECK(emu.post("/__admin/alipay/auth-codes", R"({"app_id":"2021004100000001"})").status == 400);
}

TEST_CASE("alipay oauth: refresh_token grant rotates the tokens", "[alipay][oauth]") {
    EmulatorProcess emu;
    Client c(emu);
    auto first = c.login(kUser2);
    CHECK_FALSE(first.contains("open_id"));
    std::string refresh = first["refresh_token"].get<std::string>();
    auto r =
        c.exec("alipay.system.oauth.token", nullptr, {{"grant_type", "refresh_token"}, {"refresh_token", refresh}});
    CHECK(r.node["code"] == "10000");
    CHECK(r.sign_ok);
    CHECK(r.node["user_id"] == kUser2);
    CHECK(r.node["access_token"] != first["access_token"]);
    CHECK(r.node["auth_start"] == first["auth_start"]);
    // The old pair is spent.
    check_error(
        c.exec("alipay.system.oauth.token", nullptr, {{"grant_type", "refresh_token"}, {"refresh_token", refresh}}),
        "error_response", "40002", "isv.refresh-token-invalid");
    auto old = c.exec("alipay.user.info.share", nullptr, {{"auth_token", first["access_token"].get<std::string>()}});
    check_error(old, "alipay_user_info_share_response", "20001", "aop.invalid-auth-token");
}

TEST_CASE("alipay user.info.share: profile for auth_user tokens, 20001 and 40006 otherwise", "[alipay][oauth]") {
    EmulatorProcess emu;
    Client c(emu);
    auto login = c.login(kUser1);
    std::string token = login["access_token"].get<std::string>();
    auto r = c.exec("alipay.user.info.share", nullptr, {{"auth_token", token}});
    CHECK(r.sign_ok);
    CHECK(r.node["code"] == "10000");
    CHECK(r.node["user_id"] == kUser1);
    CHECK(r.node["nick_name"] == "支付宝用户");
    CHECK(r.node["gender"] == "M");
    CHECK(r.node["city"] == "杭州市");

    auto bad = c.exec("alipay.user.info.share", nullptr, {{"auth_token", "nope"}});
    check_error(bad, "alipay_user_info_share_response", "20001", "aop.invalid-auth-token");
    CHECK(bad.node["msg"] == "Insufficient Token Permissions");
    CHECK(bad.node["sub_msg"] == "无效的访问令牌");

    auto base = c.login(kUser1, "auth_base");
    auto denied = c.exec("alipay.user.info.share", nullptr, {{"auth_token", base["access_token"].get<std::string>()}});
    check_error(denied, "alipay_user_info_share_response", "40006", "isv.insufficient-isv-permissions");
    CHECK(denied.node["msg"] == "Insufficient Permissions");

    emu.admin("POST", "/__admin/clock", {{"advance", "16d"}});
    auto expired = c.exec("alipay.user.info.share", nullptr, {{"auth_token", token}});
    check_error(expired, "alipay_user_info_share_response", "20001", "aop.auth-token-time-out");
    CHECK(expired.node["sub_msg"] == "访问令牌已过期");
}

TEST_CASE("alipay fixtures summary lists apps and users", "[alipay][admin]") {
    EmulatorProcess emu;
    auto f = emu.admin("GET", "/__admin/fixtures");
    REQUIRE(f["alipay"]["apps"].size() == 3);
    CHECK(f["alipay"]["apps"][0]["app_id"] == kApp1);
    bool found = false;
    for (const auto& u : f["users"]) {
        if (u.value("alipay_user_id", "") == kUser1) {
            found = true;
            CHECK(u["alipay_open_id"] == kOpenId1);
            CHECK(u["app_id"] == kApp1);
        }
    }
    CHECK(found);
}

TEST_CASE("alipay admin keys: the Alipay public key of each app, PEM and bare base64", "[alipay][admin]") {
    EmulatorProcess emu;
    auto keys = emu.admin("GET", "/__admin/alipay/keys")["apps"];
    REQUIRE(keys.size() == 3);
    for (const auto& k : keys) {
        std::string app_id = k["app_id"].get<std::string>();
        auto file = alipay_public_of(key_dir(app_id));  // cert mode: the key of alipay_cert.crt
        auto pem = core::crypto::load_public_key(k["alipay_public_key_pem"].get<std::string>());
        auto bare = core::crypto::load_public_key(k["alipay_public_key"].get<std::string>());
        REQUIRE(pem);
        REQUIRE(bare);
        CHECK(pem->same_public_key(file));
        CHECK(bare->same_public_key(file));
        CHECK(k["alipay_public_key"].get<std::string>().find('\n') == std::string::npos);
    }
}
