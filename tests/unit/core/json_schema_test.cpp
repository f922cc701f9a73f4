// Unit tests for core/json_schema: the official JSON-Schema-Test-Suite, then the exact wording of
// every kind of issue, then OpenAPI 3.0's nullable.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>

#include "core/json_schema.hpp"
#include "core/text.hpp"

using namespace mpemu::core;
namespace fs = std::filesystem;

namespace {

// MPEMU_SHARED_DIR in the environment wins, for checkouts that do not sit beside shared/.
std::string shared_dir() {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read during static initialisation, before any thread starts
    const char* env = std::getenv("MPEMU_SHARED_DIR");
    return env ? env : MPEMU_SHARED_DIR;
}

const std::string kSuite = shared_dir() + "/data/json-schema-test-suite";

// The suite is not part of the repository: a plain clone has no shared/ beside it. Its tests then
// report themselves skipped (ctest's SKIP_REGULAR_EXPRESSION matches the line printed here).
bool suite_missing() {
    if (fs::is_directory(kSuite)) return false;
    std::cout << "MPEMU-SKIPPED: the JSON-Schema-Test-Suite is not at " << kSuite
              << " (set MPEMU_SHARED_DIR to the folder holding data/json-schema-test-suite)\n";
    return true;
}

Json load(const fs::path& path) {
    auto text = read_file(path.string());
    REQUIRE(text.has_value());
    return Json::parse(*text);
}

// The suite's remote documents, as a test server at http://localhost:1234/ would serve them.
const std::map<std::string, Json>& remotes() {
    static const std::map<std::string, Json> docs = [] {
        std::map<std::string, Json> out;
        fs::path root = kSuite + "/remotes";
        for (const auto& entry : fs::recursive_directory_iterator(root)) {
            if (entry.path().extension() != ".json") continue;
            out["http://localhost:1234/" + fs::relative(entry.path(), root).generic_string()] = load(entry.path());
        }
        return out;
    }();
    return docs;
}

// Deliberately unsupported: (file, group description). Each is explained.
const std::set<std::pair<std::string, std::string>> kSkipped = {
    // The draft metaschemas are not bundled (no network, and shipping copies is not worth it for this).
    {"draft4/definitions.json", "validate definition against metaschema"},
    {"draft4/ref.json", "remote ref, containing refs itself"},
    {"draft7/definitions.json", "validate definition against metaschema"},
    {"draft7/ref.json", "remote ref, containing refs itself"},
    {"draft2020-12/defs.json", "validate definition against metaschema"},
    {"draft2020-12/ref.json", "remote ref, containing refs itself"},
    // std::regex has no Unicode property escapes (\p{Letter}); such a pattern is a compile error.
    {"draft2020-12/pattern.json", "pattern with Unicode property escape requires unicode mode"},
    {"draft2020-12/patternProperties.json", "patternProperties with Unicode property escape"},
    // IDNA2008 rules for punycode labels need Unicode tables; "hostname" checks LDH syntax only.
    {"draft2020-12/optional/format/hostname.json", "validation of A-label (punycode) host names"},
    // $vocabulary is not honoured: every known keyword is always active.
    {"draft2020-12/vocabulary.json", "schema that uses custom metaschema with with no validation vocabulary"},
};

struct Tally {
    int passed = 0, failed = 0, skipped = 0;
};

Tally run_suite(const std::string& draft, SchemaDraft dialect, const std::vector<std::string>& only_files = {},
                bool formats = false) {
    Tally tally;
    std::vector<fs::path> files;
    fs::path dir = kSuite + "/tests/" + draft;
    if (only_files.empty()) {
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.path().extension() == ".json") files.push_back(entry.path());
        }
    } else {
        for (const auto& f : only_files) files.push_back(dir / f);
    }
    std::sort(files.begin(), files.end());
    SchemaOptions options;
    options.default_draft = dialect;
    options.check_formats = formats;
    options.registry = remotes();
    for (const auto& file : files) {
        std::string name = fs::relative(file, kSuite + "/tests").generic_string();
        for (const auto& group : load(file)) {
            const std::string desc = group["description"];
            if (kSkipped.count({name, desc})) {
                tally.skipped += static_cast<int>(group["tests"].size());
                continue;
            }
            auto schema = JsonSchema::compile(group["schema"], options);
            INFO(name << " / " << desc);
            if (!schema) {
                FAIL_CHECK("compile failed: " << schema.error().message);
                tally.failed += static_cast<int>(group["tests"].size());
                continue;
            }
            for (const auto& test : group["tests"]) {
                INFO(name << " / " << desc << " / " << test["description"].get<std::string>());
                bool expected = test["valid"];
                bool valid = schema->is_valid(test["data"]);
                auto issues = schema->validate(test["data"]);
                // Both entry points must agree, and a failure must always say something.
                bool ok = valid == expected && issues.empty() == valid;
                if (!ok) {
                    std::string first = issues.empty() ? "" : issues[0].instance_pointer + ": " + issues[0].message;
                    FAIL_CHECK("expected valid=" << expected << ", is_valid=" << valid << ", issues=" << issues.size()
                                                 << " " << first);
                }
                ++(ok ? tally.passed : tally.failed);
            }
        }
    }
    std::cout << "JSON-Schema-Test-Suite " << draft << (formats ? " (formats)" : "") << ": " << tally.passed << " of "
              << tally.passed + tally.failed + tally.skipped << " cases pass, " << tally.skipped
              << " skipped as unsupported\n";
    return tally;
}

