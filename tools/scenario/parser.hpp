// Loading scenario files: JSON with comments, checked against schemas/scenario.schema.json and then
// step by step (kinds, admin operations, includes, JSONPaths, regexes, templates, variable names),
// every problem reported as file:line:column with the source line and a hint. Nothing runs when a
// file has a problem.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/diagnostic.hpp"
#include "tools/scenario/model.hpp"

namespace mpemu::scenario {

struct LoadOptions {
    // Names given with --var (known to every template).
    std::set<std::string> cli_vars;
};

// Files and folders -> the scenario files to run, sorted. Folders are searched recursively for
// *.json; files and folders whose name starts with "_" (shared includes) and *.schema.json files are
// skipped when found in a folder. Missing paths are reported.
std::vector<std::string> expand_scenario_paths(const std::vector<std::string>& paths, core::Diagnostics& diags);

// Parses one scenario file (and the files it includes). nullptr when it has problems (in `diags`).
std::shared_ptr<const Scenario> load_scenario(const std::string& path, core::Diagnostics& diags,
                                              const LoadOptions& options = {});

// Variables every template can read without declaring them.
const std::set<std::string>& builtin_variables();

// Admin step names: operation ids plus friendly aliases -> operation id.
std::string resolve_admin_alias(const std::string& name);
std::vector<std::string> admin_step_names();

}  // namespace mpemu::scenario
