// The scenario parser: the model it builds, and positions + hints of every kind of mistake.
#include <filesystem>

#include <catch2/catch.hpp>

#include "core/text.hpp"
#include "emulator/alipay/protocol_cert.hpp"
#include "tests/support/emulator_process.hpp"
#include "tools/scenario/parser.hpp"
#include "tools/scenario/steps/step_kind.hpp"

using namespace mpemu;

namespace {

struct Loaded {
    std::shared_ptr<const scenario::Scenario> scenario;
    std::string diagnostics;  // short form: file:line:column: error: message (hint)
    std::string path;
};

Loaded load(const std::string& text, const std::string& name = "s.json", const scenario::LoadOptions& options = {}) {
    static std::string dir = testing::temp_dir();
    std::string path = dir + "/" + name;
    REQUIRE(core::write_file(path, text));
    core::Diagnostics diags;
    Loaded out;
    out.scenario = scenario::load_scenario(path, diags, options);
    out.diagnostics = core::replace_all(diags.render_short(), dir + "/", "");
    out.path = path;
    return out;
}

}  // namespace

TEST_CASE("parser builds the model with positions", "[scenario][parser]") {
    auto l = load(R"({
  // comments are allowed
  "name": "model",
  "tags": ["a"],
  "vars": {"b": "1", "a": "{{b}}x"},
  "steps": [
    {"request": {"url": "/x", "json": {"k": "{{a}}"}, "headers": {"Z": "1", "A": "2"}},
     "capture": {"tok": "$.token", "h": {"header": "X-Id"}},
     "assert": {"status": [200, 201], "jsonpath": {"$.n": {"gt": 1, "lt": 9}}, "time_ms": 100}},
    {"admin": "wechatpay_pay", "params": {"out_trade_no": "{{tok}}"}, "body": {"result": "SUCCESS"}},
    {"wait": "5ms"}
  ]
})");
    INFO(l.diagnostics);
    REQUIRE(l.scenario);
    const auto& sc = *l.scenario;
    CHECK(sc.name == "model");
    CHECK_FALSE(sc.reset);
    // vars keep file order (b before a), not alphabetical
    CHECK(sc.vars.begin().key() == "b");
    REQUIRE(sc.steps.size() == 3);
    const auto& s0 = sc.steps[0];
    REQUIRE(s0.as<scenario::RequestSpec>());
    CHECK(std::string(scenario::step_kind_name(s0)) == "request");
    CHECK(s0.as<scenario::RequestSpec>()->method == "POST");  // a body without a method means POST
    CHECK(s0.as<scenario::RequestSpec>()->headers.begin().key() == "Z");
    CHECK(s0.name == "POST /x");
    CHECK(s0.where.pos.line == 7);
    CHECK(s0.where.pos.column == 5);
    REQUIRE(s0.captures.size() == 2);
    CHECK(s0.captures[0].name == "tok");
    CHECK(s0.captures[0].where.pos.line == 8);
    REQUIRE(s0.checks.size() == 3);
    CHECK(s0.checks[0].subject == scenario::CheckSubject::kStatus);
    CHECK(s0.checks[0].predicates[0].op == "one_of");
    CHECK(s0.checks[1].predicates.size() == 2);
    CHECK(s0.checks[1].predicates[1].where.pos.line == 9);
    CHECK(s0.checks[2].predicates[0].op == "lt");  // a bare time_ms means "less than"
    const auto& s1 = sc.steps[1];
    const auto* admin = s1.as<scenario::AdminSpec>();
    REQUIRE(admin);
    CHECK(admin->op == "wechatpay.transactions.pay");
    CHECK(admin->method == "POST");
    CHECK(admin->path == "/__admin/wechatpay/transactions/{out_trade_no}/pay");
    REQUIRE(sc.steps[2].as<scenario::WaitSpec>());
    CHECK(sc.steps[2].as<scenario::WaitSpec>()->duration == std::chrono::milliseconds(5));
}

TEST_CASE("parser: syntax errors point at the character", "[scenario][parser]") {
    auto l = load("{\n  \"name\": \"x\",\n  \"steps\": [}\n", "syntax.json");
    CHECK_FALSE(l.scenario);
    CHECK(core::starts_with(l.diagnostics, "syntax.json:3:13: error:"));
}

TEST_CASE("parser: unknown fields and step kinds get did-you-mean hints", "[scenario][parser]") {
    auto l = load(R"({"name": "x", "steps": [
  {"requst": {"url": "/"}},
  {"request": {"url": "/"}, "asert": {"status": 200}},
  {"request": {"url": "/"}, "assert": {"jsonpath": {"$.a": {"equal": 1}}}}
]})",
                  "fields.json");
    CHECK_FALSE(l.scenario);
    CHECK(l.diagnostics.find("fields.json:2:4: error: unknown key \"requst\" (did you mean \"request\"?)") !=
          std::string::npos);
    CHECK(l.diagnostics.find("fields.json:3:29: error: unknown key \"asert\" (did you mean \"assert\"?)") !=
          std::string::npos);
    CHECK(l.diagnostics.find("unknown key \"equal\" (did you mean \"equals\"?)") != std::string::npos);
}

