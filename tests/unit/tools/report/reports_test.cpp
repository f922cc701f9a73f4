// Reports read plain result data: JUnit XML valid against the JUnit XSD (via xmllint when present),
// JSON with every check, HTML self-contained and escaped.
#include <filesystem>

#include <catch2/catch.hpp>

#include "core/text.hpp"
#include "tests/support/emulator_process.hpp"
#include "tests/support/process.hpp"
#include "tools/report/console.hpp"
#include "tools/report/html.hpp"
#include "tools/report/json_report.hpp"
#include "tools/report/junit.hpp"

using namespace mpemu;

namespace {

scenario::RunSummary sample() {
    scenario::RunSummary s;
    s.target = "http://127.0.0.1:8787";
    s.emulator = s.target;
    s.started_at = "2026-01-01T00:00:00.000Z";
    s.duration_ms = 42;

    scenario::ScenarioResult ok;
    ok.file = "scenarios/e2e/wechat/login.json";
    ok.name = "login <happy> & \"quoted\"";
    ok.passed = true;
    ok.started_at = s.started_at;
    ok.duration_ms = 10;
    scenario::StepResult st;
    st.name = "mint a code";
    st.kind = "admin";
    st.status = scenario::StepStatus::kPassed;
    st.attempts = 1;
    st.duration_ms = 3;
    ok.steps.push_back(st);

    scenario::ScenarioResult bad;
    bad.file = "scenarios/e2e/alipay/pay.json";
    bad.name = "pay";
    bad.passed = false;
    bad.started_at = s.started_at;
    bad.duration_ms = 20;
    scenario::StepResult fs;
    fs.name = "query";
    fs.kind = "request";
    fs.status = scenario::StepStatus::kFailed;
    fs.where = {bad.file, core::SourcePos{12, 5, 0, 1}};
    scenario::CheckResult c;
    c.label = "jsonpath \"$.code\"";
    c.predicate = "equals";
    c.actual = "\"40004\"";
    c.expected = "\"10000\"";
    c.where = {bad.file, core::SourcePos{14, 9, 0, 8}};
    fs.checks.push_back(c);
    scenario::Exchange ex;
    ex.method = "POST";
    ex.url = "http://127.0.0.1:8787/gateway.do";
    ex.status = 200;
    ex.response_body = "{\"code\":\"40004\",\"ctrl\":\"\x01\"} <script>";
    fs.exchange = ex;
    bad.steps.push_back(fs);
    s.scenarios = {ok, bad};
    return s;
}

}  // namespace

TEST_CASE("JUnit XML: one testcase per scenario, failure with file:line, valid against the XSD", "[report][junit]") {
    std::string xml = report::junit_xml(sample());
    CHECK(xml.find("<testsuites name=\"mpemu run\" tests=\"2\" failures=\"1\" errors=\"0\"") != std::string::npos);
    CHECK(xml.find("classname=\"scenarios.e2e.wechat\"") != std::string::npos);
    CHECK(xml.find("name=\"login.json: login &lt;happy&gt; &amp; &quot;quoted&quot;\"") != std::string::npos);
    CHECK(xml.find("file=\"scenarios/e2e/alipay/pay.json\" line=\"14\"") != std::string::npos);
    CHECK(xml.find("<failure message=\"scenarios/e2e/alipay/pay.json:14:9: jsonpath &quot;$.code&quot;: expected "
                   "&quot;10000&quot;, actual &quot;40004&quot;\" type=\"assertion\">") != std::string::npos);
    CHECK(xml.find('\x01') == std::string::npos);  // not allowed in XML 1.0

    std::string dir = testing::temp_dir();
    std::string path = dir + "/junit.xml";
    REQUIRE(core::write_file(path, xml));
    if (testing::run_command({"sh", "-c", "command -v xmllint"}).exit_code != 0) {
        WARN("xmllint is not installed (apt-get install libxml2-utils): XSD validation skipped");
        return;
    }
    auto r =
        testing::run_command({"xmllint", "--noout", "--schema", std::string(MPEMU_TEST_DATA_DIR) + "/junit.xsd", path});
    INFO(r.err);
    CHECK(r.exit_code == 0);
}

TEST_CASE("JSON report holds every check with actual and expected", "[report][json]") {
    auto j = report::json_report(sample());
    CHECK(j["totals"]["scenarios"] == 2);
    CHECK(j["totals"]["failed"] == 1);
    const auto& check = j["scenarios"][1]["steps"][0]["checks"][0];
    CHECK(check["subject"] == "jsonpath \"$.code\"");
    CHECK(check["passed"] == false);
    CHECK(check["actual"] == "\"40004\"");
    CHECK(check["where"]["line"] == 14);
    CHECK(j["scenarios"][1]["steps"][0]["exchange"]["response"]["status"] == 200);
}

TEST_CASE("HTML report is self-contained and escapes everything", "[report][html]") {
    std::string html = report::html_report(sample());
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("&lt;script&gt;") != std::string::npos);
    CHECK(html.find("http://") == html.find("http://127.0.0.1"));  // no external resources
    CHECK(html.find("<link") == std::string::npos);
    CHECK(html.find("1 passed") != std::string::npos);
}

TEST_CASE("console report shows the failing check with actual and expected", "[report][console]") {
    report::ConsoleReporter console({false, false, 2000});
    auto s = sample();
    std::string out = console.scenario(s.scenarios[1]);
    CHECK(out.find("FAIL scenarios/e2e/alipay/pay.json: pay") == 0);
    CHECK(out.find("error: assert jsonpath \"$.code\" equals") != std::string::npos);
    CHECK(out.find("--> scenarios/e2e/alipay/pay.json:14:9") != std::string::npos);
    CHECK(out.find("actual:   \"40004\"") != std::string::npos);
    CHECK(out.find("expected: \"10000\"") != std::string::npos);
    CHECK(out.find("POST http://127.0.0.1:8787/gateway.do") != std::string::npos);
    std::string summary = console.summary(s);
    CHECK(summary.find("2 scenarios: 1 passed, 1 failed") != std::string::npos);
}
