// The `admin` step: an operation of the emulator's admin API (by id or alias), sent to --emulator.
#pragma once

#include <optional>
#include <string>

#include "tools/scenario/steps/fwd.hpp"

namespace mpemu::scenario {

struct AdminSpec {
    std::string op;  // operation id from the admin catalog
    std::string method;
    std::string path;          // path template with {placeholders}
    core::OrderedJson params;  // {placeholder: template}
    core::OrderedJson query;
    std::optional<core::OrderedJson> body;
};

bool parse_admin(ParseContext& ctx, const std::string& pointer, Step& step);
core::Result<core::HttpRequest> build_admin(const Step& step, const Lookup& lookup, const BuildContext& ctx);
// Without a status assertion an admin call must answer 2xx.
std::optional<CheckResult> check_admin_reply(const Step& step, const Exchange& exchange);

}  // namespace mpemu::scenario