TEST_CASE("parser: positions inside strings (templates, JSONPath)", "[scenario][parser]") {
    auto l = load(R"({"name": "x", "vars": {"openid": "o1"}, "steps": [
  {"request": {"url": "/a?id={{opneid}}"}},
  {"request": {"url": "/b", "headers": {"X": "{{sha265(openid)}}"}}},
  {"request": {"url": "/c"}, "assert": {"jsonpath": {"$.a[?(@.b ==": 1}}}
]})",
                  "inner.json");
    CHECK_FALSE(l.scenario);
    INFO(l.diagnostics);
    CHECK(l.diagnostics.find("inner.json:2:32: error: unknown variable \"opneid\" (did you mean \"openid\"?)") !=
          std::string::npos);
    CHECK(
        l.diagnostics.find("inner.json:3:49: error: unknown template function \"sha265\" (did you mean \"sha256\"?)") !=
        std::string::npos);
    CHECK(l.diagnostics.find("inner.json:4:66: error: bad JSONPath: expected a literal after '=='") !=
          std::string::npos);
}

TEST_CASE("parser: variables must be defined before use, --var and captures count", "[scenario][parser]") {
    std::string text = R"({"name": "x", "steps": [
  {"request": {"url": "/a?t={{token}}&r={{region}}"}},
  {"request": {"url": "/b"}, "capture": {"token": "$.t"}},
  {"request": {"url": "/c?t={{token}}"}}
]})";
    auto l = load(text, "vars.json");
    CHECK_FALSE(l.scenario);
    CHECK(l.diagnostics.find("unknown variable \"token\"") != std::string::npos);
    CHECK(l.diagnostics.find("unknown variable \"region\"") != std::string::npos);
    CHECK(l.diagnostics.find("vars.json:4:") == std::string::npos);  // captured by then

    scenario::LoadOptions cli;
    cli.cli_vars = {"token", "region"};
    auto ok = load(text, "vars2.json", cli);
    INFO(ok.diagnostics);
    CHECK(ok.scenario);
}

TEST_CASE("parser: step kinds, admin operations, includes", "[scenario][parser]") {
    auto l = load(R"({"name": "x", "steps": [
  {"name": "nothing"},
  {"request": {"url": "/"}, "admin": "health"},
  {"admin": "wechat.login_code.create"},
  {"admin": "wechatpay_pay", "body": {}},
  {"admin": "health", "params": {"id": "1"}},
  {"include": "nope.json"},
  {"alipay_notify": {"url": "/n", "app_id": "2021004100000001", "params": {}}},
  {"wait": "soon"}
]})",
                  "kinds.json");
    CHECK_FALSE(l.scenario);
    INFO(l.diagnostics);
    CHECK(l.diagnostics.find("kinds.json:2:3: error: a step needs a kind") != std::string::npos);
    CHECK(l.diagnostics.find("a step has one kind; this one also has \"request\"") != std::string::npos);
    CHECK(l.diagnostics.find("unknown admin operation \"wechat.login_code.create\" (did you mean "
                             "\"wechat.login_codes.create\"?)") != std::string::npos);
    CHECK(l.diagnostics.find("needs \"params\": {\"out_trade_no\": ...}") != std::string::npos);
    CHECK(l.diagnostics.find("the path /__admin/health has no {id}") != std::string::npos);
    CHECK(l.diagnostics.find("included file \"nope.json\" not found") != std::string::npos);
    CHECK(l.diagnostics.find("kinds.json:8:4: error: an Alipay notification needs keys (give \"keys\": \"<folder>\" or "
                             "declare \"fixtures\")") != std::string::npos);
    CHECK(l.diagnostics.find("bad duration \"soon\"") != std::string::npos);
}

TEST_CASE("parser: include cycles are refused", "[scenario][parser]") {
    load(R"({"name": "b", "steps": [{"include": "cycle_a.json"}]})", "cycle_b.json");
    auto l = load(R"({"name": "a", "steps": [{"include": "cycle_b.json"}]})", "cycle_a.json");
    CHECK_FALSE(l.scenario);
    CHECK(l.diagnostics.find("\"cycle_a.json\" includes itself") != std::string::npos);
}

TEST_CASE("parser: an include step cannot be retried", "[scenario][parser]") {
    // The check used to test the step's kind before it was set, so it never fired.
    load(R"({"name": "inner", "steps": [{"wait": "1ms"}]})", "retry_inner.json");
    auto l = load(R"({"name": "x", "steps": [
  {"include": "retry_inner.json", "retry": {"attempts": 3}}
]})",
                  "retry_include.json");
    CHECK_FALSE(l.scenario);
    INFO(l.diagnostics);
    CHECK(l.diagnostics.find("retry_include.json:2:35: error: an include step cannot be retried") != std::string::npos);
    // Other kinds still take a retry.
    auto ok =
        load(R"({"name": "x", "steps": [{"request": {"url": "/"}, "retry": {"attempts": 3, "interval": "5ms"}}]})",
             "retry_request.json");
    INFO(ok.diagnostics);
    REQUIRE(ok.scenario);
    REQUIRE(ok.scenario->steps[0].retry);
    CHECK(ok.scenario->steps[0].retry->attempts == 3);
}

