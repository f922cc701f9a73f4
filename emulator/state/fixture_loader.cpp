// Fixture loading: parse with positions, validate against the schema, let services check the rest.
#include "emulator/state/fixture_loader.hpp"

#include <sys/stat.h>

#include <map>

#include "core/json_schema.hpp"
#include "core/text.hpp"

namespace mpemu::state {
namespace {

const core::JsonSchema* fixture_schema(core::Diagnostics& diags) {
    auto schema = core::embedded_schema("fixture.schema.json");
    if (!schema) diags.error("schemas/fixture.schema.json", schema.error().message);
    return schema ? *schema : nullptr;
}

// The "ports" block (its shape is checked by the schema): the same port twice would fail at bind time with
// no position, so it is refused here, where the fixture author can be told which line.
void read_ports(FixtureSet& set, core::Diagnostics& diags) {
    const auto& root = set.doc.value;
    if (!root.contains("ports")) return;
    std::map<int, std::string> seen;  // port -> pointer that took it
    for (const auto& [service, entry] : root["ports"].items()) {
        ServicePorts& ports = set.ports[service];
        for (const char* kind : {"http", "https"}) {
            if (!entry.contains(kind)) continue;
            int port = entry[kind].get<int>();
            (std::string(kind) == "http" ? ports.http : ports.https) = port;
            if (port == 0) continue;
            std::string pointer = "/ports/" + service + "/" + kind;
            auto [it, fresh] = seen.emplace(port, pointer);
            if (!fresh)
                diags.error(set.doc, pointer, "port " + std::to_string(port) + " is already taken by " + it->second,
                            "give each service and scheme its own port, or 0 for any free port");
        }
    }
}

bool is_dir(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::shared_ptr<const FixtureSet> load_fixture_set(const std::string& dir,
                                                   const std::vector<std::unique_ptr<emulator::Service>>& services,
                                                   core::Diagnostics& diags) {
    if (!is_dir(dir)) {
        diags.error(dir, "fixture set folder not found", "pass --fixtures DIR with a folder holding fixture.json");
        return nullptr;
    }
    std::string path = dir + (core::ends_with(dir, "/") ? "" : "/") + "fixture.json";
    auto text = core::read_file(path);
    if (!text) {
        diags.error(path, "fixture.json is missing or unreadable", "every fixture set folder needs a fixture.json");
        return nullptr;
    }
    core::JsonSyntaxError syntax;
    auto source = std::make_shared<core::SourceText>(path, *text);
    auto doc = core::parse_json_source(path, std::move(*text), {}, &syntax);
    if (!doc) {
        diags.add_source(source);
        core::Diagnostic d;
        d.file = path;
        d.pos = syntax.pos;
        d.message = syntax.message.empty() ? doc.error().message : syntax.message;
        d.hint = syntax.hint;
        diags.add(d);
        return nullptr;
    }
    diags.add_source(doc->source);

    auto set = std::make_shared<FixtureSet>();
    set->dir = dir;
    set->doc = std::move(*doc);

    const core::JsonSchema* schema = fixture_schema(diags);
    if (!schema) return nullptr;
    for (const auto& issue : schema->validate(set->doc.value)) {
        diags.error(set->doc, issue.instance_pointer, issue.message, issue.hint, issue.at_key);
    }
    if (diags.has_errors()) return nullptr;

    const auto& root = set->doc.value;
    if (root.contains("name") && root["name"].is_string()) {
        set->name = root["name"].get<std::string>();
    } else {
        std::string d = dir;
        while (d.size() > 1 && d.back() == '/') d.pop_back();
        auto slash = d.rfind('/');
        set->name = slash == std::string::npos ? d : d.substr(slash + 1);
    }

    read_ports(*set, diags);
    if (diags.has_errors()) return nullptr;

    FixtureReader reader(*set, diags);
    for (const auto& svc : services) {
        auto section = svc->load_fixture(reader);
        if (section) set->sections[svc->name()] = section;
    }
    if (diags.has_errors()) return nullptr;
    return set;
}

}  // namespace mpemu::state