std::vector<SchemaIssue> check(const Json& schema, const Json& instance, const SchemaOptions& options = {}) {
    auto compiled = JsonSchema::compile(schema, options);
    REQUIRE(compiled.ok());
    auto issues = compiled->validate(instance);
    CHECK(compiled->is_valid(instance) == issues.empty());
    return issues;
}

SchemaIssue only(const Json& schema, const Json& instance, const SchemaOptions& options = {}) {
    auto issues = check(schema, instance, options);
    REQUIRE(issues.size() == 1);
    return issues[0];
}

}  // namespace

TEST_CASE("JSON-Schema-Test-Suite draft 2020-12", "[core][json_schema][suite]") {
    if (suite_missing()) return;
    auto t = run_suite("draft2020-12", SchemaDraft::draft2020_12);
    CHECK(t.failed == 0);
    CHECK(t.passed > 1200);
}

TEST_CASE("JSON-Schema-Test-Suite draft 7", "[core][json_schema][suite]") {
    if (suite_missing()) return;
    auto t = run_suite("draft7", SchemaDraft::draft7);
    CHECK(t.failed == 0);
    CHECK(t.passed > 900);
}

TEST_CASE("JSON-Schema-Test-Suite draft 4", "[core][json_schema][suite]") {
    if (suite_missing()) return;
    auto t = run_suite("draft4", SchemaDraft::draft4);
    CHECK(t.failed == 0);
    CHECK(t.passed > 600);
}

TEST_CASE("JSON-Schema-Test-Suite formats (optional)", "[core][json_schema][suite]") {
    if (suite_missing()) return;
    auto t = run_suite("draft2020-12/optional/format", SchemaDraft::draft2020_12,
                       {"date-time.json", "date.json", "time.json", "duration.json", "email.json", "hostname.json",
                        "ipv4.json", "ipv6.json", "uri.json", "uri-reference.json", "uuid.json", "regex.json"},
                       true);
    CHECK(t.failed == 0);
}

TEST_CASE("JSON-Schema-Test-Suite optional behaviour", "[core][json_schema][suite]") {
    if (suite_missing()) return;
    // ecmascript-regex.json is left out: std::regex lacks \p{..}, \cX and Unicode \s.
    auto t = run_suite("draft2020-12/optional", SchemaDraft::draft2020_12,
                       {"anchor.json", "bignum.json", "cross-draft.json", "dependencies-compatibility.json",
                        "dynamicRef.json", "float-overflow.json", "id.json", "no-schema.json", "non-bmp-regex.json",
                        "refOfUnknownKeyword.json", "unknownKeyword.json"});
    CHECK(t.failed == 0);
    t = run_suite("draft7/optional", SchemaDraft::draft7,
                  {"bignum.json", "cross-draft.json", "float-overflow.json", "id.json", "non-bmp-regex.json",
                   "unknownKeyword.json"});
    CHECK(t.failed == 0);
}

