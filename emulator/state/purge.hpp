// Deleting a batch of picked rows together with the rows that depend on them: the shape every purge
// (Service::purge, Outbox::purge_finished) shares.
#pragma once

#include <initializer_list>
#include <string_view>
#include <vector>

#include "emulator/state/database.hpp"

namespace mpemu::state {

// Runs `pick`, a SELECT of one integer column named "id" (a rowid or an INTEGER PRIMARY KEY) bound to
// `params`, then each of `deletes` in order (dependents first) with "{ids}" replaced by the picked list.
// Returns the rows the last statement deleted: 0 when nothing was picked.
int delete_picked(Conn& c, std::string_view pick, const std::vector<Value>& params,
                  std::initializer_list<std::string_view> deletes);

}  // namespace mpemu::state
