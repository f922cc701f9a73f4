// The threshold grammar: [step:NAME | step:"NAME"] METRIC OP NUMBER[UNIT] (spaces allowed around OP;
// an unquoted NAME may hold spaces but not < or >), where METRIC
// is pNN[.N], min, max, mean, errors, rps, ips, requests or dropped and OP one of < <= > >=.
#include "tools/load/threshold.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <variant>

#include "core/text.hpp"

namespace mpemu::load {

namespace {

ThresholdParseError fail(std::string message, size_t index) {
    return ThresholdParseError{std::move(message), index + 1};
}

bool is_latency(ThresholdMetric m) {
    return m == ThresholdMetric::kPercentile || m == ThresholdMetric::kMin || m == ThresholdMetric::kMax ||
           m == ThresholdMetric::kMean;
}

std::string metric_label(const Threshold& t) {
    switch (t.metric) {
        case ThresholdMetric::kPercentile: {
            char buf[32];
            std::snprintf(buf, sizeof buf, "p%g", t.percentile);
            return buf;
        }
        case ThresholdMetric::kMin:
            return "min";
        case ThresholdMetric::kMax:
            return "max";
        case ThresholdMetric::kMean:
            return "mean";
        case ThresholdMetric::kErrors:
            return "errors";
        case ThresholdMetric::kRps:
            return "rps";
        case ThresholdMetric::kIterationsPerSecond:
            return "ips";
        case ThresholdMetric::kDropped:
            return "dropped";
        case ThresholdMetric::kRequests:
            return "requests";
    }
    return "?";
}

}  // namespace

std::string format_latency(double micros) {
    char buf[32];
    if (micros < 1000) {
        std::snprintf(buf, sizeof buf, "%.0fus", micros);
    } else if (micros < 10'000'000) {
        std::snprintf(buf, sizeof buf, "%.2fms", micros / 1000.0);
    } else {
        std::snprintf(buf, sizeof buf, "%.2fs", micros / 1e6);
    }
    return buf;
}

std::variant<Threshold, ThresholdParseError> parse_threshold(const std::string& expression) {
    Threshold t;
    t.expression = expression;
    const std::string& s = expression;
    size_t i = 0;
    auto skip_spaces = [&] {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    };
    skip_spaces();
    if (s.compare(i, 5, "step:") == 0) {
        i += 5;
        if (i < s.size() && s[i] == '"') {
            size_t close = s.find('"', i + 1);
            if (close == std::string::npos) return fail("unterminated step name: add the closing \"", s.size());
            t.step = s.substr(i + 1, close - i - 1);
            i = close + 1;
        } else {
            // An unquoted name (it may hold spaces) ends where the metric before the comparison starts.
            size_t op = s.find_first_of("<>", i);
            if (op == std::string::npos) return fail("expected a comparison: < <= > >=", s.size());
            size_t metric_end = op;
            while (metric_end > i && std::isspace(static_cast<unsigned char>(s[metric_end - 1]))) --metric_end;
            size_t metric_start = metric_end;
            while (metric_start > i &&
                   (std::isalnum(static_cast<unsigned char>(s[metric_start - 1])) || s[metric_start - 1] == '.'))
                --metric_start;
            t.step = std::string(core::trim(s.substr(i, metric_start - i)));
            if (t.step.empty() || metric_start == i || !std::isspace(static_cast<unsigned char>(s[metric_start - 1])))
                return fail("expected a step name, a space and a metric, as in step:pay p95<50ms", i);
            i = metric_start;
        }
        if (t.step.empty()) return fail("empty step name", i);
        skip_spaces();
    }
    size_t metric_at = i;
    size_t start = i;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    std::string metric = s.substr(start, i - start);
    if (metric.empty())
        return fail("expected a metric: p50 p90 p95 p99 p99.9 min max mean errors rps ips requests dropped", metric_at);
    if (metric.size() > 1 && metric[0] == 'p' && (std::isdigit(static_cast<unsigned char>(metric[1])) != 0)) {
        char* end = nullptr;
        double p = std::strtod(metric.c_str() + 1, &end);
        if (*end != '\0' || p <= 0 || p > 100)
            return fail("a percentile is p followed by a number in (0, 100], like p99 or p99.9", metric_at);
        t.metric = ThresholdMetric::kPercentile;
        t.percentile = p;
    } else if (metric == "min") {
        t.metric = ThresholdMetric::kMin;
    } else if (metric == "max") {
        t.metric = ThresholdMetric::kMax;
    } else if (metric == "mean" || metric == "avg") {
        t.metric = ThresholdMetric::kMean;
    } else if (metric == "errors") {
        t.metric = ThresholdMetric::kErrors;
    } else if (metric == "rps") {
        t.metric = ThresholdMetric::kRps;
    } else if (metric == "ips") {
        t.metric = ThresholdMetric::kIterationsPerSecond;
    } else if (metric == "dropped") {
        t.metric = ThresholdMetric::kDropped;
    } else if (metric == "requests") {
        t.metric = ThresholdMetric::kRequests;
    } else {
        static const std::vector<std::string> kNames = {"p50",  "p90",    "p95", "p99", "p99.9",   "min",     "max",
                                                        "mean", "errors", "rps", "ips", "dropped", "requests"};
        auto hint = core::did_you_mean(metric, kNames);
        return fail("unknown metric \"" + metric + "\"" + (hint ? "; did you mean \"" + *hint + "\"?" : ""), metric_at);
    }
    if (!t.step.empty() && (t.metric == ThresholdMetric::kIterationsPerSecond || t.metric == ThresholdMetric::kDropped))
        return fail("\"" + metric + "\" is a whole-run metric: it takes no step:", 0);
    skip_spaces();
    size_t op_at = i;
    if (s.compare(i, 2, "<=") == 0) {
        t.op = ThresholdOp::kLessEqual;
        i += 2;
    } else if (s.compare(i, 2, ">=") == 0) {
        t.op = ThresholdOp::kGreaterEqual;
        i += 2;
    } else if (i < s.size() && s[i] == '<') {
        t.op = ThresholdOp::kLess;
        ++i;
    } else if (i < s.size() && s[i] == '>') {
        t.op = ThresholdOp::kGreater;
        ++i;
    } else {
        return fail("expected a comparison: < <= > >=", op_at);
    }
    skip_spaces();
    size_t number_at = i;
    start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    std::string number = s.substr(start, i - start);
    char* end = nullptr;
    double value = number.empty() ? 0 : std::strtod(number.c_str(), &end);
    if (number.empty() || *end != '\0') return fail("expected a number", number_at);
    size_t unit_at = i;
    std::string unit(core::trim(s.substr(i)));
    if (is_latency(t.metric)) {
        if (unit == "ms") {
            t.limit = value;
        } else if (unit == "s") {
            t.limit = value * 1000;
        } else if (unit == "us") {
            t.limit = value / 1000;
        } else {
            return fail(unit.empty() ? "a latency needs a unit: ms, s or us (p99<200ms)"
                                     : "unknown unit \"" + unit + "\": use ms, s or us",
                        unit_at);
        }
    } else if (t.metric == ThresholdMetric::kErrors) {
        if (unit == "%") {
            t.limit = value / 100;
        } else if (unit.empty()) {
            if (value > 1)
                return fail("an error rate without % is a fraction in [0, 1]; did you mean " + number + "%?",
                            number_at);
            t.limit = value;
        } else {
            return fail("unknown unit \"" + unit + "\": an error rate is a percentage (errors<0.1%)", unit_at);
        }
    } else if (t.metric == ThresholdMetric::kDropped || t.metric == ThresholdMetric::kRequests) {
        if (!unit.empty()) return fail("\"" + metric + "\" is a count: no unit", unit_at);
        t.limit = value;
    } else {
        if (!unit.empty() && unit != "/s")
            return fail("unknown unit \"" + unit + "\": a rate is per second (rps>500 or rps>500/s)", unit_at);
        t.limit = value;
    }
    return t;
}

ThresholdResult evaluate_threshold(const Threshold& t, const LoadStats& stats) {
    ThresholdResult r;
    r.threshold = &t;
    const StepStats* s = &stats.total;
    if (!t.step.empty()) {
        auto it = stats.steps.find(t.step);
        if (it == stats.steps.end() || it->second.requests == 0) {
            r.held = false;
            r.actual_text = "step \"" + t.step + "\" sent no request";
            return r;
        }
        s = &it->second;
    }
    double actual = 0;
    std::string shown;
    switch (t.metric) {
        case ThresholdMetric::kPercentile:
        case ThresholdMetric::kMin:
        case ThresholdMetric::kMax:
        case ThresholdMetric::kMean: {
            if (s->latency.count() == 0) {
                r.actual_text = "no request completed";
                return r;
            }
            double us = t.metric == ThresholdMetric::kMin    ? static_cast<double>(s->latency.min())
                        : t.metric == ThresholdMetric::kMax  ? static_cast<double>(s->latency.max())
                        : t.metric == ThresholdMetric::kMean ? s->latency.mean()
                                                             : static_cast<double>(s->latency.percentile(t.percentile));
            actual = us / 1000.0;
            shown = format_latency(us);
            break;
        }
        case ThresholdMetric::kErrors: {
            actual = s->requests ? static_cast<double>(s->error_count()) / static_cast<double>(s->requests) : 0.0;
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.3g%% (%llu of %llu)", actual * 100,
                          static_cast<unsigned long long>(s->error_count()),
                          static_cast<unsigned long long>(s->requests));
            shown = buf;
            break;
        }
        case ThresholdMetric::kRps:
        case ThresholdMetric::kIterationsPerSecond: {
            uint64_t n = t.metric == ThresholdMetric::kRps ? s->requests : stats.iterations;
            actual = stats.duration_s > 0 ? static_cast<double>(n) / stats.duration_s : 0.0;
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.1f/s", actual);
            shown = buf;
            break;
        }
        case ThresholdMetric::kDropped:
            actual = static_cast<double>(stats.dropped);
            shown = std::to_string(stats.dropped);
            break;
        case ThresholdMetric::kRequests:
            actual = static_cast<double>(s->requests);
            shown = std::to_string(s->requests);
            break;
    }
    switch (t.op) {
        case ThresholdOp::kLess:
            r.held = actual < t.limit;
            break;
        case ThresholdOp::kLessEqual:
            r.held = actual <= t.limit;
            break;
        case ThresholdOp::kGreater:
            r.held = actual > t.limit;
            break;
        case ThresholdOp::kGreaterEqual:
            r.held = actual >= t.limit;
            break;
    }
    r.actual = actual;
    r.actual_text = metric_label(t) + " = " + shown;
    return r;
}

}  // namespace mpemu::load
