// Files users write: the input is a fixture.json (loaded as a fixture set with every service's
// checks) and, the same bytes, a scenario file. Both must refuse mistakes with diagnostics, never
// crash. The files go to a private temporary folder because the loaders read paths, as serve and
// run do.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/diagnostic.hpp"
#include "emulator/service.hpp"
#include "emulator/state/fixture_loader.hpp"
#include "tools/scenario/parser.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path& work_dir() {
    static const fs::path dir = [] {
        fs::path d = fs::temp_directory_path() / ("mpemu-fuzz-files-" + std::to_string(::getpid()));
        fs::create_directories(d);
        // The default set's key files, so a fixture that names them gets past the key checks
        // (scripts/fuzz.sh runs from the repository root).
        std::error_code ec;
        fs::copy("fixtures/default/keys", d / "keys", fs::copy_options::recursive | fs::copy_options::skip_existing,
                 ec);
        return d;
    }();
    return dir;
}

void write(const fs::path& path, std::string_view text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    static const auto services = mpemu::emulator::make_services();
    write(work_dir() / "fixture.json", text);
    {
        mpemu::core::Diagnostics diags;
        auto set = mpemu::state::load_fixture_set(work_dir().string(), services, diags);
        if (!set && !diags.has_errors()) __builtin_trap();  // refused without saying why
    }
    write(work_dir() / "scenario.json", text);
    {
        mpemu::core::Diagnostics diags;
        auto scenario = mpemu::scenario::load_scenario((work_dir() / "scenario.json").string(), diags);
        if (!scenario && !diags.has_errors()) __builtin_trap();
    }
    return 0;
}
