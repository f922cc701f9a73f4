// Rendering of the load HTML report: SVG charts drawn here (axes with round ticks, polylines, bars)
// so the page needs no script or external file; every text from the run goes through html_escape.
#include "tools/load/html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "core/html.hpp"
#include "core/text.hpp"

namespace mpemu::load {

namespace {

std::string esc(std::string_view s) {
    return core::html_escape(s);
}

// A tick label: no more digits than the step between ticks needs.
std::string tick_text(double v, double step) {
    int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step)));
    return fixed(v, std::min(decimals, 6));
}

std::string ms_text(double ms) {
    return format_latency(ms * 1000.0);
}

// Round ticks from 0 up to at least `max`: steps of 1, 2 or 5 times a power of ten, about five.
struct Ticks {
    double step = 1;
    double top = 1;
};

Ticks ticks_to(double max) {
    if (!(max > 0)) max = 1;
    double raw = max / 5;
    double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double f = raw / mag;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    return {step, std::ceil(max / step - 1e-9) * step};
}

// The drawing area of a chart in the SVG's own units (scaled to the page's width by CSS).
constexpr double kWidth = 400;
constexpr double kHeight = 230;
constexpr double kLeft = 52;
constexpr double kRight = 12;
constexpr double kTop = 30;
constexpr double kBottom = 40;

struct Frame {
    double x_max = 1;
    double y_max = 1;
    double x(double v) const { return kLeft + (kWidth - kLeft - kRight) * std::clamp(v / x_max, 0.0, 1.0); }
    double y(double v) const {
        return kHeight - kBottom - (kHeight - kTop - kBottom) * std::clamp(v / y_max, 0.0, 1.0);
    }
};

std::string n1(double v) {
    return fixed(v, 1);
}

std::string svg_open(const char* kind, const std::string& label) {
    return std::string("<svg class=\"chart ") + kind + "\" viewBox=\"0 0 " + n1(kWidth) + " " + n1(kHeight) +
           "\" role=\"img\" aria-label=\"" + esc(label) + "\" xmlns=\"http://www.w3.org/2000/svg\">";
}

struct LegendItem {
    std::string label;
    const char* color;
};

std::string legend(const std::vector<LegendItem>& items) {
    std::string out;
    double x = kLeft;
    for (const auto& it : items) {
        out += "<rect x=\"" + n1(x) + "\" y=\"8\" width=\"10\" height=\"10\" fill=\"" + it.color + "\"/>";
        out += "<text class=\"legend\" x=\"" + n1(x + 14) + "\" y=\"17\">" + esc(it.label) + "</text>";
        x += 22 + 6.2 * static_cast<double>(core::utf8_length(it.label));
    }
    return out;
}

// The y grid with its labels and the x axis with labels at the given positions.
std::string axes(const Frame& f, double y_step, const std::string& y_caption,
                 const std::vector<std::pair<double, std::string>>& x_labels, const std::string& x_caption) {
    std::string out;
    const long y_ticks = std::lround(f.y_max / y_step);
    for (long k = 0; k <= y_ticks; ++k) {
        double v = static_cast<double>(k) * y_step;
        out += "<line class=\"grid\" x1=\"" + n1(kLeft) + "\" x2=\"" + n1(kWidth - kRight) + "\" y1=\"" + n1(f.y(v)) +
               "\" y2=\"" + n1(f.y(v)) + "\"/>";
        out += "<text class=\"tick\" x=\"" + n1(kLeft - 5) + "\" y=\"" + n1(f.y(v) + 3.5) + "\" text-anchor=\"end\">" +
               esc(tick_text(v, y_step)) + "</text>";
    }
    for (const auto& [x, label] : x_labels) {
        out += "<line class=\"axis\" x1=\"" + n1(f.x(x)) + "\" x2=\"" + n1(f.x(x)) + "\" y1=\"" +
               n1(kHeight - kBottom) + "\" y2=\"" + n1(kHeight - kBottom + 4) + "\"/>";
        // The label at the right end is set inside the chart rather than cut off by its edge.
        const char* anchor = x >= f.x_max * 0.999 ? "end" : "middle";
        out += "<text class=\"tick\" x=\"" + n1(f.x(x)) + "\" y=\"" + n1(kHeight - kBottom + 15) + "\" text-anchor=\"" +
               anchor + "\">" + esc(label) + "</text>";
    }
    out += "<line class=\"axis\" x1=\"" + n1(kLeft) + "\" x2=\"" + n1(kWidth - kRight) + "\" y1=\"" +
           n1(kHeight - kBottom) + "\" y2=\"" + n1(kHeight - kBottom) + "\"/>";
    out += "<text class=\"caption\" x=\"" + n1((kLeft + kWidth - kRight) / 2) + "\" y=\"" + n1(kHeight - 6) +
           "\" text-anchor=\"middle\">" + esc(x_caption) + "</text>";
    out += "<text class=\"caption\" transform=\"translate(12 " + n1((kTop + kHeight - kBottom) / 2) +
           ") rotate(-90)\" text-anchor=\"middle\">" + esc(y_caption) + "</text>";
    return out;
}

