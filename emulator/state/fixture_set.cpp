// Fixture-set file access with positioned errors.
#include "emulator/state/fixture_set.hpp"

#include <sys/stat.h>

#include "core/text.hpp"

namespace mpemu::state {

std::string FixtureSet::file(const std::string& relative) const {
    if (!relative.empty() && relative.front() == '/') return relative;
    if (dir.empty()) return relative;
    return dir + (dir.back() == '/' ? "" : "/") + relative;
}

void FixtureReader::error(std::string_view pointer, std::string message, std::string hint, bool at_key) {
    diags_.error(set_.doc, pointer, std::move(message), std::move(hint), at_key);
}

bool FixtureReader::file_exists(const std::string& relative) const {
    struct stat st {};
    return ::stat(set_.file(relative).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::optional<std::string> FixtureReader::read_file(const std::string& relative, std::string_view pointer,
                                                    const std::string& what) {
    auto data = core::read_file(set_.file(relative));
    if (!data) {
        error(pointer, what + " " + relative + " is missing or unreadable",
              file_exists(relative) ? "check the file's permissions"
                                    : "create it (see fixtures/default/keys/README.md for the layout)");
    }
    return data;
}

std::optional<std::string> FixtureReader::read_text(const std::string& relative, std::string_view pointer,
                                                    const std::string& what) {
    auto data = read_file(relative, pointer, what);
    if (!data) return std::nullopt;
    return std::string(core::trim(*data));
}

}  // namespace mpemu::state
