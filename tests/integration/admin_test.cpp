// The admin API and serve's generic behaviour over HTTP: health, fixtures, clock, journal, HAR,
// snapshots and export/import, reset, admin token, limits, unknown paths, graceful shutdown.
#include <signal.h>

#include <catch2/catch.hpp>

#include "core/json.hpp"
#include "core/text.hpp"
#include "core/time_format.hpp"
#include "tests/support/emulator_process.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using core::Json;

TEST_CASE("health names the version, fixture set and uptime", "[admin]") {
    EmulatorProcess emu;
    auto h = emu.admin("GET", "/__admin/health");
    CHECK(h["status"] == "ok");
    CHECK(h["fixtures"] == "default");
    CHECK(h["version"].is_string());
    CHECK(h["uptime_ms"].is_number_integer());
}

TEST_CASE("fixtures summary lists the set", "[admin]") {
    EmulatorProcess emu;
    auto f = emu.admin("GET", "/__admin/fixtures");
    CHECK(f["name"] == "default");
    CHECK(f["users"].is_array());
    CHECK(core::ends_with(f["dir"].get<std::string>(), "fixtures/default"));
}

TEST_CASE("unknown paths and admin operations answer with a JSON error", "[admin]") {
    EmulatorProcess emu;
    auto r = emu.get("/no/such/thing");
    CHECK(r.status == 404);
    auto body = Json::parse(r.body);
    CHECK(body["error"]["code"] == "not_found");
    CHECK(body["error"]["message"].get<std::string>().find("/__admin/") != std::string::npos);

    r = emu.get("/__admin/nope");
    CHECK(r.status == 404);
    CHECK(Json::parse(r.body)["error"]["code"] == "not_found");

    r = emu.request("DELETE", "/__admin/health");
    CHECK(r.status == 405);
    REQUIRE(r.header("Allow"));
    CHECK(*r.header("Allow") == "GET");
}

TEST_CASE("operations lists the admin operations with their ids", "[admin]") {
    EmulatorProcess emu;
    auto ops = emu.admin("GET", "/__admin/operations")["operations"];
    bool found = false;
    for (const auto& op : ops) found = found || (op["id"] == "admin.reset" && op["method"] == "POST");
    CHECK(found);
}

TEST_CASE("the clock can be frozen, set, advanced and reset", "[admin][clock]") {
    EmulatorProcess emu;
    auto c = emu.admin("POST", "/__admin/clock", {{"now", "2024-01-01T12:00:00+08:00"}, {"freeze", true}});
    CHECK(c["frozen"] == true);
    CHECK(c["now"] == "2024-01-01T12:00:00+08:00");
    c = emu.admin("POST", "/__admin/clock", {{"advance", "2h30m"}});
    CHECK(c["now"] == "2024-01-01T14:30:00+08:00");
    c = emu.admin("GET", "/__admin/clock");
    CHECK(c["now"] == "2024-01-01T14:30:00+08:00");  // still frozen

    auto bad = emu.post("/__admin/clock", R"({"advanse":"1h"})");
    CHECK(bad.status == 400);
    CHECK(bad.body.find("did you mean \\\"advance\\\"") != std::string::npos);
    bad = emu.post("/__admin/clock", R"({"advance":"soon"})");
    CHECK(bad.status == 400);
    bad = emu.post("/__admin/clock", R"({"now":"yesterday"})");
    CHECK(bad.status == 400);
    // A refused call changed nothing.
    CHECK(emu.admin("GET", "/__admin/clock")["now"] == "2024-01-01T14:30:00+08:00");

    c = emu.admin("POST", "/__admin/clock", {{"reset", true}});
    CHECK(c["frozen"] == false);
    CHECK(std::llabs(c["offset_ms"].get<long long>()) < 60000);
}

TEST_CASE("the journal records requests, filters them and exports HAR 1.2", "[admin][journal]") {
    EmulatorProcess emu;
    emu.get("/nowhere/one");
    emu.post("/nowhere/two", R"({"a":1})", {{"Content-Type", "application/json"}});
    auto list = emu.admin("GET", "/__admin/requests?bodies=true");
    REQUIRE(list["requests"].size() == 2);
    CHECK(list["requests"][0]["target"] == "/nowhere/one");
    CHECK(list["requests"][1]["method"] == "POST");
    CHECK(list["requests"][1]["status"] == 404);
    CHECK(list["requests"][1]["request"]["body"] == R"({"a":1})");
    CHECK(list["requests"][1]["latency_ms"].is_number());

    auto filtered = emu.admin("GET", "/__admin/requests?method=POST");
    CHECK(filtered["requests"].size() == 1);

    auto har = emu.admin("GET", "/__admin/requests.har");
    CHECK(har["log"]["version"] == "1.2");
    CHECK(har["log"]["creator"]["name"] == "mpemu");
    REQUIRE(har["log"]["entries"].size() == 2);
    CHECK(har["log"]["entries"][1]["request"]["postData"]["text"] == R"({"a":1})");
    CHECK(har["log"]["entries"][0]["request"]["url"] == emu.url() + "/nowhere/one");

    emu.admin("DELETE", "/__admin/requests");
    CHECK(emu.admin("GET", "/__admin/requests")["requests"].empty());
}

