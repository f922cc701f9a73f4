// The Alipay store: one Store per app_id, rows scoped to it; the cross-app lookups are static.
#include "emulator/alipay/store.hpp"

#include <catch2/catch.hpp>

using namespace mpemu;
using namespace mpemu::alipay;

namespace {

std::unique_ptr<state::Database> open_db() {
    auto db = state::Database::open_memory();
    REQUIRE(db);
    REQUIRE((*db)->migrate(migrations()));
    return std::move(*db);
}

Trade trade(const std::string& out_trade_no, const std::string& trade_no) {
    Trade t;
    t.out_trade_no = out_trade_no;
    t.trade_no = trade_no;
    t.status = "WAIT_BUYER_PAY";
    t.total_cents = 100;
    t.subject = "s";
    t.seller_id = "2088000000000001";
    t.created_ms = 1000;
    t.expire_ms = 2000;
    return t;
}

}  // namespace

TEST_CASE("alipay store: trades are scoped to the store's app", "[alipay][store]") {
    auto db = open_db();
    db->write([](state::Conn& c) {
        Store a(c, "2021000000000001");
        Store b(c, "2021000000000002");
        a.insert_trade(trade("O1", "T1"));
        b.insert_trade(trade("O1", "T2"));
        a.insert_trade(trade("O2", "T3"));
    });
    db->read([](state::Conn& c) {
        Store a(c, "2021000000000001");
        auto t = a.trade("", "O1");
        REQUIRE(t);
        CHECK(t->trade_no == "T1");
        CHECK(t->app_id == "2021000000000001");
        CHECK(a.trade("T3", "ignored-when-trade_no-given")->out_trade_no == "O2");
        CHECK_FALSE(a.trade("T2", ""));  // another app's trade
        CHECK_FALSE(a.trade("", ""));
        CHECK(Store::trades_by_out_trade_no(c, "O1").size() == 2);
        CHECK(Store::trades(c, "").size() == 3);
        CHECK(Store::trades(c, "2021000000000002").size() == 1);
    });
}

TEST_CASE("alipay store: updates, due trades and refunds", "[alipay][store]") {
    auto db = open_db();
    db->write([](state::Conn& c) {
        Store a(c, "2021000000000001");
        a.insert_trade(trade("O1", "T1"));
        Trade paid = trade("O2", "T2");
        a.insert_trade(paid);
        paid.status = "TRADE_SUCCESS";
        paid.paid_ms = 1500;
        paid.refunded_cents = 40;
        a.update_trade(paid);
        Refund r;
        r.trade_no = "T2";
        r.out_trade_no = "O2";
        r.out_request_no = "R1";
        r.amount_cents = 40;
        r.refunded_after_cents = 40;
        r.created_ms = 1600;
        a.insert_refund(r);
    });
    db->read([](state::Conn& c) {
        Store a(c, "2021000000000001");
        auto t = a.trade("T2", "");
        REQUIRE(t);
        CHECK(t->status == "TRADE_SUCCESS");
        CHECK(t->refunded_cents == 40);
        CHECK(t->paid_ms == 1500);
        // The unpaid trade is due at its expiry; the paid one when its refund window (here 1000 ms) ends.
        CHECK(Store::due_trades(c, 1999, 1000).empty());
        CHECK(Store::due_trades(c, 2000, 1000).size() == 1);
        CHECK(Store::due_trades(c, 2500, 1000).size() == 2);
        auto r = a.refund("T2", "R1");
        REQUIRE(r);
        CHECK(r->app_id == "2021000000000001");
        CHECK(r->amount_cents == 40);
        CHECK_FALSE(Store(c, "2021000000000002").refund("T2", "R1"));
        CHECK(Store::refunds(c, "", "O2").size() == 1);
        CHECK(Store::refunds(c, "2021000000000002", "").empty());
    });
}

TEST_CASE("alipay store: auth codes and tokens", "[alipay][store]") {
    auto db = open_db();
    db->write([](state::Conn& c) {
        Store a(c, "2021000000000001");
        AuthCode code;
        code.code = "C1";
        code.user_id = "2088000000000009";
        code.scopes = "auth_user";
        code.created_ms = 1;
        code.expires_ms = 2;
        a.insert_auth_code(code);
        a.mark_auth_code_used("C1");
        Token t;
        t.access_token = "A1";
        t.refresh_token = "R1";
        t.user_id = code.user_id;
        t.scopes = code.scopes;
        a.insert_token(t);
        a.revoke_token("A1");
    });
    db->read([](state::Conn& c) {
        Store other(c, "2021000000000002");  // lookups by code or token see every app; callers compare
        auto code = other.auth_code("C1");
        REQUIRE(code);
        CHECK(code->app_id == "2021000000000001");
        CHECK(code->used);
        auto t = other.token_by_refresh("R1");
        REQUIRE(t);
        CHECK(t->revoked);
        CHECK(other.token_by_access("A1")->refresh_token == "R1");
        CHECK_FALSE(other.token_by_access("nope"));
    });
}
