// The load HTML report: self-contained (no script, nothing fetched), every text from the run escaped,
// three charts per step and over all requests with their data, thresholds with held/BROKEN.
#include <catch2/catch.hpp>

#include "tools/load/html.hpp"

using namespace mpemu;
using namespace mpemu::load;

namespace {

size_t occurrences(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

LoadReport run_with_steps() {
    LoadReport r;
    r.description = "closed model, 2 VUs for 3s";
    r.scenarios = {"scenarios/<odd> & \"name\".json"};
    r.target = "http://127.0.0.1:8787/?a=<b>";
    r.started_at = "2026-01-01T00:00:00.000Z";
    r.stats.duration_s = 3;
    auto add = [&](const std::string& step, double at_s, uint64_t us, bool error) {
        for (StepStats* st : {&r.stats.total, &r.stats.steps[step]}) {
            ++st->requests;
            ++st->statuses[error ? "5xx" : "2xx"];
            if (error) ++st->errors["status 5xx"];
            st->latency.record(us);
            st->series.record(at_s, us, error);
        }
    };
    for (int i = 0; i < 300; ++i) {
        add("<script>alert(1)</script>", i * 0.01, 2000 + static_cast<uint64_t>(i) * 40, false);
        add("pay", i * 0.01, 800 + static_cast<uint64_t>(i % 7) * 100, i % 60 == 0);
    }
    r.stats.iterations = 300;
    r.thresholds = {std::get<Threshold>(parse_threshold("p99<1s")),
                    std::get<Threshold>(parse_threshold("errors<0.1%"))};
    return r;
}

}  // namespace

TEST_CASE("load html: one self-contained page with every text escaped", "[load][html]") {
    std::string page = html_report(run_with_steps());
    CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(page.find("<script") == std::string::npos);
    CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(page.find("scenarios/&lt;odd&gt; &amp; &quot;name&quot;.json") != std::string::npos);
    CHECK(page.find("http://127.0.0.1:8787/?a=&lt;b&gt;") != std::string::npos);
    // Nothing fetched: no src or href attributes, no stylesheet links; the SVG namespace is only a name.
    CHECK(page.find(" src=") == std::string::npos);
    CHECK(page.find(" href=") == std::string::npos);
    CHECK(page.find("<link") == std::string::npos);
}

TEST_CASE("load html: charts per step and overall, thresholds held or broken", "[load][html]") {
    auto run = run_with_steps();
    std::string page = html_report(run);
    // All requests and two steps, three charts each.
    CHECK(occurrences(page, "<svg class=\"chart latency\"") == 3);
    CHECK(occurrences(page, "<svg class=\"chart throughput\"") == 3);
    CHECK(occurrences(page, "<svg class=\"chart histogram\"") == 3);
    // 3 intervals of 1 s: a dot per percentile line (3) per interval per chart.
    CHECK(occurrences(page, "<circle class=\"pt\"") == size_t{3} * 3 * 3);
    CHECK(occurrences(page, "<polyline") == size_t{3} * 3);
    // Bars: one per interval per throughput chart, plus error bars where a second had errors.
    CHECK(occurrences(page, "<rect class=\"bar errors\"") == size_t{2} * 3);  // 5 errors over 3 s, overall and in "pay"
    // The histograms have bars: count the requests they show in their titles ("...: 300 requests").
    size_t histogram = page.find("<svg class=\"chart histogram\"");
    REQUIRE(histogram != std::string::npos);
    std::string first = page.substr(histogram, page.find("</svg>", histogram) - histogram);
    uint64_t shown = 0;
    for (size_t at = first.find(" requests</title>"); at != std::string::npos;
         at = first.find(" requests</title>", at + 1)) {
        size_t from = first.rfind(": ", at) + 2;
        shown += std::stoull(first.substr(from, at - from));
    }
    CHECK(shown == run.stats.total.requests);
    CHECK(page.find("held</span></td><td>p99 = ") != std::string::npos);
    CHECK(page.find("BROKEN</span></td><td>errors = ") != std::string::npos);
    CHECK(page.find("thresholds broken") != std::string::npos);

    run.thresholds.pop_back();
    CHECK(html_report(run).find("all thresholds held") != std::string::npos);
}

TEST_CASE("load html: a step without requests says so instead of drawing empty axes", "[load][html]") {
    LoadReport r;
    r.description = "closed model, 1 VU for 1s";
    r.stats.steps["never"];
    std::string page = html_report(r);
    CHECK(occurrences(page, "no requests</text>") == 6);  // the three charts of "all requests" and of "never"
    CHECK(page.find("no thresholds") != std::string::npos);
}
