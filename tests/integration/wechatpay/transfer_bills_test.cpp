// WeChat Pay merchant transfers (商家转账, /v3/fund-app/mch-transfer/transfer-bills) over HTTP: creation with
// package_info, field rules, re-entry, queries by both numbers, cancellation, the admin call standing in for
// the user (confirm, fail, reject), the 24-hour cancellation, and MCHTRANSFER.BILL.FINISHED notifications.
#include <catch2/catch.hpp>

#include "tests/integration/wechatpay/client.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using namespace mpemu::testing::wxpay;
using core::Json;

namespace {

Json bill(const MerchantKeys& k, const std::string& out_bill_no, long long amount = 500,
          const std::string& notify_url = "http://127.0.0.1:9/transfer-notify") {
    Json b = {{"appid", kAppid},
              {"out_bill_no", out_bill_no},
              {"transfer_scene_id", "1000"},
              {"openid", kOpenid},
              {"transfer_amount", amount},
              {"transfer_remark", "新会员开通有礼"},
              {"user_recv_perception", "现金奖励"},
              {"transfer_scene_report_infos",
               Json::array({{{"info_type", "活动名称"}, {"info_content", "新会员有礼"}},
                            {{"info_type", "奖励说明"}, {"info_content", "注册会员抽奖一等奖"}}})}};
    (void)k;
    if (!notify_url.empty()) b["notify_url"] = notify_url;
    return b;
}

const char* kCreate = "/v3/fund-app/mch-transfer/transfer-bills";

std::string by_out(const std::string& no) {
    return std::string("/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/") + no;
}

}  // namespace

TEST_CASE("wechatpay transfer bills: create, confirm, SUCCESS, notified, queries by both numbers",
          "[wechatpay][transfer]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    auto r = s.send("POST", kCreate, core::dump(bill(s.k, "TB0001")));
    REQUIRE(r.status == 200);
    CHECK(verified(r, s.k));
    auto b = body_of(r);
    CHECK(b["out_bill_no"] == "TB0001");
    CHECK(b["state"] == "WAIT_USER_CONFIRM");
    std::string package = b["package_info"];
    CHECK(!package.empty());
    std::string no = b["transfer_bill_no"];
    CHECK(no.size() == 34);
    CHECK(b["create_time"].get<std::string>().find("+08:00") != std::string::npos);

    // Re-entry with the same body: the same bill; another body: refused.
    auto again = s.send("POST", kCreate, core::dump(bill(s.k, "TB0001")));
    CHECK(body_of(again)["transfer_bill_no"] == no);
    auto other = s.send("POST", kCreate, core::dump(bill(s.k, "TB0001", 501)));
    CHECK(other.status == 400);
    CHECK(body_of(other)["code"] == "INVALID_REQUEST");

    auto q = s.send("GET", by_out("TB0001"));
    REQUIRE(q.status == 200);
    CHECK(verified(q, s.k));
    CHECK(body_of(q)["state"] == "WAIT_USER_CONFIRM");
    CHECK(body_of(q)["transfer_amount"] == 500);
    CHECK(body_of(q)["mch_id"] == s.k.mchid);
    CHECK(s.send("GET", "/v3/fund-app/mch-transfer/transfer-bills/transfer-bill-no/" + no).status == 200);

    // The user confirms with the package; a wrong package is refused first.
    const std::string result = "/__admin/wechatpay/transfer-bills/TB0001/result";
    CHECK(emu.post(result, R"({"result":"SUCCESS","package_info":"nope"})").status == 400);
    auto t = emu.admin("POST", result, {{"result", "TRANSFERING"}, {"package_info", package}});
    CHECK(t["state"] == "TRANSFERING");
    CHECK(emu.post(result, R"({"result":"REJECT"})").status == 409);
    // Cancel is refused once the user confirmed.
    auto cancel = s.send("POST", by_out("TB0001") + "/cancel", "");
    CHECK(cancel.status == 400);
    auto done = emu.admin("POST", result, {{"result", "SUCCESS"}});
    CHECK(done["state"] == "SUCCESS");
    CHECK(emu.post(result, R"({"result":"FAIL"})").status == 409);
    CHECK(body_of(s.send("GET", by_out("TB0001")))["state"] == "SUCCESS");

    auto n = emu.admin("GET", "/__admin/notifications?channel=wechatpay.v3")["notifications"];
    REQUIRE(n.size() == 1);
    CHECK(n[0]["event"] == "MCHTRANSFER.BILL.FINISHED");
    auto env = Json::parse(n[0]["body"].get<std::string>());
    CHECK(env["event_type"] == "MCHTRANSFER.BILL.FINISHED");
    CHECK(env["resource"]["original_type"] == "mch_payment");
    auto plain = wechatpay::protocol::decrypt(s.k.apiv3_key, env["resource"]["nonce"].get<std::string>(),
                                              env["resource"]["associated_data"].get<std::string>(),
                                              env["resource"]["ciphertext"].get<std::string>());
    REQUIRE(plain.ok());
    auto p = Json::parse(*plain);
    CHECK(p["out_bill_no"] == "TB0001");
    CHECK(p["transfer_bill_no"] == no);
    CHECK(p["state"] == "SUCCESS");
    CHECK(p["transfer_amount"] == 500);
    CHECK(p["openid"] == kOpenid);
}

