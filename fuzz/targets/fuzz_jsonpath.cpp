// JSONPath expressions (scenario captures and assertions): the first line is the expression, the rest
// a JSON document to query.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    size_t nl = text.find('\n');
    std::string_view expr = text.substr(0, nl);
    auto path = mpemu::core::JsonPath::compile(expr);
    if (!path) return 0;
    static const mpemu::core::Json kDefault = mpemu::core::Json::parse(
        R"({"a":[1,{"b":"x","c":[true,null,2.5]},"s"],"items":[{"id":1,"status":"paid"},{"id":2}],"n":-3})");
    if (nl == std::string_view::npos) {
        (void)path->query(kDefault);
        return 0;
    }
    if (auto doc = mpemu::core::parse_json(text.substr(nl + 1))) {
        for (const auto& m : path->query(*doc)) {
            if (mpemu::core::pointer_get(*doc, m.pointer) != m.value) __builtin_trap();
        }
    }
    return 0;
}
