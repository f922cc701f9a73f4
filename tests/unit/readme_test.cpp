// Docs quote files that CI runs (STYLE.md item 17): every "<!-- include: PATH -->" block in a README
// must hold exactly the current content of PATH (relative to the repository root); and every relative
// link of the Markdown files leads to a file that exists.
#include <algorithm>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

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

namespace {

namespace fs = std::filesystem;

// Every Markdown file of the checkout, build folders and installed packages left out.
std::vector<fs::path> markdown_files(const fs::path& root) {
    std::vector<fs::path> out;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        std::string name = it->path().filename().string();
        if (it->is_directory() &&
            (name.rfind("build", 0) == 0 || name == "node_modules" || (!name.empty() && name[0] == '.'))) {
            it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file() && it->path().extension() == ".md") out.push_back(it->path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The text outside fenced code blocks (a link-like string in a shell example is no link).
std::string prose_of(const std::string& text) {
    std::string out;
    bool fenced = false;
    for (const auto& line : mpemu::core::split(text, '\n')) {
        if (line.rfind("```", 0) == 0) {
            fenced = !fenced;
            continue;
        }
        if (!fenced) out += line + "\n";
    }
    return out;
}

}  // namespace

TEST_CASE("readme: every relative Markdown link points at a file of the repository", "[docs]") {
    fs::path root = MPEMU_SOURCE_DIR;
    auto files = markdown_files(root);
    REQUIRE(files.size() >= 5);
    static const std::regex kLink(R"(\]\(([^)\s]+)\))");
    static const std::regex kExternal(R"(^[a-zA-Z][a-zA-Z0-9+.-]*:)");
    size_t links = 0;
    for (const auto& file : files) {
        auto text = mpemu::core::read_file(file.string());
        REQUIRE(text.has_value());
        std::string prose = prose_of(*text);
        for (auto it = std::sregex_iterator(prose.begin(), prose.end(), kLink); it != std::sregex_iterator(); ++it) {
            std::string target = (*it)[1];
            if (target.empty() || target[0] == '#' || std::regex_search(target, kExternal)) continue;
            target = target.substr(0, target.find('#'));
            ++links;
            fs::path resolved = target[0] == '/' ? root / target.substr(1) : file.parent_path() / target;
            INFO(fs::relative(file, root).string() << " links " << (*it)[1] << ", which does not exist");
            CHECK(fs::exists(resolved));
        }
    }
    CHECK(links >= 20);
}

TEST_CASE("readme: the keys README names only files the repository has", "[docs]") {
    // It is copied into every `mpemu init` scaffold: what it points at must exist here, and it links
    // nothing (a relative link would break in the copy).
    fs::path root = MPEMU_SOURCE_DIR;
    auto text = mpemu::core::read_file((root / "fixtures/default/keys/README.md").string());
    REQUIRE(text.has_value());
    static const std::regex kNamed(R"([A-Za-z0-9_./-]+\.(md|sh|mjs))");
    size_t named = 0;
    for (auto it = std::sregex_iterator(text->begin(), text->end(), kNamed); it != std::sregex_iterator(); ++it) {
        std::string name = (*it)[0];
        ++named;
        INFO("fixtures/default/keys/README.md names " << name << ", which is not in the repository");
        CHECK((fs::exists(root / name) || fs::exists(root / "fixtures/default/keys" / name)));
    }
    CHECK(named >= 1);
    CHECK_FALSE(std::regex_search(prose_of(*text), std::regex(R"(\]\([^)]+\))")));
}
