// Loading and checking a fixture set: fixture.json against the JSON Schema (schemas/fixture.schema.json),
// then each service's own checks (ids, cross references, key files that must match each other).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/diagnostic.hpp"
#include "emulator/service.hpp"
#include "emulator/state/fixture_set.hpp"

namespace mpemu::state {

// Returns null when there were errors (all of them are in diags).
std::shared_ptr<const FixtureSet> load_fixture_set(const std::string& dir,
                                                   const std::vector<std::unique_ptr<emulator::Service>>& services,
                                                   core::Diagnostics& diags);

}  // namespace mpemu::state