// Seconds from the start along the x axis, labelled at round steps.
std::vector<std::pair<double, std::string>> time_labels(double x_max) {
    Ticks t = ticks_to(x_max);
    std::vector<std::pair<double, std::string>> out;
    const auto n = static_cast<long>(std::floor(x_max / t.step + 1e-3));
    for (long k = 0; k <= n; ++k) {
        double v = static_cast<double>(k) * t.step;
        out.emplace_back(v, tick_text(v, t.step));
    }
    return out;
}

std::string no_data(const char* kind, const std::string& label) {
    return svg_open(kind, label) + "<text class=\"caption\" x=\"" + n1(kWidth / 2) + "\" y=\"" + n1(kHeight / 2) +
           "\" text-anchor=\"middle\">no requests</text></svg>";
}

constexpr const char* kColorP50 = "#2f6fbf";
constexpr const char* kColorP90 = "#d9892b";
constexpr const char* kColorP99 = "#b8323a";
constexpr const char* kColorRps = "#6b9bd8";
constexpr const char* kColorErrors = "#d23c3c";

// p50/p90/p99 of each interval, one line each, a dot per interval with requests.
std::string latency_chart(const TimeSeries& series, const std::string& name) {
    std::string label = "latency percentiles over time: " + name;
    const auto& buckets = series.buckets();
    auto interval = static_cast<double>(series.interval_s());
    const std::pair<double, const char*> lines[] = {{50, kColorP50}, {90, kColorP90}, {99, kColorP99}};
    double y_max = 0;
    for (const auto& b : buckets) {
        if (b.requests) y_max = std::max(y_max, static_cast<double>(b.latency.percentile(99)) / 1000.0);
    }
    if (y_max <= 0) return no_data("latency", label);
    Ticks yt = ticks_to(y_max * 1.05);
    Frame f{static_cast<double>(buckets.size()) * interval, yt.top};
    std::string out = svg_open("latency", label);
    out += axes(f, yt.step, "ms", time_labels(f.x_max), "seconds from the start");
    out += legend({{"p50", kColorP50}, {"p90", kColorP90}, {"p99", kColorP99}});
    for (const auto& [p, color] : lines) {
        std::string points;
        std::string dots;
        for (size_t i = 0; i < buckets.size(); ++i) {
            if (!buckets[i].requests) continue;
            double ms = static_cast<double>(buckets[i].latency.percentile(p)) / 1000.0;
            double x = f.x((static_cast<double>(i) + 0.5) * interval);
            points += n1(x) + "," + n1(f.y(ms)) + " ";
            dots += "<circle class=\"pt\" cx=\"" + n1(x) + "\" cy=\"" + n1(f.y(ms)) + "\" r=\"2.6\" fill=\"" + color +
                    "\"><title>p" + fixed(p, 0) + " " + esc(ms_text(ms)) + " at " +
                    fixed(static_cast<double>(i) * interval, 0) + "-" +
                    fixed(static_cast<double>(i + 1) * interval, 0) + " s</title></circle>";
        }
        out += "<polyline fill=\"none\" stroke=\"" + std::string(color) + "\" stroke-width=\"1.6\" points=\"" + points +
               "\"/>";
        out += dots;
    }
    return out + "</svg>";
}

