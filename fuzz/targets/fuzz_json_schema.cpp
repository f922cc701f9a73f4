// JSON Schema compilation (fixture, scenario and OpenAPI schemas users write) and validation: the
// input is a schema; it validates a few fixed instances and itself.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/json.hpp"
#include "core/json_schema.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto schema_json = mpemu::core::parse_json(text, 32);
    if (!schema_json) return 0;
    using mpemu::core::Json;
    static const Json kInstances[] = {Json::parse(R"({"a":1,"b":"x","c":[1,2,2],"d":{"e":null}})"),
                                      Json::parse(R"([1,"2",3.5,true,{"x":[]}])"), Json("2024-01-01T00:00:00Z"),
                                      Json(-17), Json(nullptr)};
    for (bool openapi30 : {false, true}) {
        mpemu::core::SchemaOptions options;
        options.openapi30 = openapi30;
        auto schema = mpemu::core::JsonSchema::compile(*schema_json, options);
        if (!schema) continue;
        for (const auto& instance : kInstances) {
            bool valid = schema->is_valid(instance);
            size_t more = 0;
            auto issues = schema->validate(instance, 5, &more);
            if (valid != issues.empty()) __builtin_trap();
        }
        (void)schema->validate(*schema_json);
    }
    return 0;
}
