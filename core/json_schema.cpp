// JSON Schema validator: a schema is compiled once into a graph of nodes (refs become edges), then
// validate() walks that graph and words every problem the way a person fixing the file needs it.
#include "core/json_schema.hpp"

#include <pthread.h>
#include <algorithm>
#include <cctype>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/embedded.hpp"
#include "core/string_format.hpp"
#include "core/text.hpp"
#include "core/uri_reference.hpp"

namespace mpemu::core {

namespace {

enum Draft : int { kDraft4 = 4, kDraft6 = 6, kDraft7 = 7, kDraft2019 = 2019, kDraft2020 = 2020 };

// Deep enough for any real document, shallow enough that a $ref cycle that consumes no input
// (`{"$ref": "#"}`) ends with an issue instead of a stack overflow.
constexpr int kMaxEvalDepth = 400;

// ---- small helpers ------------------------------------------------------------------------------

// Tokens of a JSON Pointer, still escaped; "" has none, "/" has one empty token.
std::vector<std::string> raw_tokens(std::string_view pointer) {
    return pointer.empty() ? std::vector<std::string>{} : split(pointer.substr(1), '/');
}

// JSON Pointer helpers are core's (json.hpp); these names keep the compiler's code short.
std::string esc(std::string_view token) {
    return pointer_escape(token);
}

const Json* navigate(const Json& root, std::string_view pointer) {
    return pointer_get(root, pointer);
}

std::string percent_decode(std::string_view s) {
    std::string out;
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

bool is_integral(const Json& v) {
    if (v.is_number_integer()) return true;
    if (!v.is_number_float()) return false;
    double d = v.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
}

std::string type_of(const Json& v) {
    if (v.is_number()) return is_integral(v) ? "integer" : "number";
    return v.type_name();  // "null", "boolean", "object", "array", "string"
}

enum TypeBit : uint8_t { kNull = 1, kBool = 2, kObject = 4, kArray = 8, kNumber = 16, kString = 32, kInteger = 64 };

uint8_t type_bits(const Json& v) {
    if (v.is_number()) return is_integral(v) ? kNumber | kInteger : kNumber;
    return v.is_null() ? kNull : v.is_boolean() ? kBool : v.is_object() ? kObject : v.is_array() ? kArray : kString;
}

uint8_t type_bit(std::string_view name) {
    static const std::pair<const char*, uint8_t> kNames[] = {
        {"null", kNull},     {"boolean", kBool},  {"object", kObject},  {"array", kArray},
        {"number", kNumber}, {"string", kString}, {"integer", kInteger}};
    for (const auto& [n, b] : kNames) {
        if (name == n) return b;
    }
    return 0;
}

// A value as it appears in a message: compact JSON, cut short when long.
std::string show(const Json& v) {
    std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (s.size() > 80) {
        size_t cut = 77;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
        s = s.substr(0, cut) + "...";
    }
    return s;
}

std::string qstr(std::string_view s) {
    return show(Json(std::string(s)));
}

// A likely intended word: a close spelling, a swapped pair, or the only candidate `word` abbreviates ("cert").
std::optional<std::string> suggest(const std::string& word, const std::vector<std::string>& candidates) {
    if (auto close = did_you_mean(word, candidates)) return close;
    std::string lower = to_lower(word);
    for (size_t i = 0; i + 1 < lower.size(); ++i) {  // one swapped pair in a short word: "bnak"
        std::string swapped = lower;
        std::swap(swapped[i], swapped[i + 1]);
        for (const auto& c : candidates) {
            if (to_lower(c) == swapped) return c;
        }
    }
    std::optional<std::string> only;
    if (word.size() < 3) return only;
    for (const auto& c : candidates) {
        if (c.size() <= word.size() || !starts_with(to_lower(c), to_lower(word))) continue;
        if (only) return std::nullopt;
        only = c;
    }
    return only;
}

// "a", "a or b", "a, b or c"
std::string or_list(const std::vector<std::string>& items) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += i + 1 == items.size() ? " or " : ", ";
        out += items[i];
    }
    return out;
}

std::string plural(size_t n, std::string_view word) {
    return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

std::wstring widen(std::string_view s) {
    std::wstring out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size()) {
            out += L'\xFFFD';
            ++i;
            continue;
        }
        uint32_t cp = n == 1 ? c : c & (0x7F >> n);
        bool good = true;
        for (size_t k = 1; k < n; ++k) {
            auto b = static_cast<unsigned char>(s[i + k]);
            if ((b & 0xC0) != 0x80) good = false;
            cp = (cp << 6) | (b & 0x3F);
        }
        out += good ? static_cast<wchar_t>(cp) : L'\xFFFD';
        i += good ? n : 1;
    }
    return out;
}

std::optional<std::wregex> make_regex(const std::string& pattern) {
    try {
        return std::wregex(widen(pattern), std::regex_constants::ECMAScript);
    } catch (const std::regex_error&) {
        return std::nullopt;
    }
}

// libstdc++'s matcher recurses once per input character: a long string would overflow an ordinary
// thread stack (a crash near 20,000 characters with 8 MiB), so long inputs get a thread of their own
// with a stack sized for them. nullopt: no verdict (too long, or the matcher gave up).
std::optional<bool> regex_matches(const std::wregex& re, std::string_view text) {
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer's redzones make each of std::regex's recursive frames several times larger.
    constexpr size_t kFrameScale = 4;
#else
    constexpr size_t kFrameScale = 1;
#endif
    constexpr size_t kInline = 2000 / kFrameScale, kBytesPerChar = 2048 * kFrameScale;
    constexpr size_t kMaxChars = size_t{256} * 1024;
    struct Job {
        const std::wregex& re;
        std::wstring text;
        std::optional<bool> result;
        void run() {
            try {
                result = std::regex_search(text, re);
            } catch (const std::exception&) {  // error_complexity / error_stack: no verdict
            }
        }
    } job{re, widen(text), std::nullopt};
    if (job.text.size() > kMaxChars) return std::nullopt;
    if (job.text.size() <= kInline) {
        job.run();
        return job.result;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, (1 << 20) + job.text.size() * kBytesPerChar);
    pthread_t thread;
    auto run = [](void* p) -> void* {
        static_cast<Job*>(p)->run();
        return nullptr;
    };
    bool started = pthread_create(&thread, &attr, run, &job) == 0;
    pthread_attr_destroy(&attr);
    if (started) pthread_join(thread, nullptr);
    return job.result;
}

std::pair<std::string, std::string> split_fragment(const std::string& uri) {
    size_t h = uri.find('#');
    if (h == std::string::npos) return {uri, ""};
    return {uri.substr(0, h), uri.substr(h + 1)};
}

}  // namespace

// ---- compiled form --------------------------------------------------------------------------------

namespace {

struct Pattern {
    std::string source;
    std::wregex re;
};

struct Node {
    std::string where;  // schema pointer of this node
    int resource = 0;
    bool is_bool = false;
    bool bool_value = true;
    bool nullable = false;
    uint8_t types = 0;
    std::vector<std::string> type_names;
    const Json* enum_values = nullptr;
    const Json* const_value = nullptr;
    const Json* multiple_of = nullptr;
    const Json* maximum = nullptr;
    const Json* minimum = nullptr;
    bool maximum_exclusive = false;  // draft 4 boolean exclusiveMaximum
    bool minimum_exclusive = false;
    const Json* exclusive_maximum = nullptr;
    const Json* exclusive_minimum = nullptr;
    std::optional<size_t> max_length, min_length, max_items, min_items, max_props, min_props;
    std::optional<size_t> min_contains, max_contains;
    std::optional<Pattern> pattern;
    std::string format;
    bool unique_items = false;
    std::vector<int> prefix;
    std::string prefix_kw;
    int rest = -1;  // applies to items after the prefix
    std::string rest_kw;
    int contains = -1;
    std::vector<std::string> required;
    std::vector<std::pair<std::string, int>> properties;
    std::vector<std::pair<Pattern, int>> pattern_properties;
    int additional_properties = -1;
    int property_names = -1;
    struct Needs {
        std::string keyword, key;
        std::vector<std::string> keys;
    };
    std::vector<Needs> dependent_required;
    std::vector<std::pair<std::string, int>> dependent_schemas;
    std::vector<int> all_of, any_of, one_of;
    int not_ = -1, if_ = -1, then_ = -1, else_ = -1;
    int ref = -1;
    int dynamic_ref = -1;
    std::string dynamic_name;  // set when the $dynamicRef may be re-targeted at run time
    int unevaluated_properties = -1, unevaluated_items = -1;
    std::vector<std::string> known_keys;  // for "did you mean" under unevaluatedProperties
};

struct Resource {
    std::map<std::string, int> dynamic_anchors;  // name -> node (compiled after the main pass)
    std::map<std::string, std::string> dynamic_pointers;
    int doc = 0;
};

}  // namespace