// Requests and failed requests per second in each interval, as bars.
std::string throughput_chart(const TimeSeries& series, const std::string& name) {
    std::string label = "throughput and errors over time: " + name;
    const auto& buckets = series.buckets();
    auto interval = static_cast<double>(series.interval_s());
    double y_max = 0;
    for (const auto& b : buckets) y_max = std::max(y_max, static_cast<double>(b.requests) / interval);
    if (y_max <= 0) return no_data("throughput", label);
    Ticks yt = ticks_to(y_max * 1.05);
    Frame f{static_cast<double>(buckets.size()) * interval, yt.top};
    std::string out = svg_open("throughput", label);
    out += axes(f, yt.step, "requests/s", time_labels(f.x_max), "seconds from the start");
    out += legend({{"requests/s", kColorRps}, {"errors/s", kColorErrors}});
    double slot = f.x(interval) - f.x(0);
    double width = std::max(1.0, slot * 0.8);
    for (size_t i = 0; i < buckets.size(); ++i) {
        const auto& b = buckets[i];
        double x = f.x(static_cast<double>(i) * interval) + (slot - width) / 2;
        double rps = static_cast<double>(b.requests) / interval;
        double eps = static_cast<double>(b.errors) / interval;
        std::string when =
            fixed(static_cast<double>(i) * interval, 0) + "-" + fixed(static_cast<double>(i + 1) * interval, 0) + " s";
        out += "<rect class=\"bar\" x=\"" + n1(x) + "\" y=\"" + n1(f.y(rps)) + "\" width=\"" + n1(width) +
               "\" height=\"" + n1(f.y(0) - f.y(rps)) + "\" fill=\"" + kColorRps + "\"><title>" + esc(when) + ": " +
               std::to_string(b.requests) + " requests (" + fixed(rps, 1) + "/s), " + std::to_string(b.errors) +
               " errors</title></rect>";
        if (b.errors) {
            out += "<rect class=\"bar errors\" x=\"" + n1(x) + "\" y=\"" + n1(f.y(eps)) + "\" width=\"" + n1(width) +
                   "\" height=\"" + n1(std::max(1.0, f.y(0) - f.y(eps))) + "\" fill=\"" + kColorErrors + "\"><title>" +
                   esc(when) + ": " + std::to_string(b.errors) + " errors</title></rect>";
        }
    }
    return out + "</svg>";
}

// The latency histogram regrouped into bins of equal width on a log scale from min to max (a
// latency spread over three orders of magnitude stays readable), with p50/p90/p99 marked.
std::string histogram_chart(const Histogram& h, const std::string& name) {
    std::string label = "latency histogram: " + name;
    if (!h.count()) return no_data("histogram", label);
    constexpr int kBins = 40;
    double lo = std::max(1.0, static_cast<double>(h.min()));
    double hi = std::max(lo * 1.02, static_cast<double>(h.max()) + 1);
    double span = std::log(hi / lo);
    auto position = [&](double us) { return std::clamp(std::log(std::max(us, lo) / lo) / span, 0.0, 1.0); };
    std::vector<uint64_t> bins(kBins, 0);
    const core::OrderedJson raw = h.to_json();  // kept alive: the loop walks a part of it
    for (const auto& b : raw["buckets"]) {
        auto lower = b[0].get<uint64_t>();
        auto upper = Histogram::bucket_upper(Histogram::bucket_index(lower));
        double mid = std::clamp((static_cast<double>(lower) + static_cast<double>(upper)) / 2,
                                static_cast<double>(h.min()), static_cast<double>(h.max()));
        int bin = std::min(kBins - 1, static_cast<int>(position(mid) * kBins));
        bins[static_cast<size_t>(bin)] += b[1].get<uint64_t>();
    }
    uint64_t top = *std::max_element(bins.begin(), bins.end());
    Ticks yt = ticks_to(static_cast<double>(top) * 1.05);
    Frame f{1.0, yt.top};
    std::vector<std::pair<double, std::string>> x_labels;
    for (int k = 0; k <= 4; ++k) {
        double at = k / 4.0;
        x_labels.emplace_back(at, format_latency(lo * std::exp(span * at)));
    }
    std::string out = svg_open("histogram", label);
    out += axes(f, yt.step, "requests", x_labels, "latency (log scale)");
    double slot = f.x(1.0 / kBins) - f.x(0);
    for (int k = 0; k < kBins; ++k) {
        uint64_t n = bins[static_cast<size_t>(k)];
        if (!n) continue;
        double from = lo * std::exp(span * k / kBins);
        double to = lo * std::exp(span * (k + 1) / kBins);
        out += "<rect class=\"bar\" x=\"" + n1(f.x(static_cast<double>(k) / kBins) + 0.5) + "\" y=\"" +
               n1(f.y(static_cast<double>(n))) + "\" width=\"" + n1(std::max(1.0, slot - 1)) + "\" height=\"" +
               n1(std::max(1.0, f.y(0) - f.y(static_cast<double>(n)))) + "\" fill=\"" + kColorRps + "\"><title>" +
               esc(format_latency(from)) + " - " + esc(format_latency(to)) + ": " + std::to_string(n) +
               " requests</title></rect>";
    }
    std::vector<LegendItem> marks;
    for (const auto& [p, color] :
         {std::pair{50.0, kColorP50}, std::pair{90.0, kColorP90}, std::pair{99.0, kColorP99}}) {
        auto us = static_cast<double>(h.percentile(p));
        double x = f.x(position(us));
        out += "<line class=\"mark\" x1=\"" + n1(x) + "\" x2=\"" + n1(x) + "\" y1=\"" + n1(kTop) + "\" y2=\"" +
               n1(kHeight - kBottom) + "\" stroke=\"" + color + "\"/>";
        marks.push_back({"p" + fixed(p, 0) + " " + format_latency(us), color});
    }
    return out + legend(marks) + "</svg>";
}

