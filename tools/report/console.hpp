// The console reporter: one line per scenario, and for a failure the step, every failed check with
// file:line:column, the source line, actual and expected, then the request and response.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "tools/scenario/results.hpp"

namespace mpemu::report {

struct ConsoleOptions {
    bool color = false;
    bool verbose = false;      // list every step, also of passing scenarios
    size_t body_limit = 2000;  // bytes of a body shown
};

class ConsoleReporter {
public:
    explicit ConsoleReporter(ConsoleOptions options) : options_(options) {}
    std::string scenario(const scenario::ScenarioResult& result);
    std::string summary(const scenario::RunSummary& summary);

private:
    ConsoleOptions options_;
    std::map<std::string, std::shared_ptr<std::string>> files_;  // for source lines
    std::string paint(const char* code, const std::string& text) const;
    std::string source_line(const scenario::Where& where, const std::string& indent, const std::string& note);
    void step(std::string& out, const scenario::StepResult& s, int depth, bool failed_scenario);
};

// "12 ms", "1.25 s"
std::string format_ms(double ms);

}  // namespace mpemu::report
