// The `wait` step: its duration (at most 10m); the runner sleeps (it sends nothing).
#include "tools/scenario/steps/wait.hpp"

#include "core/text.hpp"
#include "core/time_format.hpp"
#include "tools/scenario/steps/step_kind.hpp"

namespace mpemu::scenario {

bool parse_wait(ParseContext& ctx, const std::string& ptr, Step& step) {
    WaitSpec spec;
    spec.duration = ctx.duration(core::pointer_append(ptr, "wait"));
    if (spec.duration > std::chrono::minutes(10))
        ctx.error(core::pointer_append(ptr, "wait"), "waits are limited to 10m");
    if (step.name.empty()) step.name = "wait " + core::format_duration(spec.duration);
    step.spec = spec;
    return true;
}

}  // namespace mpemu::scenario
