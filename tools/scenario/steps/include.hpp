// The `include` step: another scenario file's steps, run here with the step's `vars` as parameters.
#pragma once

#include <memory>
#include <string>

#include "tools/scenario/steps/fwd.hpp"

namespace mpemu::scenario {

struct IncludeSpec {
    std::shared_ptr<const Scenario> scenario;
    core::OrderedJson vars;  // parameters, templates inside
};

bool parse_include(ParseContext& ctx, const std::string& pointer, Step& step);

}  // namespace mpemu::scenario
