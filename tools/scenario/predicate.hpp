// Predicates of assertions: equals, not_equals, exists, type, matches, contains, starts_with, gt/gte,
// lt/lte, length, one_of — each judged on a value that may be missing (a JSONPath that matched nothing).
#pragma once

#include <string>
#include <vector>

#include "core/json.hpp"

namespace mpemu::scenario {

struct PredicateOutcome {
    bool passed = false;
    std::string expected;  // human text: `== 0`, `matches ^o`, `type string`
    std::string message;   // why it failed, when the actual value alone does not say it
};

// `actual` is nullptr when the subject does not exist.
PredicateOutcome evaluate_predicate(const std::string& op, const core::Json* actual, const core::Json& expected);

const std::vector<std::string>& predicate_names();

// Loose equality used by equals/one_of: numbers compare by value (1 == 1.0), everything else exactly.
bool json_equal(const core::Json& a, const core::Json& b);

}  // namespace mpemu::scenario