TEST_CASE("expand_scenario_paths: folders sorted, _shared and *.schema.json skipped", "[scenario][parser]") {
    std::string dir = testing::temp_dir();
    std::filesystem::create_directories(dir + "/suite/_lib");
    std::filesystem::create_directories(dir + "/suite/sub");
    for (const char* f : {"/suite/b.json", "/suite/a.json", "/suite/sub/c.json", "/suite/_lib/x.json", "/suite/_y.json",
                          "/suite/body.schema.json", "/suite/notes.txt"}) {
        core::write_file(dir + f, "{}");
    }
    core::Diagnostics diags;
    auto files = scenario::expand_scenario_paths({dir + "/suite", dir + "/missing"}, diags);
    REQUIRE(files.size() == 3);
    CHECK(core::ends_with(files[0], "/suite/a.json"));
    CHECK(core::ends_with(files[1], "/suite/b.json"));
    CHECK(core::ends_with(files[2], "/suite/sub/c.json"));
    CHECK(diags.render_short().find("no such scenario file or folder") != std::string::npos);
}

TEST_CASE("parser: alipay_notify and alipay_request steps", "[scenario][parser][alipay]") {
    std::string fixtures = testing::default_fixtures_dir();
    auto l = load(R"({"name": "alipay", "fixtures": ")" + fixtures + R"(", "vars": {"order": "A1"}, "steps": [
  {"alipay_notify": {"url": "/api/pay/alipay/notify", "app_id": "2021004100000001",
                     "params": {"out_trade_no": "{{order}}", "trade_status": "TRADE_SUCCESS", "notify_type": null}}},
  {"alipay_request": {"method": "alipay.trade.query", "app_id": "2021004100000002", "biz_content": {"out_trade_no": "{{order}}"},
                      "params": {"notify_url": "http://127.0.0.1:1/n"}, "sign": null}},
  {"alipay_request": {"method": "alipay.trade.query", "app_id": "2021004100000001", "verify": false, "sign_type": "RSA"}}
]})",
                  "alipay_steps.json");
    INFO(l.diagnostics);
    REQUIRE(l.scenario);
    REQUIRE(l.scenario->steps.size() == 3);
    const auto& n = l.scenario->steps[0];
    REQUIRE(n.as<scenario::AlipayNotifySpec>());
    CHECK(n.name == "Alipay notification TRADE_SUCCESS to /api/pay/alipay/notify");
    CHECK(n.as<scenario::AlipayNotifySpec>()->sign_type == "RSA2");
    CHECK(n.as<scenario::AlipayNotifySpec>()->params.begin().key() == "out_trade_no");  // file order
    CHECK(n.as<scenario::AlipayNotifySpec>()->params["notify_type"].is_null());
    CHECK(core::starts_with(n.as<scenario::AlipayNotifySpec>()->alipay_private_key_pem, "-----BEGIN"));
    auto key1 = core::read_file(fixtures + "/keys/alipay/app_private_key.pem");
    auto key2 = core::read_file(fixtures + "/keys/alipay/2021004100000002/app_private_key.pem");
    REQUIRE(key1);
    REQUIRE(key2);
    const auto& r = l.scenario->steps[1];
    REQUIRE(r.as<scenario::AlipayRequestSpec>());
    CHECK(r.name == "Alipay alipay.trade.query");
    CHECK(r.as<scenario::AlipayRequestSpec>()->url == "/gateway.do");
    // The second app's keys live in keys/alipay/<app_id>/.
    CHECK(r.as<scenario::AlipayRequestSpec>()->app_private_key_pem == std::string(core::trim(*key2)));
    CHECK_FALSE(r.as<scenario::AlipayRequestSpec>()->alipay_public_key_pem.empty());
    REQUIRE(r.as<scenario::AlipayRequestSpec>()->sign);
    CHECK(r.as<scenario::AlipayRequestSpec>()->sign->is_null());
    const auto& q = l.scenario->steps[2];
    CHECK(q.as<scenario::AlipayRequestSpec>()->app_private_key_pem == std::string(core::trim(*key1)));
    CHECK(q.as<scenario::AlipayRequestSpec>()->alipay_public_key_pem.empty());  // verify: false
    CHECK(q.as<scenario::AlipayRequestSpec>()->sign_type == "RSA");
    CHECK(q.as<scenario::AlipayRequestSpec>()->app_keys.empty());  // a literal app_id: its folder was read

    // A templated app_id: every app folder's keys are kept for the runner to pick from.
    auto t = load(R"({"name": "t", "fixtures": ")" + fixtures + R"(", "vars": {"app": "2021004100000002"}, "steps": [
  {"alipay_request": {"method": "alipay.trade.query", "app_id": "{{app}}"}}]})",
                  "alipay_templated.json");
    INFO(t.diagnostics);
    REQUIRE(t.scenario);
    const auto& keys = t.scenario->steps[0].as<scenario::AlipayRequestSpec>()->app_keys;
    REQUIRE(keys.count("2021004100000002"));
    CHECK(keys.at("2021004100000002").private_key_pem == std::string(core::trim(*key2)));
    CHECK_FALSE(keys.at("2021004100000002").alipay_public_key_pem.empty());
    // A certificate-mode folder among them brings its SNs; a key-mode one has none.
    const auto& certs = t.scenario->steps[0].as<scenario::AlipayRequestSpec>()->certs_by_app;
    REQUIRE(certs.count("2021004100000003"));
    CHECK(certs.at("2021004100000003").app_cert_sn.size() == 32);
    CHECK(certs.at("2021004100000002").app_cert_sn.empty());
}