struct JsonSchema::Impl {
    std::deque<Json> docs;  // the schema documents; nodes point into them
    std::deque<Node> nodes;
    std::vector<Resource> resources;
    bool check_formats = true;
    bool openapi30 = false;
};

namespace {

struct Loc {
    int doc;
    std::string ptr;
};

struct Ctx {
    std::string base;
    Draft draft;
    int resource;
};

enum class Kind { none, single, list, map, items, dependencies };

Kind subschema_kind(const std::string& kw) {
    // clang-format off
    static const std::unordered_map<std::string, Kind> kKinds = {
        {"additionalItems", Kind::single}, {"additionalProperties", Kind::single}, {"contains", Kind::single},
        {"propertyNames", Kind::single}, {"not", Kind::single}, {"if", Kind::single}, {"then", Kind::single},
        {"else", Kind::single}, {"unevaluatedItems", Kind::single}, {"unevaluatedProperties", Kind::single},
        {"contentSchema", Kind::single}, {"items", Kind::items}, {"allOf", Kind::list}, {"anyOf", Kind::list},
        {"oneOf", Kind::list}, {"prefixItems", Kind::list}, {"properties", Kind::map},
        {"patternProperties", Kind::map}, {"definitions", Kind::map}, {"$defs", Kind::map},
        {"dependentSchemas", Kind::map}, {"dependencies", Kind::dependencies}};
    // clang-format on
    auto it = kKinds.find(kw);
    return it == kKinds.end() ? Kind::none : it->second;
}

Draft draft_of(const std::string& uri, Draft fallback) {
    if (uri.find("draft-04") != std::string::npos) return kDraft4;
    if (uri.find("draft-06") != std::string::npos) return kDraft6;
    if (uri.find("draft-07") != std::string::npos) return kDraft7;
    if (uri.find("2019-09") != std::string::npos) return kDraft2019;
    if (uri.find("2020-12") != std::string::npos) return kDraft2020;
    return fallback;
}

class Compiler {
public:
    Compiler(JsonSchema::Impl& impl, const SchemaOptions& options) : impl_(impl), options_(options) {
        static const Draft kDrafts[] = {kDraft4, kDraft6, kDraft7, kDraft2019, kDraft2020};
        draft_ = kDrafts[static_cast<int>(options.default_draft)];
        if (options.openapi30) draft_ = kDraft4;
        for (const auto& [key, doc] : options_.registry) registry_.push_back({split_fragment(key).first, &doc, false});
    }

    // Adds the document the entry points live in; returns its index.
    int begin(const Json& schema) { return add_doc(schema, split_fragment(options_.base_uri).first); }

    // Compiles the schema at `entry_pointer` of document `doc` (empty: the whole document). Nodes
    // already compiled for earlier entry points are reused; a failed entry leaves none of its nodes
    // reachable from later ones.
    Result<int> entry(int doc, const std::string& entry_pointer) {
        error_.reset();
        size_t first_node = impl_.nodes.size();
        int root = -1;
        if (!entry_pointer.empty()) {
            const Json* at = navigate(impl_.docs[doc], entry_pointer);
            if (!at)
                return make_error("schema",
                                  "invalid schema: entry pointer " + entry_pointer + " names nothing in the document");
            if (!ctx_[doc].count(entry_pointer)) scan(doc, *at, entry_pointer, ctx_at(doc, ""));
        }
        root = compile({doc, entry_pointer});
        // $dynamicRef may land on any $dynamicAnchor of a resource that evaluation can enter.
        for (size_t done = 0; !error_ && done != impl_.nodes.size();) {
            done = impl_.nodes.size();
            for (size_t r = 0; r < impl_.resources.size() && !error_; ++r) {
                if (!touched_.count(static_cast<int>(r))) continue;
                for (const auto& [name, ptr] : impl_.resources[r].dynamic_pointers) {
                    int id = compile({impl_.resources[r].doc, ptr});
                    if (id >= 0) impl_.resources[r].dynamic_anchors[name] = id;
                }
            }
        }
        if (error_) {
            for (auto it = memo_.begin(); it != memo_.end();) {
                it = it->second >= static_cast<int>(first_node) ? memo_.erase(it) : std::next(it);
            }
            return *error_;
        }
        for (size_t i = first_node; i < impl_.nodes.size(); ++i) {
            if (impl_.nodes[i].unevaluated_properties < 0) continue;
            std::set<int> seen;
            std::set<std::string> keys;
            gather_keys(static_cast<int>(i), seen, keys);
            impl_.nodes[i].known_keys.assign(keys.begin(), keys.end());
        }
        return root;
    }

private:
    struct RegistryDoc {
        std::string uri;
        const Json* doc;
        bool loaded;
    };

    int add_doc(const Json& j, const std::string& uri) {
        int doc = static_cast<int>(impl_.docs.size());
        impl_.docs.push_back(j);
        doc_uris_.push_back(uri);
        ctx_.emplace_back();
        int res = new_resource(doc);
        ids_.emplace(uri, Loc{doc, ""});
        scan(doc, impl_.docs[doc], "", Ctx{uri, draft_, res});
        return doc;
    }

    int new_resource(int doc) {
        impl_.resources.emplace_back();
        impl_.resources.back().doc = doc;
        return static_cast<int>(impl_.resources.size()) - 1;
    }

    // Records base URI, dialect and resource of every schema position, and every $id and anchor.
    void scan(int doc, const Json& j, const std::string& ptr, Ctx c) {
        if (j.is_object()) {
            if (auto s = j.find("$schema"); s != j.end() && s->is_string()) c.draft = draft_of(*s, c.draft);
            bool legacy = c.draft <= kDraft7;
            auto id = j.find(c.draft == kDraft4 ? "id" : "$id");
            if (id != j.end() && id->is_string() && !(legacy && j.contains("$ref"))) {
                std::string text = *id;
                if (legacy && starts_with(text, "#")) {
                    ids_.emplace(resolve_uri_reference(c.base, text), Loc{doc, ptr});
                } else {
                    auto [uri, frag] = split_fragment(resolve_uri_reference(c.base, text));
                    c.base = uri;
                    c.resource = new_resource(doc);
                    ids_[uri] = Loc{doc, ptr};
                    if (!frag.empty() && legacy) ids_.emplace(uri + "#" + frag, Loc{doc, ptr});
                }
            }
            if (auto a = j.find("$anchor"); a != j.end() && a->is_string() && c.draft >= kDraft2019)
                ids_.emplace(c.base + "#" + a->get<std::string>(), Loc{doc, ptr});
            if (auto a = j.find("$dynamicAnchor"); a != j.end() && a->is_string() && c.draft >= kDraft2020) {
                ids_.emplace(c.base + "#" + a->get<std::string>(), Loc{doc, ptr});
                impl_.resources[c.resource].dynamic_pointers.emplace(a->get<std::string>(), ptr);
            }
        }
        ctx_[doc].emplace(ptr, c);
        if (!j.is_object()) return;
        for (const auto& [kw, v] : j.items()) {
            std::string at = ptr + "/" + esc(kw);
            switch (subschema_kind(kw)) {
                case Kind::single:
                    scan(doc, v, at, c);
                    break;
                case Kind::items:
                    if (!v.is_array()) {
                        scan(doc, v, at, c);
                        break;
                    }
                    [[fallthrough]];
                case Kind::list:
                    if (v.is_array()) {
                        for (size_t i = 0; i < v.size(); ++i) scan(doc, v[i], at + "/" + std::to_string(i), c);
                    }
                    break;
                case Kind::map:
                case Kind::dependencies:
                    if (v.is_object()) {
                        for (const auto& [k, sub] : v.items()) {
                            if (sub.is_object() || sub.is_boolean()) scan(doc, sub, at + "/" + esc(k), c);
                        }
                    }
                    break;
                case Kind::none:
                    break;
            }
        }
    }

