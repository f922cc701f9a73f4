// Order shipping management (/wxa/sec/order/*): uploads by transaction_id and by merchant order number,
// logistics types and delivery modes, one reshipment, the user's receipt confirmation through the admin
// API, order queries and their errors.
#include "tests/integration/wechat/wechat_helpers.hpp"

using namespace wxtest;

namespace {

const std::string kMchid = "1900000109";

Json call(EmulatorProcess& emu, const std::string& op, const std::string& token, const Json& body) {
    return wx(emu.post("/wxa/sec/order/" + op + "?access_token=" + token, body.dump()));
}

Json express_upload(const std::string& transaction_id, const std::string& tracking = "YT7407032196699") {
    return {{"order_key", {{"order_number_type", 2}, {"transaction_id", transaction_id}}},
            {"logistics_type", 1},
            {"delivery_mode", 1},
            {"shipping_list",
             {{{"tracking_no", tracking},
               {"express_company", "YTO"},
               {"item_desc", "纯棉T恤*1"},
               {"contact", {{"receiver_contact", "189****1234"}}}}}},
            {"upload_time", "2024-03-01T12:00:00.120+08:00"},
            {"payer", {{"openid", kOpenid}}}};
}

}  // namespace

TEST_CASE("wechat: shipping: upload, query, reminder, the user confirms receipt", "[wechat][shipping]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    const std::string tx = "4200001927202309157703139548";
    CHECK(call(emu, "is_trade_managed", token, {{"appid", kAppid}}) ==
          Json({{"errcode", 0}, {"errmsg", "ok"}, {"is_trade_managed", true}}));
    check_error(call(emu, "get_order", token, {{"transaction_id", tx}}), 10060001, "支付单不存在");

    CHECK(call(emu, "upload_shipping_info", token, express_upload(tx)) == Json({{"errcode", 0}, {"errmsg", "ok"}}));
    auto order = call(emu, "get_order", token, {{"transaction_id", tx}});
    CHECK(order["errcode"] == 0);
    auto o = order["order"];
    CHECK(o["transaction_id"] == tx);
    CHECK(o["openid"] == kOpenid);
    CHECK(o["order_state"] == 2);
    CHECK(o["in_complaint"] == false);
    CHECK(o["shipping"]["logistics_type"] == 1);
    CHECK(o["shipping"]["delivery_mode"] == 1);
    CHECK(o["shipping"]["finish_shipping"] == true);
    CHECK(o["shipping"]["finish_shipping_count"] == 1);
    REQUIRE(o["shipping"]["shipping_list"].size() == 1);
    CHECK(o["shipping"]["shipping_list"][0]["tracking_no"] == "YT7407032196699");
    CHECK(o["shipping"]["shipping_list"][0]["express_company"] == "YTO");
    CHECK(o["shipping"]["shipping_list"][0]["goods_desc"] == "纯棉T恤*1");
    CHECK(o["shipping"]["shipping_list"][0]["upload_time"] == 1709265600);

    CHECK(call(emu, "notify_confirm_receive", token,
               {{"transaction_id", tx}, {"received_time", 1709352000}})["errcode"] == 0);
    CHECK(call(emu, "set_msg_jump_path", token, {{"path", "pages/order/detail?from=shipping"}})["errcode"] == 0);

    // The user confirms receipt in WeChat: the order moves to 3 and the event is listed.
    auto confirmed = emu.admin("POST", "/__admin/wechat/shipping/confirm", {{"appid", kAppid}, {"transaction_id", tx}});
    CHECK(confirmed["order_state"] == 3);
    CHECK(confirmed["confirmed_at_ms"].is_number());
    CHECK(call(emu, "get_order", token, {{"transaction_id", tx}})["order"]["order_state"] == 3);
    auto events = emu.admin("GET", "/__admin/wechat/shipping/events?appid=" + kAppid)["events"];
    REQUIRE(events.size() == 3);
    CHECK(events[0]["event"] == "shipped");
    CHECK(events[1]["event"] == "confirm_receive_reminded");
    CHECK(events[2]["event"] == "confirm_receive");
    CHECK(events[2]["transaction_id"] == tx);
    // No more shipping, reminders or confirmations after receipt.
    check_error(call(emu, "upload_shipping_info", token, express_upload(tx)), 10060004, "支付单处于不可发货的状态");
    check_error(call(emu, "notify_confirm_receive", token, {{"transaction_id", tx}, {"received_time", 1709352000}}),
                10060004, "支付单处于不可发货的状态");
    auto again =
        emu.request("POST", "/__admin/wechat/shipping/confirm", Json{{"appid", kAppid}, {"transaction_id", tx}}.dump());
    CHECK(again.status == 409);
}

