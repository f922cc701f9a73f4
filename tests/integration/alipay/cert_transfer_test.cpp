// Alipay certificate mode (app 2021004100000003 of the default fixtures), alipay.open.app.alipaycert.download
// and the fund transfer methods over HTTP (docs/specs/alipay-additions.md §8-§10).
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/integration/alipay/client.hpp"
#include "tests/support/process.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::alipay_test;
using core::Json;

namespace {

void check_error(const Reply& r, const std::string& code, const std::string& sub_code) {
    INFO(r.body);
    CHECK(r.status == 200);
    CHECK(r.node["code"] == code);
    CHECK(r.node["sub_code"] == sub_code);
    CHECK(r.node["sub_msg"].is_string());
    CHECK(r.sign_ok);
}

Json transfer_biz(const std::string& out_biz_no, const std::string& amount, const Json& payee) {
    return {{"out_biz_no", out_biz_no},       {"trans_amount", amount}, {"product_code", "TRANS_ACCOUNT_NO_PWD"},
            {"biz_scene", "DIRECT_TRANSFER"}, {"order_title", "佣金"},  {"payee_info", payee}};
}

Json user_payee(const std::string& user_id = kPayee) {
    return {{"identity", user_id}, {"identity_type", "ALIPAY_USER_ID"}};
}

}  // namespace

TEST_CASE("alipay cert mode: fixture SNs are the ones computed from the certificate files", "[alipay][cert]") {
    EmulatorProcess emu;
    Client c(emu, kCertApp);
    REQUIRE(c.certs().app_cert_sn.size() == 32);
    CHECK(c.certs().alipay_root_cert_sn.find('_') == std::string::npos);  // the ECDSA root is skipped
    auto apps = emu.admin("GET", "/__admin/fixtures")["alipay"]["apps"];
    REQUIRE(apps.size() == 3);
    CHECK(apps[0]["mode"] == "key");
    CHECK(apps[2]["app_id"] == kCertApp);
    CHECK(apps[2]["mode"] == "cert");
    CHECK(apps[2]["app_cert_sn"] == c.certs().app_cert_sn);
    CHECK(apps[2]["alipay_cert_sn"] == c.certs().alipay_cert_sn);
    CHECK(apps[2]["alipay_root_cert_sn"] == c.certs().alipay_root_cert_sn);
    CHECK(apps[2]["balance"] == "50000.00");
}

TEST_CASE("alipay cert mode: replies carry alipay_cert_sn between the node and the sign", "[alipay][cert]") {
    EmulatorProcess emu;
    Client c(emu, kCertApp);
    c.create("CERT1", "12.00");
    auto r = c.exec("alipay.trade.query", {{"out_trade_no", "CERT1"}});
    INFO(r.body);
    CHECK(r.node["code"] == "10000");
    CHECK(r.node["trade_status"] == "WAIT_BUYER_PAY");
    CHECK(r.sign_ok);  // signed with the key of alipay_cert.crt
    auto at = r.body.find("},\"alipay_cert_sn\":\"" + c.certs().alipay_cert_sn + "\",\"sign\":\"");
    CHECK(at != std::string::npos);
    CHECK(Json::parse(r.body)["alipay_cert_sn"] == c.certs().alipay_cert_sn);

    // Key-mode apps are unaffected.
    Client k(emu);
    auto kr = k.exec("alipay.trade.query", {{"out_trade_no", "nope"}});
    CHECK(kr.sign_ok);
    CHECK(kr.body.find("alipay_cert_sn") == std::string::npos);
}