TEST_CASE("parser: Alipay requests of a certificate-mode app carry its SNs and check with alipay_cert.crt",
          "[scenario][parser][alipay]") {
    std::string fixtures = testing::default_fixtures_dir();
    std::string dir = fixtures + "/keys/alipay/2021004100000003/";
    auto t = load(R"({"name": "t", "fixtures": ")" + fixtures + R"(", "steps": [
  {"alipay_request": {"method": "alipay.trade.query", "app_id": "2021004100000003"}},
  {"alipay_v3_request": {"url": "/v3/alipay/trade/query", "app_id": "2021004100000003"}}]})",
                  "alipay_cert.json");
    INFO(t.diagnostics);
    REQUIRE(t.scenario);
    const auto& spec = *t.scenario->steps[0].as<scenario::AlipayRequestSpec>();
    auto app_sn = alipay::certificate_sn(*core::read_file(dir + "app_cert.crt"));
    auto root_sn = alipay::root_certificate_sn(*core::read_file(dir + "alipay_root_cert.crt"));
    REQUIRE(app_sn);
    REQUIRE(root_sn);
    CHECK(spec.certs.app_cert_sn == *app_sn);
    CHECK(spec.certs.alipay_root_cert_sn == *root_sn);
    CHECK(spec.alipay_public_key_pem == std::string(core::trim(*core::read_file(dir + "alipay_cert.crt"))));
    const auto& v3 = *t.scenario->steps[1].as<scenario::AlipayV3RequestSpec>();
    CHECK(v3.certs.app_cert_sn == *app_sn);
    CHECK(v3.certs.alipay_root_cert_sn == *root_sn);
    CHECK(v3.alipay_public_key_pem == spec.alipay_public_key_pem);
}

TEST_CASE("parser: mistakes in Alipay steps are positioned, with hints", "[scenario][parser][alipay]") {
    auto l = load(R"({"name": "x", "steps": [
  {"alipay_requst": {"method": "alipay.trade.query", "app_id": "1"}},
  {"alipay_notify": {"url": "/n", "app_id": "1", "parms": {}}},
  {"alipay_request": {"method": "alipay.trade.query", "app_id": "1", "sign_type": "RSA3"}},
  {"alipay_request": {"method": "alipay.trade.query", "app_id": "1", "keys": "no/such/folder"}},
  {"alipay_notify": {"url": "/n", "app_id": "{{app}}", "params": {"out_trade_no": "{{ordr}}"}}}
]})",
                  "alipay_bad.json");
    CHECK_FALSE(l.scenario);
    INFO(l.diagnostics);
    CHECK(l.diagnostics.find(
              "alipay_bad.json:2:4: error: unknown key \"alipay_requst\" (did you mean \"alipay_request\"?)") !=
          std::string::npos);
    CHECK(l.diagnostics.find("alipay_bad.json:3:50: error: unknown key \"parms\" (did you mean \"params\"?)") !=
          std::string::npos);
    CHECK(l.diagnostics.find("alipay_bad.json:4:83: error: expected one of \"RSA2\", \"RSA\"; got \"RSA3\"") !=
          std::string::npos);  // sign_type not RSA2/RSA
    CHECK(l.diagnostics.find("alipay_bad.json:5:78: error: cannot read no/such/folder/app_private_key.pem") !=
          std::string::npos);
    CHECK(l.diagnostics.find("alipay_bad.json:6:48: error: unknown variable \"app\"") != std::string::npos);
    CHECK(l.diagnostics.find("unknown variable \"ordr\"") != std::string::npos);
}

