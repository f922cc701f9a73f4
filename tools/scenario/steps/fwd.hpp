// What a step kind's header needs to declare its parse, build and reply-check functions without
// including the model (which includes the kinds' data).
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "core/http_client.hpp"
#include "core/json.hpp"
#include "tools/scenario/template.hpp"

namespace mpemu::scenario {

struct Step;
struct Scenario;
struct Exchange;
struct CheckResult;
struct BuildContext;
class ParseContext;

}  // namespace mpemu::scenario
