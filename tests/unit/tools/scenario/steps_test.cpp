// The table of step kinds: every kind is listed once with its data, its schema fragment and its
// functions, and each kind parses its fields and builds its request without a runner.
#include <set>
#include <variant>

#include <catch2/catch.hpp>

#include "core/embedded.hpp"
#include "core/text.hpp"
#include "tests/support/emulator_process.hpp"
#include "tools/scenario/parser.hpp"
#include "tools/scenario/steps/step_kind.hpp"

using namespace mpemu;

TEST_CASE("steps: the table lists every kind once, each with its data and schema", "[scenario][steps]") {
    const auto& kinds = scenario::step_kinds();
    REQUIRE(kinds.size() == std::variant_size_v<scenario::StepSpec>);
    std::set<std::string> names;
    std::set<size_t> indexes;
    auto schema = core::parse_json(core::embedded_file("scenario.schema.json").value_or(""));
    REQUIRE(schema);
    for (const auto& k : kinds) {
        INFO(k.name);
        CHECK(names.insert(k.name).second);
        CHECK(indexes.insert(k.index).second);
        CHECK(k.parse);
        CHECK(scenario::find_step_kind(k.name) == &k);
        // The schema fragment exists, and the step object allows the kind's key and its fields.
        REQUIRE(core::starts_with(k.schema, "#/"));
        CHECK(core::pointer_get(*schema, std::string(k.schema).substr(1)));
        CHECK(core::pointer_get(*schema, std::string("/$defs/step/properties/") + k.name));
        for (const auto& f : k.step_fields) CHECK(core::pointer_get(*schema, "/$defs/step/properties/" + f));
    }
    CHECK(scenario::find_step_kind("requst") == nullptr);
    // Include and wait send nothing: the runner runs them.
    CHECK_FALSE(scenario::find_step_kind("include")->build);
    CHECK_FALSE(scenario::find_step_kind("wait")->build);
}

TEST_CASE("steps: each kind parses and builds its request", "[scenario][steps]") {
    std::string dir = testing::temp_dir();
    std::string fixtures = testing::source_dir() + "/fixtures/default";
    REQUIRE(core::write_file(dir + "/steps_inner.json", R"({"name": "inner", "steps": [{"wait": "1ms"}]})"));
    std::string path = dir + "/steps_kinds.json";
    REQUIRE(core::write_file(path, R"({"name": "kinds", "fixtures": ")" + fixtures + R"(", "steps": [
  {"request": {"url": "/r", "form": {"a": "1"}}},
  {"admin": "clock", "body": {"freeze": true}},
  {"include": "steps_inner.json"},
  {"wait": "2ms"},
  {"wechatpay_request": {"url": "/v3/pay/transactions/jsapi", "mchid": "1900000109", "json": {"x": 1}}},
  {"wechatpay_v2_request": {"url": "/pay/orderquery", "mchid": "1900000109", "fields": {"out_trade_no": "T1"}}},
  {"wechatpay_notify": {"url": "/notify", "resource": {"out_trade_no": "T1"}}},
  {"alipay_request": {"method": "alipay.trade.query", "app_id": "2021004100000001"}},
  {"alipay_v3_request": {"url": "/v3/alipay/trade/query", "app_id": "2021004100000001", "json": {"a": 1}}},
  {"alipay_notify": {"url": "/anotify", "app_id": "2021004100000001", "params": {"trade_status": "TRADE_SUCCESS"}}}
]})"));
    core::Diagnostics diags;
    auto sc = scenario::load_scenario(path, diags);
    INFO(diags.render_short());
    REQUIRE(sc);
    const auto& kinds = scenario::step_kinds();
    REQUIRE(sc->steps.size() == kinds.size());
    core::IdGenerator ids;
    scenario::BuildContext ctx{"http://target", "http://emulator", "tok", ids};
    scenario::Lookup lookup = [](std::string_view) -> const core::Json* { return nullptr; };
    std::map<std::string, core::HttpRequest> built;
    for (size_t i = 0; i < kinds.size(); ++i) {
        const auto& step = sc->steps[i];
        INFO(kinds[i].name);
        // The file lists the kinds in table order.
        CHECK(&scenario::step_kind(step) == &kinds[i]);
        CHECK(step.spec.index() == kinds[i].index);
        if (!kinds[i].build) continue;
        auto req = kinds[i].build(step, lookup, ctx);
        REQUIRE(req);
        built[kinds[i].name] = *req;
    }
    CHECK(built["request"].url == "http://target/r");
    CHECK(built["request"].body == "a=1");
    CHECK(built["admin"].url == "http://emulator/__admin/clock");
    CHECK(*core::find_header(built["admin"].headers, "Authorization") == "Bearer tok");
    CHECK(core::starts_with(*core::find_header(built["wechatpay_request"].headers, "Authorization"),
                            "WECHATPAY2-SHA256-RSA2048 mchid=\"1900000109\""));
    CHECK(core::starts_with(built["wechatpay_v2_request"].body, "<xml>"));
    CHECK(core::find_header(built["wechatpay_notify"].headers, "Wechatpay-Signature"));
    CHECK(core::starts_with(built["alipay_request"].url, "http://target/gateway.do?"));
    CHECK(core::starts_with(*core::find_header(built["alipay_v3_request"].headers, "Authorization"),
                            "ALIPAY-SHA256withRSA app_id=2021004100000001,"));
    CHECK(built["alipay_notify"].body.find("sign=") != std::string::npos);
    REQUIRE(sc->steps[2].as<scenario::IncludeSpec>());
    CHECK(sc->steps[2].as<scenario::IncludeSpec>()->scenario->steps.size() == 1);
    CHECK(sc->steps[3].as<scenario::WaitSpec>()->duration == std::chrono::milliseconds(2));
}