TEST_CASE("the journal is a bounded ring", "[admin][journal]") {
    EmulatorProcess emu({"--journal-size", "3"});
    for (int i = 0; i < 5; ++i) emu.get("/nowhere/" + std::to_string(i));
    auto list = emu.admin("GET", "/__admin/requests");
    REQUIRE(list["requests"].size() == 3);
    CHECK(list["requests"][0]["target"] == "/nowhere/2");
    CHECK(list["total_recorded"] == 5);
}

TEST_CASE("a full journal is streamed whole: every entry, valid JSON and HAR", "[admin][journal]") {
    EmulatorProcess emu({"--journal-size", "300"});
    const std::string body = R"({"pad":")" + std::string(4000, 'x') + R"("})";
    for (int i = 0; i < 320; ++i)
        emu.post("/nowhere/" + std::to_string(i), body, {{"Content-Type", "application/json"}});

    auto list = emu.get("/__admin/requests?bodies=true");
    REQUIRE(list.status == 200);
    // Written in pieces (HTTP/1.1 chunks), not built whole: more than a megabyte here.
    REQUIRE(list.header("Transfer-Encoding"));
    CHECK(*list.header("Transfer-Encoding") == "chunked");
    CHECK(list.body.size() > 1000000);
    auto parsed = Json::parse(list.body);
    CHECK(parsed["total_recorded"] == 320);
    CHECK(parsed["capacity"] == 300);
    REQUIRE(parsed["requests"].size() == 300);
    CHECK(parsed["requests"][0]["target"] == "/nowhere/20");
    CHECK(parsed["requests"][299]["target"] == "/nowhere/319");
    CHECK(parsed["requests"][299]["request"]["body"] == body);
    // The same bytes as one document dumped whole.
    CHECK(core::dump(core::OrderedJson::parse(list.body)) == list.body);

    CHECK(emu.admin("GET", "/__admin/requests?limit=5&method=POST")["requests"].size() == 5);

    auto har = emu.get("/__admin/requests.har");
    REQUIRE(har.status == 200);
    auto doc = Json::parse(har.body);
    REQUIRE(doc["log"]["entries"].size() == 300);
    CHECK(doc["log"]["entries"][299]["request"]["postData"]["text"] == body);
    CHECK(core::dump(core::OrderedJson::parse(har.body)) == har.body);

    // The server answers on after the large replies.
    CHECK(emu.admin("GET", "/__admin/health")["status"] == "ok");
}

TEST_CASE("journal reads refused before streaming keep their status", "[admin][journal][auth]") {
    EmulatorProcess emu({"--admin-token", "s3cret"});
    for (const char* path : {"/__admin/requests?bodies=true", "/__admin/requests.har"}) {
        auto r = emu.get(path);
        CHECK(r.status == 401);
        CHECK(Json::parse(r.body)["error"]["code"] == "unauthorized");
        CHECK_FALSE(r.header("Transfer-Encoding"));
    }
    auto ok = emu.get("/__admin/requests.har", {{"Authorization", "Bearer s3cret"}});
    CHECK(ok.status == 200);
    CHECK(Json::parse(ok.body)["log"]["version"] == "1.2");
}

