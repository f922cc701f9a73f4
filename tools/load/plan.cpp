// Profile arithmetic of LoadPlan (arrival times of a piecewise-linear rate) and the parsers of
// --stages, --rate and --shard.
#include "tools/load/plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/text.hpp"
#include "core/time_format.hpp"

namespace mpemu::load {

double LoadPlan::seconds() const {
    double s = 0;
    for (const auto& seg : profile) s += seg.seconds;
    return s;
}

double LoadPlan::value_at(double t) const {
    for (const auto& seg : profile) {
        if (t < seg.seconds) return seg.from + (seg.to - seg.from) * (seg.seconds > 0 ? t / seg.seconds : 1.0);
        t -= seg.seconds;
    }
    return 0;
}

double LoadPlan::peak() const {
    double p = 0;
    for (const auto& seg : profile) p = std::max({p, seg.from, seg.to});
    return p;
}

std::optional<double> LoadPlan::arrival_time(uint64_t k) const {
    // Arrivals so far over a segment: N(t) = from*t + (to-from)*t^2/(2*seconds); arrival k is where
    // the running total reaches k.
    auto remaining = static_cast<double>(k);
    double offset = 0;
    for (const auto& seg : profile) {
        double area = (seg.from + seg.to) / 2 * seg.seconds;
        if (remaining < area) {
            double a = (seg.to - seg.from) / (2 * seg.seconds);
            double b = seg.from;
            double t = 0;
            if (std::abs(a) < 1e-12) {
                t = remaining / b;
            } else {
                double disc = std::max(0.0, b * b + 4 * a * remaining);
                t = 2 * remaining / (b + std::sqrt(disc));  // the stable form of the quadratic's root
            }
            return offset + std::clamp(t, 0.0, seg.seconds);
        }
        remaining -= area;
        offset += seg.seconds;
    }
    return std::nullopt;
}

uint64_t LoadPlan::shard_share(uint64_t n) const {
    auto index = static_cast<uint64_t>(shard_index);
    auto count = static_cast<uint64_t>(shard_count);
    return n > index ? (n - index + count - 1) / count : 0;
}

namespace {

std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string seconds_text(double s) {
    return core::format_duration(std::chrono::milliseconds(static_cast<long long>(std::llround(s * 1000))));
}

}  // namespace

std::string LoadPlan::describe() const {
    std::string out;
    bool flat = profile.size() == 1 && profile[0].from == profile[0].to;
    if (model == Model::kClosed) {
        out = "closed model, ";
        if (flat) {
            out += number_text(profile[0].from) + " VU" + (profile[0].from == 1 ? "" : "s");
        } else {
            out += "up to " + number_text(peak()) + " VUs in " + std::to_string(profile.size()) + " stages";
        }
        if (iterations) out += ", " + std::to_string(*iterations) + " iterations";
        if (seconds() < 1e9) out += (iterations ? " within " : " for ") + seconds_text(seconds());
    } else {
        out = "open model, ";
        if (flat) {
            out += number_text(profile[0].from) + " iterations/s";
        } else {
            out += "up to " + number_text(peak()) + " iterations/s in " + std::to_string(profile.size()) + " stages";
        }
        out += " for " + seconds_text(seconds()) + ", at most " + std::to_string(max_vus) + " VUs";
    }
    if (shard_count > 1) out += ", shard " + std::to_string(shard_index + 1) + "/" + std::to_string(shard_count);
    return out;
}

core::OrderedJson LoadPlan::to_json() const {
    core::OrderedJson stages = core::OrderedJson::array();
    for (const auto& s : profile) stages.push_back({{"seconds", s.seconds}, {"from", s.from}, {"to", s.to}});
    core::OrderedJson out = core::OrderedJson::object();
    out["model"] = model == Model::kClosed ? "closed" : "open";
    out["profile"] = std::move(stages);
    if (iterations) out["iterations"] = *iterations;
    if (model == Model::kOpen) out["max_vus"] = max_vus;
    out["description"] = describe();
    return out;
}

std::variant<double, PlanError> parse_rate(const std::string& text) {
    std::string t(core::trim(text));
    double per = 1;
    std::string number = t;
    auto slash = t.find('/');
    if (slash != std::string::npos) {
        number = t.substr(0, slash);
        std::string unit = t.substr(slash + 1);
        if (unit == "s") {
            per = 1;
        } else if (unit == "m") {
            per = 60;
        } else if (unit == "h") {
            per = 3600;
        } else {
            return PlanError{"a rate is per second, minute or hour: 500/s, 30/m, 10/h", slash + 2};
        }
    }
    char* end = nullptr;
    double v = number.empty() ? -1 : std::strtod(number.c_str(), &end);
    if (number.empty() || *end != '\0' || !(v >= 0) || !std::isfinite(v))
        return PlanError{"expected a rate like 500/s", 1};
    return v / per;
}

std::variant<std::vector<Segment>, PlanError> parse_stages(const std::string& text, double start, bool* per_second) {
    std::vector<Segment> out;
    double prev = start;
    size_t pos = 0;
    int kinds_seen = 0;  // bit 1: VUs, bit 2: rates
    while (pos <= text.size()) {
        size_t comma = text.find(',', pos);
        if (comma == std::string::npos) comma = text.size();
        std::string stage = text.substr(pos, comma - pos);
        size_t colon = stage.find(':');
        if (colon == std::string::npos)
            return PlanError{"a stage is DURATION:TARGET, like 30s:100 (VUs) or 30s:100/s (iterations per second)",
                             pos + 1};
        auto d = core::parse_duration(core::trim(stage.substr(0, colon)));
        if (!d || d->count() <= 0) return PlanError{"expected a positive duration like 30s, 1m or 500ms", pos + 1};
        std::string target(core::trim(stage.substr(colon + 1)));
        bool rate = target.find('/') != std::string::npos;
        kinds_seen |= rate ? 2 : 1;
        if (kinds_seen == 3)
            return PlanError{"mixing VU targets and rates (/s): every stage is one or the other", pos + colon + 2};
        double value = 0;
        if (rate) {
            auto r = parse_rate(target);
            if (auto* e = std::get_if<PlanError>(&r)) return PlanError{e->message, pos + colon + 2};
            value = std::get<double>(r);
        } else {
            char* end = nullptr;
            long v = target.empty() ? -1 : std::strtol(target.c_str(), &end, 10);
            if (target.empty() || *end != '\0' || v < 0)
                return PlanError{"expected a number of VUs (or a rate like 100/s)", pos + colon + 2};
            value = static_cast<double>(v);
        }
        out.push_back(Segment{static_cast<double>(d->count()) / 1000.0, prev, value});
        prev = value;
        pos = comma + 1;
    }
    *per_second = kinds_seen == 2;
    return out;
}

std::variant<std::pair<int, int>, PlanError> parse_shard(const std::string& text) {
    auto slash = text.find('/');
    if (slash == std::string::npos) return PlanError{"expected INDEX/COUNT like 2/3 (the index counts from 1)", 1};
    char* end = nullptr;
    long i = std::strtol(text.c_str(), &end, 10);
    if (end != text.c_str() + slash) return PlanError{"expected a shard index", 1};
    long n = std::strtol(text.c_str() + slash + 1, &end, 10);
    if (*end != '\0' || slash + 1 == text.size()) return PlanError{"expected a shard count", slash + 2};
    if (n < 1 || n > 10000) return PlanError{"the shard count is 1 to 10000", slash + 2};
    if (i < 1 || i > n) return PlanError{"the shard index counts from 1 to the count", 1};
    return std::pair<int, int>{static_cast<int>(i - 1), static_cast<int>(n)};
}

}  // namespace mpemu::load