std::string latency_cell(const StepStats& s, uint64_t us) {
    return "<td class=\"num\">" + (s.latency.count() ? esc(format_latency(static_cast<double>(us))) : "-") + "</td>";
}

std::string table_row(const std::string& name, const StepStats& s, double duration_s, bool total) {
    std::string out = std::string("<tr") + (total ? " class=\"total\"" : "") + "><td class=\"name\">" + esc(name) +
                      "</td><td class=\"num\">" + std::to_string(s.requests) + "</td><td class=\"num\">" +
                      fixed(duration_s > 0 ? static_cast<double>(s.requests) / duration_s : 0, 1) +
                      "</td><td class=\"num" + (s.error_count() ? " bad" : "") + "\">" +
                      std::to_string(s.error_count()) + "</td>";
    out += latency_cell(s, s.latency.min());
    for (const auto& c : percentile_columns()) out += latency_cell(s, s.latency.percentile(c.p));
    out += latency_cell(s, s.latency.max());
    return out + "</tr>\n";
}

std::string step_section(const std::string& id, const std::string& name, const StepStats& s) {
    std::string out = "<section class=\"step\" id=\"" + esc(id) + "\"><h3>" + esc(name) + "</h3><p class=\"meta\">" +
                      std::to_string(s.requests) + " requests, " + std::to_string(s.error_count()) + " errors (" +
                      esc(counts_text(s.errors)) + "); statuses " + esc(counts_text(s.statuses)) + "; " +
                      std::to_string(s.series.interval_s()) + " s per interval</p><div class=\"charts\">";
    out +=
        "<figure>" + latency_chart(s.series, name) + "<figcaption>latency percentiles over time</figcaption></figure>";
    out += "<figure>" + throughput_chart(s.series, name) +
           "<figcaption>throughput and errors over time</figcaption></figure>";
    out += "<figure>" + histogram_chart(s.latency, name) + "<figcaption>latency histogram</figcaption></figure>";
    return out + "</div></section>\n";
}

