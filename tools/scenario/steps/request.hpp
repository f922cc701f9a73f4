// The `request` step: a plain HTTP call (url, query, headers, a JSON, form or raw body).
#pragma once

#include <chrono>
#include <string>

#include "tools/scenario/steps/fwd.hpp"

namespace mpemu::scenario {

struct RequestSpec {
    std::string method = "GET";
    std::string url;            // template
    core::OrderedJson query;    // object of templates (order kept)
    core::OrderedJson headers;  // object of templates
    enum class Body { kNone, kJson, kForm, kRaw } body_kind = Body::kNone;
    core::OrderedJson body;  // JSON value / form object / raw string, with templates
    std::chrono::milliseconds timeout{10000};
};

bool parse_request(ParseContext& ctx, const std::string& pointer, Step& step);
core::Result<core::HttpRequest> build_request(const Step& step, const Lookup& lookup, const BuildContext& ctx);

}  // namespace mpemu::scenario
