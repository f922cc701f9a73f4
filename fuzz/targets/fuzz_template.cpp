// Scenario templates ({{...}} with functions, paths and arithmetic): compile, then evaluate against a
// fixed set of variables.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/json.hpp"
#include "tools/scenario/template.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    using mpemu::core::Json;
    static const Json kVars = Json::parse(
        R"({"order":"T1001","amount":8880,"user":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o","tags":["a","b"]},"yuan":"88.80","zero":0})");
    mpemu::scenario::Lookup lookup = [](std::string_view name) -> const Json* {
        auto it = kVars.find(std::string(name));
        return it == kVars.end() ? nullptr : &*it;
    };
    auto compiled = mpemu::scenario::Template::compile(text);
    if (compiled) {
        (void)compiled->evaluate(lookup);
        (void)compiled->references();
    }
    (void)mpemu::scenario::render_string(text, lookup);
    return 0;
}
