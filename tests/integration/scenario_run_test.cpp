// `mpemu run` and `mpemu exec` end to end against a real emulator child process: exit codes, reports,
// console output of a failing scenario (pinned by tests/golden/run/*.out), requests to a loopback sink.
#include <filesystem>
#include <regex>

#include <catch2/catch.hpp>

#include "core/json.hpp"
#include "core/text.hpp"
#include "core/time_format.hpp"
#include "emulator/wechatpay/protocol.hpp"
#include "tests/support/emulator_process.hpp"
#include "tests/support/process.hpp"

namespace fs = std::filesystem;
using namespace mpemu;
using testing::run_command;

namespace {

// Expected text with {{*}} wildcards (any run of characters within a line), as in golden_test.cpp.
bool matches_golden(const std::string& expected, const std::string& actual) {
    std::string re;
    for (size_t i = 0; i < expected.size(); ++i) {
        if (expected.compare(i, 5, "{{*}}") == 0) {
            re += "[^\\n]*";
            i += 4;
            continue;
        }
        char c = expected[i];
        if (std::string("\\^$.|?*+()[]{}").find(c) != std::string::npos) re += '\\';
        re += c;
    }
    return std::regex_match(actual, std::regex(re));
}

// Compares a run's stdout (the target's URL as http://TARGET) with tests/golden/run/<name>;
// MPEMU_UPDATE_GOLDEN=1 rewrites the file instead and returns false.
bool check_run_golden(const std::string& name, const std::string& stdout_text, const std::string& target) {
    std::string golden = testing::source_dir() + "/tests/golden/run/" + name;
    std::string out = core::replace_all(stdout_text, target, "http://TARGET");
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read on the test's own thread; nothing sets the environment
    if (std::getenv("MPEMU_UPDATE_GOLDEN")) {
        core::write_file(golden, out);
        WARN("updated " << golden);
        return false;
    }
    auto expected = core::read_file(golden);
    REQUIRE(expected.has_value());
    INFO("--- stdout ---\n" << out << "(rerun with MPEMU_UPDATE_GOLDEN=1 to rewrite " << golden << ")");
    CHECK(matches_golden(*expected, out));
    return true;
}

testing::CommandResult mpemu_run(std::vector<std::string> args) {
    args.insert(args.begin(), {MPEMU_BINARY, "run"});
    return run_command(args, {}, std::chrono::seconds(60), {{"NO_COLOR", "1"}}, testing::source_dir());
}

}  // namespace