    Ctx ctx_at(int doc, std::string ptr) {
        while (true) {
            auto it = ctx_[doc].find(ptr);
            if (it != ctx_[doc].end()) return it->second;
            size_t slash = ptr.rfind('/');
            if (slash == std::string::npos) return Ctx{doc_uris_[doc], draft_, 0};
            ptr.erase(slash);
        }
    }

    std::string where(const Loc& loc) const { return loc.doc == 0 ? loc.ptr : doc_uris_[loc.doc] + "#" + loc.ptr; }

    int fail(const Loc& loc, const std::string& message) {
        if (!error_) {
            std::string at = loc.doc == 0 ? "#" + loc.ptr : where(loc);
            error_ = make_error("schema", "invalid schema at " + at + ": " + message);
        }
        return -1;
    }

    bool reject(const Loc& loc, const std::string& message) { return fail(loc, message) >= 0; }

    std::optional<Loc> lookup(const std::string& uri) {
        auto [abs, frag] = split_fragment(uri);
        std::string fragment = percent_decode(frag);
        if (fragment.empty() || fragment[0] == '/') {
            auto it = ids_.find(abs);
            if (it == ids_.end()) return std::nullopt;
            return Loc{it->second.doc, it->second.ptr + fragment};
        }
        auto it = ids_.find(abs + "#" + frag);
        if (it == ids_.end()) return std::nullopt;
        return it->second;
    }

    std::optional<Loc> find(const std::string& uri) {
        if (auto loc = lookup(uri)) return loc;
        std::string abs = split_fragment(uri).first;
        for (int pass = 0; pass < 2; ++pass) {
            // First the registry entry named by the URI, then (for $ids declared inside entries) all.
            bool any = false;
            for (auto& r : registry_) {
                if (r.loaded || (pass == 0 && r.uri != abs)) continue;
                r.loaded = any = true;
                add_doc(*r.doc, r.uri);
            }
            if (any) {
                if (auto loc = lookup(uri)) return loc;
            }
        }
        return std::nullopt;
    }

    int compile(const Loc& loc) {
        if (error_) return -1;
        std::string key = std::to_string(loc.doc) + "#" + loc.ptr;
        if (auto it = memo_.find(key); it != memo_.end()) return it->second;
        const Json* j = navigate(impl_.docs[loc.doc], loc.ptr);
        if (!j) return fail(loc, "nothing is there");
        int id = static_cast<int>(impl_.nodes.size());
        impl_.nodes.emplace_back();
        memo_[key] = id;
        Node& n = impl_.nodes.back();
        Ctx c = ctx_at(loc.doc, loc.ptr);
        n.where = where(loc);
        n.resource = c.resource;
        touched_.insert(c.resource);
        if (j->is_boolean()) {
            n.is_bool = true;
            n.bool_value = j->get<bool>();
            return id;
        }
        if (!j->is_object()) return fail(loc, "a schema must be an object or a boolean, got " + type_of(*j));
        return fill(n, *j, loc, c) ? id : -1;
    }

    bool fill(Node& n, const Json& j, const Loc& loc, const Ctx& c);
    bool ref(Node& n, const Json& j, const Loc& loc, const Ctx& c);

    void gather_keys(int id, std::set<int>& seen, std::set<std::string>& keys) {
        if (id < 0 || !seen.insert(id).second) return;
        const Node& n = impl_.nodes[id];
        for (const auto& p : n.properties) keys.insert(p.first);
        for (int sub : {n.ref, n.dynamic_ref, n.if_, n.then_, n.else_}) gather_keys(sub, seen, keys);
        for (const auto* list : {&n.all_of, &n.any_of, &n.one_of}) {
            for (int sub : *list) gather_keys(sub, seen, keys);
        }
        for (const auto& d : n.dependent_schemas) gather_keys(d.second, seen, keys);
    }

