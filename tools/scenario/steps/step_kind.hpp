// The table of step kinds: each kind (one file under tools/scenario/steps/) parses its own fields,
// builds the HTTP request it sends and checks its replies; the parser and the runners look kinds up here.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/http_client.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "tools/scenario/model.hpp"
#include "tools/scenario/results.hpp"
#include "tools/scenario/template.hpp"

namespace mpemu::scenario {

// What a kind's parser may use of the file being parsed: its values by JSON pointer, positioned
// diagnostics, template and variable checks. Implemented by the scenario parser.
class ParseContext {
public:
    virtual ~ParseContext() = default;

    // The value at a JSON pointer of the file (it must exist: the schema has been checked).
    virtual const core::Json& at(const std::string& pointer) const = 0;
    // The same value with object keys in source order.
    virtual core::OrderedJson ordered(const std::string& pointer) const = 0;
    virtual const std::string& file() const = 0;
    // The scenario's fixture set folder ("" when it has none): the default of key folders.
    virtual const std::string& fixtures_dir() const = 0;
    // An error at the value (or, at_key, the key) of `pointer`; the file is then refused.
    virtual void report_error(const std::string& pointer, std::string message, std::string hint, bool at_key) = 0;
    // Template syntax and variable names of one string value / every string (and key) of a tree.
    virtual void check_template(const std::string& text, const std::string& pointer) = 0;
    virtual void check_templates(const core::OrderedJson& value, const std::string& pointer) = 0;
    // A duration ("250ms" or milliseconds); a bad one is reported and gives 0.
    virtual std::chrono::milliseconds duration(const std::string& pointer) = 0;
    // Whether `canonical_path` is being parsed already (an include cycle); `depth` = files open.
    virtual bool including(const std::string& canonical_path, size_t* depth) const = 0;
    // Parses an included file with the variables known here plus `params`; the names it captures
    // become known here. nullptr when it has problems (reported, and the file is refused).
    virtual std::shared_ptr<const Scenario> load_include(const std::string& path,
                                                         const std::set<std::string>& params) = 0;

    void error(const std::string& pointer, std::string message, std::string hint = {}, bool at_key = false) {
        report_error(pointer, std::move(message), std::move(hint), at_key);
    }
    // A string member `field` of the object `obj` at `pointer`, its templates checked.
    std::string template_field(const core::Json& obj, const std::string& pointer, const char* field);
    // An object member (in source order) whose strings may hold templates, checked.
    core::OrderedJson template_tree(const std::string& pointer, const char* field);
    // A path written in the file, joined to the file's folder (kept relative when the file's is).
    std::string relative(const std::string& written) const;
};

// What building a step's request needs besides the step and its variables: no runner state, so a
// load or replay runner builds requests the same way.
struct BuildContext {
    std::string target;       // base URL of relative URLs
    std::string emulator;     // base URL of the admin API
    std::string admin_token;  // Authorization: Bearer of admin calls ("" = none)
    core::IdGenerator& ids;   // nonces and request ids
};

// Parses the kind's fields of the step at `pointer` into step.spec (and step.name when the file
// gives none). False: the step is dropped (its problem is reported).
using ParseFn = bool (*)(ParseContext& ctx, const std::string& pointer, Step& step);
// The HTTP request of a step, templates rendered and signed. Error: a template, key or signing problem.
using BuildFn = core::Result<core::HttpRequest> (*)(const Step& step, const Lookup& lookup, const BuildContext& ctx);
// The reply's body as JSON for captures and assertions, when a kind reads it another way (XML), or
// nullopt with the reason it could not be read.
using ReplyJsonFn = std::pair<std::optional<core::Json>, std::string> (*)(const std::string& body);
// A check the kind makes of every reply besides the step's assertions (a reply signature); none
// when it does not apply.
using ReplyCheckFn = std::optional<CheckResult> (*)(const Step& step, const Exchange& exchange);

struct StepKind {
    const char* name;  // the step's key: "request", "alipay_notify", ...
    size_t index;      // of the kind's data in StepSpec
    ParseFn parse;
    BuildFn build;                              // nullptr: nothing is sent (include, wait: the runner runs them)
    const char* schema;                         // JSON pointer of the kind's value in schemas/scenario.schema.json
    std::vector<std::string> step_fields = {};  // step-level fields that only this kind may have
    ReplyJsonFn reply_json = nullptr;
    ReplyCheckFn reply_check = nullptr;
};

// Every kind, in the order diagnostics list them.
const std::vector<StepKind>& step_kinds();
const StepKind* find_step_kind(std::string_view name);
// The kind of a parsed step (by its data).
const StepKind& step_kind(const Step& step);
const char* step_kind_name(const Step& step);

}  // namespace mpemu::scenario
