// Response templates of stub routes: "{{path.id}}", "{{body.items.0.sku}}", "{{query.q}}",
// "{{header.x-trace}}", "{{jwt.sub}}", "{{now}}", "{{uuid}}", "{{lookup products path.id name}}".
// A JSON string that is exactly one expression is replaced by the typed value; otherwise the
// expressions are interpolated as text.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/result.hpp"
#include "emulator/http.hpp"

namespace mpemu::backend {

struct TemplateContext {
    const emulator::Request* request = nullptr;
    const std::map<std::string, std::string>* path_params = nullptr;
    const core::Json* body = nullptr;    // parsed JSON body, or null
    const core::Json* claims = nullptr;  // verified JWT claims, or null
    core::Clock* clock = nullptr;
    core::IdGenerator* ids = nullptr;
    // Row of a collection by id (null when missing).
    std::function<core::Json(const std::string& collection, const std::string& id)> lookup;
};

struct TemplateExpr {
    enum Kind {
        kPath,
        kQuery,
        kHeader,
        kBody,
        kJwt,
        kNow,
        kNowUnix,
        kNowMs,
        kUuid,
        kMethod,
        kRequestPath,
        kLookup,
        kLiteral
    };
    Kind kind = kLiteral;
    std::vector<std::string> field;     // dotted path after the root
    std::string name;                   // kLookup: collection
    std::shared_ptr<TemplateExpr> arg;  // kLookup: id expression
    std::string literal;
};

class Template {
public:
    // Error code "template"; detail is the 0-based byte offset of the problem inside `text`.
    // With `path_params` (the route's {names}), a {{path.NAME}} naming none of them is refused with a did-you-mean.
    static core::Result<Template> compile(std::string_view text, const std::vector<std::string>& collections = {},
                                          const std::vector<std::string>* path_params = nullptr);

    bool has_expressions() const { return !exprs_.empty(); }
    // Typed value when the text is one expression, else the interpolated string.
    core::Json render_value(const TemplateContext& ctx) const;
    std::string render_string(const TemplateContext& ctx) const;

private:
    std::vector<std::string> literals_;  // literals_[i] precedes exprs_[i]; one extra at the end
    std::vector<TemplateExpr> exprs_;
    bool whole_ = false;
};

// A JSON value whose strings may hold templates (keys are literal).
class JsonTemplate {
public:
    struct Problem {
        std::string pointer;  // inside the value
        size_t offset;        // inside the string
        std::string message;
    };
    static JsonTemplate compile(const core::Json& value, const std::vector<std::string>& collections,
                                std::vector<Problem>* problems, const std::vector<std::string>* path_params = nullptr);
    core::Json render(const TemplateContext& ctx) const;
    bool is_static() const { return templates_.empty(); }

private:
    core::Json value_;
    std::vector<std::pair<std::string, Template>> templates_;  // JSON pointer -> template
};

// Evaluates one expression (shared with stub matching).
core::Json evaluate(const TemplateExpr& e, const TemplateContext& ctx);
// Text form of a JSON value for interpolation and query comparison: strings unquoted.
std::string to_text(const core::Json& v);

}  // namespace mpemu::backend