TEST_CASE("parser: wechatpay_request reads the merchant's signing and platform keys", "[scenario][parser][wechatpay]") {
    std::string fixtures = testing::default_fixtures_dir();
    auto l = load(R"({"name": "wechatpay", "fixtures": ")" + fixtures + R"(", "vars": {"m": "1900000209"}, "steps": [
  {"wechatpay_request": {"url": "/v3/pay/transactions/out-trade-no/X?mchid=1900000109", "mchid": "1900000109"}},
  {"wechatpay_request": {"url": "/v3/pay/transactions/out-trade-no/X?mchid=1900000209", "mchid": "1900000209", "verify": true}},
  {"wechatpay_request": {"url": "/v3/pay/transactions/out-trade-no/X?mchid={{m}}", "mchid": "{{m}}"}},
  {"wechatpay_request": {"url": "/v3/pay/transactions/out-trade-no/X?mchid={{m}}", "mchid": "{{m}}", "verify": false}}
]})",
                  "wechatpay_steps.json");
    INFO(l.diagnostics);
    REQUIRE(l.scenario);
    REQUIRE(l.scenario->steps.size() == 4);
    auto text = [&](const std::string& file) {
        auto t = core::read_file(fixtures + "/keys/wechatpay/" + file);
        REQUIRE(t);
        return std::string(core::trim(*t));
    };
    const auto& first = *l.scenario->steps[0].as<scenario::WechatpayRequestSpec>();
    CHECK(first.method == "GET");
    CHECK(first.keys.merchant_serial == text("merchant_cert_serial.txt"));
    // Both platform keys, by the serial a reply names them with.
    REQUIRE(first.keys.platform_keys.size() == 2);
    CHECK(first.keys.platform_keys.at(text("platform_serial.txt")) == text("platform_cert.pem"));
    CHECK(first.keys.platform_keys.at(text("platform_public_key_id.txt")) == text("platform_public_key.pem"));
    CHECK(first.merchant_keys.empty());  // a literal mchid
    // Another merchant's keys live in keys/wechatpay/<mchid>/.
    const auto& second = *l.scenario->steps[1].as<scenario::WechatpayRequestSpec>();
    CHECK(second.keys.merchant_serial == text("1900000209/merchant_cert_serial.txt"));
    CHECK(second.keys.platform_keys.at(text("1900000209/platform_public_key_id.txt")) ==
          text("1900000209/platform_public_key.pem"));
    // A templated mchid: every merchant subfolder is kept for the runner to pick from.
    const auto& templated = *l.scenario->steps[2].as<scenario::WechatpayRequestSpec>();
    REQUIRE(templated.merchant_keys.count("1900000209"));
    CHECK(templated.merchant_keys.at("1900000209").merchant_private_key_pem ==
          text("1900000209/merchant_private_key.pem"));
    CHECK(templated.merchant_keys.at("1900000209").platform_keys.size() == 2);
    const auto& unverified = *l.scenario->steps[3].as<scenario::WechatpayRequestSpec>();
    CHECK(unverified.keys.platform_keys.empty());
    CHECK(unverified.merchant_keys.at("1900000209").platform_keys.empty());

    // "verify": true without a platform key in the folder, and a misspelt field.
    std::string keys = testing::temp_dir();
    for (const char* f : {"merchant_private_key.pem", "merchant_cert_serial.txt"}) {
        REQUIRE(core::write_file(keys + "/" + f, text(f)));
    }
    auto bad = load(R"({"name": "x", "steps": [
  {"wechatpay_request": {"url": "/v3/x", "mchid": "1900000109", "keys": ")" +
                        keys + R"(", "verify": true}},
  {"wechatpay_request": {"url": "/v3/x", "mchid": "1900000109", "keys": ")" +
                        keys + R"(", "verfy": true}}
]})",
                    "wechatpay_bad.json");
    CHECK_FALSE(bad.scenario);
    INFO(bad.diagnostics);
    // Both at the key, after the (variable-length) keys folder.
    size_t col = 80 + keys.size() - 3;
    CHECK(bad.diagnostics.find("wechatpay_bad.json:2:" + std::to_string(col) + ": error: no platform key in " + keys +
                               " (the folder needs platform_cert.pem + platform_serial.txt or") != std::string::npos);
    CHECK(bad.diagnostics.find("wechatpay_bad.json:3:" + std::to_string(col) +
                               ": error: unknown key \"verfy\" (did you mean \"verify\"?)") != std::string::npos);
}