TEST_CASE("run: the harness suite passes against an emulator and writes every report", "[scenario][run]") {
    testing::EmulatorProcess emu;
    std::string dir = testing::temp_dir();
    auto r = mpemu_run({"scenarios/e2e/harness", "--target", emu.url(), "--junit", dir + "/r.xml", "--json",
                        dir + "/r.json", "--html", dir + "/r.html"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("PASS scenarios/e2e/harness/http_steps.json") != std::string::npos);
    CHECK(r.out.find("0 failed") != std::string::npos);
    auto json = core::read_file(dir + "/r.json");
    REQUIRE(json.has_value());
    auto j = core::parse_json(*json);
    REQUIRE(j.ok());
    CHECK((*j)["totals"]["failed"] == 0);
    CHECK((*j)["totals"]["scenarios"].get<int>() >= 3);
    auto xml = core::read_file(dir + "/r.xml");
    REQUIRE(xml.has_value());
    CHECK(xml->find("<testsuite id=\"0\" name=\"scenarios/e2e/harness\"") != std::string::npos);
    auto html = core::read_file(dir + "/r.html");
    REQUIRE(html.has_value());
    CHECK(html->find("http_steps.json") != std::string::npos);
}

TEST_CASE("run: --parallel runs scenarios that reset the emulator one at a time", "[scenario][run]") {
    testing::EmulatorProcess emu;
    auto r = mpemu_run({"scenarios/e2e/harness", "scenarios/e2e/harness", "--target", emu.url(), "--parallel", "4"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
}

TEST_CASE("run: a failing scenario exits 1 and shows every failed assertion", "[scenario][run][golden]") {
    testing::EmulatorProcess emu;
    auto r = mpemu_run({"tests/data/scenarios/failing/mismatch.json", "--target", emu.url()});
    CHECK(r.exit_code == 1);
    check_run_golden("failing-mismatch.out", r.out, emu.url());
}

TEST_CASE("run: a failed object equality shows a line diff, and unrun steps keep their raw names",
          "[scenario][run][golden]") {
    testing::EmulatorProcess emu;
    std::string dir = testing::temp_dir();
    auto r = mpemu_run({"tests/data/scenarios/failing/diff.json", "--target", emu.url(), "--verbose", "--json",
                        dir + "/r.json", "--junit", dir + "/r.xml"});
    CHECK(r.exit_code == 1);
    if (!check_run_golden("failing-diff.out", r.out, emu.url())) return;
    // The reports carry the same: the diff on the check, the unexpanded name flagged.
    auto json = core::read_file(dir + "/r.json");
    REQUIRE(json.has_value());
    auto j = core::parse_json(*json);
    REQUIRE(j.ok());
    const auto& steps = (*j)["scenarios"][0]["steps"];
    const core::Json* failed = nullptr;
    for (const auto& s : steps) {
        if (s["name"] == "read product 2") failed = &s;
    }
    REQUIRE(failed != nullptr);
    const auto& whole = (*failed)["checks"][0];
    CHECK(whole["subject"] == "jsonpath \"$\"");
    CHECK(whole["diff"].get<std::string>().find("-   \"origin\": \"Yunnan\"") != std::string::npos);
    CHECK(whole["diff"].get<std::string>().find("+   \"price\": 26800") != std::string::npos);
    CHECK_FALSE((*failed)["checks"][1].contains("diff"));  // scalars show their two values only
    const auto& last = steps.back();
    CHECK(last["name"] == "pay {{price}} fen");
    CHECK(last["status"] == "not_run");
    CHECK(last["name_expanded"] == false);
    auto xml = core::read_file(dir + "/r.xml");
    REQUIRE(xml.has_value());
    CHECK(xml->find("not_run pay {{price}} fen (not run; name not expanded)") != std::string::npos);
    CHECK(xml->find("diff (- expected, + actual):") != std::string::npos);
}

TEST_CASE("run: --var overrides, --tag selects, --fail-fast stops", "[scenario][run]") {
    testing::EmulatorProcess emu;
    auto tagged = mpemu_run({"scenarios/e2e/harness", "--target", emu.url(), "--tag", "smoke"});
    INFO(tagged.out << tagged.err);
    CHECK(tagged.exit_code == 0);
    CHECK(tagged.out.find("retry.json") == std::string::npos);
    CHECK(tagged.out.find("clock.json") != std::string::npos);

    auto none = mpemu_run({"scenarios/e2e/harness", "--target", emu.url(), "--tag", "no-such-tag"});
    CHECK(none.exit_code == 2);

    auto ff = mpemu_run({"tests/data/scenarios/failing/mismatch.json", "scenarios/e2e/harness/clock.json", "--target",
                         emu.url(), "--fail-fast"});
    CHECK(ff.exit_code == 1);
    CHECK(ff.out.find("clock.json") == std::string::npos);
    CHECK(ff.out.find("1 scenario: 0 passed, 1 failed") != std::string::npos);
}

TEST_CASE("run: requests reach any URL, with a form body, and captures feed later steps", "[scenario][run]") {
    testing::HttpSink sink;
    sink.script({{200, "{\"ticket\":\"T-9\",\"n\":3}", "application/json"}}, {200, "ok"});
    std::string dir = testing::temp_dir();
    std::string file = dir + "/sink.json";
    core::write_file(file, R"({
  "name": "form body to a sink",
  "vars": {"who": "tester"},
  "steps": [
    {"request": {"url": "{{sink}}", "form": {"user": "{{who}}", "note": "a b&c"}, "headers": {"X-N": 1}},
     "capture": {"ticket": "$.ticket"}, "assert": {"status": 200, "jsonpath": {"$.n": {"gt": 2}}}},
    {"request": {"method": "POST", "url": "{{sink}}?t={{ticket}}", "body": "raw {{ticket}}"}, "assert": {"body": "ok"}}
  ]
})");
    auto r = mpemu_run({file, "--target", "http://127.0.0.1:9", "--var", "sink=" + sink.url("/in")});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    auto got = sink.wait_for(2);
    REQUIRE(got.size() == 2);
    CHECK(got[0].method == "POST");
    CHECK(got[0].body == "user=tester&note=a+b%26c");
    REQUIRE(got[0].header("Content-Type"));
    CHECK(*got[0].header("Content-Type") == "application/x-www-form-urlencoded");
    CHECK(*got[0].header("X-N") == "1");
    CHECK(got[1].method == "POST");
    CHECK(got[1].target == "/in?t=T-9");
    CHECK(got[1].body == "raw T-9");
}

TEST_CASE("exec: runs the command with MPEMU_URL and exits with its status", "[scenario][exec]") {
    auto r = run_command({MPEMU_BINARY, "exec", "--", "sh", "-c",
                          "curl -s \"$MPEMU_URL/__admin/health\" >/dev/null 2>&1; echo \"url=$MPEMU_URL\"; exit 7"},
                         {}, std::chrono::seconds(60), {{"NO_COLOR", "1"}}, testing::source_dir());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 7);
    CHECK(std::regex_search(r.out, std::regex("url=http://127\\.0\\.0\\.1:[0-9]+")));

    auto run = run_command({MPEMU_BINARY, "exec", "--seed", "1", "--", MPEMU_BINARY, "run", "scenarios/e2e/harness"},
                           {}, std::chrono::seconds(90), {{"NO_COLOR", "1"}}, testing::source_dir());
    INFO(run.out << run.err);
    CHECK(run.exit_code == 0);

    auto missing = run_command({MPEMU_BINARY, "exec", "--", "/nonexistent/command"}, {}, std::chrono::seconds(30), {},
                               testing::source_dir());
    CHECK(missing.exit_code == 127);
    CHECK(missing.err.find("cannot run /nonexistent/command") != std::string::npos);
}

TEST_CASE("run: a WeChat Pay notification step sends what WeChat Pay would send", "[scenario][run][wechatpay]") {
    testing::HttpSink sink;
    std::string dir = testing::temp_dir();
    std::string keys = testing::default_fixtures_dir() + "/keys/wechatpay";
    std::string file = dir + "/notify.json";
    core::write_file(file, R"({
  "name": "notify a backend",
  "vars": {"order": "T1001"},
  "steps": [
    {"wechatpay_notify": {"url": "{{sink}}", "keys": ")" +
                               keys + R"(",
       "resource": {"mchid": "1900000109", "out_trade_no": "{{order}}", "trade_state": "SUCCESS", "amount": {"total": 100}}},
     "assert": {"status": 200}}
  ]
})");
    auto r = mpemu_run({file, "--target", "http://127.0.0.1:9", "--var", "sink=" + sink.url("/pay/notify")});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    auto got = sink.wait_for(1);
    REQUIRE(got.size() == 1);
    const auto& n = got[0];
    REQUIRE(n.header("Wechatpay-Signature"));
    namespace wp = wechatpay::protocol;
    wp::SignedHeaders h{*n.header("Wechatpay-Timestamp"), *n.header("Wechatpay-Nonce"),
                        *n.header("Wechatpay-Signature"), *n.header("Wechatpay-Serial")};
    auto serial = core::read_file(keys + "/platform_serial.txt");
    REQUIRE(serial.has_value());
    CHECK(h.serial == std::string(core::trim(*serial)));
    auto pub = core::crypto::load_public_key(*core::read_file(keys + "/platform_public_key.pem"));
    REQUIRE(pub.ok());
    CHECK(wp::verify_message(*pub, h, n.body, core::to_unix(std::chrono::system_clock::now())).ok());
    auto env = wp::parse_envelope(n.body);
    REQUIRE(env.ok());
    CHECK(env->event_type == "TRANSACTION.SUCCESS");
    CHECK(env->resource.original_type == "transaction");
    std::string apiv3(core::trim(*core::read_file(keys + "/apiv3_key.txt")));
    auto plain = wp::decrypt(apiv3, env->resource.nonce, env->resource.associated_data, env->resource.ciphertext);
    REQUIRE(plain.ok());
    auto resource = core::parse_json(*plain);
    REQUIRE(resource.ok());
    CHECK((*resource)["out_trade_no"] == "T1001");
    CHECK((*resource)["amount"]["total"] == 100);
}