    JsonSchema::Impl& impl_;
    SchemaOptions options_;
    Draft draft_ = kDraft2020;
    std::vector<RegistryDoc> registry_;
    std::vector<std::string> doc_uris_;
    std::vector<std::unordered_map<std::string, Ctx>> ctx_;
    std::unordered_map<std::string, Loc> ids_;
    std::unordered_map<std::string, int> memo_;
    std::set<int> touched_;
    std::optional<Error> error_;
};

bool Compiler::ref(Node& n, const Json& j, const Loc& loc, const Ctx& c) {
    for (const char* kw : {"$ref", "$dynamicRef", "$recursiveRef"}) {
        auto it = j.find(kw);
        if (it == j.end()) continue;
        Loc at{loc.doc, loc.ptr + "/" + kw};
        if (std::string(kw) == "$dynamicRef" && c.draft < kDraft2020) continue;
        if (std::string(kw) == "$recursiveRef" && c.draft != kDraft2019) continue;
        if (!it->is_string()) return reject(at, std::string(kw) + " must be a string");
        std::string target = resolve_uri_reference(c.base, it->get<std::string>());
        auto found = find(target);
        if (!found || !navigate(impl_.docs[found->doc], found->ptr)) {
            std::string hint;
            if (found && found->ptr.rfind('/') != std::string::npos) {  // a typo in the last name?
                size_t slash = found->ptr.rfind('/');
                const Json* parent = navigate(impl_.docs[found->doc], found->ptr.substr(0, slash));
                std::vector<std::string> names;
                if (parent && parent->is_object()) {
                    for (const auto& item : parent->items()) names.push_back(item.key());
                }
                auto last = pointer_tokens(found->ptr.substr(slash));  // one token, unescaped
                if (auto guess = suggest(last.empty() ? std::string() : last.front(), names))
                    hint = " (did you mean " + qstr(*guess) + "?)";
            }
            return reject(at, "cannot resolve " + std::string(kw) + " " + qstr(it->get<std::string>()) + hint);
        }
        int id = compile(*found);
        if (id < 0) return false;
        if (std::string(kw) != "$dynamicRef") {
            n.ref = id;  // `n` stays valid while compiling: nodes is a deque
            continue;
        }
        n.dynamic_ref = id;
        std::string frag = split_fragment(target).second;
        const Json* dest = navigate(impl_.docs[found->doc], found->ptr);
        if (!frag.empty() && frag[0] != '/' && dest && dest->is_object()) {
            auto anchor = dest->find("$dynamicAnchor");
            if (anchor != dest->end() && *anchor == frag) n.dynamic_name = frag;
        }
    }
    return true;
}

bool Compiler::fill(Node& n, const Json& j, const Loc& loc, const Ctx& c) {
    const Draft d = c.draft;
    auto at = [&](std::string_view kw) { return Loc{loc.doc, loc.ptr + "/" + esc(kw)}; };
    auto has = [&](const char* kw) { return j.contains(kw); };
    auto sub = [&](const char* kw, int& out) {
        if (!has(kw)) return true;
        out = compile(at(kw));
        return out >= 0;
    };
    auto sub_at = [&](const Loc& l, int& out) {
        out = compile(l);
        return out >= 0;
    };
    auto number = [&](const char* kw, const Json*& out) {
        auto it = j.find(kw);
        if (it == j.end()) return true;
        if (!it->is_number()) return reject(at(kw), std::string(kw) + " must be a number");
        out = &*it;
        return true;
    };
    auto count = [&](const char* kw, std::optional<size_t>& out) {
        auto it = j.find(kw);
        if (it == j.end()) return true;
        if (!is_integral(*it) || it->get<double>() < 0)
            return reject(at(kw), std::string(kw) + " must be a non-negative integer");
        out = static_cast<size_t>(it->get<double>());
        return true;
    };
    auto pattern = [&](const Loc& l, const std::string& source) -> std::optional<Pattern> {
        auto re = make_regex(source);
        if (!re) fail(l, "pattern " + qstr(source) + " is not a valid regular expression");
        if (!re) return std::nullopt;
        return Pattern{source, std::move(*re)};
    };
    auto list = [&](const char* kw, std::vector<int>& out) {
        auto it = j.find(kw);
        if (it == j.end()) return true;
        if (!it->is_array() || it->empty()) return reject(at(kw), std::string(kw) + " must be a non-empty array");
        for (size_t i = 0; i < it->size(); ++i) {
            int id = -1;
            if (!sub_at(Loc{loc.doc, at(kw).ptr + "/" + std::to_string(i)}, id)) return false;
            out.push_back(id);
        }
        return true;
    };
    auto schema_map = [&](const char* kw, std::vector<std::pair<std::string, int>>& out) {
        auto it = j.find(kw);
        if (it == j.end()) return true;
        if (!it->is_object()) return reject(at(kw), std::string(kw) + " must be an object");
        for (const auto& [k, v] : it->items()) {
            int id = -1;
            if (!sub_at(Loc{loc.doc, at(kw).ptr + "/" + esc(k)}, id)) return false;
            out.emplace_back(k, id);
        }
        return true;
    };
    auto strings = [&](const Json& v, const Loc& l, std::vector<std::string>& out) {
        if (!v.is_array()) return reject(l, "expected an array of strings");
        for (const auto& s : v) {
            if (!s.is_string()) return reject(l, "expected an array of strings");
            out.push_back(s);
        }
        return true;
    };

    if (options_.openapi30) n.nullable = j.value("nullable", false) == true;
    if (d <= kDraft7 && has("$ref")) return ref(n, j, loc, c);  // older drafts ignore $ref's siblings
    if (!ref(n, j, loc, c)) return false;

    if (auto it = j.find("type"); it != j.end()) {
        std::vector<std::string> names;
        if (it->is_string())
            names.push_back(*it);
        else if (!strings(*it, at("type"), names))
            return false;
        for (const auto& name : names) {
            uint8_t bit = type_bit(name);
            if (!bit) {
                auto guess = did_you_mean(name, {"null", "boolean", "object", "array", "number", "string", "integer"});
                return reject(at("type"),
                              "unknown type " + qstr(name) + (guess ? " (did you mean " + qstr(*guess) + "?)" : ""));
            }
            n.types |= bit;
        }
        n.type_names = names;
    }
    if (auto it = j.find("enum"); it != j.end()) {
        if (!it->is_array()) return reject(at("enum"), "enum must be an array");
        n.enum_values = &*it;
    }
    if (d >= kDraft6 && has("const")) n.const_value = &j["const"];
    if (!number("multipleOf", n.multiple_of) || !number("maximum", n.maximum) || !number("minimum", n.minimum))
        return false;
    if (n.multiple_of && n.multiple_of->get<double>() <= 0) return reject(at("multipleOf"), "multipleOf must be > 0");
    for (auto [kw, flag, value] : {std::tuple{"exclusiveMaximum", &n.maximum_exclusive, &n.exclusive_maximum},
                                   std::tuple{"exclusiveMinimum", &n.minimum_exclusive, &n.exclusive_minimum}}) {
        auto it = j.find(kw);
        if (it == j.end()) continue;
        if (it->is_boolean())
            *flag = it->get<bool>();
        else if (!number(kw, *value))
            return false;
    }
    if (!count("maxLength", n.max_length) || !count("minLength", n.min_length) || !count("maxItems", n.max_items) ||
        !count("minItems", n.min_items) || !count("maxProperties", n.max_props) || !count("minProperties", n.min_props))
        return false;
    if (auto it = j.find("pattern"); it != j.end()) {
        if (!it->is_string()) return reject(at("pattern"), "pattern must be a string");
        if (!(n.pattern = pattern(at("pattern"), *it))) return false;
    }
    if (auto it = j.find("format"); it != j.end() && it->is_string()) n.format = *it;
    if (auto it = j.find("uniqueItems"); it != j.end()) n.unique_items = it->is_boolean() && it->get<bool>();

    // Arrays: a prefix of positional schemas, then one schema for the rest.
    auto items = j.find("items");
    if (d >= kDraft2020 && has("prefixItems")) {
        if (!list("prefixItems", n.prefix)) return false;
        n.prefix_kw = "prefixItems";
        if (items != j.end() && !items->is_array() && !sub("items", n.rest)) return false;
        n.rest_kw = "items";
    } else if (items != j.end() && items->is_array()) {
        for (size_t i = 0; i < items->size(); ++i) {
            int id = -1;
            if (!sub_at(Loc{loc.doc, at("items").ptr + "/" + std::to_string(i)}, id)) return false;
            n.prefix.push_back(id);
        }
        n.prefix_kw = "items";
        if (!sub("additionalItems", n.rest)) return false;
        n.rest_kw = "additionalItems";
    } else {
        if (!sub("items", n.rest)) return false;
        n.rest_kw = "items";
    }
    if (d >= kDraft6 && !sub("contains", n.contains)) return false;
    if (d >= kDraft2019 && (!count("minContains", n.min_contains) || !count("maxContains", n.max_contains)))
        return false;

    // Objects.
    if (auto it = j.find("required"); it != j.end() && !strings(*it, at("required"), n.required)) return false;
    if (!schema_map("properties", n.properties)) return false;
    if (auto it = j.find("patternProperties"); it != j.end()) {
        if (!it->is_object()) return reject(at("patternProperties"), "patternProperties must be an object");
        for (const auto& [k, v] : it->items()) {
            Loc l{loc.doc, at("patternProperties").ptr + "/" + esc(k)};
            auto p = pattern(l, k);
            int id = -1;
            if (!p || !sub_at(l, id)) return false;
            n.pattern_properties.emplace_back(std::move(*p), id);
        }
    }
    if (!sub("additionalProperties", n.additional_properties)) return false;
    if (d >= kDraft6 && !sub("propertyNames", n.property_names)) return false;
    for (const char* kw : {"dependencies", "dependentRequired", "dependentSchemas"}) {
        auto it = j.find(kw);
        if (it == j.end()) continue;
        if (!it->is_object()) return reject(at(kw), std::string(kw) + " must be an object");
        for (const auto& [k, v] : it->items()) {
            Loc l{loc.doc, at(kw).ptr + "/" + esc(k)};
            if (v.is_array() && std::string(kw) != "dependentSchemas") {
                n.dependent_required.push_back({kw, k, {}});
                if (!strings(v, l, n.dependent_required.back().keys)) return false;
            } else if (std::string(kw) != "dependentRequired") {
                int id = -1;
                if (!sub_at(l, id)) return false;
                n.dependent_schemas.emplace_back(k, id);
            } else {
                return reject(l, "expected an array of strings");
            }
        }
    }

    // Applicators.
    if (!list("allOf", n.all_of) || !list("anyOf", n.any_of) || !list("oneOf", n.one_of) || !sub("not", n.not_))
        return false;
    if (d >= kDraft7 && (!sub("if", n.if_) || !sub("then", n.then_) || !sub("else", n.else_))) return false;
    if (d >= kDraft2019 &&
        (!sub("unevaluatedProperties", n.unevaluated_properties) || !sub("unevaluatedItems", n.unevaluated_items)))
        return false;
    return true;
}

// ---- validation -----------------------------------------------------------------------------------

// Instance location as a chain of stack frames; turned into a string only when an issue needs it.
struct Frame {
    const Frame* up;
    const std::string* key;
    size_t index;
};

std::string pointer_of(const Frame* f) {
    std::vector<const Frame*> chain;
    for (; f; f = f->up) chain.push_back(f);
    std::string out;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        out += '/';
        out += (*it)->key ? esc(*(*it)->key) : std::to_string((*it)->index);
    }
    return out;
}

