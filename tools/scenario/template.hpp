// {{...}} templates inside scenario strings: variables and captures (`{{openid}}`, `{{order.id}}`,
// `{{items[0]}}`), the environment (`{{env.HOME}}`) and functions (`{{uuid()}}`, `{{now("+2h")}}`,
// `{{sha256(body)}}`, ...). Compiled once for checks at load time, evaluated per run.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"

namespace mpemu::scenario {

// A problem inside a template string: byte offset and length within the string, for carets.
struct TemplateError {
    size_t offset = 0;
    size_t length = 1;
    std::string message;
    std::string hint;
};

// Where names come from: returns nullptr when the name is unknown.
using Lookup = std::function<const core::Json*(std::string_view name)>;

struct Expr;

class Template {
public:
    // Parses every {{...}} in `text`. Unknown functions and syntax errors are refused here.
    static core::Result<Template> compile(std::string_view text, TemplateError* error = nullptr);

    // True when the text holds no {{ }} at all.
    bool is_literal() const { return parts_.size() <= 1 && (parts_.empty() || !parts_[0].expr); }
    // The value: a string, unless the whole text is one {{expr}} (then the expression's own JSON type,
    // so "{{amount}}" stays a number in a JSON body). Error code "template" with a message naming the
    // problem and detail = byte offset of the expression in the text.
    core::Result<core::Json> evaluate(const Lookup& lookup) const;
    // Root names the template reads (variables and captures, not "env"), with their offsets.
    std::vector<std::pair<std::string, size_t>> references() const;

    struct Part {
        std::string literal;
        std::shared_ptr<const Expr> expr;
        size_t offset = 0;  // of the expression's text within the template
        size_t length = 0;
    };

private:
    std::vector<Part> parts_;
};

// Renders a string (possibly with templates) to a string; non-string values are dumped as JSON.
core::Result<std::string> render_string(std::string_view text, const Lookup& lookup);
// Renders every string inside a JSON value (keys too).
core::Result<core::OrderedJson> render_json(const core::OrderedJson& value, const Lookup& lookup);
core::Result<core::Json> render_json(const core::Json& value, const Lookup& lookup);

// A value as text: strings as they are, everything else as compact JSON.
std::string to_text(const core::Json& value);

// The function names templates may call, for did-you-mean hints and docs.
const std::vector<std::string>& template_functions();

}  // namespace mpemu::scenario