TEST_CASE("alipay cert mode: missing or wrong SNs are refused before anything runs", "[alipay][cert]") {
    EmulatorProcess emu;
    Client c(emu, kCertApp);
    Json biz = {{"out_trade_no", "C1"}, {"total_amount", "1.00"}, {"subject", "s"}, {"buyer_id", kUser1}};
    check_error(c.exec("alipay.trade.create", biz, {{"app_cert_sn", ""}}), "40002", "isv.missing-app-cert-sn");
    check_error(c.exec("alipay.trade.create", biz, {{"app_cert_sn", "0123456789abcdef0123456789abcdef"}}), "40002",
                "isv.app-cert-not-exist");
    check_error(c.exec("alipay.trade.create", biz, {{"alipay_root_cert_sn", ""}}), "40002",
                "isv.missing-alipay-root-cert-sn");
    auto wrong_root = c.exec("alipay.trade.create", biz,
                             {{"alipay_root_cert_sn", c.certs().alipay_root_cert_sn + "_" + c.certs().app_cert_sn}});
    check_error(wrong_root, "40002", "isv.invalid-alipay-root-cert-sn");
    CHECK(wrong_root.node["sub_msg"] == "无效支付宝根证书序列号");
    // None of them created the trade.
    CHECK(emu.admin("GET", std::string("/__admin/alipay/trades?app_id=") + kCertApp)["trades"].empty());
    CHECK(c.exec("alipay.trade.create", biz).node["code"] == "10000");
}

TEST_CASE("alipay cert mode on v3: app_cert_sn in Authorization, root SN header, alipay-sn answer",
          "[alipay][cert][v3]") {
    EmulatorProcess emu;
    Client c(emu, kCertApp);
    c.create("V3C", "3.00");
    auto r = c.v3("GET", "/v3/alipay/trade/query?out_trade_no=V3C");
    INFO(r.body);
    CHECK(r.status == 200);
    CHECK(c.v3_sign_ok(r));
    REQUIRE(r.header("alipay-sn"));
    CHECK(*r.header("alipay-sn") == c.certs().alipay_cert_sn);

    // Without the root SN header.
    std::string auth = "app_id=" + std::string(kCertApp) + ",app_cert_sn=" + c.certs().app_cert_sn +
                       ",nonce=n1,timestamp=1714536000000";
    auto s = alipay::sign(c.app_key(), alipay::SignType::kRSA2,
                          alipay::v3_request_sign_content(auth, "GET", "/v3/alipay/trade/query?out_trade_no=V3C", ""));
    REQUIRE(s);
    auto bare = emu.request("GET", "/v3/alipay/trade/query?out_trade_no=V3C", {},
                            {{"Authorization", alipay::build_v3_authorization(auth, *s)}});
    CHECK(bare.status == 400);
    CHECK(Json::parse(bare.body)["code"] == "missing-alipay-root-cert-sn");
}

TEST_CASE("alipay.open.app.alipaycert.download serves the Alipay certificate by SN", "[alipay][cert]") {
    EmulatorProcess emu;
    Client c(emu, kCertApp);
    auto r = c.exec("alipay.open.app.alipaycert.download", {{"alipay_cert_sn", c.certs().alipay_cert_sn}});
    INFO(r.body);
    REQUIRE(r.node["code"] == "10000");
    CHECK(r.sign_ok);
    auto content = core::crypto::base64_decode(r.node["alipay_cert_content"].get<std::string>());
    REQUIRE(content);
    CHECK(*content == read_text(key_dir(kCertApp) + "alipay_cert.crt"));

    auto unknown =
        c.exec("alipay.open.app.alipaycert.download", {{"alipay_cert_sn", "ffffffffffffffffffffffffffffffff"}});
    check_error(unknown, "40004", "CERT_NOT_EXIST");
    check_error(c.exec("alipay.open.app.alipaycert.download", Json::object()), "40002", "isv.invalid-parameter");
}