TEST_CASE("parser: alipay_v3_request steps", "[scenario][parser][alipay]") {
    std::string fixtures = testing::default_fixtures_dir();
    auto l = load(R"({"name": "v3", "fixtures": ")" + fixtures +
                      R"(", "vars": {"order": "A1", "app": "2021004100000002"}, "steps": [
  {"alipay_v3_request": {"url": "/v3/alipay/trade/query", "app_id": "2021004100000002", "query": {"out_trade_no": "{{order}}"}}},
  {"alipay_v3_request": {"url": "/v3/alipay/trade/create", "app_id": "{{app}}", "json": {"out_trade_no": "{{order}}"},
                         "app_auth_token": "t-{{order}}", "sign": null, "verify": false}}
]})",
                  "alipay_v3.json");
    INFO(l.diagnostics);
    REQUIRE(l.scenario);
    REQUIRE(l.scenario->steps.size() == 2);
    auto key2 = core::read_file(fixtures + "/keys/alipay/2021004100000002/app_private_key.pem");
    REQUIRE(key2);
    const auto& q = l.scenario->steps[0];
    REQUIRE(q.as<scenario::AlipayV3RequestSpec>());
    CHECK(q.name == "Alipay GET /v3/alipay/trade/query");  // no body: GET
    CHECK(q.as<scenario::AlipayV3RequestSpec>()->query["out_trade_no"] == "{{order}}");
    CHECK(q.as<scenario::AlipayV3RequestSpec>()->app_private_key_pem == std::string(core::trim(*key2)));
    CHECK_FALSE(q.as<scenario::AlipayV3RequestSpec>()->alipay_public_key_pem.empty());
    CHECK_FALSE(q.as<scenario::AlipayV3RequestSpec>()->sign);
    const auto& c = *l.scenario->steps[1].as<scenario::AlipayV3RequestSpec>();
    CHECK(c.method == "POST");  // a body: POST
    REQUIRE(c.app_auth_token);
    CHECK(*c.app_auth_token == "t-{{order}}");
    REQUIRE(c.sign);
    CHECK(c.sign->is_null());
    CHECK(c.alipay_public_key_pem.empty());         // verify: false
    REQUIRE(c.app_keys.count("2021004100000002"));  // a templated app_id
    CHECK(c.app_keys.at("2021004100000002").alipay_public_key_pem.empty());

    auto bad = load(R"({"name": "x", "steps": [
  {"alipay_v3_requst": {"url": "/v3/alipay/trade/query", "app_id": "1"}},
  {"alipay_v3_request": {"url": "/v3/alipay/trade/query", "app_id": "1", "method": "post", "keys": "no/such/folder"}},
  {"alipay_v3_request": {"path": "/v3/alipay/trade/query", "app_id": "1"}}
]})",
                    "alipay_v3_bad.json");
    CHECK_FALSE(bad.scenario);
    INFO(bad.diagnostics);
    CHECK(
        bad.diagnostics.find(
            "alipay_v3_bad.json:2:4: error: unknown key \"alipay_v3_requst\" (did you mean \"alipay_v3_request\"?)") !=
        std::string::npos);
    CHECK(bad.diagnostics.find("alipay_v3_bad.json:3:84: error: expected one of \"GET\"") !=
          std::string::npos);  // method is upper case
    CHECK(bad.diagnostics.find("alipay_v3_bad.json:4:26: error: unknown key \"path\"") != std::string::npos);
}

TEST_CASE("parser: wechatpay_v2_request steps", "[scenario][parser][wechatpay]") {
    std::string fixtures = testing::default_fixtures_dir();
    auto l =
        load(R"({"name": "v2", "fixtures": ")" + fixtures + R"(", "vars": {"m": "1900000209", "order": "O1"}, "steps": [
  {"wechatpay_v2_request": {"url": "/pay/orderquery", "mchid": "1900000209", "fields": {"out_trade_no": "{{order}}", "total_fee": 1, "nonce_str": null}}},
  {"wechatpay_v2_request": {"url": "/pay/orderquery", "mchid": "{{m}}", "sign_type": "HMAC-SHA256", "sign": null, "verify": false}}
]})",
             "wechatpay_v2.json");
    INFO(l.diagnostics);
    REQUIRE(l.scenario);
    REQUIRE(l.scenario->steps.size() == 2);
    auto key1 = core::read_file(fixtures + "/keys/wechatpay/api_v2_key.txt");
    auto key2 = core::read_file(fixtures + "/keys/wechatpay/1900000209/api_v2_key.txt");
    REQUIRE(key1);
    REQUIRE(key2);
    const auto& a = l.scenario->steps[0];
    REQUIRE(a.as<scenario::WechatpayV2RequestSpec>());
    CHECK(a.name == "WeChat Pay v2 /pay/orderquery");
    CHECK(a.as<scenario::WechatpayV2RequestSpec>()->sign_type == "MD5");
    CHECK(a.as<scenario::WechatpayV2RequestSpec>()->verify);
    CHECK(a.as<scenario::WechatpayV2RequestSpec>()->api_v2_key ==
          std::string(core::trim(*key2)));  // the merchant's subfolder
    CHECK(a.as<scenario::WechatpayV2RequestSpec>()->fields.begin().key() == "out_trade_no");  // file order
    CHECK(a.as<scenario::WechatpayV2RequestSpec>()->fields["nonce_str"].is_null());
    CHECK(a.as<scenario::WechatpayV2RequestSpec>()->merchant_keys.empty());
    const auto& b = *l.scenario->steps[1].as<scenario::WechatpayV2RequestSpec>();
    CHECK(b.sign_type == "HMAC-SHA256");
    CHECK_FALSE(b.verify);
    REQUIRE(b.sign);
    CHECK(b.sign->is_null());
    CHECK(b.api_v2_key == std::string(core::trim(*key1)));  // templated: the first merchant by default
    REQUIRE(b.merchant_keys.count("1900000209"));
    CHECK(b.merchant_keys.at("1900000209") == std::string(core::trim(*key2)));

    auto bad = load(R"({"name": "x", "steps": [
  {"wechatpay_v2_requst": {"url": "/pay/orderquery", "mchid": "1"}},
  {"wechatpay_v2_request": {"url": "/pay/orderquery", "mchid": "1", "sign_type": "SHA1", "keys": "no/such/folder"}},
  {"wechatpay_v2_request": {"url": "/pay/orderquery", "mchid": "1", "feilds": {}}}
]})",
                    "wechatpay_v2_bad.json");
    CHECK_FALSE(bad.scenario);
    INFO(bad.diagnostics);
    CHECK(bad.diagnostics.find("wechatpay_v2_bad.json:2:4: error: unknown key \"wechatpay_v2_requst\" (did you mean "
                               "\"wechatpay_v2_request\"?)") != std::string::npos);
    CHECK(bad.diagnostics.find(
              "wechatpay_v2_bad.json:3:82: error: expected one of \"MD5\", \"HMAC-SHA256\"; got \"SHA1\"") !=
          std::string::npos);
    CHECK(
        bad.diagnostics.find("wechatpay_v2_bad.json:4:69: error: unknown key \"feilds\" (did you mean \"fields\"?)") !=
        std::string::npos);
}