TEST_CASE("unknown keys name the member and suggest the declared one", "[core][json_schema]") {
    Json schema = {{"type", "object"},
                   {"properties", {{"secret", {{"type", "string"}}}, {"appid", {{"type", "string"}}}}},
                   {"required", {"appid"}},
                   {"additionalProperties", false}};
    auto issues = check(schema, {{"secrte", "x"}});
    REQUIRE(issues.size() == 2);
    CHECK(issues[0].instance_pointer.empty());
    CHECK(issues[0].keyword == "required");
    CHECK(issues[0].schema_pointer == "/required");
    CHECK(issues[0].message == "missing required key \"appid\"");
    CHECK_FALSE(issues[0].at_key);
    CHECK(issues[1].instance_pointer == "/secrte");
    CHECK(issues[1].keyword == "additionalProperties");
    CHECK(issues[1].schema_pointer == "/additionalProperties");
    CHECK(issues[1].message == "unknown key \"secrte\"");
    CHECK(issues[1].hint == "did you mean \"secret\"?");
    CHECK(issues[1].at_key);

    auto far = only({{"properties", {{"a", true}, {"b", true}, {"c", true}}}, {"additionalProperties", false}},
                    {{"zzzzz", 1}});
    CHECK(far.message == "unknown key \"zzzzz\"");
    CHECK(far.hint == "allowed keys: a, b, c");

    // unevaluatedProperties knows the keys declared through allOf/$ref as well.
    auto uneval = only({{"allOf", {{{"properties", {{"secret", true}}}}}}, {"unevaluatedProperties", false}},
                       {{"secret", 1}, {"secrte", 2}});
    CHECK(uneval.instance_pointer == "/secrte");
    CHECK(uneval.keyword == "unevaluatedProperties");
    CHECK(uneval.hint == "did you mean \"secret\"?");
    CHECK(uneval.at_key);

    auto denied = only({{"properties", {{"debug", false}}}}, {{"debug", true}});
    CHECK(denied.message == "key \"debug\" is not allowed");
    CHECK(denied.at_key);
}

TEST_CASE("type, enum and const messages", "[core][json_schema]") {
    CHECK(only({{"type", "string"}}, 4.5).message == "expected string, got number");
    CHECK(only({{"type", "string"}}, 42).message == "expected string, got integer");
    CHECK(only({{"type", "integer"}}, 1.5).message == "expected integer, got number");
    CHECK(only({{"type", {"string", "null"}}}, true).message == "expected string or null, got boolean");
    CHECK(only({{"type", {"object", "array", "null"}}}, "x").message == "expected object, array or null, got string");
    CHECK(check({{"type", "integer"}}, 2.0).empty());  // 2.0 is an integer

    auto e = only({{"enum", {"certificate", "public_key"}}}, "cert");
    CHECK(e.keyword == "enum");
    CHECK(e.message == "expected one of \"certificate\", \"public_key\"; got \"cert\"");
    CHECK(e.hint == "did you mean \"certificate\"?");
    CHECK(only({{"enum", {"certificate", "public_key"}}}, "public_kye").hint == "did you mean \"public_key\"?");
    CHECK(only({{"enum", {"certificate", "public_key"}}}, "zzzz").hint.empty());
    CHECK(only({{"enum", {1, 2}}}, 3).message == "expected one of 1, 2; got 3");
    CHECK(only({{"const", "v3"}}, "v2").message == "expected \"v3\"; got \"v2\"");
}

