// The backend mimic over HTTP with fixtures/default: OpenAPI validation, collections (CRUD, paging,
// owners, concurrent writers), stub routes with templates and near-miss 404s, JWT checks, and
// positioned errors for a broken backend section.
#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "core/json.hpp"
#include "core/text.hpp"
#include "emulator/backend/protocol.hpp"
#include "tests/support/emulator_process.hpp"
#include "tests/support/process.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using core::Json;

namespace {

const char* kSecret = "mpemu-demo-shop-jwt-secret-not-for-production";
const char* kZhangsan = "wechat:obO5FeYx9pM5gNfdKwkEJ3PEVVIP";
const char* kLisi = "wechat:odcwjOoGUI01iEFT059hgovC9JPn";

// A token as the mimic's WeChat login would issue it (same key and claims).
std::string token_for(const std::string& sub, long long exp_offset = 3600, const Json& extra = Json::object()) {
    long long now = static_cast<long long>(std::time(nullptr));
    Json claims = {{"sub", sub},         {"iss", "mpemu-demo-shop"}, {"iat", now}, {"exp", now + exp_offset},
                   {"role", "customer"}, {"provider", "wechat"}};
    claims.update(extra);
    return backend::protocol::sign_jwt_hs256(claims, kSecret);
}

core::HeaderList auth(const std::string& token) {
    return {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
}

const core::HeaderList kJson = {{"Content-Type", "application/json"}};

Json body_of(const core::HttpResponse& r) {
    return Json::parse(r.body);
}

}  // namespace

TEST_CASE("backend: GET /api/hello is answered by the stub with templates and priorities", "[backend][stubs]") {
    EmulatorProcess emu;
    auto r = emu.get("/api/hello");
    REQUIRE(r.status == 200);
    CHECK(body_of(r)["message"] == "hello, world");
    CHECK(body_of(r)["time"].get<std::string>().find("+08:00") != std::string::npos);
    r = emu.get("/api/hello?name=mpemu");
    REQUIRE(r.status == 200);
    CHECK(body_of(r)["message"] == "hello, mpemu");
}

TEST_CASE("backend: requests that break the OpenAPI document get 400 problem+json naming each problem",
          "[backend][openapi]") {
    EmulatorProcess emu;
    auto r = emu.get("/api/products?page=zero&pageSize=1000");
    REQUIRE(r.status == 400);
    REQUIRE(r.header("Content-Type"));
    CHECK(core::starts_with(*r.header("Content-Type"), "application/problem+json"));
    auto p = body_of(r);
    CHECK(p["status"] == 400);
    CHECK(p["operation"] == "listProducts");
    REQUIRE(p["errors"].size() == 2);
    CHECK(p["errors"][0]["in"] == "query");
    CHECK(p["errors"][0]["name"] == "page");
    CHECK(p["errors"][0]["message"].get<std::string>().find("is not an integer") != std::string::npos);
    CHECK(p["errors"][1]["name"] == "pageSize");
    CHECK(p["errors"][1]["keyword"] == "maximum");

    // Path parameter type, body schema, content type, missing body.
    r = emu.get("/api/products/abc");
    REQUIRE(r.status == 400);
    CHECK(body_of(r)["errors"][0]["in"] == "path");

    std::string token = token_for(kZhangsan);
    r = emu.post("/api/orders", R"({"items":[{"productId":1,"quantity":0,"price":12800}]})", auth(token));
    REQUIRE(r.status == 400);
    p = body_of(r);
    std::set<std::string> where;
    for (const auto& e : p["errors"]) where.insert(e["name"].get<std::string>());
    CHECK(where.count("/items/0/quantity"));  // minimum 1
    CHECK(where.count(""));                   // required "total" (reported at the object)

    r = emu.post("/api/login/wechat", "code=abc", {{"Content-Type", "application/x-www-form-urlencoded"}});
    REQUIRE(r.status == 400);
    CHECK(body_of(r)["errors"][0]["name"] == "Content-Type");
    r = emu.post("/api/login/wechat", "", kJson);
    REQUIRE(r.status == 400);
    CHECK(body_of(r)["errors"][0]["message"] == "a request body is required");
}

TEST_CASE("backend: a body of many wrong items gets the first 100 problems and a count", "[backend][openapi]") {
    EmulatorProcess emu;
    std::string token = token_for(kZhangsan);
    // 100,000 items that should be objects: each one is a problem.
    std::string items;
    for (int i = 0; i < 100000; ++i) items += i == 0 ? "1" : ",1";
    auto r = emu.post("/api/orders", R"({"total":1,"items":[)" + items + "]}", auth(token));
    REQUIRE(r.status == 400);
    CHECK(r.body.size() < size_t{64} * 1024);
    auto p = body_of(r);
    REQUIRE(p["errors"].size() == 100);
    CHECK(p["errors"][0]["name"] == "/items/0");
    CHECK(p["errors_omitted"].get<size_t>() >= 99900);
    CHECK(core::starts_with(p["detail"].get<std::string>(),
                            std::to_string(100 + p["errors_omitted"].get<size_t>()) + " problems: "));
    // The server is still answering normally.
    CHECK(emu.get("/api/hello").status == 200);
}

TEST_CASE("backend: a number the store cannot hold exactly is refused, not rounded", "[backend][openapi]") {
    EmulatorProcess emu;
    std::string token = token_for(kZhangsan);
    auto r =
        emu.post("/api/orders", R"({"items":[{"productId":1,"quantity":1,"price":18446744073709551616}],"total":1})",
                 auth(token));
    REQUIRE(r.status == 400);
    auto p = body_of(r);
    CHECK(p["errors"][0]["keyword"] == "syntax");
    CHECK(p["errors"][0]["message"].get<std::string>().find("18446744073709551616 cannot be represented exactly") !=
          std::string::npos);
    // Nothing was created: the user's order list is unchanged by the refused request.
    auto before = emu.get("/api/orders", auth(token));
    REQUIRE(before.status == 200);
    r = emu.post("/api/orders", R"({"items":[{"productId":1,"quantity":1,"price":1e999}],"total":1})", auth(token));
    CHECK(r.status == 400);
    CHECK(emu.get("/api/orders", auth(token)).body == before.body);
}

TEST_CASE("backend: operations without a stub or collection answer from examples or schemas", "[backend][openapi]") {
    EmulatorProcess emu;
    auto r = emu.get("/api/banners");
    REQUIRE(r.status == 200);
    CHECK(body_of(r)[0]["link"] == "/pages/product/detail?id=1");
    r = emu.get("/api/recommendations");
    REQUIRE(r.status == 200);
    auto list = body_of(r);
    REQUIRE(list.size() == 2);  // minItems
    CHECK(list[0].contains("name"));
    CHECK(list[0]["price"] == 1);  // minimum
}

TEST_CASE("backend: product list filters, sorts and pages with totals", "[backend][collections]") {
    EmulatorProcess emu;
    auto r = emu.get("/api/products");
    REQUIRE(r.status == 200);
    auto page = body_of(r);
    CHECK(page["total"] == 5);
    CHECK(page["items"].size() == 5);
    REQUIRE(r.header("X-Total-Count"));
    CHECK(*r.header("X-Total-Count") == "5");

    page = body_of(emu.get("/api/products?category=tea"));
    CHECK(page["total"] == 2);
    page = body_of(emu.get("/api/products?sort=-price&pageSize=2&page=2"));
    CHECK(page["total"] == 5);
    CHECK(page["pages"] == 3);
    REQUIRE(page["items"].size() == 2);
    CHECK(page["items"][0]["id"] == 1);  // 26800, 18800 | 12800, 1990 | 1
    CHECK(page["items"][1]["id"] == 3);
    page = body_of(emu.get("/api/products?price_gte=10000&stock_gt=0"));
    CHECK(page["total"] == 2);
    page = body_of(emu.get("/api/products?q=mooncake"));
    CHECK(page["total"] == 1);

    r = emu.get("/api/products/2");
    REQUIRE(r.status == 200);
    CHECK(body_of(r)["name"] == "Pu'er cake 357g");
    r = emu.get("/api/products/99");
    CHECK(r.status == 404);
    CHECK(body_of(r)["type"] == "https://mpemu.dev/problems/not-found");

    // Writes need a token ("auth": "write").
    r = emu.post("/api/products", R"({"name":"x","price":1,"stock":1})", kJson);
    CHECK(r.status == 401);
}

TEST_CASE("backend: owned collections: create, read, replace, patch, delete, other users get 403",
          "[backend][collections]") {
    EmulatorProcess emu;
    std::string zs = token_for(kZhangsan), ls = token_for(kLisi);

    auto r = emu.get("/api/addresses");
    CHECK(r.status == 401);
    REQUIRE(r.header("WWW-Authenticate"));

    r = emu.get("/api/addresses", auth(zs));
    REQUIRE(r.status == 200);
    CHECK(body_of(r)["total"] == 1);
    r = emu.get("/api/addresses", auth(ls));
    CHECK(body_of(r)["total"] == 0);

    r = emu.post("/api/addresses",
                 R"({"name":"Li Si","phone":"13900139000","province":"浙江省","city":"杭州市","detail":"西湖区 2 号"})",
                 auth(ls));
    REQUIRE(r.status == 201);
    auto row = body_of(r);
    CHECK(row["id"] == 2);
    CHECK(row["userId"] == kLisi);
    REQUIRE(r.header("Location"));
    CHECK(*r.header("Location") == "/api/addresses/2");

    CHECK(emu.get("/api/addresses/2", auth(zs)).status == 403);
    CHECK(emu.get("/api/addresses/2", auth(ls)).status == 200);

    r = emu.request("PATCH", "/api/addresses/2", R"({"isDefault":true})", auth(ls));
    REQUIRE(r.status == 200);
    CHECK(body_of(r)["isDefault"] == true);
    CHECK(body_of(r)["city"] == "杭州市");

    r = emu.request("PUT", "/api/addresses/2",
                    R"({"name":"Li Si","phone":"13900139000","province":"上海","city":"上海市","detail":"1 号"})",
                    auth(ls));
    REQUIRE(r.status == 200);
    CHECK(body_of(r)["city"] == "上海市");
    CHECK_FALSE(body_of(r).contains("isDefault"));
    CHECK(body_of(r)["userId"] == kLisi);

    // Row schema (the collection's) is enforced on merged rows too.
    r = emu.request("PATCH", "/api/addresses/2", R"({"phone":"12345"})", auth(ls));
    REQUIRE(r.status == 400);
    CHECK(body_of(r)["errors"][0]["name"] == "/phone");

    CHECK(emu.request("DELETE", "/api/addresses/2", "", auth(zs)).status == 403);
    CHECK(emu.request("DELETE", "/api/addresses/2", "", auth(ls)).status == 204);
    CHECK(emu.get("/api/addresses/2", auth(ls)).status == 404);

    // Server-set fields cannot be written by clients; defaults fill new rows.
    r = emu.post("/api/orders", R"({"items":[{"productId":5,"quantity":1,"price":1}],"total":1,"status":"paid"})",
                 auth(ls));
    REQUIRE(r.status == 400);
    CHECK(body_of(r)["type"] == "https://mpemu.dev/problems/protected-field");
    r = emu.post("/api/orders", R"({"items":[{"productId":5,"quantity":1,"price":1}],"total":1})", auth(ls));
    REQUIRE(r.status == 201);
    CHECK(body_of(r)["status"] == "created");

    // Reset restores the seeded rows.
    emu.admin("POST", "/__admin/reset");
    CHECK(body_of(emu.get("/api/orders", auth(ls)))["total"] == 0);
}

TEST_CASE("backend: concurrent writers never lose or duplicate rows", "[backend][collections]") {
    EmulatorProcess emu;
    const int kThreads = 8, kEach = 25;
    std::atomic<int> created{0}, failed{0};
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    std::mutex ids_mu;
    std::set<long long> ids;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            core::HttpClient client;
            std::string token = token_for("wechat:user" + std::to_string(t % 2));
            for (int i = 0; i < kEach; ++i) {
                core::HttpRequest rq;
                rq.method = "POST";
                rq.url = emu.url() + "/api/cart";
                rq.headers = auth(token);
                rq.body = R"({"productId":)" + std::to_string(1 + i % 5) + R"(,"quantity":1})";
                auto r = client.send(rq);
                if (r && r->status == 201) {
                    ++created;
                    std::lock_guard lock(ids_mu);
                    ids.insert(Json::parse(r->body)["id"].get<long long>());
                } else {
                    ++failed;
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(failed == 0);
    CHECK(created == kThreads * kEach);
    CHECK(ids.size() == static_cast<size_t>(kThreads * kEach));
    auto a = body_of(emu.get("/api/cart?pageSize=100", auth(token_for("wechat:user0"))));
    auto b = body_of(emu.get("/api/cart?pageSize=100", auth(token_for("wechat:user1"))));
    CHECK(a["total"].get<int>() + b["total"].get<int>() == kThreads * kEach);
}

TEST_CASE("backend: JWT checks: missing, malformed, forged, expired, wrong claim", "[backend][auth]") {
    EmulatorProcess emu;
    auto r = emu.get("/api/me");
    CHECK(r.status == 401);
    CHECK(body_of(r)["type"] == "https://mpemu.dev/problems/unauthorized");

    r = emu.get("/api/me", auth("not-a-jwt"));
    CHECK(r.status == 401);
    CHECK(body_of(r)["reason"] == "malformed");

    long long now = static_cast<long long>(std::time(nullptr));
    std::string forged = backend::protocol::sign_jwt_hs256(
        {{"sub", kZhangsan}, {"iss", "mpemu-demo-shop"}, {"exp", now + 60}}, "another-secret-of-sufficient-len");
    r = emu.get("/api/me", auth(forged));
    CHECK(r.status == 401);
    CHECK(body_of(r)["reason"] == "signature");

    std::string token = token_for(kZhangsan, 3600);
    r = emu.get("/api/me", auth(token));
    REQUIRE(r.status == 200);
    CHECK(body_of(r)["id"] == kZhangsan);
    CHECK(body_of(r)["role"] == "customer");

    // Expiry follows the emulator clock.
    emu.admin("POST", "/__admin/clock", {{"advance", "2h"}});
    r = emu.get("/api/me", auth(token));
    CHECK(r.status == 401);
    CHECK(body_of(r)["reason"] == "expired");
}

TEST_CASE("backend: unmatched requests get 404 with the nearest stubs and what differed", "[backend][stubs]") {
    EmulatorProcess emu;
    auto r = emu.request("DELETE", "/api/hello");
    REQUIRE(r.status == 404);
    auto p = body_of(r);
    CHECK(p["type"] == "https://mpemu.dev/problems/no-match");
    REQUIRE(!p["nearest"].empty());
    CHECK(p["nearest"][0]["path"] == "/api/hello");
    CHECK(p["nearest"][0]["differences"][0] == "method: expected GET, got DELETE");

    r = emu.post("/api/login/wechats", "{}", kJson);
    REQUIRE(r.status == 404);
    p = body_of(r);
    CHECK(p["nearest"][0]["path"] == "/api/login/wechat");
    CHECK(p["nearest"][0]["differences"][0].get<std::string>().find("path: expected /api/login/wechat") == 0);
    CHECK(p["detail"].get<std::string>().find("nearest: POST /api/login/wechat") != std::string::npos);
}

TEST_CASE("backend: login and pay actions need their provider in this build", "[backend][actions]") {
    EmulatorProcess emu;
    auto fixtures = emu.admin("GET", "/__admin/fixtures");
    REQUIRE(fixtures.contains("backend"));
    bool wechat_missing = false;
    for (const auto& route : fixtures["backend"]["routes"]) {
        if (route.value("action", "") == "wechat_login") wechat_missing = route.contains("unavailable");
    }
    auto r = emu.post("/api/login/wechat", R"({"code":"0a3b"})", kJson);
    if (wechat_missing) {
        // Refused clearly, never silently stubbed.
        REQUIRE(r.status == 501);
        CHECK(body_of(r)["detail"].get<std::string>().find("needs the emulated wechat service") != std::string::npos);
    } else {
        // The emulated WeChat rejects an unknown code; the mimic reports it as a failed login.
        REQUIRE(r.status == 401);
        CHECK(body_of(r)["errcode"] == 40029);
    }
}

TEST_CASE("backend: fixture errors in the backend section are positioned", "[backend][fixtures]") {
    namespace fs = std::filesystem;
    std::string dir = temp_dir() + "/broken";
    fs::copy(default_fixtures_dir(), dir, fs::copy_options::recursive);
    std::string text = *core::read_file(dir + "/fixture.json");
    text = core::replace_all(text, R"("message": "hello, {{query.name}}")", R"("message": "hello, {{qeury.name}}")");
    text = core::replace_all(text, R"("schema": "CartItem")", R"("schema": "CartItems")");
    text = core::replace_all(text, R"("collection": "orders", "mchid": "1900000109"}},)",
                             R"("collection": "order", "mchid": "1900000109"}},)");
    REQUIRE(core::write_file(dir + "/fixture.json", text));
    auto r = run_command({MPEMU_BINARY, "fixtures", "check", dir});
    CHECK(r.exit_code == 1);
    INFO(r.err);
    CHECK(r.err.find("unknown template value \"qeury.name\" (did you mean \"query\"?)") != std::string::npos);
    CHECK(r.err.find("no schema \"CartItems\" in components/schemas") != std::string::npos);
    CHECK(r.err.find("unknown collection \"order\"") != std::string::npos);
    CHECK(r.err.find("fixture.json:") != std::string::npos);

    // A broken OpenAPI document is reported inside that file.
    std::string api = *core::read_file(dir + "/openapi.json");
    api = core::replace_all(api, R"("info": {)", R"("info": {,)");
    REQUIRE(core::write_file(dir + "/openapi.json", api));
    r = run_command({MPEMU_BINARY, "fixtures", "check", dir});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("openapi.json:") != std::string::npos);
}
