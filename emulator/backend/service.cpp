// The backend mimic's rules: authentication against auth rules, and collection CRUD with rows in SQLite
// (store.hpp), filters, sort and pages, owners, protected fields and schema checks.
#include "emulator/backend/service.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/text.hpp"
#include "emulator/backend/errors.hpp"
#include "emulator/backend/protocol.hpp"
#include "emulator/backend/store.hpp"

namespace mpemu::backend {
namespace {

using core::Json;
using emulator::Failure;
using emulator::Outcome;

const Json* field_at(const Json& row, const std::string& dotted) {
    const Json* v = &row;
    for (const auto& part : core::split(dotted, '.')) {
        if (!v->is_object()) return nullptr;
        auto it = v->find(part);
        if (it == v->end()) return nullptr;
        v = &*it;
    }
    return v;
}

std::optional<double> as_number(const Json& v) {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        char* end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        if (!s.empty() && !*end) return d;
    }
    return std::nullopt;
}

// Compares a row's field with a query value: numbers numerically, otherwise as text.
int compare_text(const Json& field, const std::string& text) {
    auto a = as_number(field);
    auto b = as_number(Json(text));
    if (a && b) return *a < *b ? -1 : (*a > *b ? 1 : 0);
    std::string t = to_text(field);
    return t < text ? -1 : (t > text ? 1 : 0);
}

bool json_less(const Json* a, const Json* b) {
    if (!a || a->is_null()) return b && !b->is_null();
    if (!b || b->is_null()) return false;
    auto na = as_number(*a), nb = as_number(*b);
    if (a->is_number() && b->is_number() && na && nb) return *na < *nb;
    return to_text(*a) < to_text(*b);
}

// A write's body: JSON (DELETE may have none) and free of the fields only the server sets.
std::optional<Failure> check_write(const Collection& c, const JsonBody& body, bool is_delete) {
    if (body.parse_failed || (!body.is_json && !is_delete)) return body_not_json();
    if (body.value.is_object()) {
        for (const auto& f : c.protected_fields) {
            if (body.value.contains(f)) return protected_field(f, c.name);
        }
    }
    return std::nullopt;
}

// A created or changed row: an object matching the collection's schema.
std::optional<Failure> check_row(const Collection& c, const Json& data) {
    if (!data.is_object()) return body_not_object();
    if (!c.schema) return std::nullopt;
    size_t omitted = 0;
    auto issues = c.schema->validate(data, kMaxListedProblems, &omitted);
    if (issues.empty()) return std::nullopt;
    return row_invalid(c.name, issues, omitted);
}

}  // namespace

Outcome<std::optional<Json>> authenticate(const std::string* authorization, const BackendConfig& cfg,
                                          const AuthRule& rule, long long now_unix) {
    using Claims = std::optional<Json>;
    if (!authorization || !core::starts_with(core::to_lower(*authorization), "bearer ")) {
        if (!rule.required) return Claims{};
        return login_required();
    }
    protocol::JwtOptions o;
    o.now_unix = now_unix;
    o.issuer = cfg.jwt.issuer;
    if (cfg.jwt.audience) o.audience = *cfg.jwt.audience;
    auto claims = protocol::verify_jwt_hs256(core::trim(std::string_view(*authorization).substr(7)), cfg.jwt.secret, o);
    if (!claims) {
        if (!rule.required) return Claims{};
        return invalid_token(claims.error().message, claims.error().code);
    }
    for (auto it = rule.claims.begin(); it != rule.claims.end(); ++it) {
        auto have = claims->find(it.key());
        if (have == claims->end() || *have != it.value())
            return claim_mismatch(it.key(), it.value(), have == claims->end() ? nullptr : &*have);
    }
    return Claims{std::move(*claims)};
}

std::string Collections::owner_of(const Collection& c, const std::optional<Json>& claims) {
    return c.owned && claims ? claims->value("sub", "") : "";
}

Outcome<Page> Collections::list(const Collection& c, const std::string& owner, const core::Params& query) {
    auto rows = ctx_.db().read([&](state::Conn& conn) { return Store(conn, c.name).list(c.owned ? &owner : nullptr); });
    std::vector<const Json*> hits;
    long long page = 1, page_size = 20;
    std::vector<std::pair<std::string, bool>> sort;  // field, descending
    std::string q;
    std::vector<std::tuple<std::string, std::string, std::string>> filters;  // field, op, value
    for (const auto& [k, v] : query) {
        if (k == "page" || k == "_page")
            page = std::max(1LL, std::strtoll(v.c_str(), nullptr, 10));
        else if (k == "pageSize" || k == "page_size" || k == "_limit" || k == "limit")
            page_size = std::clamp(std::strtoll(v.c_str(), nullptr, 10), 1LL, 1000LL);
        else if (k == "sort" || k == "_sort") {
            for (auto f : core::split(v, ',')) {
                if (f.empty()) continue;
                bool desc = f[0] == '-';
                sort.emplace_back(desc ? f.substr(1) : f, desc);
            }
        } else if (k == "order" || k == "_order") {
            if (!sort.empty() && core::iequals(v, "desc")) sort.back().second = true;
        } else if (k == "q") {
            q = core::to_lower(v);
        } else {
            std::string field = k, op = "eq";
            for (const char* suffix : {"_ne", "_gte", "_lte", "_gt", "_lt", "_like"}) {
                if (core::ends_with(k, suffix) && k.size() > strlen(suffix)) {
                    field = k.substr(0, k.size() - strlen(suffix));
                    op = suffix + 1;
                    break;
                }
            }
            filters.emplace_back(field, op, v);
        }
    }
    for (const auto& row : rows) {
        bool ok = true;
        for (const auto& [field, op, value] : filters) {
            const Json* f = field_at(row.data, field);
            if (op == "eq")
                ok = f && compare_text(*f, value) == 0;
            else if (op == "ne")
                ok = !f || compare_text(*f, value) != 0;
            else if (op == "gte")
                ok = f && compare_text(*f, value) >= 0;
            else if (op == "lte")
                ok = f && compare_text(*f, value) <= 0;
            else if (op == "gt")
                ok = f && compare_text(*f, value) > 0;
            else if (op == "lt")
                ok = f && compare_text(*f, value) < 0;
            else if (op == "like")
                ok = f && core::to_lower(to_text(*f)).find(core::to_lower(value)) != std::string::npos;
            if (!ok) break;
        }
        if (ok && !q.empty()) ok = core::to_lower(core::dump(row.data)).find(q) != std::string::npos;
        if (ok) hits.push_back(&row.data);
    }
    if (!sort.empty()) {
        std::stable_sort(hits.begin(), hits.end(), [&](const Json* a, const Json* b) {
            for (const auto& [field, desc] : sort) {
                const Json* fa = field_at(*a, field);
                const Json* fb = field_at(*b, field);
                if (json_less(fa, fb)) return !desc;
                if (json_less(fb, fa)) return desc;
            }
            return false;
        });
    }
    Page out;
    size_t start = static_cast<size_t>((page - 1) * page_size);
    for (size_t i = start; i < hits.size() && i < start + static_cast<size_t>(page_size); ++i)
        out.items.push_back(*hits[i]);
    out.total = static_cast<long long>(hits.size());
    out.page = page;
    out.page_size = page_size;
    return out;
}

