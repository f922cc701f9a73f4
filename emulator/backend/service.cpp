// Collection CRUD of the backend mimic: rows in SQLite (store.hpp), filters, sort and pages, owners,
// protected fields and schema checks.
#include "emulator/backend/service.hpp"

#include <algorithm>
#include <cstring>

#include "core/text.hpp"
#include "emulator/backend/errors.hpp"
#include "emulator/backend/store.hpp"

namespace mpemu::backend {
namespace {

using core::Json;
using emulator::Response;

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

}  // namespace

Response Backend::serve_collection(Call& call, const Collection& c, bool item) {
    const std::string& m = call.req.method;
    const bool read = m == "GET" || m == "HEAD";
    if (!read && !(m == "POST" && !item) && !(item && (m == "PUT" || m == "PATCH" || m == "DELETE"))) {
        auto r = problem(405, "method-not-allowed", "Method not allowed",
                         m + " is not allowed on " + (item ? c.item_path.text : c.path.text));
        r.set_header("Allow", item ? "GET, PUT, PATCH, DELETE" : "GET, POST");
        return r;
    }
    if (auto denied = authenticate(call, read ? c.read_auth : c.write_auth)) return std::move(*denied);
    std::string owner = c.owned && call.claims ? call.claims->value("sub", "") : "";
    auto& db = ctx_->db();
    long long now = ctx_->clock().now_unix_ms();
    const std::string id = item ? call.params["id"] : "";

    auto not_found_row = [&]() {
        return problem(404, "not-found", "Not found", "no " + c.name + " row with " + c.id_field + " " + id);
    };
    auto check_owner = [&](const StoredRow& row) -> std::optional<Response> {
        if (c.owned && row.owner != owner)
            return problem(403, "forbidden", "Forbidden", c.name + " " + id + " belongs to another user");
        return std::nullopt;
    };
    auto validate = [&](const Json& data) -> std::optional<Response> {
        if (!data.is_object()) return problem(400, "invalid-body", "Invalid body", "the body must be a JSON object");
        if (!c.schema) return std::nullopt;
        auto issues = c.schema->validate(data);
        if (issues.empty()) return std::nullopt;
        Json errors = Json::array();
        for (const auto& i : issues)
            errors.push_back({{"in", "body"},
                              {"name", i.instance_pointer},
                              {"message", "body" + i.instance_pointer + ": " + i.message},
                              {"keyword", i.keyword}});
        return problem(400, "invalid-body", "Row does not match the " + c.name + " schema",
                       errors[0]["message"].get<std::string>(), {{"errors", errors}});
    };
    if (!read && (call.body_parse_failed || (!call.body_is_json && m != "DELETE")))
        return problem(400, "invalid-body", "Invalid body", "send a JSON object with Content-Type: application/json");
    if (!read && call.body.is_object()) {
        for (const auto& f : c.protected_fields) {
            if (call.body.contains(f))
                return problem(400, "protected-field", "Field set by the server",
                               "\"" + f + "\" of " + c.name + " is set by the server, not by clients",
                               {{"errors", Json::array({{{"in", "body"},
                                                         {"name", "/" + f},
                                                         {"message", "\"" + f + "\" is read-only"},
                                                         {"keyword", "readOnly"}}})}});
        }
    }

    if (read && !item) {
        auto rows = db.read([&](state::Conn& conn) { return Store::list(conn, c.name, c.owned ? &owner : nullptr); });
        std::vector<const Json*> hits;
        long long page = 1, page_size = 20;
        std::vector<std::pair<std::string, bool>> sort;  // field, descending
        std::string q;
        std::vector<std::tuple<std::string, std::string, std::string>> filters;  // field, op, value
        for (const auto& [k, v] : call.req.query) {
            if (k == "page" || k == "_page")
                page = std::max(1LL, std::atoll(v.c_str()));
            else if (k == "pageSize" || k == "page_size" || k == "_limit" || k == "limit")
                page_size = std::clamp(std::atoll(v.c_str()), 1LL, 1000LL);
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
        Json items = Json::array();
        size_t start = static_cast<size_t>((page - 1) * page_size);
        for (size_t i = start; i < hits.size() && i < start + static_cast<size_t>(page_size); ++i)
            items.push_back(*hits[i]);
        long long total = static_cast<long long>(hits.size());
        auto res = json_reply(200, {{"items", items},
                                    {"total", total},
                                    {"page", page},
                                    {"pageSize", page_size},
                                    {"pages", (total + page_size - 1) / page_size}});
        res.set_header("X-Total-Count", std::to_string(total));
        return res;
    }
    if (read) {
        auto row = db.read([&](state::Conn& conn) { return Store::get(conn, c.name, id); });
        if (!row) return not_found_row();
        if (auto denied = check_owner(*row)) return std::move(*denied);
        return json_reply(200, row->data);
    }
    if (m == "POST") {
        Json data = call.body;
        if (data.is_object()) {
            for (auto it = c.defaults.begin(); it != c.defaults.end(); ++it) {
                if (!data.contains(it.key())) data[it.key()] = it.value();
            }
        }
        if (c.owned && data.is_object()) data[c.owner_field] = owner;
        return db.write([&](state::Conn& conn) -> Response {
            std::string new_id;
            long long num = 0;
            if (data.is_object() && data.contains(c.id_field) && !c.integer_ids) {
                new_id = id_text(data[c.id_field]);
                if (Store::get(conn, c.name, new_id))
                    return problem(409, "conflict", "Conflict", c.name + " " + new_id + " already exists");
            } else if (c.integer_ids) {
                new_id = Store::next_integer_id(conn, c.name);
                num = std::stoll(new_id);
                if (data.is_object()) data[c.id_field] = num;
            } else {
                new_id = ctx_->ids().uuid();
                if (data.is_object()) data[c.id_field] = new_id;
            }
            if (auto bad = validate(data)) return std::move(*bad);
            Store::insert(conn, c.name, new_id, num, owner, data, now);
            auto res = json_reply(201, data);
            res.set_header("Location", c.path.text + "/" + new_id);
            return res;
        });
    }
    return db.write([&](state::Conn& conn) -> Response {
        auto row = Store::get(conn, c.name, id);
        if (!row) return not_found_row();
        if (auto denied = check_owner(*row)) return std::move(*denied);
        if (m == "DELETE") {
            Store::remove(conn, c.name, id);
            return Response::empty(204);
        }
        Json data;
        if (m == "PUT") {
            data = call.body;
            for (const auto& f : c.protected_fields) {
                if (row->data.contains(f)) data[f] = row->data[f];
            }
        } else {
            data = row->data;
            data.merge_patch(call.body);
        }
        if (data.is_object()) {
            data[c.id_field] = row->data.contains(c.id_field) ? row->data[c.id_field] : Json(id);
            if (c.owned) data[c.owner_field] = row->owner;
        }
        if (auto bad = validate(data)) return std::move(*bad);
        Store::update(conn, c.name, id, data, now);
        return json_reply(200, data);
    });
}

}  // namespace mpemu::backend