TEST_CASE("snapshots save, list, restore, delete and export for serve --import", "[admin][snapshots]") {
    std::string dir = temp_dir();
    {
        EmulatorProcess emu;
        CHECK(emu.admin("POST", "/__admin/snapshots", {{"name", "base"}})["name"] == "base");
        CHECK(emu.admin("GET", "/__admin/snapshots")["snapshots"] == Json::array({"base"}));
        CHECK(emu.admin("POST", "/__admin/snapshots/base/restore")["status"] == "ok");
        auto missing = emu.post("/__admin/snapshots/nope/restore", "");
        CHECK(missing.status == 404);
        auto bad = emu.post("/__admin/snapshots", R"({"name":"current"})");
        CHECK(bad.status == 400);

        auto exported = emu.get("/__admin/snapshots/base/export");
        REQUIRE(exported.status == 200);
        CHECK(exported.body.rfind(std::string("SQLite format 3\0", 16), 0) == 0);
        REQUIRE(core::write_file(dir + "/base.sqlite", exported.body));
        auto live = emu.get("/__admin/snapshots/current/export");
        CHECK(live.status == 200);

        CHECK(emu.admin("DELETE", "/__admin/snapshots/base")["status"] == "ok");
        CHECK(emu.admin("GET", "/__admin/snapshots")["snapshots"].empty());
    }
    EmulatorProcess imported({"--import", dir + "/base.sqlite"});
    CHECK(imported.admin("GET", "/__admin/health")["status"] == "ok");

    core::write_file(dir + "/junk.sqlite", "this is not a database");
    auto r = run_command(
        {MPEMU_BINARY, "serve", "--port", "0", "--fixtures", default_fixtures_dir(), "--import", dir + "/junk.sqlite"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("junk.sqlite") != std::string::npos);
}

TEST_CASE("reset reports its duration and refuses an invalid fixture set without changing state", "[admin][reset]") {
    EmulatorProcess emu;
    auto r = emu.admin("POST", "/__admin/reset");
    CHECK(r["status"] == "ok");
    CHECK(r["ms"].is_number());
    auto bad = emu.post("/__admin/reset", Json{{"fixtures", source_dir() + "/tests/data/fixtures/unknown-key"}}.dump());
    CHECK(bad.status == 400);
    auto body = Json::parse(bad.body);
    CHECK(body["error"]["code"] == "invalid_fixtures");
    CHECK(body["error"]["detail"]["diagnostics"].get<std::string>().find("fixture.json:7:9") != std::string::npos);
    CHECK(emu.admin("GET", "/__admin/health")["fixtures"] == "default");
}

TEST_CASE("with --admin-token every admin call needs the bearer token", "[admin][auth]") {
    EmulatorProcess emu({"--admin-token", "s3cret"});
    auto r = emu.get("/__admin/health");
    CHECK(r.status == 401);
    CHECK(Json::parse(r.body)["error"]["code"] == "unauthorized");
    r = emu.get("/__admin/health", {{"Authorization", "Bearer wrong"}});
    CHECK(r.status == 401);
    r = emu.get("/__admin/health", {{"Authorization", "Bearer s3cret"}});
    CHECK(r.status == 200);
}

TEST_CASE("oversized and too deeply nested bodies are refused in the admin format", "[admin][limits]") {
    EmulatorProcess emu({"--max-body", "4096"});
    auto r = emu.post("/__admin/reset", std::string(8192, ' '), {{"Content-Type", "application/json"}});
    CHECK(r.status == 413);
    CHECK(Json::parse(r.body)["error"]["code"] == "body_too_large");

    std::string deep = std::string(100, '[') + std::string(100, ']');
    r = emu.post("/__admin/reset", deep, {{"Content-Type", "application/json"}});
    CHECK(r.status == 400);
    CHECK(Json::parse(r.body)["error"]["code"] == "too_deep");

    r = emu.post("/__admin/reset", "{not json", {{"Content-Type", "application/json"}});
    CHECK(r.status == 400);
    CHECK(emu.admin("GET", "/__admin/health")["status"] == "ok");
}

TEST_CASE("fault rules add delays and canned replies, and reset clears them", "[admin][faults]") {
    EmulatorProcess emu;
    auto bad = emu.post("/__admin/faults", R"({"match":{"operaton":"x"},"delay_ms":1})");
    CHECK(bad.status == 400);
    CHECK(bad.body.find("did you mean") != std::string::npos);
    auto added =
        emu.admin("POST", "/__admin/faults", {{"match", {{"path", "/__admin/"}}}, {"delay_ms", 1}, {"times", 2}});
    CHECK(added["id"].is_string());
    CHECK(emu.admin("GET", "/__admin/faults")["faults"].size() == 1);
    emu.admin("POST", "/__admin/reset");
    CHECK(emu.admin("GET", "/__admin/faults")["faults"].empty());
}

TEST_CASE("SIGTERM stops serve cleanly with exit status 0", "[serve]") {
    EmulatorProcess emu;
    emu.admin("GET", "/__admin/health");
    CHECK(emu.stop() == 0);
}

TEST_CASE("serve refuses a port in use and an invalid fixture set", "[serve]") {
    EmulatorProcess first;
    auto r = run_command(
        {MPEMU_BINARY, "serve", "--port", std::to_string(first.port()), "--fixtures", default_fixtures_dir()});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("cannot listen") != std::string::npos);

    r = run_command(
        {MPEMU_BINARY, "serve", "--port", "0", "--fixtures", source_dir() + "/tests/data/fixtures/wrong-type"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("fixture.json:6:") != std::string::npos);
}