TEST_CASE("wechatpay transfer bills: cancel, fail, reject, 24-hour cancellation", "[wechatpay][transfer]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    emu.admin("POST", "/__admin/clock", {{"now", "2030-01-01T12:00:00+08:00"}, {"freeze", true}});
    REQUIRE(s.send("POST", kCreate, core::dump(bill(s.k, "TB0101"))).status == 200);
    auto c = s.send("POST", by_out("TB0101") + "/cancel", "");
    REQUIRE(c.status == 200);
    CHECK(verified(c, s.k));
    CHECK(body_of(c)["state"] == "CANCELING");
    CHECK(body_of(s.send("GET", by_out("TB0101")))["state"] == "CANCELLED");
    CHECK(body_of(s.send("POST", by_out("TB0101") + "/cancel", ""))["state"] == "CANCELLED");  // idempotent
    CHECK(emu.post("/__admin/wechatpay/transfer-bills/TB0101/result", R"({"result":"SUCCESS"})").status == 409);

    REQUIRE(s.send("POST", kCreate, core::dump(bill(s.k, "TB0102"))).status == 200);
    auto f = emu.admin("POST", "/__admin/wechatpay/transfer-bills/TB0102/result",
                       {{"result", "FAIL"}, {"fail_reason", "ACCOUNT_FROZEN"}});
    CHECK(f["state"] == "FAIL");
    auto q = body_of(s.send("GET", by_out("TB0102")));
    CHECK(q["state"] == "FAIL");
    CHECK(q["fail_reason"] == "ACCOUNT_FROZEN");
    CHECK(emu.post("/__admin/wechatpay/transfer-bills/TB0102/result", R"({"result":"FAIL","fail_reason":"x y"})")
              .status == 400);
    CHECK(emu.post("/__admin/wechatpay/transfer-bills/TB0102/result", R"({"result":"SUCCESS"})").status == 409);

    REQUIRE(s.send("POST", kCreate, core::dump(bill(s.k, "TB0103"))).status == 200);
    CHECK(emu.admin("POST", "/__admin/wechatpay/transfer-bills/TB0103/result", {{"result", "REJECT"}})["state"] ==
          "CANCELLED");

    // Nobody confirms for 24 hours: cancelled, notified.
    REQUIRE(s.send("POST", kCreate, core::dump(bill(s.k, "TB0104"))).status == 200);
    emu.admin("POST", "/__admin/clock", {{"advance", "24h1m"}});
    CHECK(body_of(s.send("GET", by_out("TB0104")))["state"] == "CANCELLED");
    auto list = emu.admin("GET", "/__admin/wechatpay/transfer-bills?state=CANCELLED")["transfer_bills"];
    CHECK(list.size() == 3);
    auto n = emu.admin("GET", "/__admin/notifications?channel=wechatpay.v3")["notifications"];
    CHECK(n.size() == 4);  // TB0101 cancelled, TB0102 failed, TB0103 rejected, TB0104 expired
}

