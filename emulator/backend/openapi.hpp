// The app's OpenAPI 3.0/3.1 document (JSON): its operations, request validation against their
// parameters and body schemas, and example or schema-generated responses.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.hpp"
#include "core/json.hpp"
#include "core/json_schema.hpp"
#include "core/json_source.hpp"
#include "emulator/http.hpp"

namespace mpemu::backend {

struct RequestProblem {
    std::string in;       // "path", "query", "header", "body"
    std::string name;     // parameter name, or JSON Pointer inside the body
    std::string message;  // human text
    std::string keyword;  // JSON Schema keyword when from the schema ("required", "type", ...)
};

struct OpenApiParameter {
    std::string name;
    std::string in;  // path | query | header
    bool required = false;
    std::string type;  // schema's type for coercion ("integer", "array", ...), "" when unknown
    std::string item_type;
    std::shared_ptr<core::JsonSchema> schema;
};

struct OpenApiOperation {
    std::string method;  // upper case
    std::string path;    // template as written in the document
    std::vector<std::string> segments;
    std::string operation_id;
    std::string pointer;  // "/paths/~1api~1products/get"
    std::vector<OpenApiParameter> parameters;
    bool body_required = false;
    bool has_body = false;
    bool body_json = false;  // application/json declared
    std::vector<std::string> body_types;
    std::shared_ptr<core::JsonSchema> body_schema;
    // First 2xx (else "default") response.
    int response_status = 200;
    std::optional<core::Json> response_example;
    const core::Json* response_schema = nullptr;  // inside the document
};

class OpenApiDocument {
public:
    // Parses and checks the file; problems go to diags positioned inside it. Null on errors.
    static std::shared_ptr<OpenApiDocument> load(const std::string& path, const std::string& display_path,
                                                 core::Diagnostics& diags);

    const std::string& version() const { return version_; }
    const core::Json& document() const { return doc_.value; }
    const std::vector<OpenApiOperation>& operations() const { return operations_; }
    // The operation for a request, by literal-segment specificity; params filled (decoded).
    const OpenApiOperation* find(std::string_view method, const std::vector<std::string_view>& segments,
                                 std::map<std::string, std::string>* params) const;
    // Checks path, query, header parameters and the body (body_parse_error: why a JSON body did not
    // parse, nullptr when it did). At most `max_problems` are returned; `omitted`
    // receives how many more the body had.
    std::vector<RequestProblem> validate(const OpenApiOperation& op, const emulator::Request& req,
                                         const std::map<std::string, std::string>& path_params, const core::Json* body,
                                         const std::string* body_parse_error, size_t max_problems,
                                         size_t* omitted) const;
    // Example, else generated from the schema; null when the operation declares no JSON body.
    std::optional<core::Json> sample_response(const OpenApiOperation& op) const;
    // A schema from components/schemas, compiled against the document (nullptr if missing). For
    // loading only: it extends the compiled set other schemas of this document validate with.
    std::shared_ptr<core::JsonSchema> component_schema(const std::string& name, std::string* error) const;
    bool has_component(const std::string& name) const;
    core::SchemaOptions schema_options(const std::string& entry_pointer) const;

private:
    core::ParsedJsonDocument doc_;
    std::string version_;
    bool v30_ = false;
    std::vector<OpenApiOperation> operations_;
    // Every schema of the document compiled over one copy of it (see core::JsonSchemaSet).
    std::shared_ptr<core::JsonSchemaSet> schemas_;
};

// A value generated from a schema (examples, defaults, enums, formats), refs resolved in `root`.
core::Json generate_from_schema(const core::Json& schema, const core::Json& root, int depth = 0);

}  // namespace mpemu::backend
