// A JSON Schema validator (draft 4, 6, 7, 2019-09 and 2020-12 keywords) used for fixture files,
// scenario files, OpenAPI request/response checks and scenario body assertions.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
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

// The dialect assumed for a schema (and registry documents) that names no known "$schema".
enum class SchemaDraft { draft4, draft6, draft7, draft2019_09, draft2020_12 };

struct SchemaOptions {
    // Validate "format" (date-time, date, time, email, uri, uuid, ipv4, ipv6, regex, ...).
    bool check_formats = true;
    // Documents other schemas may $ref, by their absolute URI ($id).
    std::map<std::string, Json> registry;
    // OpenAPI 3.0 dialect: draft 4 rules ($ref siblings ignored, boolean exclusiveMaximum), int32/int64
    // formats checked, annotations ("example", "discriminator", "xml", ...) ignored, and "nullable": true
    // lets null through the whole schema, also past allOf/$ref (how generators write nullable refs).
    bool openapi30 = false;
    SchemaDraft default_draft = SchemaDraft::draft2020_12;
    // Base URI of the schema when it has no "$id"; relative $refs resolve against it and a registry
    // key that equals the resolved URI is used as is (so "common.json#/X" can name a registry entry).
    std::string base_uri;
    // When set, `schema` is a whole document (an OpenAPI file, say) and validation starts at this
    // JSON Pointer inside it, so local refs like "#/components/schemas/Pet" resolve.
    std::string entry_pointer;
};

class JsonSchema {
public:
    // Compiles a schema. Error code "schema" when it is not a valid schema or a $ref cannot be
    // resolved; the message names the schema pointer.
    static Result<JsonSchema> compile(const Json& schema, const SchemaOptions& options = {});

    // All problems, in document order of the instance, then by keyword. For a failed oneOf/anyOf: the
    // issues of the branch that was evidently meant (by type or by a const/enum tag), else the closest.
    std::vector<SchemaIssue> validate(const Json& instance) const;
    // The same, keeping at most `max_issues` (memory stays bounded for a huge wrong document); `more`
    // receives how many further issues were found and not kept.
    std::vector<SchemaIssue> validate(const Json& instance, size_t max_issues, size_t* more) const;
    bool is_valid(const Json& instance) const;

    struct Impl;

private:
    friend class JsonSchemaSet;
    std::shared_ptr<const Impl> impl_;
    int root_ = -1;
};

// Compiles many entry points of one document (every schema of an OpenAPI file, say) over a single
// copy of it: the document is scanned once and a schema position reached from several entry points
// (a shared component) is compiled once. Compiling each entry point with JsonSchema::compile costs
// the whole document every time. The schemas it returns share its nodes: finish compiling before
// validating with them from other threads. `options.entry_pointer` is ignored.
class JsonSchemaSet {
public:
    JsonSchemaSet(const Json& document, const SchemaOptions& options);
    Result<JsonSchema> compile_at(const std::string& entry_pointer);

private:
    struct State;
    std::shared_ptr<State> state_;
};

// A JSON Schema embedded in the binary (schemas/NAME, see core/embedded.hpp), compiled on first use.
// Null when it is missing from the build or does not compile (a build defect): the error names
// schemas/NAME.
Result<const JsonSchema*> embedded_schema(std::string_view name);

}  // namespace mpemu::core
