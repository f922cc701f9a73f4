// The backend mimic with a small hand-written set: OpenAPI 3.1 (type arrays, numeric
// exclusiveMinimum), an inline-schema collection with string ids, stub matching on headers and
// JSONPath, typed templates with collection lookups, and response generation for POST.
#include <filesystem>

#include <catch2/catch.hpp>

#include "core/json.hpp"
#include "core/text.hpp"
#include "tests/support/emulator_process.hpp"

using namespace mpemu;
using namespace mpemu::testing;
using core::Json;

namespace {

std::string write_set() {
    std::string dir = temp_dir() + "/mini";
    std::filesystem::create_directories(dir);
    const char* api = R"({
  "openapi": "3.1.0",
  "info": {"title": "mini", "version": "1"},
  "paths": {
    "/v1/things": {
      "post": {
        "operationId": "createThing",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
          "type": "object", "required": ["name"],
          "properties": {"name": {"type": ["string", "null"]}, "size": {"type": "integer", "exclusiveMinimum": 0}}}}}},
        "responses": {"201": {"description": "created", "content": {"application/json": {"schema": {
          "type": "object",
          "properties": {"id": {"type": "string", "format": "uuid"}, "state": {"enum": ["new", "old"]}}}}}}}
      }
    },
    "/v1/notes/{id}": {
      "get": {
        "operationId": "getNote",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^n[0-9]+$"}}],
        "responses": {"200": {"description": "ok"}}
      }
    }
  }
})";
    const char* fixture = R"({
  "name": "mini",
  "backend": {
    "openapi": "api.json",
    "collections": {
      "notes": {
        "path": "/v1/notes", "id_type": "string",
        "schema": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}},
        "seed": [{"id": "n1", "text": "first note"}]
      }
    },
    "routes": [
      {"method": "POST", "path": "/v1/echo/{kind}",
       "match": {"headers": {"X-Env": "dev"}, "body": [{"path": "$.items[0].sku", "matches": "^SKU-"}]},
       "response": {"status": 201, "headers": {"X-Kind": "{{path.kind}}"},
                    "body": {"kind": "{{path.kind}}", "first": "{{body.items.0}}", "count": "{{body.count}}",
                             "note": "{{lookup notes 'n1' text}}", "line": "{{method}} {{path}} x{{body.count}}"}}},
      {"method": "POST", "path": "/v1/echo/{kind}", "priority": -1, "response": {"status": 200, "body": "fallback"}}
    ]
  }
})";
    REQUIRE(core::write_file(dir + "/api.json", api));
    REQUIRE(core::write_file(dir + "/fixture.json", fixture));
    return dir;
}

}  // namespace

TEST_CASE("backend: a custom set with OpenAPI 3.1, string ids, header/JSONPath stubs and typed templates",
          "[backend][custom]") {
    EmulatorProcess emu({}, write_set());
    const core::HeaderList json = {{"Content-Type", "application/json"}};

    // 3.1 schemas: ["string","null"] accepts null; exclusiveMinimum is a number.
    auto r = emu.post("/v1/things", R"({"size":0})", json);
    REQUIRE(r.status == 400);
    auto p = Json::parse(r.body);
    REQUIRE(p["errors"].size() == 2);
    CHECK(p["errors"][0]["keyword"] == "required");
    CHECK(p["errors"][1]["name"] == "/size");
    r = emu.post("/v1/things", R"({"name":null,"size":1})", json);
    REQUIRE(r.status == 201);  // generated from the 201 schema
    p = Json::parse(r.body);
    CHECK(p["state"] == "new");
    CHECK(p["id"].get<std::string>().size() == 36);

    // Path parameter pattern, then the collection with string ids.
    CHECK(emu.get("/v1/notes/x1").status == 400);
    r = emu.get("/v1/notes/n1");
    REQUIRE(r.status == 200);
    CHECK(Json::parse(r.body)["text"] == "first note");
    r = emu.post("/v1/notes", R"({"id":"n2","text":"second"})", json);
    CHECK(r.status == 201);
    CHECK(emu.post("/v1/notes", R"({"id":"n2","text":"again"})", json).status == 409);
    r = emu.post("/v1/notes", R"({"text":"third"})", json);
    REQUIRE(r.status == 201);
    CHECK(Json::parse(r.body)["id"].get<std::string>().size() == 36);
    CHECK(emu.post("/v1/notes", R"({"text":""})", json).status == 400);

    // Header + JSONPath match, typed templates, lookup.
    core::HeaderList dev = {{"Content-Type", "application/json"}, {"X-Env", "dev"}};
    r = emu.post("/v1/echo/gift", R"({"items":[{"sku":"SKU-1","n":2}],"count":3})", dev);
    REQUIRE(r.status == 201);
    REQUIRE(r.header("X-Kind"));
    CHECK(*r.header("X-Kind") == "gift");
    p = Json::parse(r.body);
    CHECK(p["kind"] == "gift");
    CHECK(p["first"] == Json({{"sku", "SKU-1"}, {"n", 2}}));
    CHECK(p["count"] == 3);
    CHECK(p["note"] == "first note");
    CHECK(p["line"] == "POST /v1/echo/gift x3");

    // Not matching the conditions: the lower-priority catch-all answers.
    r = emu.post("/v1/echo/gift", R"({"items":[{"sku":"X-1"}]})", dev);
    CHECK(r.status == 200);
    CHECK(r.body == "fallback");
}
