// Data files compiled into the binary (the JSON Schemas under schemas/), looked up by file name.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace mpemu::core {

struct EmbeddedFile {
    std::string_view name;
    std::string_view data;
};

const std::vector<EmbeddedFile>& embedded_files();

// The embedded file with this name ("fixture.schema.json"), if any.
std::optional<std::string_view> embedded_file(std::string_view name);

}  // namespace mpemu::core