TEST_CASE("alipay.fund.trans.uni.transfer: pays a fixture user, idempotent per out_biz_no", "[alipay][transfer]") {
    EmulatorProcess emu;
    Client c(emu, kCertApp);
    auto r = c.exec("alipay.fund.trans.uni.transfer", transfer_biz("T1", "100.50", user_payee()));
    INFO(r.body);
    REQUIRE(r.node["code"] == "10000");
    CHECK(r.sign_ok);
    CHECK(r.node["out_biz_no"] == "T1");
    CHECK(r.node["status"] == "SUCCESS");
    std::string order_id = r.node["order_id"].get<std::string>();
    CHECK(order_id.size() == 32);
    CHECK(r.node["pay_fund_order_id"].get<std::string>().size() == 32);
    CHECK(r.node["trans_date"].get<std::string>().size() == 19);

    // The same request again answers the same transfer; a different one under that out_biz_no is refused.
    auto again = c.exec("alipay.fund.trans.uni.transfer", transfer_biz("T1", "100.50", user_payee()));
    CHECK(again.node["order_id"] == order_id);
    auto changed = c.exec("alipay.fund.trans.uni.transfer", transfer_biz("T1", "100.51", user_payee()));
    check_error(changed, "40004", "PAYMENT_INFO_INCONSISTENCY");
    CHECK(changed.node["out_biz_no"] == "T1");

    // Query by out_biz_no (with product and scene) and by order_id.
    auto q = c.exec("alipay.fund.trans.common.query",
                    {{"out_biz_no", "T1"}, {"product_code", "TRANS_ACCOUNT_NO_PWD"}, {"biz_scene", "DIRECT_TRANSFER"}});
    CHECK(q.node["code"] == "10000");
    CHECK(q.node["order_id"] == order_id);
    CHECK(q.node["trans_amount"] == "100.50");
    CHECK(q.node["status"] == "SUCCESS");
    CHECK(c.exec("alipay.fund.trans.common.query", {{"order_id", order_id}}).node["out_biz_no"] == "T1");
    check_error(c.exec("alipay.fund.trans.common.query", {{"order_id", "20240501110070000000000000000000"}}), "40004",
                "ORDER_NOT_EXIST");
    check_error(c.exec("alipay.fund.trans.common.query", {{"out_biz_no", "T1"}}), "40004", "INVALID_PARAMETER");

    auto listed = emu.admin("GET", std::string("/__admin/alipay/transfers?app_id=") + kCertApp)["transfers"];
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["payee_user_id"] == kPayee);
    CHECK(listed[0]["trans_amount"] == "100.50");

    // The v3 path answers the same transfer.
    auto v3 =
        c.v3("POST", "/v3/alipay/fund/trans/uni/transfer", core::dump(transfer_biz("T1", "100.50", user_payee())));
    CHECK(v3.status == 200);
    CHECK(Json::parse(v3.body)["order_id"] == order_id);
    CHECK(c.v3_sign_ok(v3));
}

TEST_CASE("alipay.fund.trans.uni.transfer: payee checks, balance and parameter errors", "[alipay][transfer]") {
    EmulatorProcess emu;
    Client c(emu, kCertApp);
    auto transfer = [&](const std::string& no, const std::string& amount, const Json& payee) {
        return c.exec("alipay.fund.trans.uni.transfer", transfer_biz(no, amount, payee));
    };
    check_error(transfer("E1", "1.00", user_payee("2088000000000000")), "40004", "PAYEE_NOT_EXIST");
    auto wrong_name =
        transfer("E2", "1.00", {{"identity", kPayee}, {"identity_type", "ALIPAY_USER_ID"}, {"name", "李四"}});
    check_error(wrong_name, "40004", "PAYEE_USER_INFO_ERROR");
    CHECK(wrong_name.node["sub_msg"] == "支付宝账号和姓名不匹配，请确认姓名是否正确");
    check_error(transfer("E3", "1.00", {{"identity", "13900139000"}, {"identity_type", "ALIPAY_LOGON_ID"}}), "40004",
                "INVALID_PARAMETER");
    auto by_logon = transfer(
        "E4", "1.00", {{"identity", "payee@example.com"}, {"identity_type", "ALIPAY_LOGON_ID"}, {"name", "张三"}});
    CHECK(by_logon.node["code"] == "10000");
    CHECK(transfer("E5", "1.00", {{"identity", "13900139000"}, {"identity_type", "ALIPAY_LOGON_ID"}, {"name", "张三"}})
              .node["code"] == "10000");
    check_error(transfer("E6", "0.09", user_payee()), "40004", "EXCEED_LIMIT_SM_MIN_AMOUNT");
    check_error(transfer("E7", "1.001", user_payee()), "40004", "INVALID_PARAMETER");
    check_error(transfer("bad no!", "1.00", user_payee()), "40004", "INVALID_PARAMETER");
    Json wrong_product = transfer_biz("E8", "1.00", user_payee());
    wrong_product["product_code"] = "STD_RED_PACKET";
    check_error(c.exec("alipay.fund.trans.uni.transfer", wrong_product), "40004", "INVALID_PARAMETER");
    check_error(transfer("E9", "1.00", {{"identity", kPayee}, {"identity_type", "BANKCARD"}}), "40004",
                "INVALID_PARAMETER");

    // Balance 50000.00: 2.00 went out above; 49998.00 fits exactly, then nothing does.
    check_error(transfer("B1", "49998.01", user_payee()), "40004", "BALANCE_IS_NOT_ENOUGH");
    CHECK(transfer("B2", "49998.00", user_payee()).node["code"] == "10000");
    check_error(transfer("B3", "0.10", user_payee()), "40004", "BALANCE_IS_NOT_ENOUGH");
    CHECK(emu.admin("GET", std::string("/__admin/alipay/transfers?app_id=") + kCertApp)["transfers"].size() == 3);

    // Reset clears the transfers, and with them what the balance lost.
    emu.admin("POST", "/__admin/reset");
    CHECK(emu.admin("GET", "/__admin/alipay/transfers")["transfers"].empty());
    CHECK(transfer("B3", "0.10", user_payee()).node["code"] == "10000");
}