TEST_CASE("wechat: shipping: one reshipment per order", "[wechat][shipping]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    const std::string tx = "4200001852202306132162121396";
    CHECK(call(emu, "upload_shipping_info", token, express_upload(tx))["errcode"] == 0);
    CHECK(call(emu, "upload_shipping_info", token, express_upload(tx, "SF1234567890123"))["errcode"] == 0);
    auto o = call(emu, "get_order", token, {{"transaction_id", tx}})["order"];
    CHECK(o["shipping"]["shipping_list"][0]["tracking_no"] == "SF1234567890123");
    CHECK(o["shipping"]["finish_shipping_count"] == 2);
    check_error(call(emu, "upload_shipping_info", token, express_upload(tx, "ZT1")), 10060003,
                "支付单已使用重新发货机会");
    CHECK(call(emu, "get_order", token,
               {{"transaction_id", tx}})["order"]["shipping"]["shipping_list"][0]["tracking_no"] == "SF1234567890123");
}

TEST_CASE("wechat: shipping: logistics types, split delivery, merchant order numbers", "[wechat][shipping]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    // Self pick-up by merchant order number: no waybill needed.
    Json pickup = {{"order_key", {{"order_number_type", 1}, {"mchid", kMchid}, {"out_trade_no", "SO1001"}}},
                   {"logistics_type", 4},
                   {"delivery_mode", "UNIFIED_DELIVERY"},
                   {"shipping_list", {{{"item_desc", "草莓*1"}}}},
                   {"upload_time", "2024-03-01T12:00:00+08:00"},
                   {"payer", {{"openid", kOpenid}}}};
    CHECK(call(emu, "upload_shipping_info", token, pickup)["errcode"] == 0);
    auto o = call(emu, "get_order", token, {{"merchant_id", kMchid}, {"merchant_trade_no", "SO1001"}})["order"];
    CHECK(o["merchant_trade_no"] == "SO1001");
    CHECK(o["shipping"]["logistics_type"] == 4);
    CHECK(o["shipping"]["shipping_list"][0]["tracking_no"].get<std::string>().empty());

    // Split delivery, not all shipped yet: still "to ship"; then the rest.
    Json split = express_upload("4200002203202406286386363583");
    split["delivery_mode"] = 2;
    split["is_all_delivered"] = false;
    split["shipping_list"] = {{{"tracking_no", "YT1"}, {"express_company", "YTO"}, {"item_desc", "T恤*1"}}};
    CHECK(call(emu, "upload_shipping_info", token, split)["errcode"] == 0);
    CHECK(call(emu, "get_order", token, {{"transaction_id", "4200002203202406286386363583"}})["order"]["order_state"] ==
          1);
    split["is_all_delivered"] = true;
    split["shipping_list"].push_back({{"tracking_no", "YT2"}, {"express_company", "YTO"}, {"item_desc", "裤子*1"}});
    CHECK(call(emu, "upload_shipping_info", token, split)["errcode"] == 0);
    auto s = call(emu, "get_order", token, {{"transaction_id", "4200002203202406286386363583"}})["order"];
    CHECK(s["order_state"] == 2);
    CHECK(s["shipping"]["shipping_list"].size() == 2);
    CHECK(s["shipping"]["goods_desc"] == "T恤*1;裤子*1");

    // The list: both orders, paged.
    auto page1 = call(emu, "get_order_list", token, {{"page_size", 1}});
    CHECK(page1["has_more"] == true);
    REQUIRE(page1["order_list"].size() == 1);
    CHECK(page1["order_list"][0]["merchant_trade_no"] == "SO1001");
    auto page2 = call(emu, "get_order_list", token, {{"page_size", 1}, {"last_index", page1["last_index"]}});
    CHECK(page2["has_more"] == false);
    REQUIRE(page2["order_list"].size() == 1);
    CHECK(page2["order_list"][0]["transaction_id"] == "4200002203202406286386363583");
    CHECK(call(emu, "get_order_list", token, {{"order_state", 2}})["order_list"].size() == 2);
    CHECK(call(emu, "get_order_list", token, {{"order_state", 3}})["order_list"].empty());
    CHECK(call(emu, "get_order_list", token, {{"openid", kOpenidNoUnion}})["order_list"].empty());
    CHECK(emu.admin("GET", "/__admin/wechat/shipping/orders?appid=" + kAppid)["orders"].size() == 2);

    // Combined upload: each sub-order shipped.
    Json combined = {{"order_key", {{"order_number_type", 1}, {"mchid", kMchid}, {"out_trade_no", "COMBINED1"}}},
                     {"sub_orders",
                      {{{"order_key", {{"order_number_type", 1}, {"mchid", kMchid}, {"out_trade_no", "SUB1"}}},
                        {"logistics_type", 3},
                        {"delivery_mode", 1},
                        {"shipping_list", {{{"item_desc", "话费充值 50元"}}}}},
                       {{"order_key", {{"order_number_type", 1}, {"mchid", kMchid}, {"out_trade_no", "SUB2"}}},
                        {"logistics_type", 2},
                        {"delivery_mode", 1},
                        {"shipping_list", {{{"item_desc", "外卖*1"}}}}}}},
                     {"upload_time", "2024-03-01T12:00:00+08:00"},
                     {"payer", {{"openid", kOpenid}}}};
    CHECK(call(emu, "upload_combined_shipping_info", token, combined)["errcode"] == 0);
    CHECK(call(emu, "get_order", token,
               {{"merchant_id", kMchid}, {"merchant_trade_no", "SUB2"}})["order"]["shipping"]["logistics_type"] == 2);
}

