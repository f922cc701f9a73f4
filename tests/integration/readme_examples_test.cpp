// "The README's examples all run in CI": every shell block of README.md preceded by a
// `<!-- ci: run -->` line is run with bash against the built binary, and a failing one is reported
// by its README line. The convention (what runs where, and which blocks are left out) is written
// next to the first such block in the README.
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/text.hpp"
#include "tests/support/emulator_process.hpp"
#include "tests/support/process.hpp"

namespace fs = std::filesystem;
using namespace mpemu;

namespace {

struct Example {
    size_t line = 0;  // of the block's opening fence, 1-based
    std::string code;
};

// The shell blocks after a `<!-- ci: run -->` marker; other HTML comments (an include marker) may sit
// between the marker and the fence.
std::vector<Example> runnable_examples(const std::string& readme) {
    std::vector<Example> out;
    auto lines = core::split(readme, '\n');
    for (size_t i = 0; i < lines.size(); ++i) {
        if (core::trim(lines[i]) != "<!-- ci: run -->") continue;
        size_t j = i + 1;
        while (j < lines.size() && core::starts_with(lines[j], "<!--")) ++j;
        REQUIRE(j < lines.size());
        INFO("README.md:" << i + 1 << ": a `<!-- ci: run -->` marker must precede a ```sh block");
        REQUIRE(lines[j] == "```sh");
        Example ex;
        ex.line = j + 1;
        for (++j; j < lines.size() && lines[j] != "```"; ++j) ex.code += lines[j] + "\n";
        out.push_back(std::move(ex));
        i = j;
    }
    return out;
}

}  // namespace

TEST_CASE("readme: the examples marked runnable run against the built binary", "[docs][readme]") {
    std::string root = testing::source_dir();
    auto readme = core::read_file(root + "/README.md");
    REQUIRE(readme.has_value());
    auto examples = runnable_examples(*readme);
    REQUIRE(examples.size() >= 3);

    testing::EmulatorProcess emu({"--notify-time-scale", "0.001"});
    std::string bin_dir = fs::path(MPEMU_BINARY).parent_path().string();
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read on the test's own thread; nothing sets the environment
    const char* path = std::getenv("PATH");
    for (const auto& ex : examples) {
        // A scratch folder that looks like the checkout for reading (the folders examples name) while
        // whatever an example writes (reports, `mpemu init`'s folder, caches under HOME) stays in it.
        std::string scratch = testing::temp_dir();
        for (const char* dir : {"fixtures", "scenarios", "schemas", "scripts"})
            fs::create_directory_symlink(fs::path(root) / dir, fs::path(scratch) / dir);
        fs::create_directory(fs::path(scratch) / "home");
        std::string code = core::replace_all(ex.code, "http://127.0.0.1:8787", emu.url());
        auto r = testing::run_command({"/bin/bash", "-euo", "pipefail", "-c", code}, {}, std::chrono::seconds(90),
                                      {{"PATH", bin_dir + ":" + (path ? path : "/usr/bin:/bin")},
                                       {"HOME", scratch + "/home"},
                                       {"MPEMU_URL", emu.url()},
                                       {"NO_COLOR", "1"}},
                                      scratch);
        INFO("README.md:" << ex.line << ": this example failed with exit " << r.exit_code << "\n"
                          << code << "--- stdout ---\n"
                          << r.out << "--- stderr ---\n"
                          << r.err);
        CHECK(r.exit_code == 0);
    }
}
