// RFC 3986 URI references: resolving one against a base URI, as $id and $ref in JSON Schema and
// OpenAPI documents need.
#pragma once

#include <string>
#include <string_view>

namespace mpemu::core {

// The target of `reference` relative to `base` (RFC 3986 section 5.2, dot segments removed). An
// empty base leaves relative references relative ("a.json" stays "a.json"). An empty fragment
// ("x#") is dropped.
std::string resolve_uri_reference(std::string_view base, std::string_view reference);

}  // namespace mpemu::core