TEST_CASE("parser: a fixture overlay merges into the set's fixture.json", "[scenario][parser][overlay]") {
    std::string fixtures = testing::default_fixtures_dir();
    auto l = load(R"({"name": "overlay", "fixtures": ")" + fixtures + R"(", "overlay": {
  "description": null,
  "alipay": {"users": [{"user_id": "2088000000000009", "app_id": "2021004100000001", "nick_name": "overlay buyer"}]},
  "backend": {"auth": {"expires_in": "5m"}}
}, "steps": [{"admin": "health"}]})",
                  "overlay.json");
    INFO(l.diagnostics);
    REQUIRE(l.scenario);
    const auto& sc = *l.scenario;
    CHECK(sc.reset);
    CHECK(core::starts_with(sc.overlay_name, "default+overlay-"));
    auto merged = core::parse_json(sc.overlay_fixture);
    REQUIRE(merged.ok());
    CHECK((*merged)["name"] == sc.overlay_name);
    CHECK_FALSE(merged->contains("description"));  // null removes
    auto base = core::parse_json(*core::read_file(fixtures + "/fixture.json"));
    REQUIRE(base.ok());
    size_t users = (*base)["alipay"]["users"].size();
    CHECK((*merged)["alipay"]["users"].size() == users + 1);  // arrays append
    CHECK((*merged)["alipay"]["users"][users]["nick_name"] == "overlay buyer");
    CHECK((*merged)["alipay"]["apps"] == (*base)["alipay"]["apps"]);     // untouched members stay
    CHECK((*merged)["backend"]["auth"]["expires_in"] == "5m");           // scalars replace
    CHECK((*merged)["backend"]["auth"]["issuer"] == "mpemu-demo-shop");  // objects merge
    // The same overlay gives the same set name (the folder is shared); another one a different one.
    auto again =
        load(R"({"name": "o", "fixtures": ")" + fixtures + R"(", "overlay": {"backend": {"auth": {"expires_in": "6m"}}},
"steps": [{"admin": "health"}]})",
             "overlay2.json");
    REQUIRE(again.scenario);
    CHECK(again.scenario->overlay_name != sc.overlay_name);
}