constexpr const char* kStyle = R"(
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2733;background:#fafbfc}
main{max-width:1240px;margin:0 auto;padding:20px}
h1{font-size:20px;margin:0 0 6px}h2{font-size:16px;margin:22px 0 8px}h3{font-size:15px;margin:0 0 2px;overflow-wrap:anywhere}
.verdict{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600;font-size:13px;vertical-align:middle;margin-left:8px}
.pass{background:#e3f6e8;color:#17692f}.fail{background:#fde7e7;color:#9d1c1c}
.meta{color:#5b6776;margin:2px 0 8px;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde3ea}
td,th{text-align:left;padding:4px 8px;border-bottom:1px solid #eef1f4;vertical-align:top}
th{background:#f3f5f8;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.name{overflow-wrap:anywhere}
tr.total td{font-weight:600;border-top:2px solid #dde3ea}
td.bad{color:#9d1c1c;font-weight:600}
table.params td:first-child{width:160px;color:#5b6776}
code{font-size:12px;overflow-wrap:anywhere}
section.step{background:#fff;border:1px solid #dde3ea;border-radius:6px;margin:12px 0;padding:10px 12px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:10px}
figure{margin:0;min-width:0}
figcaption{color:#5b6776;font-size:12px;text-align:center}
svg.chart{width:100%;height:auto;display:block}
svg .grid{stroke:#e8ecf0;stroke-width:1}
svg .axis{stroke:#8a96a3;stroke-width:1}
svg .mark{stroke-width:1.4;stroke-dasharray:4 3}
svg text{font-family:system-ui,sans-serif;fill:#44505e}
svg .tick{font-size:10px}svg .legend{font-size:10.5px}svg .caption{font-size:10.5px;fill:#5b6776}
)";

}  // namespace

std::string html_report(const LoadReport& r) {
    const LoadStats& s = r.stats;
    auto results = evaluate_all(r);
    bool passed = all_held(results);
    std::string title = "mpemu load: " + r.description;
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" +
        esc(title) + "</title><style>" + kStyle + "</style></head><body><main>\n";
    out += "<h1>mpemu load<span class=\"verdict " + std::string(passed ? "pass" : "fail") + "\">" +
           (results.empty() ? "no thresholds"
            : passed        ? "all thresholds held"
                            : "thresholds broken") +
           "</span></h1>\n";
    out += "<p class=\"meta\">" + esc(r.description) + "</p>\n";

    out += "<h2>Run</h2><table class=\"params\">\n";
    auto param = [&](const std::string& k, const std::string& v) {
        out += "<tr><td>" + esc(k) + "</td><td>" + v + "</td></tr>\n";
    };
    param("target", "<code>" + esc(r.target) + "</code>");
    std::vector<std::string> files;
    files.reserve(r.scenarios.size());
    for (const auto& f : r.scenarios) files.push_back("<code>" + esc(f) + "</code>");
    param("scenarios", files.empty() ? "-" : core::join(files, ", "));
    param("started", esc(r.started_at));
    param("duration", esc(fixed(s.duration_s, 1) + " s"));
    if (r.plan.is_object()) {
        param("model", esc(r.plan.value("model", "")));
        if (r.plan.contains("profile") && r.plan["profile"].is_array()) {
            std::vector<std::string> stages;
            const char* unit = r.plan.value("model", "") == "open" ? "/s" : " VUs";
            for (const auto& st : r.plan["profile"]) {
                auto from = st.value("from", 0.0);
                auto to = st.value("to", 0.0);
                std::string seconds =
                    st.value("seconds", 0.0) >= 1e11 ? "until done" : fixed(st.value("seconds", 0.0), 1) + " s";
                stages.push_back(seconds + ": " + (from == to ? fixed(to, 0) : fixed(from, 0) + " → " + fixed(to, 0)) +
                                 unit);
            }
            param("profile", esc(core::join(stages, ", ")));
        }
        if (r.plan.contains("iterations")) param("iterations planned", esc(r.plan["iterations"].dump()));
        if (r.plan.contains("max_vus")) param("max VUs", esc(r.plan["max_vus"].dump()));
    }
    if (r.merged_shards) {
        param("shards", esc("merged " + std::to_string(r.merged_shards) + " shard summaries"));
    } else if (r.shard_count > 1) {
        param("shard", esc(std::to_string(r.shard_index + 1) + " of " + std::to_string(r.shard_count)));
    }
    param("iterations",
          esc(std::to_string(s.iterations) + " (" +
              fixed(s.duration_s > 0 ? static_cast<double>(s.iterations) / s.duration_s : 0, 1) + "/s), " +
              std::to_string(s.iterations_failed) + " failed, " + std::to_string(s.dropped) + " dropped"));
    param("errors", esc(counts_text(s.total.errors) + " (" + fixed(s.error_rate() * 100, 2) + "% of requests)"));
    param("statuses", esc(counts_text(s.total.statuses)));
    param("data", esc(std::to_string(s.total.bytes_sent) + " bytes sent, " + std::to_string(s.total.bytes_received) +
                      " received"));
    out += "</table>\n";

    out += "<h2>Thresholds</h2>\n";
    if (results.empty()) {
        out += "<p class=\"meta\">none given (<code>--threshold 'p99&lt;200ms'</code> decides the exit status)</p>\n";
    } else {
        out += "<table class=\"thresholds\"><tr><th>threshold</th><th>result</th><th>actual</th></tr>\n";
        for (const auto& res : results) {
            out += std::string("<tr class=\"") + (res.held ? "held" : "broken") + "\"><td><code>" +
                   esc(res.threshold->expression) + "</code></td><td><span class=\"verdict " +
                   (res.held ? "pass\">held" : "fail\">BROKEN") + "</span></td><td>" + esc(res.actual_text) +
                   "</td></tr>\n";
        }
        out += "</table>\n";
    }

    out +=
        "<h2>Steps</h2><table class=\"summary\"><tr><th>step</th><th class=\"num\">requests</th><th "
        "class=\"num\">rps</th><th class=\"num\">errors</th><th class=\"num\">min</th>";
    for (const auto& c : percentile_columns()) out += "<th class=\"num\">" + esc(c.label) + "</th>";
    out += "<th class=\"num\">max</th></tr>\n";
    for (const auto& [name, st] : s.steps) out += table_row(name, st, s.duration_s, false);
    out += table_row("all requests", s.total, s.duration_s, true);
    out += "</table>\n";

    out += "<h2>Over time</h2>\n";
    out += step_section("all", "all requests", s.total);
    int n = 0;
    for (const auto& [name, st] : s.steps) out += step_section("step-" + std::to_string(++n), "step: " + name, st);
    out += "</main></body></html>\n";
    return out;
}

}  // namespace mpemu::load