TEST_CASE("string, number, array and object limits", "[core][json_schema]") {
    auto p = only({{"pattern", "^[0-9]{10}$"}}, "abc");
    CHECK(p.keyword == "pattern");
    CHECK(p.message == "\"abc\" does not match pattern ^[0-9]{10}$");
    CHECK(only({{"minLength", 6}}, "abc").message == "must be at least 6 characters, got 3");
    CHECK(only({{"maxLength", 2}}, "支付成功").message == "must be at most 2 characters, got 4");  // code points
    CHECK(check({{"maxLength", 4}}, "支付成功").empty());
    CHECK(only({{"pattern", "^[一-龥]+$"}}, "支付x").message == "\"支付x\" does not match pattern ^[一-龥]+$");
    CHECK(check({{"pattern", "^[一-龥]+$"}}, "支付").empty());

    CHECK(only({{"minimum", 1}}, 0).message == "must be at least 1, got 0");
    CHECK(only({{"maximum", 100}}, 101).message == "must be at most 100, got 101");
    CHECK(only({{"exclusiveMinimum", 0}}, 0).message == "must be greater than 0, got 0");
    CHECK(only({{"exclusiveMaximum", 5}}, 5).message == "must be less than 5, got 5");
    CHECK(only({{"multipleOf", 0.01}}, 1.005).message == "must be a multiple of 0.01, got 1.005");
    CHECK(check({{"multipleOf", 0.01}}, 19.99).empty());

    CHECK(only({{"minItems", 1}}, Json::array()).message == "must have at least 1 item, got 0");
    CHECK(only({{"maxItems", 2}}, {1, 2, 3}).message == "must have at most 2 items, got 3");
    CHECK(only({{"uniqueItems", true}}, {1, 2, 1}).message == "items must be unique, but items 0 and 2 are equal");
    auto extra = only({{"items", {{{"type", "string"}}}}, {"additionalItems", false}}, {"a", 1});
    CHECK(extra.instance_pointer == "/1");
    CHECK(extra.keyword == "additionalItems");
    CHECK(extra.message == "unexpected item at index 1 (at most 1 item allowed)");
    CHECK(only({{"contains", {{"type", "string"}}}}, {1, 2}).message ==
          "must contain at least 1 item matching \"contains\", found 0");
    CHECK(only({{"contains", {{"type", "string"}}}, {"maxContains", 1}}, {"a", "b"}).message ==
          "must contain at most 1 item matching \"contains\", found 2");

    CHECK(only({{"minProperties", 2}}, {{"a", 1}}).message == "must have at least 2 keys, got 1");
    CHECK(only({{"maxProperties", 1}}, {{"a", 1}, {"b", 2}}).message == "must have at most 1 key, got 2");
    CHECK(only({{"dependentRequired", {{"refund", {"reason"}}}}}, {{"refund", 1}}).message ==
          "missing key \"reason\" (required when \"refund\" is present)");
    auto key = only({{"propertyNames", {{"pattern", "^[a-z_]+$"}}}}, {{"Amount", 1}});
    CHECK(key.instance_pointer == "/Amount");
    CHECK(key.message == "\"Amount\" does not match pattern ^[a-z_]+$");
    CHECK(key.at_key);
    CHECK(only({{"not", {{"type", "null"}}}}, nullptr).message == "must not match the \"not\" schema");
}

TEST_CASE("formats are checked when asked", "[core][json_schema]") {
    Json schema = {{"format", "date-time"}};
    auto f = only(schema, "2024-13-01T00:00:00+08:00");
    CHECK(f.keyword == "format");
    CHECK(f.message == "\"2024-13-01T00:00:00+08:00\" is not a valid date-time");
    CHECK(f.hint == "expected RFC 3339, like 2024-05-01T12:30:00+08:00");
    CHECK(check(schema, "2024-02-29T23:59:60Z").empty());      // a leap second is 23:59:60 UTC ...
    CHECK(check(schema, "2024-02-29T12:59:60Z").size() == 1);  // ... and at no other time
    CHECK(check(schema, "2023-02-29T12:00:00Z").size() == 1);
    CHECK(check(schema, "2024-02-29T12:00:00.5+08:00").empty());
    SchemaOptions lax;
    lax.check_formats = false;
    CHECK(check(schema, "not a date", lax).empty());
    CHECK(check({{"format", "uuid"}}, "3e6f9b0a-4a8c-4d6e-9d2b-0c1a2b3c4d5e").empty());
    CHECK(check({{"format", "email"}}, "pay@example.com").empty());
    CHECK(check({{"format", "email"}}, "pay@@example.com").size() == 1);
    CHECK(check({{"format", "something-custom"}}, "anything").empty());
}