TEST_CASE("wechatpay transfer bills: field rules, unknown bills, admin input", "[wechatpay][transfer]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    auto send = [&](const Json& b) { return s.send("POST", kCreate, core::dump(b)); };
    Json b = bill(s.k, "TB0201");
    b.erase("transfer_scene_report_infos");
    auto r = send(b);
    CHECK(r.status == 400);
    CHECK(r.body == R"({"code":"PARAM_ERROR","message":"需传入转账场景报备信息,请检查"})");
    b["transfer_scene_report_infos"] = Json::array({{{"info_type", "活动名称"}}});
    CHECK(body_of(send(b))["message"] == "需传入转账场景报备信息,请检查");
    b = bill(s.k, "TB0201");
    b.erase("openid");
    CHECK(body_of(send(b))["code"] == "PARAM_ERROR");
    b = bill(s.k, "TB_0201");
    CHECK(body_of(send(b))["detail"]["field"] == "/out_bill_no");
    b = bill(s.k, "TB0201");
    b["transfer_remark"] = std::string(33, 'x');
    CHECK(body_of(send(b))["detail"]["field"] == "/transfer_remark");
    b = bill(s.k, "TB0201");
    b["transfer_amount"] = 1.5;
    CHECK(body_of(send(b))["code"] == "PARAM_ERROR");
    b = bill(s.k, "TB0201", 200000);
    CHECK(body_of(send(b))["detail"]["field"] == "/user_name");
    b["user_name"] = "ciphertext";
    CHECK(body_of(send(b))["detail"]["field"] == "Wechatpay-Serial");
    auto named = s.send("POST", kCreate, core::dump(b), {{"Wechatpay-Serial", s.k.platform_serial}});
    CHECK(named.status == 200);
    b = bill(s.k, "TB0202");
    b["appid"] = "wx0000000000000000";
    CHECK(body_of(send(b))["code"] == "APPID_MCHID_NOT_MATCH");
    CHECK(emu.admin("GET", "/__admin/wechatpay/transfer-bills")["transfer_bills"].size() == 1);

    auto missing = s.send("GET", by_out("NOSUCH1"));
    CHECK(missing.status == 404);
    CHECK(missing.body == R"({"code":"NOT_FOUND","message":"记录不存在"})");
    CHECK(s.send("POST", by_out("NOSUCH1") + "/cancel", "").status == 404);
    CHECK(emu.post("/__admin/wechatpay/transfer-bills/NOSUCH1/result", "{}").status == 404);
    CHECK(emu.post("/__admin/wechatpay/transfer-bills/TB0201/result", R"({"result":"MAYBE"})").status == 400);
}

// ---- transfer batches (/v3/transfer/batches) ----

namespace {

Json batch(const std::string& out_batch_no, const std::vector<std::pair<std::string, long long>>& details,
           const std::string& notify_url = "http://127.0.0.1:9/batch-notify") {
    Json list = Json::array();
    long long total = 0;
    for (const auto& [no, amount] : details) {
        list.push_back({{"out_detail_no", no},
                        {"transfer_amount", amount},
                        {"transfer_remark", "2030年1月深圳分部报销单"},
                        {"openid", kOpenid}});
        total += amount;
    }
    Json b = {{"appid", kAppid},
              {"out_batch_no", out_batch_no},
              {"batch_name", "2030年1月深圳分部报销单"},
              {"batch_remark", "2030年1月深圳分部报销单"},
              {"total_amount", total},
              {"total_num", details.size()},
              {"transfer_detail_list", list}};
    if (!notify_url.empty()) b["notify_url"] = notify_url;
    return b;
}

}  // namespace

TEST_CASE("wechatpay transfer batches: accepted, finished a minute later, queries and details",
          "[wechatpay][transfer]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    emu.admin("POST", "/__admin/clock", {{"now", "2030-01-01T12:00:00+08:00"}, {"freeze", true}});
    auto r = s.send("POST", "/v3/transfer/batches",
                    core::dump(batch("BATCH0001", {{"DETAIL0001", 100}, {"DETAIL0002", 250}})));
    REQUIRE(r.status == 200);
    CHECK(verified(r, s.k));
    auto b = body_of(r);
    CHECK(b["batch_status"] == "ACCEPTED");
    CHECK(b["out_batch_no"] == "BATCH0001");
    std::string batch_id = b["batch_id"];
    CHECK(batch_id.size() == 38);

    auto q = s.send("GET", "/v3/transfer/batches/out-batch-no/BATCH0001?need_query_detail=true&detail_status=ALL");
    REQUIRE(q.status == 200);
    auto qb = body_of(q);
    CHECK(qb["transfer_batch"]["batch_status"] == "PROCESSING");
    CHECK(qb["transfer_batch"]["total_amount"] == 350);
    CHECK(qb["transfer_batch"]["success_num"] == 0);
    REQUIRE(qb["transfer_detail_list"].size() == 2);
    std::string detail_id = qb["transfer_detail_list"][0]["detail_id"];

    emu.admin("POST", "/__admin/clock", {{"advance", "61s"}});
    auto done = body_of(s.send("GET", "/v3/transfer/batches/batch-id/" + batch_id + "?need_query_detail=false"));
    CHECK(done["transfer_batch"]["batch_status"] == "FINISHED");
    CHECK(done["transfer_batch"]["success_num"] == 2);
    CHECK(done["transfer_batch"]["success_amount"] == 350);
    CHECK_FALSE(done.contains("transfer_detail_list"));
    auto d = body_of(s.send("GET", "/v3/transfer/batches/batch-id/" + batch_id + "/details/detail-id/" + detail_id));
    CHECK(d["detail_status"] == "SUCCESS");
    CHECK(d["out_detail_no"] == "DETAIL0001");
    CHECK(d["openid"] == kOpenid);
    auto d2 = body_of(s.send("GET", "/v3/transfer/batches/out-batch-no/BATCH0001/details/out-detail-no/DETAIL0002"));
    CHECK(d2["transfer_amount"] == 250);
    auto n = emu.admin("GET", "/__admin/notifications?channel=wechatpay.v3")["notifications"];
    REQUIRE(n.size() == 1);
    CHECK(n[0]["event"] == "MCHTRANSFER.BATCH.FINISHED");

    // Re-entry: the same body answers the batch; another body is refused.
    auto again = s.send("POST", "/v3/transfer/batches",
                        core::dump(batch("BATCH0001", {{"DETAIL0001", 100}, {"DETAIL0002", 250}})));
    CHECK(body_of(again)["batch_id"] == batch_id);
    CHECK(body_of(s.send("POST", "/v3/transfer/batches",
                         core::dump(batch("BATCH0001", {{"DETAIL0001", 101}}))))["code"] == "INVALID_REQUEST");
}

