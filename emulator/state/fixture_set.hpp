// A loaded fixture set: the folder, its parsed fixture.json (with positions), and each service's
// parsed section (keys loaded, ids checked). Immutable once loaded; swapped whole on reset.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/diagnostic.hpp"
#include "core/json_source.hpp"

namespace mpemu::state {

// Base of each service's parsed fixture section (wechat::FixtureConfig, ...).
struct FixtureSection {
    virtual ~FixtureSection() = default;
};

// A service's own ports from the fixture's "ports" block (0 = any free port; absent = not served).
struct ServicePorts {
    std::optional<int> http;
    std::optional<int> https;
};

struct FixtureSet {
    std::string name;  // "name" in fixture.json, else the folder name
    std::string dir;   // folder as given (absolute or relative to the working directory)
    core::ParsedJsonDocument doc;
    std::map<std::string, std::shared_ptr<const FixtureSection>> sections;  // by service name
    std::map<std::string, ServicePorts> ports;                              // the "ports" block, by service

    template <class T>
    std::shared_ptr<const T> section(const std::string& service) const {
        auto it = sections.find(service);
        if (it == sections.end()) return nullptr;
        return std::dynamic_pointer_cast<const T>(it->second);
    }
    // Path of a file inside the set ("keys/wechatpay/apiv3_key.txt" -> dir + "/keys/...").
    std::string file(const std::string& relative) const;
};

// Helpers for services reading their section, reporting into Diagnostics with positions.
class FixtureReader {
public:
    FixtureReader(const FixtureSet& set, core::Diagnostics& diags) : set_(set), diags_(diags) {}

    const core::Json& root() const { return set_.doc.value; }
    const FixtureSet& set() const { return set_; }
    core::Diagnostics& diags() { return diags_; }

    // Reports at the value (or key) of a JSON pointer inside fixture.json.
    void error(std::string_view pointer, std::string message, std::string hint = {}, bool at_key = false);
    // Reads a file of the set, reporting "missing or unreadable" at `pointer` when it fails.
    std::optional<std::string> read_file(const std::string& relative, std::string_view pointer,
                                         const std::string& what);
    // As read_file, trimmed (.txt key files may end in a newline).
    std::optional<std::string> read_text(const std::string& relative, std::string_view pointer,
                                         const std::string& what);
    bool file_exists(const std::string& relative) const;

private:
    const FixtureSet& set_;
    core::Diagnostics& diags_;
};

}  // namespace mpemu::state