TEST_CASE("oneOf and anyOf report the branch that was meant", "[core][json_schema]") {
    // Only the instance's type rules branches out: one message, not one per branch.
    auto t = only({{"oneOf", {{{"type", "string"}}, {{"type", "object"}}}}}, 1);
    CHECK(t.keyword == "oneOf");
    CHECK(t.message == "expected string or object, got integer");

    // The branch with the right type and the fewest problems speaks.
    auto a = only({{"anyOf", {{{"type", "string"}, {"minLength", 3}}, {{"type", "integer"}}}}}, "ab");
    CHECK(a.keyword == "minLength");
    CHECK(a.schema_pointer == "/anyOf/0/minLength");
    CHECK(a.message == "must be at least 3 characters, got 2");

    // A const tag names the branch, even when another branch would have fewer issues.
    Json card = {{"type", "object"},
                 {"properties", {{"kind", {{"const", "card"}}}, {"number", {{"type", "string"}}}}},
                 {"required", {"kind", "number"}}};
    Json bank = {{"type", "object"},
                 {"properties", {{"kind", {{"const", "bank"}}}, {"iban", {{"type", "string"}}}}},
                 {"required", {"kind", "iban", "bic"}}};
    auto meant = check({{"oneOf", {card, bank}}}, {{"kind", "bank"}, {"number", "1"}});
    REQUIRE(meant.size() == 2);
    CHECK(meant[0].message == "missing required key \"bic\"");
    CHECK(meant[1].message == "missing required key \"iban\"");
    CHECK(meant[1].schema_pointer == "/oneOf/1/required");

    // A tag that matches no branch is reported once, as the list of tags.
    auto tag = only({{"oneOf", {card, bank}}}, {{"kind", "bnak"}});
    CHECK(tag.instance_pointer == "/kind");
    CHECK(tag.message == "expected one of \"card\", \"bank\"; got \"bnak\"");
    CHECK(tag.hint == "did you mean \"bank\"?");

    auto both = only({{"oneOf", {{{"type", "integer"}}, {{"minimum", 0}}}}}, 3);
    CHECK(both.message == "matches alternatives 0 and 1 of oneOf; must match exactly one");
}

TEST_CASE("issues come in document order and follow refs", "[core][json_schema]") {
    Json schema = {{"$defs", {{"fen", {{"type", "integer"}, {"minimum", 1}}}}},
                   {"type", "object"},
                   {"properties",
                    {{"amount", {{"properties", {{"total", {{"$ref", "#/$defs/fen"}}}}}}},
                     {"items", {{"type", "array"}, {"items", {{"required", {"sku"}}}}}}}},
                   {"required", {"out_trade_no"}}};
    Json order = {{"amount", {{"total", 0}}}, {"items", {{{"sku", "a"}}, Json::object(), Json::object()}}};
    for (int i = 0; i < 9; ++i) order["items"].push_back(Json::object());
    auto issues = check(schema, order);
    REQUIRE(issues.size() == 13);
    CHECK(issues[0].instance_pointer.empty());
    CHECK(issues[1].instance_pointer == "/amount/total");
    CHECK(issues[1].schema_pointer == "/$defs/fen/minimum");
    CHECK(issues[2].instance_pointer == "/items/1");
    CHECK(issues[3].instance_pointer == "/items/2");
    CHECK(issues[12].instance_pointer == "/items/11");  // numeric, not string, order
}

TEST_CASE("compile errors name the schema location", "[core][json_schema]") {
    auto msg = [](const Json& schema) {
        auto r = JsonSchema::compile(schema);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == "schema");
        return r.error().message;
    };
    CHECK(msg({{"properties", {{"a", {{"type", "strin"}}}}}}) ==
          "invalid schema at #/properties/a/type: unknown type \"strin\" (did you mean \"string\"?)");
    CHECK(msg({{"properties", {{"a", {{"$ref", "#/$defs/nope"}}}}}}) ==
          "invalid schema at #/properties/a/$ref: cannot resolve $ref \"#/$defs/nope\"");
    CHECK(msg({{"$defs", {{"Money", true}}}, {"$ref", "#/$defs/Moeny"}}) ==
          "invalid schema at #/$ref: cannot resolve $ref \"#/$defs/Moeny\" (did you mean \"Money\"?)");
    CHECK(msg({{"$ref", "https://example.com/missing.json"}}) ==
          "invalid schema at #/$ref: cannot resolve $ref \"https://example.com/missing.json\"");
    CHECK(msg({{"minLength", -1}}) == "invalid schema at #/minLength: minLength must be a non-negative integer");
    CHECK(msg({{"pattern", "("}}) == "invalid schema at #/pattern: pattern \"(\" is not a valid regular expression");
    CHECK(msg({{"properties", {{"a", 5}}}}) ==
          "invalid schema at #/properties/a: a schema must be an object or a boolean, got integer");
    CHECK(msg({{"anyOf", Json::array()}}) == "invalid schema at #/anyOf: anyOf must be a non-empty array");
}