Outcome<Json> Collections::get(const Collection& c, const std::string& owner, const std::string& id) {
    auto row = ctx_.db().read([&](state::Conn& conn) { return Store(conn, c.name).get(id); });
    if (!row) return no_row(c.name, c.id_field, id);
    if (c.owned && row->owner != owner) return not_owner(c.name, id);
    return std::move(row->data);
}

Outcome<Created> Collections::create(const Collection& c, const std::string& owner, const JsonBody& body) {
    if (auto bad = check_write(c, body, false)) return std::move(*bad);
    long long now = ctx_.clock().now_unix_ms();
    Json data = body.value;
    if (data.is_object()) {
        for (auto it = c.defaults.begin(); it != c.defaults.end(); ++it) {
            if (!data.contains(it.key())) data[it.key()] = it.value();
        }
    }
    if (c.owned && data.is_object()) data[c.owner_field] = owner;
    return ctx_.db().write([&](state::Conn& conn) -> Outcome<Created> {
        Store store(conn, c.name);
        std::string new_id;
        long long num = 0;
        if (data.is_object() && data.contains(c.id_field) && !c.integer_ids) {
            new_id = id_text(data[c.id_field]);
            if (store.get(new_id)) return row_exists(c.name, new_id);
        } else if (c.integer_ids) {
            new_id = store.next_integer_id();
            num = std::stoll(new_id);
            if (data.is_object()) data[c.id_field] = num;
        } else {
            new_id = ctx_.ids().uuid();
            if (data.is_object()) data[c.id_field] = new_id;
        }
        if (auto bad = check_row(c, data)) return std::move(*bad);
        store.insert(new_id, num, owner, data, now);
        return Created{data, new_id};
    });
}

Outcome<Json> Collections::replace(const Collection& c, const std::string& owner, const std::string& id,
                                   const JsonBody& body) {
    return change(c, owner, id, body, false);
}

Outcome<Json> Collections::patch(const Collection& c, const std::string& owner, const std::string& id,
                                 const JsonBody& body) {
    return change(c, owner, id, body, true);
}

Outcome<Json> Collections::change(const Collection& c, const std::string& owner, const std::string& id,
                                  const JsonBody& body, bool merge) {
    if (auto bad = check_write(c, body, false)) return std::move(*bad);
    long long now = ctx_.clock().now_unix_ms();
    return ctx_.db().write([&](state::Conn& conn) -> Outcome<Json> {
        Store store(conn, c.name);
        auto row = store.get(id);
        if (!row) return no_row(c.name, c.id_field, id);
        if (c.owned && row->owner != owner) return not_owner(c.name, id);
        Json data;
        if (!merge) {
            // PUT replaces the row but keeps what only the server sets.
            data = body.value;
            for (const auto& f : c.protected_fields) {
                if (row->data.contains(f)) data[f] = row->data[f];
            }
        } else {
            data = row->data;
            data.merge_patch(body.value);
        }
        if (data.is_object()) {
            data[c.id_field] = row->data.contains(c.id_field) ? row->data[c.id_field] : Json(id);
            if (c.owned) data[c.owner_field] = row->owner;
        }
        if (auto bad = check_row(c, data)) return std::move(*bad);
        store.update(id, data, now);
        return data;
    });
}

Outcome<void> Collections::remove(const Collection& c, const std::string& owner, const std::string& id,
                                  const JsonBody& body) {
    if (auto bad = check_write(c, body, true)) return std::move(*bad);
    // Database::write needs a default-constructible result, which Outcome<void> is not.
    auto failure = ctx_.db().write([&](state::Conn& conn) -> std::optional<Failure> {
        Store store(conn, c.name);
        auto row = store.get(id);
        if (!row) return no_row(c.name, c.id_field, id);
        if (c.owned && row->owner != owner) return not_owner(c.name, id);
        store.remove(id);
        return std::nullopt;
    });
    if (failure) return std::move(*failure);
    return Outcome<void>::success();
}

Json Collections::lookup(const std::string& collection, const std::string& id) {
    auto row = ctx_.db().read([&](state::Conn& conn) { return Store(conn, collection).get(id); });
    return row ? row->data : Json(nullptr);
}

}  // namespace mpemu::backend
