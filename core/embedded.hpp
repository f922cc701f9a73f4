// Data files compiled into the binary: the JSON Schemas under schemas/ (looked up by file name), the default
// fixture set fixtures/default (by path relative to it), so `mpemu serve` works outside the repository, and
// the files `mpemu init` writes (templates/init).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace mpemu::core {

struct EmbeddedFile {
    std::string_view name;
    std::string_view data;
};

const std::vector<EmbeddedFile>& embedded_files();

// The embedded file with this name ("fixture.schema.json"), if any.
std::optional<std::string_view> embedded_file(std::string_view name);

// fixtures/default of the source tree: "fixture.json", "openapi.json", "keys/wechatpay/apiv3_key.txt", ...
const std::vector<EmbeddedFile>& embedded_default_fixtures();

// templates/init of the source tree: what `mpemu init` writes besides the fixture set ("scenarios/checkout.json").
const std::vector<EmbeddedFile>& embedded_init_files();

// Writes the embedded default fixture set into `dir` (created if missing; files of the same name replaced).
Status write_embedded_default_fixtures(const std::string& dir);

// A folder holding the embedded default fixture set, for code that loads fixture sets from disk. It is
// written once per content into $XDG_CACHE_HOME/mpemu (else ~/.cache/mpemu, else the temporary folder),
// in a folder named by the content's hash: every mpemu process of one build agrees on the same path, so a
// scenario runner and an emulator started apart both name it, and a newer build never sees an older set.
Result<std::string> embedded_default_fixtures_dir();

}  // namespace mpemu::core