size_t depth_of(const Frame* f) {
    size_t n = 0;
    for (; f; f = f->up) ++n;
    return n;
}

// What evaluation learned about which members/items some subschema looked at
// (for unevaluatedProperties / unevaluatedItems).
struct Seen {
    bool all_props = false;
    std::set<std::string> props;
    bool all_items = false;
    size_t prefix = 0;
    std::set<size_t> items;

    void merge(const Seen& o) {
        all_props = all_props || o.all_props;
        props.insert(o.props.begin(), o.props.end());
        all_items = all_items || o.all_items;
        prefix = std::max(prefix, o.prefix);
        items.insert(o.items.begin(), o.items.end());
    }
};

struct Found {
    SchemaIssue issue;
    size_t depth = 0;
    const Json* value = nullptr;              // the offending instance value
    std::vector<std::string> expected_types;  // set for type mismatches
    std::vector<const Json*> allowed;         // set for const / enum mismatches
};

class Validator {
public:
    Validator(const JsonSchema::Impl& impl, std::vector<Found>* out, size_t cap = SIZE_MAX)
        : impl_(impl), out_(out), root_out_(out), cap_(cap) {}

    // Issues not kept because the top-level list was full (they were still counted).
    size_t dropped() const { return dropped_; }

    bool eval(int id, const Json& v, const Frame* at, Seen* seen);

private:
    Found* report(const Node& n, const Frame* at, const Json& v, std::string_view kw, std::string message,
                  std::string hint = {}) {
        if (!out_ || full()) return nullptr;
        Found f;
        f.issue.instance_pointer = pointer_of(at);
        f.issue.schema_pointer = n.where + "/" + std::string(kw);
        f.issue.keyword = std::string(kw.substr(0, kw.find('/')));
        f.issue.message = std::move(message);
        f.issue.hint = std::move(hint);
        f.depth = depth_of(at);
        f.value = &v;
        out_->push_back(std::move(f));
        return &out_->back();
    }
    // Every list of issues holds at most cap_ of them, so a huge wrong document costs bounded memory;
    // what the top-level list cannot hold is counted.
    bool full() {
        if (out_->size() < cap_) return false;
        if (out_ == root_out_) ++dropped_;
        return true;
    }
    void keep(Found&& f) {
        if (!full()) out_->push_back(std::move(f));
    }

    // Runs a subschema with its issues going to `sink` (nullptr: just the verdict).
    bool branch(int id, const Json& v, const Frame* at, Seen* seen, std::vector<Found>* sink) {
        auto saved = out_;
        out_ = sink;
        bool ok = eval(id, v, at, seen);
        out_ = saved;
        return ok;
    }

    bool is_false(int id) const { return id >= 0 && impl_.nodes[id].is_bool && !impl_.nodes[id].bool_value; }

    bool unknown_key(const Node& n, const Frame* member, const Json& v, const std::string& key, std::string_view kw,
                     const std::vector<std::string>& known);
    bool number_ok(const Node& n, const Json& v, const Frame* at);
    bool string_ok(const Node& n, const Json& v, const Frame* at);
    bool array_ok(const Node& n, const Json& v, const Frame* at, Seen* seen);
    bool object_ok(const Node& n, const Json& v, const Frame* at, Seen* seen);
    bool logic_ok(const Node& n, const Json& v, const Frame* at, Seen* seen);
    bool alternatives(const Node& n, bool one, const Json& v, const Frame* at, Seen* seen);
    void closest(const Node& n, std::string_view kw, std::vector<std::vector<Found>>& found, const Json& v,
                 const Frame* at);

    const JsonSchema::Impl& impl_;
    std::vector<Found>* out_;
    std::vector<Found>* root_out_;
    size_t cap_;
    size_t dropped_ = 0;
    std::vector<int> scope_;  // dynamic scope: resources entered, outermost first
    int depth_ = 0;
};

bool Validator::eval(int id, const Json& v, const Frame* at, Seen* seen) {
    const Node& n = impl_.nodes[id];
    if (n.is_bool) {
        if (!n.bool_value && out_) {
            report(n, at, v, "", "no value is allowed here");
            out_->back().issue.schema_pointer = n.where;
            out_->back().issue.keyword = "false";
        }
        return n.bool_value;
    }
    if (depth_ >= kMaxEvalDepth) {
        report(n, at, v, "$ref", "schema recursion is too deep (a $ref cycle that never consumes input?)");
        return false;
    }
    struct Enter {
        Validator& self;
        bool pushed;
        Enter(Validator& s, int resource) : self(s), pushed(s.scope_.empty() || s.scope_.back() != resource) {
            ++self.depth_;
            if (pushed) self.scope_.push_back(resource);
        }
        ~Enter() {
            --self.depth_;
            if (pushed) self.scope_.pop_back();
        }
    } enter(*this, n.resource);
    if (n.nullable && v.is_null()) return true;

    bool ok = true;
    auto stop = [&](bool step_ok) {
        ok = ok && step_ok;
        return !ok && !out_;  // without a sink the first failure decides
    };
    Seen local;
    Seen* sn = n.unevaluated_properties >= 0 || n.unevaluated_items >= 0 ? &local : seen;

    if (n.ref >= 0 && stop(eval(n.ref, v, at, sn))) return false;
    if (n.dynamic_ref >= 0) {
        int target = n.dynamic_ref;
        if (!n.dynamic_name.empty()) {
            for (int r : scope_) {
                auto it = impl_.resources[r].dynamic_anchors.find(n.dynamic_name);
                if (it != impl_.resources[r].dynamic_anchors.end()) {
                    target = it->second;
                    break;
                }
            }
        }
        if (stop(eval(target, v, at, sn))) return false;
    }
    if (n.types && !(type_bits(v) & n.types) && !(n.nullable && v.is_null())) {
        std::vector<std::string> expected = n.type_names;
        if (n.nullable) expected.push_back("null");
        if (auto* f = report(n, at, v, "type", "expected " + or_list(expected) + ", got " + type_of(v)))
            f->expected_types = expected;
        if (stop(false)) return false;
    }
    if (n.enum_values && std::find(n.enum_values->begin(), n.enum_values->end(), v) == n.enum_values->end()) {
        if (out_) {
            std::vector<std::string> shown, words;
            for (const auto& e : *n.enum_values) {
                if (shown.size() < 12) shown.push_back(show(e));
                if (e.is_string()) words.push_back(e);
            }
            std::string list = join(shown, ", ");
            if (n.enum_values->size() > shown.size()) list += ", ... (" + plural(n.enum_values->size(), "value") + ")";
            std::string hint;
            if (auto guess = v.is_string() ? suggest(v.get<std::string>(), words) : std::nullopt)
                hint = "did you mean " + qstr(*guess) + "?";
            std::string msg = n.enum_values->size() == 1 ? "expected " + list : "expected one of " + list;
            if (Found* f = report(n, at, v, "enum", msg + "; got " + show(v), hint))
                for (const auto& e : *n.enum_values) f->allowed.push_back(&e);
        }
        if (stop(false)) return false;
    }
    if (n.const_value && *n.const_value != v) {
        if (auto* f = report(n, at, v, "const", "expected " + show(*n.const_value) + "; got " + show(v)))
            f->allowed.push_back(n.const_value);
        if (stop(false)) return false;
    }
    if (v.is_number() && stop(number_ok(n, v, at))) return false;
    if (v.is_string() && stop(string_ok(n, v, at))) return false;
    if (v.is_array() && stop(array_ok(n, v, at, sn))) return false;
    if (v.is_object() && stop(object_ok(n, v, at, sn))) return false;
    if (stop(logic_ok(n, v, at, sn))) return false;

    if (sn == &local) {
        if (n.unevaluated_items >= 0 && v.is_array() && !local.all_items) {
            for (size_t i = local.prefix; i < v.size(); ++i) {
                if (local.items.count(i)) continue;
                Frame item{at, nullptr, i};
                if (is_false(n.unevaluated_items)) {
                    report(n, &item, v[i], "unevaluatedItems", "unexpected item at index " + std::to_string(i));
                    if (stop(false)) return false;
                } else if (stop(eval(n.unevaluated_items, v[i], &item, nullptr))) {
                    return false;
                }
            }
            local.all_items = true;
        }
        if (n.unevaluated_properties >= 0 && v.is_object() && !local.all_props) {
            for (const auto& [k, member] : v.items()) {
                if (local.props.count(k)) continue;
                Frame mf{at, &k, 0};
                bool r = is_false(n.unevaluated_properties)
                             ? unknown_key(n, &mf, member, k, "unevaluatedProperties", n.known_keys)
                             : eval(n.unevaluated_properties, member, &mf, nullptr);
                if (stop(r)) return false;
            }
            local.all_props = true;
        }
        if (ok && seen) seen->merge(local);
    }
    return ok;
}

