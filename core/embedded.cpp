// Lookup over the generated tables of embedded files, and extraction of the default fixture set.
#include "core/embedded.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/crypto.hpp"
#include "core/text.hpp"

namespace mpemu::core {

namespace fs = std::filesystem;

std::optional<std::string_view> embedded_file(std::string_view name) {
    for (const auto& f : embedded_files()) {
        if (f.name == name) return f.data;
    }
    return std::nullopt;
}

Status write_embedded_default_fixtures(const std::string& dir) {
    std::error_code ec;
    for (const auto& f : embedded_default_fixtures()) {
        fs::path target = fs::path(dir) / std::string(f.name);
        fs::create_directories(target.parent_path(), ec);
        if (ec) return make_error("embedded", "cannot create " + target.parent_path().string() + ": " + ec.message());
        if (!write_file(target.string(), f.data)) return make_error("embedded", "cannot write " + target.string());
    }
    return {};
}

namespace {

// NOLINTBEGIN(concurrency-mt-unsafe): getenv only races with setenv, and mpemu never sets its environment
std::string cache_root() {
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/') return std::string(xdg) + "/mpemu";
    if (const char* home = std::getenv("HOME"); home && *home == '/') return std::string(home) + "/.cache/mpemu";
    return {};
}
// NOLINTEND(concurrency-mt-unsafe)

std::string content_hash() {
    std::string all;
    for (const auto& f : embedded_default_fixtures()) {
        all += f.name;
        all += '\n';
        all += std::to_string(f.data.size());
        all += '\n';
        all += f.data;
    }
    return crypto::hex_encode(crypto::sha256(all)).substr(0, 16);
}

// Extracts into `root`/fixtures-default-HASH: written into a private folder first and renamed into place, so
// a concurrent process sees either nothing or the whole set.
Result<std::string> extract_into(const std::string& root) {
    std::error_code ec;
    fs::path final_dir = fs::path(root) / ("fixtures-default-" + content_hash());
    if (fs::exists(final_dir / "fixture.json", ec)) return final_dir.string();
    fs::create_directories(root, ec);
    if (ec) return make_error("embedded", "cannot create " + root + ": " + ec.message());
    fs::path staging =
        fs::path(root) / (".staging-" + std::to_string(::getpid()) + "-" + crypto::hex_encode(crypto::random_bytes(6)));
    if (auto written = write_embedded_default_fixtures(staging.string()); !written) {
        fs::remove_all(staging, ec);
        return written.error();
    }
    fs::rename(staging, final_dir, ec);
    if (ec) {
        // Another process won the race: its copy has the same content.
        std::error_code ignored;
        fs::remove_all(staging, ignored);
        if (!fs::exists(final_dir / "fixture.json", ignored))
            return make_error("embedded", "cannot create " + final_dir.string() + ": " + ec.message());
    }
    return final_dir.string();
}

}  // namespace

Result<std::string> embedded_default_fixtures_dir() {
    std::string root = cache_root();
    if (!root.empty()) {
        if (auto dir = extract_into(root)) return dir;
    }
    // No home (a container user) or a read-only one: the temporary folder, per user.
    std::error_code ec;
    fs::path tmp = fs::temp_directory_path(ec);
    if (ec) tmp = "/tmp";
    return extract_into((tmp / ("mpemu-" + std::to_string(::getuid()))).string());
}

}  // namespace mpemu::core
