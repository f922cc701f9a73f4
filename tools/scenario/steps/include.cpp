// The `include` step: the included file is parsed with the variables known here plus the step's
// `vars`; the runner runs its steps (it sends nothing itself).
#include "tools/scenario/steps/include.hpp"

#include <filesystem>
#include <set>

#include "core/text.hpp"
#include "tools/scenario/steps/common.hpp"

namespace mpemu::scenario {

using core::Json;

bool parse_include(ParseContext& ctx, const std::string& ptr, Step& step) {
    const Json& s = ctx.at(ptr);
    // Retrying would run the included steps again with the captures of the failed try.
    if (s.contains("retry"))
        ctx.error(core::pointer_append(ptr, "retry"), "an include step cannot be retried", {}, true);
    std::string written = s["include"].get<std::string>();
    std::string path = ctx.relative(written);
    step.name = step.name.empty() ? "include " + written : step.name;
    IncludeSpec spec;
    std::set<std::string> param_names;
    if (s.contains("vars")) {
        spec.vars = ctx.ordered(core::pointer_append(ptr, "vars"));
        ctx.check_templates(spec.vars, core::pointer_append(ptr, "vars"));
        for (auto it = spec.vars.begin(); it != spec.vars.end(); ++it) param_names.insert(it.key());
    }
    if (!steps::is_file(path)) {
        auto dir = std::filesystem::path(ctx.file()).parent_path();
        ctx.error(core::pointer_append(ptr, "include"), "included file \"" + written + "\" not found",
                  "paths are relative to this file (" + (dir.empty() ? std::string(".") : dir.string()) + ")");
        return false;
    }
    size_t depth = 0;
    if (ctx.including(std::filesystem::weakly_canonical(path).string(), &depth)) {
        ctx.error(core::pointer_append(ptr, "include"),
                  "\"" + written + "\" includes itself (through " + std::to_string(depth) + " file(s))");
        return false;
    }
    spec.scenario = ctx.load_include(path, param_names);
    if (!spec.scenario) return false;
    step.spec = std::move(spec);
    return true;
}

}  // namespace mpemu::scenario