TEST_CASE("wechat: shipping errors change nothing", "[wechat][shipping]") {
    EmulatorProcess emu;
    auto token = access_token(emu);
    const std::string tx = "4200001858202306300646157659";
    auto with = [&](const std::function<void(Json&)>& edit) {
        Json b = express_upload(tx);
        edit(b);
        return call(emu, "upload_shipping_info", token, b);
    };
    check_error(with([](Json& b) { b["shipping_list"].push_back(b["shipping_list"][0]); }), 268485228,
                "统一发货模式下,物流信息列表长度必须为1");
    check_error(with([](Json& b) { b["shipping_list"] = b["shipping_list"][0]; }), 47001, "data format error");
    check_error(with([](Json& b) { b["logistics_type"] = 5; }), 47001, "data format error");
    check_error(with([](Json& b) { b["delivery_mode"] = "SOMETIMES"; }), 47001, "data format error");
    check_error(with([](Json& b) { b["order_key"]["order_number_type"] = 1; }), 47001, "data format error");
    check_error(with([](Json& b) { b["order_key"] = {{"order_number_type", 2}}; }), 47001, "data format error");
    check_error(with([](Json& b) { b["shipping_list"][0].erase("tracking_no"); }), 47001, "data format error");
    check_error(with([](Json& b) { b["shipping_list"][0]["item_desc"] = ""; }), 47001, "data format error");
    check_error(with([](Json& b) {
                    b["shipping_list"][0]["express_company"] = "SF";
                    b["shipping_list"][0].erase("contact");
                }),
                47001, "data format error");
    check_error(with([](Json& b) {
                    b["delivery_mode"] = 2;
                    b["is_all_delivered"] = true;
                    b["logistics_type"] = 4;
                }),
                47001, "非快递发货时不允许分拆发货");
    check_error(with([](Json& b) { b["delivery_mode"] = 2; }), 47001, "data format error");
    check_error(with([](Json& b) { b["upload_time"] = "yesterday"; }), 47001, "data format error");
    check_error(with([](Json& b) { b.erase("payer"); }), 47001, "data format error");
    check_error(with([](Json& b) { b["payer"]["openid"] = kOpenid2; }), 40003, "invalid openid");
    check_error(wx(emu.post("/wxa/sec/order/upload_shipping_info?access_token=" + token, "")), 44002,
                "empty post data");
    check_error(call(emu, "upload_shipping_info", "ACCESS_TOKEN", express_upload(tx)), 40001, kInvalidCredential);
    CHECK(emu.admin("GET", "/__admin/wechat/shipping/orders")["orders"].empty());
    CHECK(emu.admin("GET", "/__admin/wechat/shipping/events")["events"].empty());

    // Another payer's order, queries without a key, unknown orders, a bad page.
    CHECK(call(emu, "upload_shipping_info", token, express_upload(tx))["errcode"] == 0);
    check_error(with([](Json& b) { b["payer"]["openid"] = kOpenidNoUnion; }), 10060001, "支付单不存在");
    check_error(call(emu, "get_order", token, Json::object()), 47001, "data format error");
    check_error(call(emu, "get_order", token, {{"merchant_id", kMchid}, {"merchant_trade_no", "NOPE"}}), 10060001,
                "支付单不存在");
    check_error(call(emu, "notify_confirm_receive", token, {{"transaction_id", tx}}), 47001, "data format error");
    check_error(call(emu, "get_order_list", token, {{"page_size", 101}}), 47001, "data format error");
    check_error(call(emu, "is_trade_managed", token, {{"appid", "wx0000000000000000"}}), 40013, "invalid appid");
    check_error(call(emu, "set_msg_jump_path", token, {{"path", "pages/nope/index"}}), 41030, "invalid page");
    // Admin: unknown order 404, a key missing 400, an order not fully shipped 409.
    CHECK(emu.request("POST", "/__admin/wechat/shipping/confirm",
                      Json{{"appid", kAppid}, {"transaction_id", "4200000000000000000000000000"}}.dump())
              .status == 404);
    CHECK(emu.request("POST", "/__admin/wechat/shipping/confirm", Json{{"appid", kAppid}}.dump()).status == 400);
}
