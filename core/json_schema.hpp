// A JSON Schema validator (draft 4, 6, 7, 2019-09 and 2020-12 keywords) used for fixture files,
// scenario files, OpenAPI request/response checks and scenario body assertions.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"

namespace mpemu::core {

struct SchemaIssue {
    std::string instance_pointer;  // where in the validated document (JSON Pointer)
    std::string schema_pointer;    // which schema keyword failed (JSON Pointer into the schema)
    std::string keyword;           // "type", "required", "additionalProperties", ...
    std::string message;           // human text: `unknown key "secrte"`, `expected string, got number`
    std::string hint;              // optional: `did you mean "secret"?`
    bool at_key = false;           // true when the problem is the member's key itself (unknown key)
};

struct SchemaOptions {
    // Validate "format" (date-time, date, time, email, uri, uuid, ipv4, ipv6, regex, ...).
    bool check_formats = true;
    // Documents other schemas may $ref, by their absolute URI ($id).
    std::map<std::string, Json> registry;
    // OpenAPI 3.0 dialect: "nullable": true, no type arrays, example keywords ignored.
    bool openapi30 = false;
};

class JsonSchema {
public:
    // Compiles a schema. Error code "schema" when it is not a valid schema or a $ref cannot be
    // resolved; the message names the schema pointer.
    static Result<JsonSchema> compile(const Json& schema, const SchemaOptions& options = {});

    // All problems, most specific first (for oneOf/anyOf: the issues of the closest branch).
    std::vector<SchemaIssue> validate(const Json& instance) const;
    bool is_valid(const Json& instance) const;

    struct Impl;

private:
    std::shared_ptr<const Impl> impl_;
};

}  // namespace mpemu::core
