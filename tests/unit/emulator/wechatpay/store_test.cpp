// WeChat Pay store (emulator/wechatpay/store.*): per-merchant lookups and the refund sums and counts
// the refund rules read, on an in-memory database.
#include "emulator/wechatpay/store.hpp"

#include <catch2/catch.hpp>

using namespace mpemu;
using namespace mpemu::wechatpay;

namespace {

OrderRow order(const std::string& mchid, const std::string& no) {
    OrderRow o;
    o.mchid = mchid;
    o.out_trade_no = no;
    o.appid = "wx1";
    o.trade_type = "JSAPI";
    o.total = 100;
    o.state = "SUCCESS";
    o.transaction_id = "4200" + no;
    o.created_ms = o.updated_ms = 1;
    return o;
}

RefundRow refund(const OrderRow& o, const std::string& no, long long amount, const std::string& status) {
    RefundRow r;
    r.mchid = o.mchid;
    r.order_id = o.id;
    r.out_refund_no = no;
    r.out_trade_no = o.out_trade_no;
    r.transaction_id = o.transaction_id;
    r.refund_id = "50" + no;
    r.refund = amount;
    r.total = o.total;
    r.status = status;
    r.created_ms = 1;
    return r;
}

}  // namespace

TEST_CASE("wechatpay store: orders and refunds are per merchant, sums and counts", "[wechatpay]") {
    auto db = state::Database::open_memory();
    REQUIRE(db.ok());
    REQUIRE((*db)->migrate(Store::migrations()).ok());
    (*db)->write([](state::Conn& c) {
        Store a(c, "m1"), b(c, "m2");
        OrderRow o1 = order("m1", "ORDER001");
        o1.id = a.insert_order(o1);
        OrderRow o2 = order("m2", "ORDER001");
        o2.id = b.insert_order(o2);

        CHECK(a.order("ORDER001")->id == o1.id);
        CHECK(b.order("ORDER001")->id == o2.id);
        CHECK(a.order_by_transaction("4200ORDER001")->mchid == "m1");
        CHECK_FALSE(a.order_by_transaction("").has_value());
        CHECK(Store::orders_numbered(c, "ORDER001").size() == 2);

        a.insert_refund(refund(o1, "R1", 10, "SUCCESS"));
        a.insert_refund(refund(o1, "R2", 20, "CLOSED"));
        a.insert_refund(refund(o1, "R3", 30, "PROCESSING"));
        b.insert_refund(refund(o2, "R1", 5, "SUCCESS"));

        CHECK(a.refunded_amount(o1.id) == 40);  // CLOSED frees its amount
        CHECK(a.refund_count(o1.id) == 3);      // every refund counts toward the limit
        CHECK(a.held_refunds() == 40);
        CHECK(b.held_refunds() == 5);
        CHECK(a.refund("R1")->refund == 10);
        CHECK(b.refund("R1")->refund == 5);
        CHECK(Store::refunds_numbered(c, "R1").size() == 2);
        CHECK(a.refunds("", 10).size() == 3);
        CHECK(a.refunds("", 10).front().out_refund_no == "R3");  // newest first
        CHECK(Store::list_refunds(c, "", "", 10).size() == 4);
    });
}
