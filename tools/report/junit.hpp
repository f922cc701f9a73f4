// JUnit XML as GitLab, Jenkins and GitHub test annotators read it: one <testsuite> per folder, one
// <testcase> per scenario (file, line), <failure> with file:line:column and actual/expected.
#pragma once

#include <string>

#include "tools/scenario/results.hpp"

namespace mpemu::report {

std::string junit_xml(const scenario::RunSummary& summary);

// Escapes text for XML 1.0 content and attributes; drops characters XML cannot carry.
std::string xml_escape(std::string_view text);

}  // namespace mpemu::report
