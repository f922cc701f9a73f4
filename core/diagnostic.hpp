// Compiler-style messages for mistakes in files users write (fixtures, scenarios, specs).
//
//   error: unknown step field "asert"
//     --> scenarios/e2e/pay.json:14:9
//      |
//   14 |         "asert": { "status": 200 }
//      |         ^^^^^^^ did you mean "assert"?
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/json_source.hpp"

namespace mpemu::core {

enum class Severity { kError, kWarning, kNote };

struct Diagnostic {
    Severity severity = Severity::kError;
    std::string file;
    SourcePos pos;
    std::string message;
    std::string hint;  // "did you mean \"assert\"?" — shown under the carets
};

// Collects diagnostics for one or more files; knows their texts to render source lines.
class Diagnostics {
public:
    void add(Diagnostic d);
    void error(const SourceText& src, SourcePos pos, std::string message, std::string hint = {});
    void error(const ParsedJsonDocument& doc, std::string_view pointer, std::string message, std::string hint = {},
               bool at_key = false);
    // A problem with no position in a file (e.g. a missing directory).
    void error(std::string file, std::string message, std::string hint = {});
    void add_source(std::shared_ptr<const SourceText> src);

    bool has_errors() const;
    size_t size() const { return items_.size(); }
    const std::vector<Diagnostic>& items() const { return items_; }

    // The full compiler-style rendering of every item, in file/line order.
    std::string render(bool color = false) const;
    // One line per item: "file:line:column: error: message (hint)".
    std::string render_short() const;

private:
    std::vector<Diagnostic> items_;
    std::map<std::string, std::shared_ptr<const SourceText>> sources_;
};

}  // namespace mpemu::core
