// A response seen by captures and assertions: the exchange plus its body parsed as JSON once.
#pragma once

#include <optional>
#include <string>

#include "core/json.hpp"
#include "tools/scenario/results.hpp"

namespace mpemu::scenario {

class ResponseView {
public:
    explicit ResponseView(const Exchange& exchange) : ex_(exchange) {}
    const Exchange& exchange() const { return ex_; }
    // The body as JSON; nullptr (with `error` set) when it is not JSON.
    const core::Json* json(std::string* error = nullptr) const;
    // Replaces what json() gives: a reply read another way (WeChat Pay v2 XML as an object), or
    // nullopt with the reason it could not be read.
    void set_json(std::optional<core::Json> json, std::string error = {}) {
        parsed_ = true;
        json_ = std::move(json);
        error_ = std::move(error);
    }
    // The first header with this name (any case), or nullptr.
    const std::string* header(std::string_view name) const { return core::find_header(ex_.response_headers, name); }

private:
    const Exchange& ex_;
    mutable bool parsed_ = false;
    mutable std::optional<core::Json> json_;
    mutable std::string error_;
};

// A JSONPath query's result as one value: nullopt for no match, the value for one, an array for more.
std::optional<core::Json> query_value(const core::JsonPath& path, const core::Json& root);

}  // namespace mpemu::scenario
