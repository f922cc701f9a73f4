// The scenario README quotes a scenario file that CI runs (STYLE.md item 17): the quoted block must
// equal the file.
#include <regex>

#include <catch2/catch.hpp>

#include "core/text.hpp"

TEST_CASE("tools/scenario/README.md quotes scenario files verbatim", "[docs][scenario]") {
    std::string root = MPEMU_SOURCE_DIR;
    auto readme = mpemu::core::read_file(root + "/tools/scenario/README.md");
    REQUIRE(readme.has_value());
    static const std::regex kBlock(R"(<!-- include: ([^ ]+) -->\n```[a-z]*\n([\s\S]*?)```\n<!-- end include -->)");
    size_t blocks = 0;
    for (auto it = std::sregex_iterator(readme->begin(), readme->end(), kBlock); it != std::sregex_iterator(); ++it) {
        ++blocks;
        std::string path = (*it)[1];
        auto file = mpemu::core::read_file(root + "/" + path);
        INFO("tools/scenario/README.md quotes " << path << "; copy the file's current content into the block");
        REQUIRE(file.has_value());
        CHECK((*it)[2].str() == *file);
    }
    CHECK(blocks >= 1);
}
