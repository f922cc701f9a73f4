// Untrusted JSON bodies: the bounded parser (depth limit, exact numbers) and the writer. Whatever
// parses must write out and parse back to the same value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = mpemu::core::parse_json(text);
    if (parsed) {
        std::string out = mpemu::core::dump(*parsed);
        auto again = mpemu::core::parse_json(out);
        if (!again || *again != *parsed) __builtin_trap();
        (void)mpemu::core::dump_pretty(*parsed);
    }
    (void)mpemu::core::parse_ordered_json(text, 8);
    (void)mpemu::core::json_nesting_depth(text);
    return 0;
}