bool Validator::unknown_key(const Node& n, const Frame* member, const Json& v, const std::string& key,
                            std::string_view kw, const std::vector<std::string>& known) {
    if (!out_) return false;
    std::string hint;
    if (auto guess = suggest(key, known)) {
        hint = "did you mean " + qstr(*guess) + "?";
    } else {
        std::vector<std::string> names(known.begin(),
                                       known.begin() + static_cast<long>(std::min<size_t>(known.size(), 20)));
        std::string list = join(names, ", ") + (known.size() > names.size() ? ", ..." : "");
        std::vector<std::string> patterns;
        for (const auto& p : n.pattern_properties) patterns.push_back(p.first.source);
        if (!patterns.empty()) list += std::string(list.empty() ? "" : "; ") + "keys matching " + join(patterns, ", ");
        hint = list.empty() ? "no keys are allowed here" : "allowed keys: " + list;
    }
    // Null when nothing is collected here, or the list is full (the issue is then only counted).
    if (Found* f = report(n, member, v, kw, "unknown key " + qstr(key), hint)) f->issue.at_key = true;
    return false;
}

bool Validator::number_ok(const Node& n, const Json& v, const Frame* at) {
    bool ok = true;
    double x = v.get<double>();
    auto check = [&](bool good, const char* kw, const std::string& message) {
        if (good) return false;
        ok = false;
        report(n, at, v, kw, message);
        return !out_;
    };
    if (n.multiple_of) {
        bool good;
        if (v.is_number_integer() && n.multiple_of->is_number_integer()) {
            auto m = n.multiple_of->get<int64_t>();
            good =
                v.is_number_unsigned() ? v.get<uint64_t>() % static_cast<uint64_t>(m) == 0 : v.get<int64_t>() % m == 0;
        } else {
            double q = x / n.multiple_of->get<double>();
            // The quotient tolerates decimal fractions like 0.0075 / 0.0001; fmod is exact when it overflows.
            good = std::isfinite(q) ? std::fabs(q - std::round(q)) <= std::max(1e-9, std::fabs(q) * 4 * DBL_EPSILON)
                                    : std::fmod(x, n.multiple_of->get<double>()) == 0;
        }
        if (check(good, "multipleOf", "must be a multiple of " + show(*n.multiple_of) + ", got " + show(v)))
            return false;
    }
    if (n.maximum) {
        double m = n.maximum->get<double>();
        bool excl = n.maximum_exclusive;
        if (check(
                excl ? x < m : x <= m, excl ? "exclusiveMaximum" : "maximum",
                std::string(excl ? "must be less than " : "must be at most ") + show(*n.maximum) + ", got " + show(v)))
            return false;
    }
    if (n.exclusive_maximum && check(x < n.exclusive_maximum->get<double>(), "exclusiveMaximum",
                                     "must be less than " + show(*n.exclusive_maximum) + ", got " + show(v)))
        return false;
    if (n.minimum) {
        double m = n.minimum->get<double>();
        bool excl = n.minimum_exclusive;
        if (check(excl ? x > m : x >= m, excl ? "exclusiveMinimum" : "minimum",
                  std::string(excl ? "must be greater than " : "must be at least ") + show(*n.minimum) + ", got " +
                      show(v)))
            return false;
    }
    if (n.exclusive_minimum && check(x > n.exclusive_minimum->get<double>(), "exclusiveMinimum",
                                     "must be greater than " + show(*n.exclusive_minimum) + ", got " + show(v)))
        return false;
    if (impl_.check_formats && impl_.openapi30 && (n.format == "int32" || n.format == "int64")) {
        double limit = n.format == "int32" ? 2147483648.0 : 9223372036854775808.0;
        bool good = is_integral(v) && x >= -limit && x < limit &&
                    !(v.is_number_unsigned() && n.format == "int64" && v.get<uint64_t>() > 9223372036854775807ULL);
        if (check(good, "format", show(v) + " is not a valid " + n.format)) return false;
    }
    return ok;
}

bool Validator::string_ok(const Node& n, const Json& v, const Frame* at) {
    bool ok = true;
    const auto& s = v.get_ref<const std::string&>();
    auto check = [&](bool good, const char* kw, const std::string& message, std::string hint = {}) {
        if (good) return false;
        ok = false;
        report(n, at, v, kw, message, std::move(hint));
        return !out_;
    };
    if (n.max_length || n.min_length) {
        size_t len = utf8_length(s);
        if (n.max_length &&
            check(len <= *n.max_length, "maxLength",
                  "must be at most " + plural(*n.max_length, "character") + ", got " + std::to_string(len)))
            return false;
        if (n.min_length &&
            check(len >= *n.min_length, "minLength",
                  "must be at least " + plural(*n.min_length, "character") + ", got " + std::to_string(len)))
            return false;
    }
    if (n.pattern) {
        auto match = regex_matches(n.pattern->re, s);
        std::string what = match ? show(v) + " does not match pattern " + n.pattern->source
                                 : "cannot check " + plural(s.size(), "byte") + " against pattern " + n.pattern->source;
        if (check(match.value_or(false), "pattern", what)) return false;
    }
    if (impl_.check_formats && !n.format.empty()) {
        auto good = check_string_format(n.format, s);
        if (good && check(*good, "format", show(v) + " is not a valid " + n.format, string_format_hint(n.format)))
            return false;
    }
    return ok;
}

