// Checks for the string formats JSON Schema names in "format" (RFC 3339 date-time, date, time and
// duration; email, hostname, ipv4, ipv6, uri, uri-reference, uuid, regex).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mpemu::core {

// Whether `value` is a valid `format`; nullopt when the format is not one of the above (JSON Schema
// treats unknown formats as annotations, so callers let those pass).
std::optional<bool> check_string_format(std::string_view format, std::string_view value);

// What the format looks like, for a message hint ("expected YYYY-MM-DD, like 2024-05-01"); "" if
// there is nothing useful to add.
std::string string_format_hint(std::string_view format);

}  // namespace mpemu::core
