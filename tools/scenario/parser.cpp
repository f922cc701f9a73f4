// Scenario files -> model, with compiler-like diagnostics. Structure comes from the JSON Schema; the
// rules a schema cannot say well (one kind per step, admin operation names, template syntax, variable
// names, include cycles) are checked here, each at the exact character.
#include "tools/scenario/parser.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>

#include "core/crypto.hpp"
#include "core/embedded.hpp"
#include "core/json_schema.hpp"
#include "core/text.hpp"
#include "core/time_format.hpp"
#include "emulator/admin/catalog.hpp"
#include "tools/scenario/predicate.hpp"
#include "tools/scenario/steps/step_kind.hpp"
#include "tools/scenario/template.hpp"

namespace fs = std::filesystem;

namespace mpemu::scenario {

namespace {

using core::Json;
using core::OrderedJson;

const std::map<std::string, std::string>& admin_aliases() {
    static const std::map<std::string, std::string> kAliases = {
        {"reset", "reset"},
        {"clock", "clock.set"},
        {"health", "health"},
        {"fixtures", "fixtures.get"},
        {"login_code", "wechat.login_codes.create"},
        {"phone_code", "wechat.phone_codes.create"},
        {"encrypted_data", "wechat.encrypted_data.create"},
        {"alipay_auth_code", "alipay.auth_codes.create"},
        {"wechatpay_pay", "wechatpay.transactions.pay"},
        {"alipay_pay", "alipay.trades.pay"},
        {"notifications", "notifications.list"},
        {"requests", "requests.list"},
    };
    return kAliases;
}

const core::JsonSchema* scenario_schema(core::Diagnostics& diags) {
    auto schema = core::embedded_schema("scenario.schema.json");
    if (!schema) diags.error("schemas/scenario.schema.json", schema.error().message);
    return schema ? *schema : nullptr;
}

bool is_file(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
bool is_dir(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string dir_of(const std::string& file) {
    auto parent = fs::path(file).parent_path();
    return parent.empty() ? std::string(".") : parent.string();
}

// Joins a path written in a file to the folder of that file, keeping it relative when the file's was.
std::string relative_to(const std::string& file, const std::string& written) {
    if (!written.empty() && written[0] == '/') return written;
    return (fs::path(dir_of(file)) / written).lexically_normal().string();
}

constexpr const char* kDefaultFixtures = "default";

std::string resolve_fixtures_impl(const std::string& file, const std::string& name) {
    std::string beside = relative_to(file, name);
    if (is_file(beside + "/fixture.json")) return fs::absolute(beside).lexically_normal().string();
    fs::path dir = fs::absolute(dir_of(file)).lexically_normal();
    while (true) {
        fs::path candidate = dir / "fixtures" / name;
        if (is_file((candidate / "fixture.json").string())) return candidate.lexically_normal().string();
        if (!dir.has_parent_path() || dir.parent_path() == dir) break;
        dir = dir.parent_path();
    }
    // "default" names the set built into mpemu wherever the scenario lives (outside any checkout).
    if (name == kDefaultFixtures) {
        if (auto embedded = core::embedded_default_fixtures_dir()) return *embedded;
    }
    return {};
}

// A member of a parsed document with its object keys in source order (core::Json sorts keys; users
// expect their own order).
OrderedJson ordered_member(const core::ParsedJsonDocument& doc, const std::string& pointer) {
    const Json* v = core::pointer_get(doc.value, pointer);
    if (!v) return OrderedJson();
    if (v->is_object()) {
        std::vector<std::pair<size_t, std::string>> keys;
        for (auto it = v->begin(); it != v->end(); ++it) {
            auto loc = doc.locations.find(core::pointer_append(pointer, it.key()));
            keys.emplace_back(loc == doc.locations.end() ? 0 : loc->second.key.offset, it.key());
        }
        std::sort(keys.begin(), keys.end());
        OrderedJson out = OrderedJson::object();
        for (const auto& [_, k] : keys) out[k] = ordered_member(doc, core::pointer_append(pointer, k));
        return out;
    }
    if (v->is_array()) {
        OrderedJson out = OrderedJson::array();
        for (size_t i = 0; i < v->size(); ++i) out.push_back(ordered_member(doc, core::pointer_append(pointer, i)));
        return out;
    }
    return OrderedJson(*v);
}

// One file being turned into a Scenario.
class FileParser : public ParseContext {
public:
    FileParser(const core::ParsedJsonDocument& doc, core::Diagnostics& diags, const LoadOptions& options,
               std::vector<std::string>& include_stack, std::set<std::string>& reported)
        : doc_(doc), diags_(diags), options_(options), include_stack_(include_stack), reported_(reported) {}

    // Pointers the schema already complained about: steps holding one are not checked further (their
    // shape is unknown), but every other step still is, so one run reports as much as possible.
    std::vector<std::string> schema_problems;

    bool step_is_sound(const std::string& ptr) const {
        for (const auto& p : schema_problems) {
            if (p == ptr || core::starts_with(p, ptr + "/")) return false;
        }
        return true;
    }

    bool steps_checkable() const {
        for (const auto& p : schema_problems) {
            if (!core::starts_with(p, "/steps/")) return false;
        }
        return true;
    }

    std::shared_ptr<Scenario> parse(const std::set<std::string>& inherited_names) {
        auto sc = std::make_shared<Scenario>();
        if (!schema_problems.empty()) failed_ = true;
        if (!steps_checkable()) return sc;
        const Json& root = doc_.value;
        sc->file = doc_.source->path();
        sc->where = where("");
        sc->name = root.value("name", "");
        sc->description = root.value("description", "");
        if (root.contains("tags")) {
            for (const auto& t : root["tags"]) sc->tags.push_back(t.get<std::string>());
        }
        known_ = inherited_names;
        for (const auto& b : builtin_variables()) known_.insert(b);
        for (const auto& v : options_.cli_vars) known_.insert(v);
        if (root.contains("headers")) {
            sc->headers = ordered("/headers");
            // Syntax only: a header may read a variable captured by a later step (the login's token).
            for (auto it = sc->headers.begin(); it != sc->headers.end(); ++it) {
                if (!it.value().is_string()) continue;
                TemplateError terr;
                std::string text = it.value().get<std::string>();
                if (!Template::compile(text, &terr))
                    error_inside(core::pointer_append("/headers", it.key()), false, terr.offset, terr.length,
                                 terr.message, terr.hint);
            }
        }
        if (root.contains("vars")) {
            sc->vars = ordered("/vars");
            for (auto it = sc->vars.begin(); it != sc->vars.end(); ++it) {
                check_templates(it.value(), core::pointer_append("/vars", it.key()));
                known_.insert(it.key());
            }
        }
        if (root.contains("fixtures")) {
            sc->fixtures = root["fixtures"].get<std::string>();
            sc->reset = true;
            sc->fixtures_dir = resolve_fixtures_impl(sc->file, sc->fixtures);
            fixtures_dir_ = sc->fixtures_dir;
            if (sc->fixtures_dir.empty() && sc->fixtures.find('/') != std::string::npos) {
                error("/fixtures", "fixture set folder \"" + sc->fixtures + "\" not found",
                      "give a folder relative to this file, or the name of a set under fixtures/");
            }
        }
        if (root.contains("overlay")) apply_overlay(*sc);
        if (root.contains("reset")) sc->reset = root["reset"].get<bool>();
        const Json& steps = root["steps"];
        for (size_t i = 0; i < steps.size(); ++i) {
            if (!step_is_sound(core::pointer_append("/steps", i))) {
                // Still learn the names it captures, so later steps are not blamed for using them.
                const Json& st = steps[i];
                if (st.is_object() && st.contains("capture") && st["capture"].is_object()) {
                    for (auto it = st["capture"].begin(); it != st["capture"].end(); ++it) known_.insert(it.key());
                }
                continue;
            }
            auto step = parse_step(core::pointer_append("/steps", i));
            if (step) sc->steps.push_back(std::move(*step));
        }
        return sc;
    }

    const std::set<std::string>& known() const { return known_; }

private:
    const core::ParsedJsonDocument& doc_;
    core::Diagnostics& diags_;
    const LoadOptions& options_;
    std::vector<std::string>& include_stack_;
    std::set<std::string>& reported_;
    std::set<std::string> known_;
    bool failed_ = false;
    std::string fixtures_dir_;  // the scenario's fixture set folder, for default key folders

    Where where(const std::string& pointer, bool at_key = false) const {
        return Where{doc_.source->path(), at_key ? doc_.key_pos(pointer) : doc_.value_pos(pointer)};
    }

    void report(core::SourcePos pos, std::string message, std::string hint) {
        std::string key = doc_.source->path() + ":" + std::to_string(pos.offset) + ":" + message;
        if (!reported_.insert(key).second) return;
        diags_.add_source(doc_.source);
        diags_.add(
            core::Diagnostic{core::Severity::kError, doc_.source->path(), pos, std::move(message), std::move(hint)});
    }

    void report_error(const std::string& pointer, std::string message, std::string hint, bool at_key) override {
        failed_ = true;
        report(at_key ? doc_.key_pos(pointer) : doc_.value_pos(pointer), std::move(message), std::move(hint));
    }

    // Position of bytes [offset, offset+length) of a decoded JSON string whose token starts at `token`
    // (its opening quote), accounting for escapes.
    core::SourcePos inner_pos(core::SourcePos token, size_t offset, size_t length) const {
        const std::string& text = doc_.source->text();
        size_t raw = token.offset + 1;
        size_t decoded = 0;
        auto advance = [&]() {
            if (raw >= text.size()) return;
            if (text[raw] == '\\' && raw + 1 < text.size()) {
                if (text[raw + 1] == 'u') {
                    raw += 6;
                    decoded += 1;
                } else {
                    raw += 2;
                    decoded += 1;
                }
            } else {
                raw += 1;
                decoded += 1;
            }
        };
        while (decoded < offset && raw < text.size() && text[raw] != '"') advance();
        size_t start = raw;
        size_t target = decoded + length;
        while (decoded < target && raw < text.size() && text[raw] != '"') advance();
        return doc_.source->position(start, std::max<size_t>(1, raw - start));
    }

    void error_inside(const std::string& pointer, bool at_key, size_t offset, size_t length, std::string message,
                      std::string hint = {}) {
        failed_ = true;
        core::SourcePos token = at_key ? doc_.key_pos(pointer) : doc_.value_pos(pointer);
        report(inner_pos(token, offset, length), std::move(message), std::move(hint));
    }

    // An object member in source order (core::Json sorts keys; users expect their own order).
    OrderedJson ordered(const std::string& pointer) const override { return ordered_member(doc_, pointer); }

    const Json& at(const std::string& pointer) const override { return *core::pointer_get(doc_.value, pointer); }
    const std::string& file() const override { return doc_.source->path(); }
    const std::string& fixtures_dir() const override { return fixtures_dir_; }
    void check_template(const std::string& text, const std::string& pointer) override {
        check_template_string(text, pointer, false);
    }

    bool including(const std::string& canonical_path, size_t* depth) const override {
        *depth = include_stack_.size();
        return std::find(include_stack_.begin(), include_stack_.end(), canonical_path) != include_stack_.end();
    }

    std::shared_ptr<const Scenario> load_include(const std::string& path,
                                                 const std::set<std::string>& params) override {
        std::set<std::string> names = known_;
        names.insert(params.begin(), params.end());
        std::set<std::string> captured;
        auto inc = load_file(path, names, &captured);
        if (!inc) {
            failed_ = true;
            return nullptr;
        }
        known_.insert(captured.begin(), captured.end());
        return inc;
    }

    // Compiles one template string found at `pointer` (a value, or the key itself), checking its
    // syntax and that every variable it reads is defined by then.
    std::optional<Template> check_template_string(const std::string& text, const std::string& pointer, bool at_key) {
        if (text.find("{{") == std::string::npos) return std::nullopt;
        TemplateError terr;
        auto t = Template::compile(text, &terr);
        if (!t) {
            error_inside(pointer, at_key, terr.offset, terr.length, terr.message, terr.hint);
            return std::nullopt;
        }
        for (const auto& [name, offset] : t->references()) {
            if (known_.count(name)) continue;
            std::vector<std::string> candidates(known_.begin(), known_.end());
            auto guess = core::did_you_mean(name, candidates);
            error_inside(pointer, at_key, offset, name.size(), "unknown variable \"" + name + "\"",
                         guess
                             ? "did you mean \"" + *guess + "\"?"
                             : "define it in \"vars\", capture it in an earlier step, or pass --var " + name + "=...");
        }
        return std::move(*t);
    }

    void check_templates(const OrderedJson& value, const std::string& pointer) override {
        if (value.is_string()) {
            check_template_string(value.get<std::string>(), pointer, false);
        } else if (value.is_object()) {
            for (auto it = value.begin(); it != value.end(); ++it) {
                std::string child = core::pointer_append(pointer, it.key());
                check_template_string(it.key(), child, true);
                check_templates(it.value(), child);
            }
        } else if (value.is_array()) {
            for (size_t i = 0; i < value.size(); ++i) check_templates(value[i], core::pointer_append(pointer, i));
        }
    }

    std::chrono::milliseconds duration(const std::string& pointer) override {
        const Json* v = core::pointer_get(doc_.value, pointer);
        if (v->is_number_integer()) return std::chrono::milliseconds(v->get<long long>());
        auto d = core::parse_duration(v->get<std::string>());
        if (!d) {
            error(pointer, "bad duration \"" + v->get<std::string>() + "\"", "write e.g. \"250ms\", \"5s\", \"2m\"");
            return std::chrono::milliseconds(0);
        }
        return *d;
    }

    std::optional<core::JsonPath> compile_path(const std::string& text, const std::string& pointer, bool at_key) {
        // A path with templates is rendered on each run; here its templates are checked, and the rest of its
        // syntax with each {{ }} standing for a plain 0 (inside quotes or as an index alike).
        std::string shape = text;
        if (text.find("{{") != std::string::npos) {
            check_template_string(text, pointer, at_key);
            static const std::regex kTemplate(R"(\{\{.*?\}\})");
            shape = std::regex_replace(text, kTemplate, "0");
        }
        auto p = core::JsonPath::compile(shape);
        if (!p) {
            size_t col = static_cast<size_t>(std::strtol(p.error().detail.c_str(), nullptr, 10));
            error_inside(pointer, at_key, std::min(col, text.empty() ? 0 : text.size() - 1), 1,
                         "bad JSONPath: " + p.error().message);
            return std::nullopt;
        }
        return *p;
    }

    std::shared_ptr<const std::regex> compile_regex(const std::string& text, const std::string& pointer) {
        if (text.find("{{") != std::string::npos) return nullptr;  // checked when rendered
        try {
            return std::make_shared<const std::regex>(text, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
            error(pointer, std::string("bad regular expression: ") + e.what());
            return nullptr;
        }
    }

    // The scenario's fixture overlay merged into its fixture set's fixture.json (checked when the
    // emulator loads it; the merged text is kept for the run).
    void apply_overlay(Scenario& sc) {
        if (sc.fixtures_dir.empty()) {
            error("/overlay", "an overlay needs a fixture set folder to lay over",
                  sc.fixtures.empty() ? "declare \"fixtures\" (e.g. \"default\")"
                                      : "\"fixtures\": \"" + sc.fixtures + "\" is no folder found from this file",
                  true);
            return;
        }
        std::string base_path = sc.fixtures_dir + "/fixture.json";
        auto text = core::read_file(base_path);
        core::JsonSyntaxError syn;
        auto base = text ? core::parse_json_source(base_path, *text, {true, false, 256}, &syn)
                         : core::Result<core::ParsedJsonDocument>(core::make_error("io", "cannot read"));
        if (!base) {
            error("/overlay",
                  "cannot read " + base_path + ": " + (syn.message.empty() ? base.error().message : syn.message), {},
                  true);
            return;
        }
        OrderedJson merged = ordered_member(*base, "");
        merge_overlay(merged, ordered("/overlay"), "/overlay");
        std::string base_name = merged.value("name", fs::path(sc.fixtures_dir).filename().string());
        std::string hash =
            core::crypto::hex_encode(core::crypto::sha256(sc.fixtures_dir + "\n" + core::dump(merged))).substr(0, 16);
        sc.overlay_name = base_name + "+overlay-" + hash;
        merged["name"] = sc.overlay_name;
        sc.overlay_fixture = merged.dump(2);
        sc.reset = true;
    }

    // Objects merge member by member, arrays get the overlay's items appended, null removes a member,
    // anything else replaces. A key with a selector (`apps[appid=wx1].pages`) reaches into an array item
    // instead: see merge_selected. `pointer` is the overlay member being merged, for diagnostics.
    void merge_overlay(OrderedJson& base, const OrderedJson& overlay, const std::string& pointer) {
        if (!overlay.is_object() || !base.is_object()) {
            if (overlay.is_array() && base.is_array()) {
                for (const auto& v : overlay) base.push_back(v);
            } else {
                base = overlay;
            }
            return;
        }
        for (auto it = overlay.begin(); it != overlay.end(); ++it) {
            std::string child = core::pointer_append(pointer, it.key());
            if (has_selector(it.key())) {
                merge_selected(base, it.key(), it.value(), child);
            } else if (it.value().is_null()) {
                base.erase(it.key());
            } else if (base.contains(it.key())) {
                merge_overlay(base[it.key()], it.value(), child);
            } else {
                base[it.key()] = it.value();
            }
        }
    }

    // One step of an overlay key path: a member name, and optionally `[member=value]` picking the one
    // item of that array whose `member` equals `value`. Offsets are into the key, for carets.
    struct OverlaySegment {
        std::string name;
        bool select = false;
        std::string member;
        std::string value;
        size_t offset = 0;
        size_t length = 0;
    };

    // Fixture member names never hold brackets, so a key with one is a path (and a malformed one is
    // refused rather than added as a new member nobody reads).
    static bool has_selector(const std::string& key) { return key.find('[') != std::string::npos; }

    // Splits `a.b[k=v].c` at the dots outside brackets. A value may be quoted ("..." or '...') when it
    // holds a dot or a bracket itself.
    std::optional<std::vector<OverlaySegment>> split_overlay_key(const std::string& key, const std::string& pointer) {
        std::vector<OverlaySegment> out;
        size_t i = 0;
        while (i <= key.size()) {
            OverlaySegment seg;
            seg.offset = i;
            while (i < key.size() && key[i] != '.' && key[i] != '[') seg.name += key[i++];
            if (seg.name.empty()) {
                error_inside(pointer, true, std::min(i, key.size() - 1), 1, "overlay path: member name expected",
                             "write e.g. \"apps[appid=wx1].pages\"");
                return std::nullopt;
            }
            if (i < key.size() && key[i] == '[') {
                seg.select = true;
                size_t open = i++;
                while (i < key.size() && key[i] != '=' && key[i] != ']') seg.member += key[i++];
                if (i >= key.size() || key[i] != '=' || core::trim(seg.member).empty()) {
                    error_inside(pointer, true, open, std::min(key.size(), i + 1) - open,
                                 "overlay path: a selector is [member=value]", "write e.g. \"apps[appid=wx1]\"");
                    return std::nullopt;
                }
                seg.member = std::string(core::trim(seg.member));
                ++i;
                char quote = (i < key.size() && (key[i] == '"' || key[i] == '\'')) ? key[i] : '\0';
                if (quote) {
                    size_t close = key.find(quote, i + 1);
                    if (close == std::string::npos) {
                        error_inside(pointer, true, i, key.size() - i, "overlay path: unterminated quote",
                                     std::string("close it with ") + quote);
                        return std::nullopt;
                    }
                    seg.value = key.substr(i + 1, close - i - 1);
                    i = close + 1;
                } else {
                    while (i < key.size() && key[i] != ']') seg.value += key[i++];
                }
                if (i >= key.size() || key[i] != ']') {
                    error_inside(pointer, true, open, key.size() - open, "overlay path: \"]\" expected",
                                 "write e.g. \"apps[appid=wx1]\"");
                    return std::nullopt;
                }
                ++i;
            }
            seg.length = i - seg.offset;
            out.push_back(std::move(seg));
            if (i == key.size()) break;
            if (key[i] != '.') {
                error_inside(pointer, true, i, 1, "overlay path: \".\" expected after \"]\"",
                             "write e.g. \"apps[appid=wx1].pages\"");
                return std::nullopt;
            }
            ++i;
        }
        return out;
    }

    static std::string member_text(const OrderedJson& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

    // For a selector that matches several items: a member of the first whose value no other item has.
    static std::string unique_selector_hint(const OrderedJson& items, size_t first, const std::string& name) {
        const OrderedJson& item = items[first];
        for (auto it = item.begin(); it != item.end(); ++it) {
            if (it.value().is_structured()) continue;
            std::string v = member_text(it.value());
            size_t same = 0;
            for (const auto& other : items) {
                if (other.is_object() && other.contains(it.key()) && member_text(other[it.key()]) == v) ++same;
            }
            if (same != 1) continue;
            std::string hint = "select by a member whose value is unique, e.g. ";
            hint += name;
            hint += "[" + it.key() + "=";
            hint += v;
            hint += "]";
            return hint;
        }
        return "select by a member whose value is unique among the items";
    }

    // Follows an overlay key path into `base` and merges `value` there (null removes the member, or the
    // selected array item). Every selector must match exactly one item: a typo in the key must not
    // silently append a new app or user instead of changing the one meant.
    void merge_selected(OrderedJson& base, const std::string& key, const OrderedJson& value,
                        const std::string& pointer) {
        auto segments = split_overlay_key(key, pointer);
        if (!segments) return;
        OrderedJson* at = &base;
        OrderedJson* parent_array = nullptr;
        size_t index_in_parent = 0;
        std::string so_far;
        for (size_t s = 0; s < segments->size(); ++s) {
            const OverlaySegment& seg = (*segments)[s];
            bool last = s + 1 == segments->size();
            if (!at->is_object()) {
                error_inside(pointer, true, seg.offset, seg.length,
                             "overlay path: " + (so_far.empty() ? std::string("the fixture") : "\"" + so_far + "\"") +
                                 " is not an object, so it has no member \"" + seg.name + "\"");
                return;
            }
            if (!at->contains(seg.name)) {
                if (last && !seg.select) {
                    if (!value.is_null()) (*at)[seg.name] = value;
                    return;
                }
                std::vector<std::string> names;
                for (auto it = at->begin(); it != at->end(); ++it) names.push_back(it.key());
                auto guess = core::did_you_mean(seg.name, names);
                error_inside(pointer, true, seg.offset, seg.name.size(),
                             "overlay path: no member \"" + seg.name + "\"" +
                                 (so_far.empty() ? std::string() : " in \"" + so_far + "\""),
                             guess ? "did you mean \"" + *guess + "\"?" : "members here: " + core::join(names, ", "));
                return;
            }
            so_far += (so_far.empty() ? "" : ".") + key.substr(seg.offset, seg.length);
            if (!seg.select) {
                if (last) {
                    if (value.is_null()) {
                        at->erase(seg.name);
                    } else {
                        merge_overlay((*at)[seg.name], value, pointer);
                    }
                    return;
                }
                at = &(*at)[seg.name];
                parent_array = nullptr;
                continue;
            }
            OrderedJson& items = (*at)[seg.name];
            if (!items.is_array()) {
                error_inside(
                    pointer, true, seg.offset, seg.length,
                    "overlay path: \"" + seg.name + "\" is not an array, so [" + seg.member + "=...] selects nothing",
                    "drop the selector to merge into the object itself");
                return;
            }
            std::vector<size_t> hits;
            std::vector<std::string> values;
            for (size_t i = 0; i < items.size(); ++i) {
                if (!items[i].is_object() || !items[i].contains(seg.member)) continue;
                std::string v = member_text(items[i][seg.member]);
                values.push_back(v);
                if (v == seg.value) hits.push_back(i);
            }
            std::string selector = seg.name + "[" + seg.member + "=" + seg.value + "]";
            if (hits.size() != 1) {
                std::string hint;
                auto guess = seg.value.size() >= 4 ? core::did_you_mean(seg.value, values) : std::nullopt;
                if (!hits.empty()) {
                    hint = unique_selector_hint(items, hits[0], seg.name);
                } else if (values.empty()) {
                    hint = "no item of \"" + seg.name + "\" has a member \"" + seg.member + "\"";
                } else if (guess) {
                    hint = "did you mean \"" + *guess + "\"?";
                } else {
                    if (values.size() > 10) {
                        values.resize(10);
                        values.emplace_back("...");
                    }
                    hint = "values of \"" + seg.member + "\" there: " + core::join(values, ", ");
                }
                error_inside(
                    pointer, true, seg.offset, seg.length,
                    "overlay path: " + selector +
                        (hits.empty() ? " matches no item" : " matches " + std::to_string(hits.size()) + " items"),
                    hint);
                return;
            }
            parent_array = &items;
            index_in_parent = hits[0];
            at = &items[hits[0]];
            if (last) break;
        }
        if (value.is_null() && parent_array) {
            parent_array->erase(index_in_parent);
        } else {
            merge_overlay(*at, value, pointer);
        }
    }

    std::optional<Step> parse_step(const std::string& ptr) {
        const Json& s = *core::pointer_get(doc_.value, ptr);
        Step step;
        step.where = where(ptr);
        std::vector<const StepKind*> kinds;
        std::vector<std::string> names;
        for (const auto& k : step_kinds()) {
            names.emplace_back(k.name);
            if (s.contains(k.name)) kinds.push_back(&k);
        }
        if (kinds.empty()) {
            error(ptr, "a step needs a kind", "add one of: " + core::join(names, ", "));
            return std::nullopt;
        }
        if (kinds.size() > 1) {
            error(core::pointer_append(ptr, kinds[1]->name),
                  std::string("a step has one kind; this one also has \"") + kinds[0]->name + "\"",
                  "split it into two steps", true);
            return std::nullopt;
        }
        const StepKind& kind = *kinds[0];
        // Step-level fields of one kind (admin's params, include's vars) are refused on the others.
        for (const auto& other : step_kinds()) {
            if (&other == &kind) continue;
            for (const auto& field : other.step_fields) {
                if (!s.contains(field)) continue;
                error(core::pointer_append(ptr, field), "\"" + field + "\" only applies to " + other.name + " steps",
                      {}, true);
            }
        }
        if (s.contains("skip")) step.skip = s["skip"].get<bool>();
        if (s.contains("name")) {
            step.name = s["name"].get<std::string>();
            check_template_string(step.name, core::pointer_append(ptr, "name"), false);
        }
        if (!kind.parse(*this, ptr, step)) return std::nullopt;

        // Captures come before assertions, so a step's asserts may read its own captures.
        if (s.contains("capture")) {
            std::string cp = core::pointer_append(ptr, "capture");
            OrderedJson in_order = ordered(cp);
            for (auto it = in_order.begin(); it != in_order.end(); ++it) {
                std::string p = core::pointer_append(cp, it.key());
                Capture c;
                c.name = it.key();
                c.where = where(p, true);
                const Json& v = *core::pointer_get(doc_.value, p);
                if (v.is_string()) {
                    c.source = CaptureSource::kJsonPath;
                    c.arg = v.get<std::string>();
                    c.path = compile_path(c.arg, p, false);
                    c.arg_template = c.arg.find("{{") != std::string::npos;
                } else {
                    int sources = 0;
                    for (const char* k : {"jsonpath", "header", "status", "body", "regex"})
                        sources += v.contains(k) ? 1 : 0;
                    if (sources != 1) {
                        error(p, "a capture needs exactly one source: jsonpath, header, status, body or regex");
                        continue;
                    }
                    if (v.contains("jsonpath")) {
                        c.source = CaptureSource::kJsonPath;
                        c.arg = v["jsonpath"].get<std::string>();
                        c.path = compile_path(c.arg, core::pointer_append(p, "jsonpath"), false);
                        c.arg_template = c.arg.find("{{") != std::string::npos;
                    } else if (v.contains("header")) {
                        c.source = CaptureSource::kHeader;
                        c.arg = v["header"].get<std::string>();
                        check_template_string(c.arg, core::pointer_append(p, "header"), false);
                        c.arg_template = c.arg.find("{{") != std::string::npos;
                    } else if (v.contains("status")) {
                        c.source = CaptureSource::kStatus;
                    } else if (v.contains("body")) {
                        c.source = CaptureSource::kBody;
                    } else {
                        c.source = CaptureSource::kRegex;
                        c.arg = v["regex"].get<std::string>();
                        c.regex = compile_regex(c.arg, core::pointer_append(p, "regex"));
                        if (c.regex && v.contains("group") && v["group"].get<size_t>() > c.regex->mark_count()) {
                            error(core::pointer_append(p, "group"),
                                  "the regex has only " + std::to_string(c.regex->mark_count()) + " group(s)");
                        }
                    }
                    if (v.contains("group")) c.group = v["group"].get<int>();
                    if (c.source == CaptureSource::kRegex && !v.contains("group") && c.regex &&
                        c.regex->mark_count() == 0)
                        c.group = 0;
                    if (v.contains("jwt_claim")) c.jwt_claim = v["jwt_claim"].get<std::string>();
                    if (v.contains("optional")) c.optional = v["optional"].get<bool>();
                }
                step.captures.push_back(std::move(c));
            }
        }
        for (const auto& c : step.captures) known_.insert(c.name);

        if (s.contains("assert")) parse_asserts(core::pointer_append(ptr, "assert"), step);
        if (s.contains("retry")) {
            Retry r;
            std::string rp = core::pointer_append(ptr, "retry");
            r.attempts = s["retry"]["attempts"].get<int>();
            if (s["retry"].contains("interval")) r.interval = duration(core::pointer_append(rp, "interval"));
            step.retry = r;
        }
        if (!kind.build && (!step.captures.empty() || !step.checks.empty())) {
            error(core::pointer_append(ptr, step.captures.empty() ? "assert" : "capture"),
                  std::string("a ") + kind.name + " step has no response to capture from or assert on", {}, true);
        }
        return step;
    }

    // Predicates of one subject: a literal means `literal_op` (equals for most subjects).
    std::vector<Predicate> parse_predicates(const std::string& pointer, const char* literal_op) {
        std::vector<Predicate> out;
        const Json& v = *core::pointer_get(doc_.value, pointer);
        OrderedJson ov = ordered(pointer);
        if (!v.is_object()) {
            std::string op = literal_op;
            if (v.is_array() && op == "equals" && core::ends_with(pointer, "/assert/status")) op = "one_of";
            check_templates(ov, pointer);
            out.push_back(Predicate{op, Json(ov), where(pointer)});
            return out;
        }
        for (auto it = ov.begin(); it != ov.end(); ++it) {
            std::string p = core::pointer_append(pointer, it.key());
            check_templates(it.value(), p);
            if (it.key() == "matches" && it.value().is_string()) compile_regex(it.value().get<std::string>(), p);
            out.push_back(Predicate{it.key(), Json(it.value()), where(p, true)});
        }
        return out;
    }

    void parse_asserts(const std::string& ap, Step& step) {
        const Json& a = *core::pointer_get(doc_.value, ap);
        OrderedJson oa = ordered(ap);
        for (auto it = oa.begin(); it != oa.end(); ++it) {
            const std::string& key = it.key();
            std::string p = core::pointer_append(ap, key);
            if (key == "status" || key == "body" || key == "time_ms") {
                Check c;
                c.subject = key == "status" ? CheckSubject::kStatus
                            : key == "body" ? CheckSubject::kBody
                                            : CheckSubject::kTime;
                c.where = where(p, true);
                c.predicates = parse_predicates(p, key == "time_ms" ? "lt" : "equals");
                step.checks.push_back(std::move(c));
            } else if (key == "headers" || key == "jsonpath") {
                OrderedJson members = ordered(p);
                for (auto m = members.begin(); m != members.end(); ++m) {
                    std::string mp = core::pointer_append(p, m.key());
                    Check c;
                    c.subject = key == "headers" ? CheckSubject::kHeader : CheckSubject::kJsonPath;
                    c.arg = m.key();
                    c.arg_template = c.arg.find("{{") != std::string::npos;
                    c.where = where(mp, true);
                    if (c.subject == CheckSubject::kJsonPath) {
                        c.path = compile_path(c.arg, mp, true);
                        if (!c.path) continue;
                    } else {
                        check_template_string(c.arg, mp, true);
                    }
                    c.predicates = parse_predicates(mp, "equals");
                    step.checks.push_back(std::move(c));
                }
            } else if (key == "schema") {
                Check c;
                c.subject = CheckSubject::kSchema;
                c.where = where(p, true);
                Json schema;
                if (a["schema"].is_string()) {
                    std::string written = a["schema"].get<std::string>();
                    std::string path = relative_to(doc_.source->path(), written);
                    auto text = core::read_file(path);
                    if (!text) {
                        error(p, "schema file \"" + written + "\" not found", "paths are relative to this file");
                        continue;
                    }
                    core::JsonSyntaxError syn;
                    auto parsed = core::parse_json_source(path, *text, {true, false, 256}, &syn);
                    if (!parsed) {
                        auto src = std::make_shared<core::SourceText>(path, *text);
                        diags_.add_source(src);
                        diags_.add(core::Diagnostic{core::Severity::kError, path, syn.pos,
                                                    syn.message.empty() ? parsed.error().message : syn.message,
                                                    syn.hint});
                        failed_ = true;
                        continue;
                    }
                    schema = parsed->value;
                    c.schema_name = written;
                } else {
                    schema = a["schema"];
                    c.schema_name = "inline schema";
                }
                core::SchemaOptions so;
                auto compiled = core::JsonSchema::compile(schema, so);
                if (!compiled) {
                    error(p, "not a valid JSON Schema: " + compiled.error().message);
                    continue;
                }
                c.schema = std::make_shared<const core::JsonSchema>(std::move(*compiled));
                step.checks.push_back(std::move(c));
            }
        }
    }

public:
    std::shared_ptr<const Scenario> load_file(const std::string& path, const std::set<std::string>& names,
                                              std::set<std::string>* captured);
    bool failed() const { return failed_; }
};

// Parses a file (syntax + schema) into a document, or reports why not.
std::optional<core::ParsedJsonDocument> read_document(const std::string& path, core::Diagnostics& diags,
                                                      std::vector<std::string>* schema_problems = nullptr) {
    auto text = core::read_file(path);
    if (!text) {
        diags.error(path, "cannot read scenario file");
        return std::nullopt;
    }
    core::JsonSyntaxError syntax;
    auto source = std::make_shared<core::SourceText>(path, *text);
    core::JsonSourceOptions jo;
    jo.allow_comments = true;
    jo.allow_trailing_commas = false;
    auto doc = core::parse_json_source(path, std::move(*text), jo, &syntax);
    if (!doc) {
        diags.add_source(source);
        diags.add(core::Diagnostic{core::Severity::kError, path, syntax.pos,
                                   syntax.message.empty() ? doc.error().message : syntax.message, syntax.hint});
        return std::nullopt;
    }
    diags.add_source(doc->source);
    const core::JsonSchema* schema = scenario_schema(diags);
    if (!schema) return std::nullopt;
    bool bad = false;
    for (const auto& issue : schema->validate(doc->value)) {
        std::string message = issue.message;
        std::string hint = issue.hint;
        // Unknown keys inside a step are usually a mistyped step kind or field: say which.
        diags.error(*doc, issue.instance_pointer, message, hint, issue.at_key);
        if (schema_problems) schema_problems->push_back(issue.instance_pointer);
        bad = true;
    }
    if (bad && !schema_problems) return std::nullopt;
    return std::move(*doc);
}

}  // namespace

std::shared_ptr<const Scenario> FileParser::load_file(const std::string& path, const std::set<std::string>& names,
                                                      std::set<std::string>* captured) {
    std::vector<std::string> problems;
    auto doc = read_document(path, diags_, &problems);
    if (!doc) return nullptr;
    include_stack_.push_back(fs::weakly_canonical(path).string());
    FileParser inner(*doc, diags_, options_, include_stack_, reported_);
    inner.schema_problems = problems;
    auto sc = inner.parse(names);
    include_stack_.pop_back();
    if (inner.failed()) return nullptr;
    if (captured) {
        // Captures made inside the included file are visible after the include.
        std::function<void(const Scenario&)> walk = [&](const Scenario& s) {
            for (const auto& st : s.steps) {
                for (const auto& c : st.captures) captured->insert(c.name);
                if (const auto* inc = st.as<IncludeSpec>()) walk(*inc->scenario);
            }
        };
        walk(*sc);
    }
    return sc;
}

const std::set<std::string>& builtin_variables() {
    static const std::set<std::string> kNames = {"target", "emulator", "scenario_name", "scenario_file"};
    return kNames;
}

std::string resolve_admin_alias(const std::string& name) {
    auto it = admin_aliases().find(name);
    return it == admin_aliases().end() ? name : it->second;
}

std::vector<std::string> admin_step_names() {
    std::vector<std::string> out;
    for (const auto& [alias, _] : admin_aliases()) out.push_back(alias);
    for (const auto& op : admin::catalog()) out.emplace_back(op.id);
    return out;
}

std::vector<std::string> expand_scenario_paths(const std::vector<std::string>& paths, core::Diagnostics& diags) {
    std::vector<std::string> out;
    for (const auto& p : paths) {
        if (is_file(p)) {
            out.push_back(p);
            continue;
        }
        if (!is_dir(p)) {
            diags.error(p, "no such scenario file or folder");
            continue;
        }
        std::vector<std::string> found;
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(p, ec); it != fs::recursive_directory_iterator();
             it.increment(ec)) {
            if (ec) break;
            std::string name = it->path().filename().string();
            if (!name.empty() && name[0] == '_') {
                if (it->is_directory()) it.disable_recursion_pending();
                continue;
            }
            // Not scenarios: hidden folders (.git), installed packages, and fixture sets (a folder with a
            // fixture.json: `mpemu init` puts fixtures/ beside scenarios/, so `mpemu run .` works there).
            if (it->is_directory() &&
                (name[0] == '.' || name == "node_modules" || is_file((it->path() / "fixture.json").string()))) {
                it.disable_recursion_pending();
                continue;
            }
            if (!it->is_regular_file() || it->path().extension() != ".json") continue;
            if (core::ends_with(name, ".schema.json")) continue;
            found.push_back(it->path().lexically_normal().string());
        }
        std::sort(found.begin(), found.end());
        if (found.empty()) diags.error(p, "no scenario files (*.json) in this folder");
        out.insert(out.end(), found.begin(), found.end());
    }
    return out;
}

std::shared_ptr<const Scenario> load_scenario(const std::string& path, core::Diagnostics& diags,
                                              const LoadOptions& options) {
    std::vector<std::string> problems;
    auto doc = read_document(path, diags, &problems);
    if (!doc) return nullptr;
    std::vector<std::string> stack{fs::weakly_canonical(path).string()};
    std::set<std::string> reported;
    FileParser parser(*doc, diags, options, stack, reported);
    parser.schema_problems = problems;
    auto sc = parser.parse({});
    if (parser.failed()) return nullptr;
    return sc;
}

}  // namespace mpemu::scenario