bool Validator::array_ok(const Node& n, const Json& v, const Frame* at, Seen* seen) {
    bool ok = true;
    auto fail = [&]() {
        ok = false;
        return !out_;
    };
    size_t size = v.size();
    if (n.max_items && size > *n.max_items) {
        report(n, at, v, "maxItems",
               "must have at most " + plural(*n.max_items, "item") + ", got " + std::to_string(size));
        if (fail()) return false;
    }
    if (n.min_items && size < *n.min_items) {
        report(n, at, v, "minItems",
               "must have at least " + plural(*n.min_items, "item") + ", got " + std::to_string(size));
        if (fail()) return false;
    }
    if (n.unique_items) {
        bool dup = false;
        for (size_t i = 0; i < size && !dup; ++i) {
            for (size_t k = i + 1; k < size && !dup; ++k) {
                if (v[i] == v[k]) {
                    dup = true;
                    report(n, at, v, "uniqueItems",
                           "items must be unique, but items " + std::to_string(i) + " and " + std::to_string(k) +
                               " are equal");
                }
            }
        }
        if (dup && fail()) return false;
    }
    for (size_t i = 0; i < size; ++i) {
        bool in_prefix = i < n.prefix.size();
        int sub = in_prefix ? n.prefix[i] : n.rest;
        if (sub < 0) break;
        Frame item{at, nullptr, i};
        if (is_false(sub)) {
            std::string limit = in_prefix ? "" : " (at most " + plural(n.prefix.size(), "item") + " allowed)";
            report(n, &item, v[i], in_prefix ? n.prefix_kw + "/" + std::to_string(i) : n.rest_kw,
                   "unexpected item at index " + std::to_string(i) + limit);
            if (fail()) return false;
        } else if (!eval(sub, v[i], &item, nullptr) && fail()) {
            return false;
        }
    }
    if (seen) {
        seen->prefix = std::max(seen->prefix, std::min(size, n.prefix.size()));
        if (n.rest >= 0) seen->all_items = true;
    }
    if (n.contains >= 0) {
        size_t matches = 0;
        for (size_t i = 0; i < size; ++i) {
            Frame item{at, nullptr, i};
            if (branch(n.contains, v[i], &item, nullptr, nullptr)) {
                ++matches;
                if (seen) seen->items.insert(i);
            }
        }
        size_t need = n.min_contains.value_or(1);
        if (matches < need) {
            report(n, at, v, n.min_contains ? "minContains" : "contains",
                   "must contain at least " + plural(need, "item") + " matching \"contains\", found " +
                       std::to_string(matches));
            if (fail()) return false;
        }
        if (n.max_contains && matches > *n.max_contains) {
            report(n, at, v, "maxContains",
                   "must contain at most " + plural(*n.max_contains, "item") + " matching \"contains\", found " +
                       std::to_string(matches));
            if (fail()) return false;
        }
    }
    return ok;
}

bool Validator::object_ok(const Node& n, const Json& v, const Frame* at, Seen* seen) {
    bool ok = true;
    auto fail = [&]() {
        ok = false;
        return !out_;
    };
    size_t size = v.size();
    if (n.max_props && size > *n.max_props) {
        report(n, at, v, "maxProperties",
               "must have at most " + plural(*n.max_props, "key") + ", got " + std::to_string(size));
        if (fail()) return false;
    }
    if (n.min_props && size < *n.min_props) {
        report(n, at, v, "minProperties",
               "must have at least " + plural(*n.min_props, "key") + ", got " + std::to_string(size));
        if (fail()) return false;
    }
    for (const auto& r : n.required) {
        if (v.contains(r)) continue;
        report(n, at, v, "required", "missing required key " + qstr(r));
        if (fail()) return false;
    }
    for (const auto& d : n.dependent_required) {
        if (!v.contains(d.key)) continue;
        for (const auto& r : d.keys) {
            if (v.contains(r)) continue;
            report(n, at, v, d.keyword + "/" + esc(d.key),
                   "missing key " + qstr(r) + " (required when " + qstr(d.key) + " is present)");
            if (fail()) return false;
        }
    }
    std::vector<std::string> declared;
    for (const auto& [k, member] : v.items()) {
        Frame mf{at, &k, 0};
        bool matched = false;
        auto it = std::lower_bound(n.properties.begin(), n.properties.end(), k,
                                   [](const auto& p, const std::string& key) { return p.first < key; });
        if (it != n.properties.end() && it->first == k) {
            matched = true;
            if (is_false(it->second)) {
                if (auto* f = report(n, &mf, member, "properties/" + esc(k), "key " + qstr(k) + " is not allowed"))
                    f->issue.at_key = true;
                if (fail()) return false;
            } else if (!eval(it->second, member, &mf, nullptr) && fail()) {
                return false;
            }
        }
        for (const auto& [p, sub] : n.pattern_properties) {
            if (!regex_matches(p.re, k).value_or(false)) continue;
            matched = true;
            if (is_false(sub)) {
                if (auto* f = report(n, &mf, member, "patternProperties/" + esc(p.source),
                                     "key " + qstr(k) + " is not allowed"))
                    f->issue.at_key = true;
                if (fail()) return false;
            } else if (!eval(sub, member, &mf, nullptr) && fail()) {
                return false;
            }
        }
        if (!matched && n.additional_properties >= 0) {
            if (is_false(n.additional_properties)) {
                if (declared.empty()) {
                    for (const auto& p : n.properties) declared.push_back(p.first);
                }
                if (!unknown_key(n, &mf, member, k, "additionalProperties", declared) && fail()) return false;
            } else if (!eval(n.additional_properties, member, &mf, nullptr) && fail()) {
                return false;
            }
            matched = true;
        }
        if (matched && seen) seen->props.insert(k);
        if (n.property_names >= 0) {
            Json name = k;
            std::vector<Found> sink;
            if (!branch(n.property_names, name, &mf, nullptr, out_ ? &sink : nullptr)) {
                for (auto& f : sink) {
                    f.issue.at_key = true;
                    f.value = nullptr;  // `name` dies here
                    if (f.issue.keyword == "false") f.issue.message = "key " + qstr(k) + " is not allowed";
                    keep(std::move(f));
                }
                if (fail()) return false;
            }
        }
    }
    for (const auto& [key, sub] : n.dependent_schemas) {
        if (v.contains(key) && !eval(sub, v, at, seen) && fail()) return false;
    }
    return ok;
}

bool Validator::logic_ok(const Node& n, const Json& v, const Frame* at, Seen* seen) {
    bool ok = true;
    for (int sub : n.all_of) {
        if (!eval(sub, v, at, seen)) {
            ok = false;
            if (!out_) return false;
        }
    }
    if (!n.any_of.empty() && !alternatives(n, false, v, at, seen)) {
        ok = false;
        if (!out_) return false;
    }
    if (!n.one_of.empty() && !alternatives(n, true, v, at, seen)) {
        ok = false;
        if (!out_) return false;
    }
    if (n.not_ >= 0 && branch(n.not_, v, at, nullptr, nullptr)) {
        report(n, at, v, "not", "must not match the \"not\" schema");
        ok = false;
        if (!out_) return false;
    }
    if (n.if_ >= 0) {
        Seen tmp;
        bool cond = branch(n.if_, v, at, seen ? &tmp : nullptr, nullptr);
        if (cond && seen) seen->merge(tmp);
        int next = cond ? n.then_ : n.else_;
        if (next >= 0 && !eval(next, v, at, seen)) ok = false;
    }
    return ok;
}

bool Validator::alternatives(const Node& n, bool one, const Json& v, const Frame* at, Seen* seen) {
    const auto& list = one ? n.one_of : n.any_of;
    std::string_view kw = one ? "oneOf" : "anyOf";
    std::vector<std::vector<Found>> found(list.size());
    std::vector<size_t> passed;
    for (size_t i = 0; i < list.size(); ++i) {
        Seen tmp;
        if (!branch(list[i], v, at, seen ? &tmp : nullptr, out_ ? &found[i] : nullptr)) continue;
        passed.push_back(i);
        if (seen) seen->merge(tmp);
        if ((!one && !seen) || (one && passed.size() > 1 && !out_)) break;
    }
    if (one && passed.size() > 1) {
        std::vector<std::string> which;
        which.reserve(passed.size());
        for (size_t i : passed) which.push_back(std::to_string(i));
        std::string names =
            join(std::vector<std::string>(which.begin(), which.end() - 1), ", ") + " and " + which.back();
        report(n, at, v, kw, "matches alternatives " + names + " of oneOf; must match exactly one");
        return false;
    }
    if (!passed.empty()) return true;
    if (out_) closest(n, kw, found, v, at);
    return false;
}

