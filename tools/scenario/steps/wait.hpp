// The `wait` step: a real-time pause.
#pragma once

#include <chrono>
#include <string>

#include "tools/scenario/steps/fwd.hpp"

namespace mpemu::scenario {

struct WaitSpec {
    std::chrono::milliseconds duration{0};
};

bool parse_wait(ParseContext& ctx, const std::string& pointer, Step& step);

}  // namespace mpemu::scenario
