// What a load run does over time: the model (closed: VUs loop; open: iterations arrive on a
// schedule), its profile as linear segments (--vus/--duration, --rate, --stages), and the shard's
// share. Parsing of the command-line forms, with the column of a mistake.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/json.hpp"

namespace mpemu::load {

// A linear ramp of the profile's value (VUs, or arrivals per second) from `from` to `to`.
struct Segment {
    double seconds = 0;
    double from = 0;
    double to = 0;
};

enum class Model { kClosed, kOpen };

struct LoadPlan {
    Model model = Model::kClosed;
    std::vector<Segment> profile;        // closed: VUs; open: arrivals per second (whole run)
    std::optional<uint64_t> iterations;  // closed: shared iteration count (whole run)
    int max_vus = 0;                     // open: VU pool (whole run)
    int shard_index = 0;                 // 0-based
    int shard_count = 1;

    double seconds() const;                 // sum of the segments
    double value_at(double seconds) const;  // the profile at a time (0 after the end)
    double peak() const;                    // the largest profile value
    // Open model: the time (seconds from the start) of arrival number k (0-based) of the whole
    // run, nothing after the profile's end.
    std::optional<double> arrival_time(uint64_t k) const;
    // This shard's share of indices 0..n-1 (VUs, iterations, arrivals): those with i % count == index.
    uint64_t shard_share(uint64_t n) const;
    std::string describe() const;  // "closed model, 10 VUs for 30s"
    core::OrderedJson to_json() const;
};

struct PlanError {
    std::string message;
    size_t column = 0;  // 1-based within the option's value; 0 = the option as a whole
};

// "30s:100,1m:100,10s:0" (VUs) or "30s:100/s,1m:100/s" (arrivals per second: the open model).
// Ramps start from `start` (0 unless --rate gives the open model's start rate).
std::variant<std::vector<Segment>, PlanError> parse_stages(const std::string& text, double start, bool* per_second);
// "500/s", "500", "30/m": arrivals per second.
std::variant<double, PlanError> parse_rate(const std::string& text);
// "2/3" -> index 1 (0-based), count 3; the index is 1-based on the command line.
std::variant<std::pair<int, int>, PlanError> parse_shard(const std::string& text);

}  // namespace mpemu::load
