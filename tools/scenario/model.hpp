// The scenario model: what a parsed scenario file says, with the source position of every part so
// that runtime failures point back at the file like a compiler would.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <variant>
#include <vector>

#include "core/json.hpp"
#include "core/json_schema.hpp"
#include "core/json_source.hpp"
#include "tools/scenario/steps/admin.hpp"
#include "tools/scenario/steps/alipay_notify.hpp"
#include "tools/scenario/steps/alipay_request.hpp"
#include "tools/scenario/steps/alipay_v3_request.hpp"
#include "tools/scenario/steps/include.hpp"
#include "tools/scenario/steps/request.hpp"
#include "tools/scenario/steps/wait.hpp"
#include "tools/scenario/steps/wechatpay_notify.hpp"
#include "tools/scenario/steps/wechatpay_request.hpp"
#include "tools/scenario/steps/wechatpay_v2_request.hpp"

namespace mpemu::scenario {

// A place in a scenario file.
struct Where {
    std::string file;
    core::SourcePos pos;
    std::string str() const;  // "file:line:column"
};

// One predicate of an assertion: {"equals": 0}, {"matches": "^o"}, ... The expected value may hold
// templates; they are rendered when the assertion runs.
struct Predicate {
    std::string op;  // equals not_equals exists type matches contains starts_with gt gte lt lte length one_of
    core::Json expected;
    Where where;
};

enum class CheckSubject { kStatus, kHeader, kJsonPath, kBody, kSchema, kTime };

struct Check {
    CheckSubject subject = CheckSubject::kStatus;
    std::string arg;                                 // header name or JSONPath text
    bool arg_template = false;                       // arg holds {{ }}: rendered (and compiled) on each run
    std::optional<core::JsonPath> path;              // kJsonPath
    std::vector<Predicate> predicates;               // all must hold
    std::shared_ptr<const core::JsonSchema> schema;  // kSchema
    std::string schema_name;                         // file name or "inline schema"
    Where where;
    std::string label() const;  // `jsonpath "$.errcode"`, `header "Content-Type"`, `status`
};

enum class CaptureSource { kJsonPath, kHeader, kStatus, kBody, kRegex };

struct Capture {
    std::string name;
    CaptureSource source = CaptureSource::kJsonPath;
    std::string arg;            // JSONPath / header name / regex text
    bool arg_template = false;  // a JSONPath or header name with {{ }}: rendered (and compiled) on each run
    std::optional<core::JsonPath> path;
    std::shared_ptr<const std::regex> regex;
    int group = 1;
    std::string jwt_claim;  // read this claim from the JWT the source holds
    bool optional = false;
    Where where;
};

struct Retry {
    int attempts = 1;
    std::chrono::milliseconds interval{200};
};

struct Scenario;

// What a step of each kind says (one alternative per kind, in the order of steps/registry.cpp).
using StepSpec =
    std::variant<RequestSpec, AdminSpec, IncludeSpec, WaitSpec, WechatpayRequestSpec, WechatpayV2RequestSpec,
                 WechatpayNotifySpec, AlipayRequestSpec, AlipayV3RequestSpec, AlipayNotifySpec>;

// What every step has; its kind's own data is `spec` (steps/<kind>.hpp).
struct Step {
    std::string name;  // given or derived ("POST /sns/jscode2session")
    Where where;
    bool skip = false;
    StepSpec spec;

    std::vector<Capture> captures;
    std::vector<Check> checks;
    std::optional<Retry> retry;

    // The kind's data, or nullptr when the step is of another kind.
    template <class Spec>
    const Spec* as() const {
        return std::get_if<Spec>(&spec);
    }
};

struct Scenario {
    std::string file;  // as given on the command line / relative path
    std::string name;
    std::string description;
    std::vector<std::string> tags;
    std::string fixtures;      // "" = no reset unless `reset`
    std::string fixtures_dir;  // resolved local folder for `fixtures`, if one exists
    bool reset = false;
    // `overlay`: merged into the fixture set's fixture.json (objects merge, arrays append, null
    // removes); the run resets the emulator to that merged set, materialised in a temporary folder.
    std::string overlay_fixture;                           // the merged fixture.json text ("" = no overlay)
    std::string overlay_name;                              // its set name: "<base>+overlay-<hash>"
    core::OrderedJson vars = core::OrderedJson::object();  // in file order
    // Default headers of the scenario's `request` steps (a step's own header of the same name wins).
    core::OrderedJson headers = core::OrderedJson::object();
    std::vector<Step> steps;
    Where where;
};

}  // namespace mpemu::scenario
