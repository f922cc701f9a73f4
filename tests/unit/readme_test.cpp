// Docs quote files that CI runs (STYLE.md item 17): every "<!-- include: PATH -->" block in a README
// must hold exactly the current content of PATH (relative to the repository root).
#include <regex>
#include <string>

#include <catch2/catch.hpp>

#include "core/text.hpp"

namespace {

void check_include_blocks(const std::string& readme_path) {
    std::string root = MPEMU_SOURCE_DIR;
    auto readme = mpemu::core::read_file(root + "/" + readme_path);
    REQUIRE(readme.has_value());
    static const std::regex kBlock(R"(<!-- include: ([^ ]+) -->\n```[a-z]*\n([\s\S]*?)```\n<!-- end include -->)");
    size_t blocks = 0;
    for (auto it = std::sregex_iterator(readme->begin(), readme->end(), kBlock); it != std::sregex_iterator(); ++it) {
        ++blocks;
        std::string path = (*it)[1];
        std::string file_path = root;
        file_path += '/';
        file_path += path;
        auto file = mpemu::core::read_file(file_path);
        INFO(readme_path << " quotes " << path << "; copy the file's current content into the block");
        REQUIRE(file.has_value());
        CHECK((*it)[2].str() == *file);
    }
    CHECK(blocks >= 1);
}

}  // namespace

TEST_CASE("README include blocks match the files they quote", "[docs]") {
    check_include_blocks("README.md");
}

TEST_CASE("tools/scenario/README.md quotes scenario files verbatim", "[docs][scenario]") {
    check_include_blocks("tools/scenario/README.md");
}