TEST_CASE("refs reach registry documents, $id bases and OpenAPI components", "[core][json_schema]") {
    SchemaOptions options;
    options.registry["https://example.com/common.json"] = {{"$defs", {{"fen", {{"type", "integer"}}}}}};
    options.base_uri = "https://example.com/order.json";
    auto issue = only({{"properties", {{"total", {{"$ref", "common.json#/$defs/fen"}}}}}}, {{"total", "1"}}, options);
    CHECK(issue.schema_pointer == "https://example.com/common.json#/$defs/fen/type");
    CHECK(issue.message == "expected integer, got string");

    // Recursive schemas terminate: they consume the instance as they go.
    Json tree = {{"$id", "https://example.com/tree"},
                 {"type", "object"},
                 {"properties", {{"children", {{"type", "array"}, {"items", {{"$ref", "tree"}}}}}}},
                 {"additionalProperties", false}};
    Json node = {{"children", {{{"children", Json::array()}}, {{"childern", Json::array()}}}}};
    auto deep = only(tree, node);
    CHECK(deep.instance_pointer == "/children/1/childern");
    CHECK(deep.hint == "did you mean \"children\"?");
    // ... and one that never consumes anything stops with an issue instead of a crash.
    CHECK(only({{"$ref", "#"}}, 1).keyword == "$ref");

    Json openapi = {
        {"openapi", "3.0.3"},
        {"components",
         {{"schemas",
           {{"Pet", {{"type", "object"}, {"properties", {{"owner", {{"$ref", "#/components/schemas/Person"}}}}}}},
            {"Person", {{"type", "object"}, {"required", {"name"}}}}}}}}};
    SchemaOptions oas;
    oas.openapi30 = true;
    oas.entry_pointer = "/components/schemas/Pet";
    auto person = only(openapi, {{"owner", Json::object()}}, oas);
    CHECK(person.instance_pointer == "/owner");
    CHECK(person.schema_pointer == "/components/schemas/Person/required");
}

TEST_CASE("OpenAPI 3.0 nullable", "[core][json_schema][openapi]") {
    SchemaOptions oas;
    oas.openapi30 = true;
    Json schema = {{"type", "string"}, {"nullable", true},       {"example", 5},
                   {"readOnly", true}, {"xml", {{"name", "x"}}}, {"externalDocs", {{"url", "https://example.com"}}}};
    CHECK(check(schema, nullptr, oas).empty());
    CHECK(check(schema, "x", oas).empty());
    CHECK(only(schema, 1, oas).message == "expected string or null, got integer");
    // Without nullable (or outside OpenAPI 3.0 mode) null is just another wrong type.
    CHECK(only({{"type", "string"}}, nullptr, oas).message == "expected string, got null");
    CHECK(only(schema, nullptr).message == "expected string, got null");
    CHECK(check({{"type", "string"}, {"nullable", false}}, nullptr, oas).size() == 1);
    // Generators write nullable references as nullable + allOf/$ref; null must pass those too.
    Json ref = {
        {"components",
         {{"schemas",
           {{"Money", {{"type", "object"}, {"required", {"total"}}}},
            {"Order",
             {{"properties",
               {{"amount", {{"nullable", true}, {"allOf", {{{"$ref", "#/components/schemas/Money"}}}}}}}}}}}}}}};
    oas.entry_pointer = "/components/schemas/Order";
    CHECK(check(ref, {{"amount", nullptr}}, oas).empty());
    CHECK(only(ref, {{"amount", Json::object()}}, oas).message == "missing required key \"total\"");
    // Draft 4 rules apply: boolean exclusiveMaximum, and int32 is a checked format.
    oas.entry_pointer.clear();
    CHECK(only({{"maximum", 5}, {"exclusiveMaximum", true}}, 5, oas).message == "must be less than 5, got 5");
    CHECK(only({{"type", "integer"}, {"format", "int32"}}, 3000000000LL, oas).message ==
          "3000000000 is not a valid int32");
    CHECK(check({{"type", "string"}, {"enum", {"a"}}, {"nullable", true}}, nullptr, oas).empty());
}

