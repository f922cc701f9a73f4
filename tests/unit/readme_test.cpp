// Docs quote files that CI runs (STYLE.md item 17): every "<!-- include: PATH -->" block in README.md
// must hold exactly the current content of PATH.
#include <regex>
#include <string>

#include <catch2/catch.hpp>

#include "core/text.hpp"

TEST_CASE("README include blocks match the files they quote", "[docs]") {
    std::string root = MPEMU_SOURCE_DIR;
    auto readme = mpemu::core::read_file(root + "/README.md");
    REQUIRE(readme.has_value());
    static const std::regex kBlock(R"(<!-- include: ([^ ]+) -->\n```[a-z]*\n([\s\S]*?)```\n<!-- end include -->)");
    size_t blocks = 0;
    for (auto it = std::sregex_iterator(readme->begin(), readme->end(), kBlock); it != std::sregex_iterator(); ++it) {
        ++blocks;
        std::string path = (*it)[1];
        auto file = mpemu::core::read_file(root + "/" + path);
        INFO("README.md quotes " << path << "; copy the file's current content into the block");
        REQUIRE(file.has_value());
        CHECK((*it)[2].str() == *file);
    }
    CHECK(blocks >= 1);
}