TEST_CASE("parser: an overlay key selects an array item by one of its members", "[scenario][parser][overlay]") {
    std::string fixtures = testing::default_fixtures_dir();
    auto base = core::parse_json(*core::read_file(fixtures + "/fixture.json"));
    REQUIRE(base.ok());
    const auto& apps = (*base)["wechat"]["apps"];
    REQUIRE(apps.size() >= 2);
    std::string first = apps[0]["appid"].get<std::string>();
    std::string second = apps[1]["appid"].get<std::string>();
    size_t users = (*base)["wechat"]["users"].size();
    std::string some_openid = (*base)["wechat"]["users"][0]["openid"].get<std::string>();
    auto l = load(R"({"name": "keyed", "fixtures": ")" + fixtures + R"(", "overlay": {
  "wechat": {
    "apps[appid=)" + first +
                      R"(].pages": ["pages/extra/extra"],
    "apps[appid=')" + second +
                      R"('].name": "renamed",
    "users[openid=)" + some_openid +
                      R"(]": null
  },
  "backend.collections[name=x]": null
}, "steps": [{"admin": "health"}]})",
                  "keyed.json");
    // The last key selects inside an object (collections is no array): refused, nothing else is.
    CHECK_FALSE(l.scenario);
    CHECK(l.diagnostics.find("keyed.json:7:12: error: overlay path: \"collections\" is not an array") !=
          std::string::npos);

    auto ok = load(R"({"name": "keyed", "fixtures": ")" + fixtures + R"(", "overlay": {
  "wechat": {
    "apps[appid=)" + first +
                       R"(].pages": ["pages/extra/extra"],
    "apps[appid=')" + second +
                       R"('].name": "renamed",
    "apps[appid=)" + second +
                       R"(]": {"secret": "0123456789abcdef0123456789abcdef"},
    "users[openid=)" + some_openid +
                       R"(]": null
  }
}, "steps": [{"admin": "health"}]})",
                   "keyed_ok.json");
    INFO(ok.diagnostics);
    REQUIRE(ok.scenario);
    auto merged = core::parse_json(ok.scenario->overlay_fixture);
    REQUIRE(merged.ok());
    const auto& mapps = (*merged)["wechat"]["apps"];
    REQUIRE(mapps.size() == apps.size());  // merged into the items, none appended
    CHECK(mapps[0]["pages"].size() == apps[0]["pages"].size() + 1);
    CHECK(mapps[0]["pages"].back() == "pages/extra/extra");
    CHECK(mapps[0]["name"] == apps[0]["name"]);
    CHECK(mapps[1]["name"] == "renamed");
    CHECK(mapps[1]["secret"] == "0123456789abcdef0123456789abcdef");
    CHECK(mapps[1].size() == apps[1].size() + (apps[1].contains("secret") ? 0 : 1));  // nothing else added
    CHECK((*merged)["wechat"]["users"].size() == users - 1);                          // null removes the selected item
    for (const auto& u : (*merged)["wechat"]["users"]) CHECK(u["openid"] != some_openid);
}

TEST_CASE("parser: an overlay selector must match exactly one item", "[scenario][parser][overlay]") {
    std::string fixtures = testing::default_fixtures_dir();
    auto base = core::parse_json(*core::read_file(fixtures + "/fixture.json"));
    REQUIRE(base.ok());
    std::string appid = (*base)["wechat"]["apps"][0]["appid"].get<std::string>();
    std::string typo = appid.substr(0, appid.size() - 1) + (appid.back() == '0' ? "1" : "0");
    // A scenario whose overlay holds `members` in "wechat", which starts at line 2, column 15.
    auto with_wechat = [&](const std::string& members, const std::string& name) {
        return load(R"({"name": "x", "fixtures": ")" + fixtures + R"(", "overlay": {
  "wechat": {)" + members +
                        R"(}
}, "steps": [{"admin": "health"}]})",
                    name);
    };
    auto none = with_wechat(R"("apps[appid=)" + typo + R"(].pages": ["p"])", "none.json");
    CHECK_FALSE(none.scenario);
    CHECK(none.diagnostics.find("none.json:2:15: error: overlay path: apps[appid=" + typo +
                                "] matches no item (did you mean \"" + appid + "\"?)") != std::string::npos);
    // Several users share an appid: the selector is ambiguous, and a unique member is suggested.
    auto several = with_wechat(R"("users[appid=)" + appid + R"(]": {"city": "Hangzhou"})", "several.json");
    CHECK_FALSE(several.scenario);
    CHECK(several.diagnostics.find("several.json:2:15: error: overlay path: users[appid=" + appid + "] matches ") !=
          std::string::npos);
    CHECK(several.diagnostics.find("items (select by a member whose value is unique, e.g. users[openid=") !=
          std::string::npos);
    auto member = with_wechat(R"("aps[appid=)" + appid + R"(]": {"name": "n"})", "member.json");
    CHECK(
        member.diagnostics.find("member.json:2:15: error: overlay path: no member \"aps\" (did you mean \"apps\"?)") !=
        std::string::npos);
    auto syntax = with_wechat(R"("apps[appid].name": "n")", "syntax.json");
    CHECK_FALSE(syntax.scenario);
    CHECK(syntax.diagnostics.find("syntax.json:2:19: error: overlay path: a selector is [member=value]") !=
          std::string::npos);
    auto unclosed = with_wechat(R"("apps[appid=wx.name": "n")", "unclosed.json");
    CHECK_FALSE(unclosed.scenario);
    CHECK(unclosed.diagnostics.find("unclosed.json:2:19: error: overlay path: \"]\" expected") != std::string::npos);
}

TEST_CASE("parser: an overlay needs a fixture set folder", "[scenario][parser][overlay]") {
    auto l = load(R"({"name": "x",
  "overlay": {"backend": {}},
  "steps": [{"admin": "health"}]})",
                  "overlay_bad.json");
    CHECK_FALSE(l.scenario);
    CHECK(l.diagnostics.find("overlay_bad.json:2:3: error: an overlay needs a fixture set folder to lay over (declare "
                             "\"fixtures\" (e.g. \"default\"))") != std::string::npos);
    auto typo =
        load(R"({"name": "x", "fixtures": "default", "overlya": {}, "steps": [{"admin": "health"}]})", "overlya.json");
    CHECK(typo.diagnostics.find("unknown key \"overlya\" (did you mean \"overlay\"?)") != std::string::npos);
}
