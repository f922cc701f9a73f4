// Command-line behaviour pinned by golden files (STYLE.md item 15): each tests/golden/cli/<case>.args
// holds the arguments (one per line, run from the repository root with NO_COLOR=1); <case>.out,
// <case>.err and <case>.exit hold what must come out. In expected text, {{*}} matches any run of
// characters within a line. MPEMU_UPDATE_GOLDEN=1 rewrites the expected files for review.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>

#include "core/text.hpp"
#include "tests/support/emulator_process.hpp"

namespace fs = std::filesystem;
using namespace mpemu;

namespace {

std::string read_or_empty(const fs::path& p) {
    auto s = core::read_file(p.string());
    return s ? *s : std::string();
}

std::regex wildcard_regex(const std::string& expected) {
    std::string re;
    for (size_t i = 0; i < expected.size(); ++i) {
        if (expected.compare(i, 5, "{{*}}") == 0) {
            re += "[^\\n]*";
            i += 4;
            continue;
        }
        char c = expected[i];
        if (std::string("\\^$.|?*+()[]{}").find(c) != std::string::npos) re += '\\';
        re += c;
    }
    return std::regex(re);
}

bool matches(const std::string& expected, const std::string& actual) {
    if (expected.find("{{*}}") == std::string::npos) return expected == actual;
    return std::regex_match(actual, wildcard_regex(expected));
}

}  // namespace

TEST_CASE("CLI golden files", "[cli][golden]") {
    fs::path dir = fs::path(testing::source_dir()) / "tests" / "golden" / "cli";
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read on the test's own thread; nothing sets the environment
    bool update = std::getenv("MPEMU_UPDATE_GOLDEN") != nullptr;
    std::vector<fs::path> cases;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() == ".args") cases.push_back(e.path());
    }
    std::sort(cases.begin(), cases.end());
    REQUIRE_FALSE(cases.empty());
    for (const auto& args_file : cases) {
        std::string name = args_file.stem().string();
        DYNAMIC_SECTION(name) {
            std::vector<std::string> argv = {MPEMU_BINARY};
            std::istringstream in(read_or_empty(args_file));
            std::string line;
            while (std::getline(in, line)) {
                if (!line.empty()) argv.push_back(line);
            }
            auto r =
                testing::run_command(argv, {}, std::chrono::seconds(30), {{"NO_COLOR", "1"}}, testing::source_dir());
            fs::path base = args_file;
            base.replace_extension();
            if (update) {
                core::write_file(base.string() + ".out", r.out);
                core::write_file(base.string() + ".err", r.err);
                core::write_file(base.string() + ".exit", std::to_string(r.exit_code) + "\n");
                WARN("updated golden files for " << name);
                continue;
            }
            std::string exp_out = read_or_empty(base.string() + ".out");
            std::string exp_err = read_or_empty(base.string() + ".err");
            std::string exp_exit = std::string(core::trim(read_or_empty(base.string() + ".exit")));
            INFO("case " << name << "\n--- stdout ---\n"
                         << r.out << "--- stderr ---\n"
                         << r.err << "(rerun with MPEMU_UPDATE_GOLDEN=1 to rewrite the expected files)");
            CHECK(std::to_string(r.exit_code) == exp_exit);
            CHECK(matches(exp_out, r.out));
            CHECK(matches(exp_err, r.err));
        }
    }
}
