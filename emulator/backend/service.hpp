// The rules of the backend mimic: who the caller is (JWT claims against a route's or collection's auth
// rule) and collection CRUD (filters, sort and pages, owners, protected fields, schema checks). No HTTP
// here: routes.cpp parses requests and renders; every operation returns emulator::Outcome whose failures
// come from errors.hpp.
#pragma once

#include <optional>
#include <string>

#include "core/json.hpp"
#include "core/url.hpp"
#include "emulator/backend/fixture.hpp"
#include "emulator/outcome.hpp"
#include "emulator/service.hpp"

namespace mpemu::backend {

// A request body as the routes parsed it.
struct JsonBody {
    core::Json value;  // null when none or not JSON
    bool is_json = false;
    bool parse_failed = false;  // sent as JSON but unparsable
    std::string parse_error;    // why, when it was
};

// The claims of the caller's token (none when anonymous and the rule allows it), or 401/403.
// authorization: the Authorization header (null when absent).
emulator::Outcome<std::optional<core::Json>> authenticate(const std::string* authorization, const BackendConfig& cfg,
                                                          const AuthRule& rule, long long now_unix);

// One page of a collection list.
struct Page {
    core::Json items = core::Json::array();
    long long total = 0;
    long long page = 1;
    long long page_size = 20;
};

struct Created {
    core::Json row;
    std::string id;  // as stored (for Location)
};

class Collections {
public:
    explicit Collections(emulator::ServiceContext& ctx) : ctx_(ctx) {}

    // The owner recorded for rows the caller writes: its "sub" on owned collections, else "".
    static std::string owner_of(const Collection& c, const std::optional<core::Json>& claims);

    // query: ?field=value, field_ne/_gt/_gte/_lt/_lte/_like, q, sort, page, pageSize (and json-server names).
    emulator::Outcome<Page> list(const Collection& c, const std::string& owner, const core::Params& query);
    emulator::Outcome<core::Json> get(const Collection& c, const std::string& owner, const std::string& id);
    emulator::Outcome<Created> create(const Collection& c, const std::string& owner, const JsonBody& body);
    emulator::Outcome<core::Json> replace(const Collection& c, const std::string& owner, const std::string& id,
                                          const JsonBody& body);
    emulator::Outcome<core::Json> patch(const Collection& c, const std::string& owner, const std::string& id,
                                        const JsonBody& body);
    emulator::Outcome<void> remove(const Collection& c, const std::string& owner, const std::string& id,
                                   const JsonBody& body);

    // A row of any collection for templates' {{lookup}} (null when absent; owners are not checked).
    core::Json lookup(const std::string& collection, const std::string& id);

private:
    emulator::Outcome<core::Json> change(const Collection& c, const std::string& owner, const std::string& id,
                                         const JsonBody& body, bool merge);

    emulator::ServiceContext& ctx_;
};

}  // namespace mpemu::backend
