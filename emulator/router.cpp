// Path-template matching over the operation table.
#include "emulator/router.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/text.hpp"
#include "core/url.hpp"

namespace mpemu::emulator {
namespace {

bool is_param(const std::string& seg) {
    return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

constexpr std::string_view kAnyPrefix = "**";

}  // namespace

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    size_t start = 1;  // paths begin with '/'
    if (path.empty() || path[0] != '/') start = 0;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        out.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return out;
}

void Router::add_group(RouteGroup group) {
    remove_group(group.name);
    groups_.push_back(std::make_unique<RouteGroup>(std::move(group)));
}

void Router::remove_group(const std::string& name) {
    for (auto it = groups_.begin(); it != groups_.end(); ++it) {
        if ((*it)->name == name) {
            const RouteGroup* g = it->get();
            entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                          [g](const std::unique_ptr<Entry>& e) { return e->group == g; }),
                           entries_.end());
            groups_.erase(it);
            return;
        }
    }
}

void Router::add(const std::string& group, Operation op) {
    const RouteGroup* g = nullptr;
    for (const auto& gr : groups_) {
        if (gr->name == group) g = gr.get();
    }
    if (!g) throw std::logic_error("route group not registered: " + group);
    auto e = std::make_unique<Entry>();
    for (auto seg : split_path(op.path)) e->segments.emplace_back(seg);
    e->op = std::move(op);
    e->group = g;
    entries_.push_back(std::move(e));
}

bool Router::in_service(const RouteGroup& group, std::string_view service) {
    if (service.empty() || group.name == service) return true;
    return group.name.size() > service.size() && core::starts_with(group.name, service) &&
           group.name[service.size()] == '_';
}

const RouteGroup* Router::group_named(std::string_view name) const {
    for (const auto& g : groups_) {
        if (g->name == name) return g.get();
    }
    return nullptr;
}

Router::Match Router::match(std::string_view method, std::string_view raw_path, std::string_view service) const {
    Match m;
    auto segs = split_path(raw_path);
    const Entry* best = nullptr;
    int best_literals = -1;
    std::vector<std::string> allowed;
    const Entry* any_path_match = nullptr;
    for (const auto& e : entries_) {
        if (!service.empty() && !in_service(*e->group, service)) continue;
        // With a leading "**" the template's other segments align with the end of the path.
        bool any_prefix = !e->segments.empty() && e->segments[0] == kAnyPrefix;
        size_t fixed = e->segments.size() - (any_prefix ? 1 : 0);
        if (any_prefix ? segs.size() < fixed : e->segments.size() != segs.size()) continue;
        size_t offset = segs.size() - fixed;
        int literals = 0;
        bool ok = true;
        for (size_t i = 0; i < fixed; ++i) {
            const std::string& t = e->segments[i + (any_prefix ? 1 : 0)];
            std::string_view seg = segs[offset + i];
            if (is_param(t)) {
                if (seg.empty()) {
                    ok = false;
                    break;
                }
            } else if (t != seg) {
                ok = false;
                break;
            } else {
                ++literals;
            }
        }
        if (!ok) continue;
        if (e->op.method != method) {
            if (std::find(allowed.begin(), allowed.end(), e->op.method) == allowed.end())
                allowed.push_back(e->op.method);
            if (!any_path_match) any_path_match = e.get();
            continue;
        }
        // Literal segments beat parameters: /id/{x} vs /{kind}/{x}.
        if (literals > best_literals) {
            best = e.get();
            best_literals = literals;
        }
    }
    if (best) {
        m.operation = &best->op;
        m.group = best->group;
        bool any_prefix = best->segments[0] == kAnyPrefix;
        size_t fixed = best->segments.size() - (any_prefix ? 1 : 0);
        size_t offset = segs.size() - fixed;
        for (size_t i = 0; i < fixed; ++i) {
            const std::string& t = best->segments[i + (any_prefix ? 1 : 0)];
            if (is_param(t)) m.params[t.substr(1, t.size() - 2)] = core::url_decode(segs[offset + i], false);
        }
        return m;
    }
    if (any_path_match) {
        m.group = any_path_match->group;
        m.allowed_methods = std::move(allowed);
        return m;
    }
    m.group = group_for(raw_path, service);
    return m;
}

const RouteGroup* Router::group_for(std::string_view raw_path, std::string_view service) const {
    const RouteGroup* best = nullptr;
    size_t best_len = 0;
    for (const auto& g : groups_) {
        if (!in_service(*g, service)) continue;
        for (const auto& p : g->prefixes) {
            bool hit = core::starts_with(raw_path, p) ||
                       (p.size() > 1 && p.back() == '/' && raw_path == p.substr(0, p.size() - 1));
            if (!hit) continue;
            if (!best || p.size() > best_len || (p.size() == best_len && g->priority > best->priority)) {
                best = g.get();
                best_len = p.size();
            }
        }
    }
    if (best) return best;
    for (const auto& g : groups_) {
        if (!in_service(*g, service)) continue;
        for (const auto& suffix : g->suffixes) {
            if (core::ends_with(raw_path, suffix)) return g.get();
        }
    }
    return best;
}

std::vector<const Operation*> Router::operations() const {
    std::vector<const Operation*> out;
    for (const auto& e : entries_) out.push_back(&e->op);
    return out;
}

}  // namespace mpemu::emulator
