// URL, query and form encoding (RFC 3986 percent-encoding; application/x-www-form-urlencoded).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace mpemu::core {

using Params = std::vector<std::pair<std::string, std::string>>;  // order kept, duplicates allowed

// Percent-decodes; `plus_is_space` for form/query values. Malformed escapes are kept literally
// (what browsers and most servers do); `ok` (if given) is set false when one was seen.
std::string url_decode(std::string_view s, bool plus_is_space, bool* ok = nullptr);
// Encodes everything but RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string url_encode(std::string_view s);
// Form encoding: like url_encode but space becomes '+' (as URLSearchParams and HTML forms do).
std::string form_encode_component(std::string_view s);

// "a=1&b=2" -> pairs, decoded (plus as space). Empty segments are skipped; "a" gives ("a", "").
Params parse_query(std::string_view raw);
std::string build_query(const Params& params);  // url_encode'd keys and values
std::string build_form(const Params& params);   // form_encode_component'd
const std::string* find_param(const Params& params, std::string_view key);

// Splits a request target "/path?query" into the raw path and raw query (without '?').
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

struct Url {
    std::string scheme;          // "http" / "https"
    std::string host;            // without brackets for IPv6
    int port = 0;                // explicit or default for the scheme
    std::string target;          // path + optional "?query", at least "/"
    std::string origin() const;  // scheme://host[:port]
};
Result<Url> parse_url(std::string_view text);
// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);

}  // namespace mpemu::core