TEST_CASE("wechatpay transfer batches: admin result with failures, close, bad input", "[wechatpay][transfer]") {
    EmulatorProcess emu;
    Session s(emu, cert_merchant());
    REQUIRE(s.send("POST", "/v3/transfer/batches",
                   core::dump(batch("BATCH0101", {{"DETAIL0101", 100}, {"DETAIL0102", 200}})))
                .status == 200);
    auto res = emu.admin("POST", "/__admin/wechatpay/transfer-batches/BATCH0101/result",
                         {{"result", "FINISHED"}, {"fail", {"DETAIL0102"}}, {"fail_reason", "ACCOUNT_FROZEN"}});
    CHECK(res["batch_status"] == "FINISHED");
    CHECK(res["success_num"] == 1);
    CHECK(res["fail_num"] == 1);
    CHECK(res["fail_amount"] == 200);
    auto d = body_of(s.send("GET", "/v3/transfer/batches/out-batch-no/BATCH0101/details/out-detail-no/DETAIL0102"));
    CHECK(d["detail_status"] == "FAIL");
    CHECK(d["fail_reason"] == "ACCOUNT_FROZEN");
    CHECK(emu.post("/__admin/wechatpay/transfer-batches/BATCH0101/result", R"({"result":"CLOSED"})").status == 409);

    REQUIRE(s.send("POST", "/v3/transfer/batches", core::dump(batch("BATCH0102", {{"DETAIL0201", 100}}))).status ==
            200);
    CHECK(emu.post("/__admin/wechatpay/transfer-batches/BATCH0102/result", R"({"fail":["NOPE00001"]})").status == 404);
    auto closed = emu.admin("POST", "/__admin/wechatpay/transfer-batches/BATCH0102/result", {{"result", "CLOSED"}});
    CHECK(closed["batch_status"] == "CLOSED");
    CHECK(closed["close_reason"] == "OVERDUE_CLOSE");
    auto n = emu.admin("GET", "/__admin/notifications?channel=wechatpay.v3")["notifications"];
    CHECK(n.size() == 2);

    auto send = [&](const Json& b) { return s.send("POST", "/v3/transfer/batches", core::dump(b)); };
    Json b = batch("BATCH0103", {{"DETAIL0301", 100}});
    b["total_amount"] = 99;
    CHECK(body_of(send(b))["detail"]["field"] == "/total_amount");
    b = batch("BATCH0103", {{"DETAIL0301", 100}});
    b["total_num"] = 2;
    CHECK(body_of(send(b))["detail"]["field"] == "/total_num");
    b = batch("BATCH0103", {{"DETAIL0301", 100}, {"DETAIL0301", 100}});
    CHECK(body_of(send(b))["detail"]["field"] == "/transfer_detail_list/1/out_detail_no");
    b = batch("BATCH0103", {{"DETAIL0301", 200000}});
    CHECK(body_of(send(b))["detail"]["field"] == "/transfer_detail_list/0/user_name");
    b = batch("BATCH0103", {{"DETAIL0301", 100}});
    b.erase("batch_name");
    CHECK(body_of(send(b))["code"] == "PARAM_ERROR");
    b = batch("B_0103", {{"DETAIL0301", 100}});
    CHECK(body_of(send(b))["detail"]["field"] == "/out_batch_no");
    CHECK(s.send("GET", "/v3/transfer/batches/out-batch-no/BATCH0103?need_query_detail=false").status == 404);
    CHECK(body_of(s.send("GET", "/v3/transfer/batches/out-batch-no/BATCH0101"))["code"] == "PARAM_ERROR");
    CHECK(
        body_of(s.send("GET", "/v3/transfer/batches/out-batch-no/BATCH0101?need_query_detail=true&limit=0"))["code"] ==
        "PARAM_ERROR");
    CHECK(emu.admin("GET", "/__admin/wechatpay/transfer-batches")["transfer_batches"].size() == 2);
}
