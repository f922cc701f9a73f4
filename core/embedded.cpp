// Lookup over the generated table of embedded files.
#include "core/embedded.hpp"

namespace mpemu::core {

std::optional<std::string_view> embedded_file(std::string_view name) {
    for (const auto& f : embedded_files()) {
        if (f.name == name) return f.data;
    }
    return std::nullopt;
}

}  // namespace mpemu::core
