// URLs, query strings and percent-encoding: every request target and form body passes through these.
// Encoding what was decoded must decode back to it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/url.hpp"

namespace core = mpemu::core;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    bool ok = true;
    std::string decoded = core::url_decode(text, true, &ok);
    if (core::url_decode(core::url_encode(decoded), false) != decoded) __builtin_trap();
    auto params = core::parse_query(text);
    auto rebuilt = core::parse_query(core::build_form(params));
    if (rebuilt.size() > params.size()) __builtin_trap();
    (void)core::split_target(text);
    if (auto url = core::parse_url(text)) (void)url->origin();
    return 0;
}