TEST_CASE("alipay fund transfers need certificate mode", "[alipay][transfer]") {
    EmulatorProcess emu;
    Client k(emu);  // key mode
    auto r = k.exec("alipay.fund.trans.uni.transfer", transfer_biz("K1", "1.00", user_payee()));
    check_error(r, "40002", "isv.missing-app-cert-sn");
    check_error(k.exec("alipay.fund.trans.common.query", {{"order_id", "1"}}), "40002", "isv.missing-app-cert-sn");
    CHECK(emu.admin("GET", "/__admin/alipay/transfers")["transfers"].empty());
}

TEST_CASE("alipay transfers survive a restart with --state", "[alipay][transfer][state]") {
    std::string state = temp_dir() + "/state.db";
    std::string order_id;
    {
        EmulatorProcess emu({"--state", state});
        Client c(emu, kCertApp);
        auto r = c.exec("alipay.fund.trans.uni.transfer", transfer_biz("S1", "49999.00", user_payee()));
        REQUIRE(r.node["code"] == "10000");
        order_id = r.node["order_id"].get<std::string>();
        emu.kill_now();
    }
    EmulatorProcess emu({"--state", state});
    Client c(emu, kCertApp);
    CHECK(c.exec("alipay.fund.trans.common.query", {{"order_id", order_id}}).node["trans_amount"] == "49999.00");
    check_error(c.exec("alipay.fund.trans.uni.transfer", transfer_biz("S2", "1.01", user_payee())), "40004",
                "BALANCE_IS_NOT_ENOUGH");
}

TEST_CASE("alipay cert mode: fixture mistakes are refused with their position and a hint", "[alipay][cert][fixture]") {
    namespace fs = std::filesystem;
    std::string dir = temp_dir() + "/fixtures";
    fs::copy(default_fixtures_dir(), dir, fs::copy_options::recursive);
    std::string app_dir = dir + "/keys/alipay/" + kCertApp + "/";
    // An Alipay certificate that certifies another key than alipay_private_key.pem.
    fs::copy_file(app_dir + "app_cert.crt", app_dir + "alipay_cert.crt", fs::copy_options::overwrite_existing);
    auto r = run_command({MPEMU_BINARY, "serve", "--port", "0", "--fixtures", dir});
    CHECK(r.exit_code == 1);
    INFO(r.err);
    CHECK(r.err.find("fixture.json:") != std::string::npos);
    CHECK(r.err.find("alipay_cert.crt does not certify alipay_private_key.pem") != std::string::npos);
    CHECK(r.err.find("generate-test-keys.sh") != std::string::npos);

    // The right certificate back, and a root chain that is not PEM.
    fs::copy_file(default_fixtures_dir() + "/keys/alipay/" + kCertApp + "/alipay_cert.crt", app_dir + "alipay_cert.crt",
                  fs::copy_options::overwrite_existing);
    std::ofstream(app_dir + "alipay_root_cert.crt") << "not a certificate\n";
    r = run_command({MPEMU_BINARY, "serve", "--port", "0", "--fixtures", dir});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("alipay_root_cert.crt is not a root chain") != std::string::npos);
}