TEST_CASE("a compiled schema is shared across threads", "[core][json_schema]") {
    auto schema = JsonSchema::compile({{"type", "object"},
                                       {"properties", {{"id", {{"type", "string"}, {"pattern", "^[0-9]+$"}}}}},
                                       {"additionalProperties", false}});
    REQUIRE(schema.ok());
    const JsonSchema shared = *schema;
    std::vector<std::thread> threads;
    threads.reserve(4);
    std::atomic<int> wrong{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                if (!shared.is_valid({{"id", std::to_string(i)}})) ++wrong;
                if (shared.validate({{"id", "x"}, {"idd", 1}}).size() != 2) ++wrong;
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(wrong == 0);
}

TEST_CASE("patterns on very long strings do not exhaust the stack", "[core][json_schema]") {
    // std::regex recurses per character; 100,000 characters crash an 8 MiB stack when matched inline.
    Json schema = {{"pattern", "^(a|b)*$"}};
    CHECK(check(schema, std::string(100000, 'a')).empty());
    std::string long_c(100000, 'a');
    long_c += 'c';  // appended in place: GCC 12 misreports bounds on a temporary here (-Warray-bounds)
    CHECK(only(schema, long_c).message.find("does not match pattern ^(a|b)*$") != std::string::npos);
    CHECK(only(schema, std::string(300000, 'a')).message == "cannot check 300000 bytes against pattern ^(a|b)*$");
}

TEST_CASE("schema set: entry points of one document share components, a bad entry spoils no other",
          "[core][json_schema]") {
    Json doc = Json::parse(R"({
      "components": {"schemas": {
        "Pet": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}},
                "additionalProperties": false},
        "Broken": {"$ref": "#/components/schemas/Missing"}
      }},
      "paths": {
        "a": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}},
        "b": {"$ref": "#/components/schemas/Pet"},
        "c": {"properties": {"x": {"$ref": "#/components/schemas/Broken"}}}
      }
    })");
    SchemaOptions options;
    options.default_draft = SchemaDraft::draft4;
    JsonSchemaSet set(doc, options);

    auto a = set.compile_at("/paths/a");
    REQUIRE(a);
    auto c = set.compile_at("/paths/c");
    REQUIRE_FALSE(c);
    CHECK_THAT(c.error().message, Catch::Contains("/components/schemas/Missing"));
    auto b = set.compile_at("/paths/b");
    REQUIRE(b);
    CHECK_FALSE(set.compile_at("/paths/nothing"));

    CHECK(a->is_valid(Json::parse(R"([{"name": "Rex"}])")));
    auto issues = a->validate(Json::parse(R"([{"name": "Rex"}, {"nmae": "Tom"}])"));
    REQUIRE(issues.size() == 2);
    CHECK(issues[0].instance_pointer == "/1");
    CHECK(issues[0].keyword == "required");
    CHECK(issues[1].instance_pointer == "/1/nmae");
    CHECK(issues[1].hint == "did you mean \"name\"?");
    CHECK(b->is_valid(Json::parse(R"({"name": "Rex"})")));
    CHECK_FALSE(b->is_valid(Json::parse(R"([])")));

    // Each entry point validates exactly as a separate compile of the same pointer does.
    options.entry_pointer = "/paths/b";
    auto alone = JsonSchema::compile(doc, options);
    REQUIRE(alone);
    for (const char* instance : {R"({"name": 1})", R"({})", R"({"name": "x", "y": 2})", R"("s")"}) {
        auto x = Json::parse(instance);
        CHECK(alone->validate(x).size() == b->validate(x).size());
        CHECK(alone->is_valid(x) == b->is_valid(x));
    }
}

TEST_CASE("a capped issue list stays whole when the issues past the cap are unknown keys or types",
          "[core][json_schema]") {
    // Found by fuzz_json_schema: the issue past the cap was an unknown key, and its report was written
    // through the null the full list returns.
    auto schema = JsonSchema::compile(
        Json::parse(R"({"type":"object","required":["!"],"properties":{"a":{"type":"integer","minimum":5},)"
                    R"("b":{"type":"string","pattern":";x+$","maxLength":0}},"additionalProperties":false})"));
    REQUIRE(schema.ok());
    Json instance = Json::parse(R"({"a":1,"b":"x","c":[1,2,2],"d":{"e":null}})");
    size_t more = 0;
    auto issues = schema->validate(instance, 2, &more);
    CHECK(issues.size() == 2);
    CHECK(issues.size() + more == schema->validate(instance).size());

    // The same for a type mismatch reported through the closest of several alternatives.
    auto alternatives = JsonSchema::compile(
        Json::parse(R"({"type":"array","items":{"anyOf":[{"type":"string"},{"type":"integer"}]}})"));
    REQUIRE(alternatives.ok());
    Json wrong = Json::array();
    for (int i = 0; i < 10; ++i) wrong.push_back(Json::object());
    more = 0;
    auto capped = alternatives->validate(wrong, 3, &more);
    CHECK(capped.size() == 3);
    CHECK(capped.size() + more == 10);
}