// No alternative matched: report the one the author most likely meant rather than all of them.
void Validator::closest(const Node& n, std::string_view kw, std::vector<std::vector<Found>>& found, const Json& v,
                        const Frame* at) {
    const std::string here = pointer_of(at);
    const size_t depth = depth_of(at);
    const size_t k = found.size();
    std::vector<bool> wrong_type(k), wrong_tag(k);
    std::vector<std::string> tag_at(k);
    for (size_t i = 0; i < k; ++i) {
        for (const auto& f : found[i]) {
            if (f.issue.instance_pointer == here && !f.expected_types.empty()) wrong_type[i] = true;
            if (f.depth == depth + 1 && !f.allowed.empty()) {
                wrong_tag[i] = true;
                tag_at[i] = f.issue.instance_pointer;
            }
        }
    }
    if (std::all_of(wrong_type.begin(), wrong_type.end(), [](bool b) { return b; })) {
        std::vector<std::string> names;
        for (const auto& list : found) {
            for (const auto& f : list) {
                if (f.issue.instance_pointer != here) continue;
                for (const auto& t : f.expected_types) {
                    if (std::find(names.begin(), names.end(), t) == names.end()) names.push_back(t);
                }
            }
        }
        if (Found* f = report(n, at, v, kw, "expected " + or_list(names) + ", got " + type_of(v)))
            f->expected_types = names;
        return;
    }
    std::vector<size_t> candidates;
    for (size_t i = 0; i < k; ++i) {
        if (!wrong_type[i] && !wrong_tag[i]) candidates.push_back(i);
    }
    if (candidates.empty()) {
        // Every plausible branch disagrees on a tag member: when it is the same member, one enum says it all.
        std::vector<size_t> tagged;
        for (size_t i = 0; i < k; ++i) {
            if (!wrong_type[i]) tagged.push_back(i);
        }
        bool same = std::all_of(tagged.begin(), tagged.end(), [&](size_t i) { return tag_at[i] == tag_at[tagged[0]]; });
        if (same) {
            std::vector<const Json*> allowed;
            const Found* sample = nullptr;
            for (size_t i : tagged) {
                for (const auto& f : found[i]) {
                    if (f.issue.instance_pointer != tag_at[i] || f.allowed.empty()) continue;
                    sample = &f;
                    for (const Json* a : f.allowed) {
                        if (std::none_of(allowed.begin(), allowed.end(), [&](const Json* b) { return *a == *b; }))
                            allowed.push_back(a);
                    }
                }
            }
            if (sample && sample->value) {
                std::vector<std::string> shown, words;
                for (const Json* a : allowed) {
                    shown.push_back(show(*a));
                    if (a->is_string()) words.push_back(*a);
                }
                std::string hint;
                const Json& got = *sample->value;
                if (auto guess = got.is_string() ? suggest(got.get<std::string>(), words) : std::nullopt)
                    hint = "did you mean " + qstr(*guess) + "?";
                Found f = *sample;
                f.issue.schema_pointer = n.where + "/" + std::string(kw);
                f.issue.keyword = std::string(kw);
                f.issue.message =
                    (allowed.size() == 1 ? "expected " : "expected one of ") + join(shown, ", ") + "; got " + show(got);
                f.issue.hint = hint;
                f.allowed = allowed;
                keep(std::move(f));
                return;
            }
        }
        candidates = tagged;
    }
    auto max_depth = [&](size_t i) {
        size_t d = 0;
        for (const auto& f : found[i]) d = std::max(d, f.depth);
        return d;
    };
    size_t best = candidates[0];
    for (size_t i : candidates) {
        if (found[i].size() < found[best].size() ||
            (found[i].size() == found[best].size() && max_depth(i) > max_depth(best)))
            best = i;
    }
    if (found[best].empty()) {
        report(n, at, v, kw, "does not match any alternative of " + std::string(kw));
        return;
    }
    for (auto& f : found[best]) keep(std::move(f));
}

// Document order: parents before children, array indexes numerically.
bool pointer_less(const std::string& a, const std::string& b) {
    auto ta = raw_tokens(a), tb = raw_tokens(b);
    for (size_t i = 0; i < ta.size() && i < tb.size(); ++i) {
        if (ta[i] == tb[i]) continue;
        bool na = !ta[i].empty() && std::all_of(ta[i].begin(), ta[i].end(), ::isdigit);
        bool nb = !tb[i].empty() && std::all_of(tb[i].begin(), tb[i].end(), ::isdigit);
        if (na && nb && ta[i].size() != tb[i].size()) return ta[i].size() < tb[i].size();
        return ta[i] < tb[i];
    }
    return ta.size() < tb.size();
}

}  // namespace

Result<JsonSchema> JsonSchema::compile(const Json& schema, const SchemaOptions& options) {
    JsonSchemaSet set(schema, options);
    return set.compile_at(options.entry_pointer);
}

struct JsonSchemaSet::State {
    std::shared_ptr<JsonSchema::Impl> impl = std::make_shared<JsonSchema::Impl>();
    std::optional<Compiler> compiler;
    int doc = -1;
    std::optional<Error> broken;  // the document itself could not be scanned
};

JsonSchemaSet::JsonSchemaSet(const Json& document, const SchemaOptions& options) : state_(std::make_shared<State>()) {
    state_->impl->check_formats = options.check_formats;
    state_->impl->openapi30 = options.openapi30;
    try {
        state_->compiler.emplace(*state_->impl, options);
        state_->doc = state_->compiler->begin(document);
    } catch (const std::exception& e) {
        state_->broken = make_error("schema", "invalid schema", e.what());
    }
}

Result<JsonSchema> JsonSchemaSet::compile_at(const std::string& entry_pointer) {
    if (state_->broken) return *state_->broken;
    try {
        auto root = state_->compiler->entry(state_->doc, entry_pointer);
        if (!root) return root.error();
        JsonSchema out;
        out.impl_ = state_->impl;
        out.root_ = *root;
        return out;
    } catch (const std::exception& e) {
        return make_error("schema", "invalid schema", e.what());
    }
}

std::vector<SchemaIssue> JsonSchema::validate(const Json& instance) const {
    return validate(instance, SIZE_MAX, nullptr);
}

std::vector<SchemaIssue> JsonSchema::validate(const Json& instance, size_t max_issues, size_t* more) const {
    std::vector<Found> found;
    if (more) *more = 0;
    if (!impl_ || root_ < 0) return {};
    Validator validator(*impl_, &found, max_issues);
    validator.eval(root_, instance, nullptr, nullptr);
    if (more) *more = validator.dropped();
    std::stable_sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
        if (a.issue.instance_pointer != b.issue.instance_pointer)
            return pointer_less(a.issue.instance_pointer, b.issue.instance_pointer);
        if (a.issue.keyword != b.issue.keyword) return a.issue.keyword < b.issue.keyword;
        return a.issue.message < b.issue.message;
    });
    std::vector<SchemaIssue> out;
    for (auto& f : found) {
        if (!out.empty() && out.back().instance_pointer == f.issue.instance_pointer &&
            out.back().keyword == f.issue.keyword && out.back().message == f.issue.message &&
            out.back().schema_pointer == f.issue.schema_pointer)
            continue;
        out.push_back(std::move(f.issue));
    }
    return out;
}

bool JsonSchema::is_valid(const Json& instance) const {
    if (!impl_ || root_ < 0) return true;
    return Validator(*impl_, nullptr).eval(root_, instance, nullptr, nullptr);
}

Result<const JsonSchema*> embedded_schema(std::string_view name) {
    // Compiled once per name and kept for the process: the schemas are part of the binary.
    static std::mutex mu;
    static std::map<std::string, Result<JsonSchema>, std::less<>> compiled;
    std::lock_guard lock(mu);
    auto it = compiled.find(name);
    if (it == compiled.end()) {
        Result<JsonSchema> schema = make_error("embedded", "the schema is not embedded in this build");
        if (auto text = embedded_file(name)) {
            auto json = parse_json(*text, 256);
            schema = json ? JsonSchema::compile(*json) : Result<JsonSchema>(json.error());
        }
        it = compiled.emplace(std::string(name), std::move(schema)).first;
    }
    if (!it->second) {
        return make_error("embedded",
                          "internal error: schemas/" + std::string(name) + ": " + it->second.error().message);
    }
    return &it->second.value();
}

}  // namespace mpemu::core
