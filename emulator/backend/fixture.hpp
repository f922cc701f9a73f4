// The backend section of a fixture set, parsed and checked (with file:line:column), and summarized for
// GET /__admin/fixtures: collections, stub routes, login and pay actions, JWT settings and the app's
// OpenAPI document. Immutable once loaded. Seeding its rows is the store's (store.hpp).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "core/json.hpp"
#include "core/json_schema.hpp"
#include "emulator/backend/openapi.hpp"
#include "emulator/backend/template.hpp"
#include "emulator/state/fixture_set.hpp"

namespace mpemu::backend {

// A path template split into segments; "{name}" segments are parameters.
struct PathTemplate {
    std::string text;
    std::vector<std::string> segments;
    static PathTemplate parse(const std::string& text);
    // Fills params (decoded) when the raw path matches; literal segment count in *literals.
    bool match(const std::vector<std::string_view>& raw_segments, std::map<std::string, std::string>* params,
               int* literals = nullptr) const;
};

// Who may call a route or collection.
struct AuthRule {
    bool required = false;
    core::Json claims = core::Json::object();  // every claim must equal (else 403)
};

struct Collection {
    std::string name;
    PathTemplate path;  // "/api/products" (list, create); items at path + "/{id}"
    PathTemplate item_path;
    std::string id_field = "id";
    bool integer_ids = true;
    bool owned = false;  // rows belong to the logged-in user
    std::string owner_field = "userId";
    AuthRule read_auth, write_auth;
    std::shared_ptr<core::JsonSchema> schema;  // null = any object
    std::vector<core::Json> seed;
    core::Json defaults = core::Json::object();  // merged into created rows
    std::vector<std::string> protected_fields;   // set by the server only (status, payment)
    std::string pointer;                         // in fixture.json
};

struct ValueMatcher {
    enum Kind { kEquals, kMatches, kExists, kAbsent } kind = kEquals;
    core::Json value;  // kEquals: compared as JSON (string matchers compare text)
    std::shared_ptr<std::regex> re;
    std::string describe() const;
    bool test(const core::Json* actual) const;
};

struct BodyMatcher {
    core::JsonPath path;
    ValueMatcher matcher;
};

enum class ActionType {
    kNone,
    kWechatLogin,
    kAlipayLogin,
    kWechatPayJsapi,
    kAlipayTrade,
    kWechatPayNotify,
    kAlipayNotify
};

struct Action {
    ActionType type = ActionType::kNone;
    std::string type_name;
    std::string unavailable;  // why this action cannot run in this build ("" = available)
    std::string appid;        // wechat appid (login, jsapi)
    std::string secret;       // its AppSecret (login)
    std::string mchid;
    std::string app_id;                  // alipay
    std::string collection;              // pay/notify: the orders collection
    std::string amount_field = "total";  // fen (integer)
    std::string status_field = "status";
    std::string paid_value = "paid";
    std::string subject_field = "description";
    std::string notify_path;  // pay: where the provider notifies (a notify route of this set)
    // Keys (loaded at fixture time).
    core::crypto::Key merchant_key;  // WeChat Pay: merchant private key
    std::string merchant_serial;
    std::string apiv3_key;
    std::vector<std::pair<std::string, core::crypto::Key>> platform_keys;  // serial/id -> key
    core::crypto::Key app_private_key;                                     // Alipay
    core::crypto::Key alipay_public_key;
};

struct Route {
    std::string name;  // "GET /api/hello" or the route's "name"
    std::string method;
    PathTemplate path;
    int priority = 0;
    size_t index = 0;
    std::vector<std::pair<std::string, ValueMatcher>> query, headers;
    std::vector<BodyMatcher> body;
    AuthRule auth;
    int status = 200;
    std::vector<std::pair<std::string, Template>> response_headers;
    std::optional<JsonTemplate> response_body;
    std::chrono::milliseconds delay{0};
    Action action;
    std::string pointer;
};

struct JwtConfig {
    std::string secret;
    std::string issuer = "mpemu";
    std::optional<std::string> audience;
    long long expires_in_s = 7200;
    core::Json claims = core::Json::object();
};

struct BackendConfig : state::FixtureSection {
    std::vector<std::string> prefixes;
    JwtConfig jwt;
    std::string wechat_appid;
    std::string alipay_app_id;
    std::vector<Collection> collections;
    std::vector<Route> routes;
    std::shared_ptr<OpenApiDocument> openapi;

    const Collection* collection(const std::string& name) const;
};

// Reads and checks the "backend" section (null when absent).
std::shared_ptr<const BackendConfig> load_fixture_config(state::FixtureReader& reader);
// summary["backend"]: prefixes, collections, routes (with actions and why one is unavailable), OpenAPI.
void summarize(const BackendConfig& cfg, core::Json& summary);

}  // namespace mpemu::backend
