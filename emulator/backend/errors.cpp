// The backend mimic's error texts and their rendering as application/problem+json, plus the answers of
// its notify routes. Wording here is pinned by the integration tests and the scenarios.
#include "emulator/backend/errors.hpp"

#include "core/text.hpp"

namespace mpemu::backend {
namespace {

using core::Json;
using emulator::Failure;

Failure problem(int status, std::string code, const std::string& title, std::string detail,
                const Json& extra = Json::object(), const Json& headers = Json::object()) {
    return Failure{
        status, std::move(code), std::move(detail), Json{{"title", title}, {"extra", extra}, {"headers", headers}}, {}};
}

// 502: a provider the mimic called failed or answered something unusable.
Failure provider_failed(const std::string& provider, const std::string& what, const Json& extra = Json::object()) {
    return problem(502, "provider-error", provider + " call failed", what, extra);
}

std::string first_300(const std::string& body) {
    return body.substr(0, 300);
}

Failure notify_failure(int status, std::string message) {
    return Failure{status, "FAIL", std::move(message), nullptr, {}};
}

}  // namespace

emulator::Response render(const Failure& failure) {
    const Json& d = failure.detail;
    core::OrderedJson body;
    body["type"] = "https://mpemu.dev/problems/" + failure.code;
    body["title"] = d.is_object() ? d.value("title", "") : "";
    body["status"] = failure.status;
    if (!failure.message.empty()) body["detail"] = failure.message;
    if (d.is_object() && d.contains("extra")) {
        const Json& extra = d["extra"];
        for (auto it = extra.begin(); it != extra.end(); ++it)
            body[it.key()] = core::OrderedJson::parse(core::dump(it.value()));
    }
    auto res = emulator::Response::json(failure.status, core::dump(body), "application/problem+json");
    if (d.is_object() && d.contains("headers")) {
        for (const auto& [name, value] : d["headers"].items()) res.set_header(name, value.get<std::string>());
    }
    return res;
}

// ---- refusals ----

Failure method_not_allowed(const std::string& detail, const std::vector<std::string>& allowed) {
    return problem(405, "method-not-allowed", "Method not allowed", detail, Json::object(),
                   {{"Allow", core::join(allowed, ", ")}});
}

Failure body_too_large(const std::string& detail) {
    return problem(413, "body-too-large", "Request body too large", detail);
}

Failure headers_too_large(const std::string& detail) {
    return problem(431, "headers-too-large", "Request headers too large", detail);
}

Failure too_deep(const std::string& detail) {
    return problem(400, "too-deep", "JSON nested too deeply", detail);
}

Failure internal_error(const std::string& detail) {
    return problem(500, "internal", "Internal error", detail);
}

Failure not_emulated(const std::string& detail) {
    return problem(404, "not-found", "Not found", detail);
}

Failure bad_request(const std::string& detail, const std::string& method, const std::string& path) {
    return problem(400, "bad-request", "Bad request", detail + " (" + method + " " + path + ")");
}

// ---- requests ----

Failure no_backend() {
    return problem(404, "not-found", "Not found", "the loaded fixture set declares no backend");
}

Json problem_item(const std::string& in, const std::string& name, const std::string& message,
                  const std::string& keyword) {
    return {{"in", in}, {"name", name}, {"message", message}, {"keyword", keyword}};
}

namespace {

// "<first>", or "<n> problems: <first>; ..." when there are more.
std::string summary(const Json& errors, size_t omitted) {
    std::string first = errors.empty() ? std::string() : errors[0].value("message", "");
    size_t total = errors.size() + omitted;
    return total == 1 ? first : std::to_string(total) + " problems: " + first + "; ...";
}

Json with_omitted(Json extra, size_t omitted) {
    if (omitted > 0) extra["errors_omitted"] = omitted;
    return extra;
}

}  // namespace

Failure invalid_request(const std::string& operation, const Json& errors, size_t omitted) {
    return problem(400, "invalid-request", "Request does not match the OpenAPI document", summary(errors, omitted),
                   with_omitted({{"operation", operation}, {"errors", errors}}, omitted));
}

std::string differs(const std::string& what, const std::string& expected, const std::string& got) {
    return what + ": expected " + expected + ", got " + got;
}

std::string received(const Json* value) {
    return value ? core::dump(*value) : std::string("nothing");
}

std::string received_text(const std::string* text) {
    return text ? "\"" + *text + "\"" : std::string("nothing");
}

Failure no_match(const std::string& method, const std::string& path, const Json& nearest, const Json& collections) {
    std::string detail = "no stub route, collection or OpenAPI operation matches " + method + " " + path;
    if (!nearest.empty()) {
        std::vector<std::string> diffs = nearest[0]["differences"].get<std::vector<std::string>>();
        detail += "; nearest: " + nearest[0]["route"].get<std::string>() + " (" + core::join(diffs, "; ") + ")";
    }
    return problem(404, "no-match", "No route matches", detail, {{"nearest", nearest}, {"collections", collections}});
}

// ---- authentication ----

Failure login_required() {
    return problem(401, "unauthorized", "Unauthorized", "log in first: send Authorization: Bearer <token>",
                   Json::object(), {{"WWW-Authenticate", "Bearer"}});
}

Failure invalid_token(const std::string& message, const std::string& reason) {
    return problem(401, "invalid-token", "Unauthorized", message, {{"reason", reason}},
                   {{"WWW-Authenticate", "Bearer error=\"invalid_token\", error_description=\"" + message + "\""}});
}

Failure claim_mismatch(const std::string& claim, const Json& expected, const Json* actual) {
    return problem(403, "forbidden", "Forbidden", "the token's claim \"" + claim + "\" must be " + core::dump(expected),
                   {{"claim", claim}, {"expected", expected}, {"actual", actual ? *actual : Json(nullptr)}});
}

// ---- collections ----

Failure collection_method_not_allowed(const std::string& method, const std::string& path, bool item) {
    return problem(405, "method-not-allowed", "Method not allowed", method + " is not allowed on " + path,
                   Json::object(), {{"Allow", item ? "GET, PUT, PATCH, DELETE" : "GET, POST"}});
}

Failure body_not_json() {
    return problem(400, "invalid-body", "Invalid body", "send a JSON object with Content-Type: application/json");
}

Failure body_not_object() {
    return problem(400, "invalid-body", "Invalid body", "the body must be a JSON object");
}

Failure protected_field(const std::string& field, const std::string& collection) {
    return problem(
        400, "protected-field", "Field set by the server",
        "\"" + field + "\" of " + collection + " is set by the server, not by clients",
        {{"errors", Json::array({problem_item("body", "/" + field, "\"" + field + "\" is read-only", "readOnly")})}});
}

Failure row_invalid(const std::string& collection, const std::vector<core::SchemaIssue>& issues, size_t omitted) {
    Json errors = Json::array();
    for (const auto& i : issues)
        errors.push_back(
            problem_item("body", i.instance_pointer, "body" + i.instance_pointer + ": " + i.message, i.keyword));
    return problem(400, "invalid-body", "Row does not match the " + collection + " schema",
                   omitted > 0 ? summary(errors, omitted) : errors[0]["message"].get<std::string>(),
                   with_omitted({{"errors", errors}}, omitted));
}

Failure no_row(const std::string& collection, const std::string& id_field, const std::string& id) {
    return problem(404, "not-found", "Not found", "no " + collection + " row with " + id_field + " " + id);
}

Failure not_owner(const std::string& collection, const std::string& id) {
    return problem(403, "forbidden", "Forbidden", collection + " " + id + " belongs to another user");
}

Failure row_exists(const std::string& collection, const std::string& id) {
    return problem(409, "conflict", "Conflict", collection + " " + id + " already exists");
}

// ---- actions ----

Failure action_unavailable(const std::string& reason, const std::string& action) {
    return problem(501, "action-unavailable", "Action not available in this build", reason, {{"action", action}});
}

Failure wechat_code_missing() {
    return problem(400, "invalid-body", "Invalid body", "send {\"code\": <the code from wx.login()>}");
}

Failure alipay_code_missing() {
    return problem(400, "invalid-body", "Invalid body", "send {\"authCode\": <the code from my.getAuthCode()>}");
}

Failure wechat_unreachable(const std::string& error) {
    return provider_failed("WeChat", "jscode2session: " + error);
}

Failure wechat_bad_reply(int status, const std::string& body) {
    return provider_failed("WeChat", "jscode2session answered " + std::to_string(status) + ": " + body);
}

Failure wechat_login_failed(const Json& reply) {
    return problem(401, "login-failed", "WeChat login failed", reply.value("errmsg", std::string("no openid")),
                   {{"errcode", reply.value("errcode", 0)}, {"errmsg", reply.value("errmsg", "")}});
}

Failure alipay_signing_failed(const std::string& error) {
    return provider_failed("Alipay", "signing: " + error);
}

Failure alipay_unreachable(const std::string& error) {
    return provider_failed("Alipay", "gateway.do: " + error);
}

Failure alipay_bad_signature() {
    return provider_failed("Alipay", "the gateway's reply signature does not verify with alipay_public_key.pem");
}

Failure alipay_unexpected_reply(int status, const std::string& body) {
    return provider_failed("Alipay", "unexpected gateway reply (" + std::to_string(status) + "): " + first_300(body));
}

Failure alipay_login_failed(const Json& node) {
    return problem(401, "login-failed", "Alipay login failed", node.value("sub_msg", std::string("no user id")),
                   {{"code", node.value("code", "")}, {"sub_code", node.value("sub_code", "")}});
}

Failure alipay_trade_failed(const Json& node) {
    return provider_failed("Alipay", node.value("sub_msg", node.value("msg", std::string("trade.create failed"))),
                           {{"code", node.value("code", "")}, {"sub_code", node.value("sub_code", "")}});
}

Failure order_not_named() {
    return problem(400, "invalid-request", "Invalid request", "name the order: a {id} path parameter or body.orderId");
}

Failure order_not_owned() {
    return problem(403, "forbidden", "Forbidden", "the order belongs to another user");
}

Failure order_paid(const std::string& order_id) {
    return problem(409, "already-paid", "Order already paid", "order " + order_id + " is paid");
}

Failure order_not_payable(const std::string& amount_field) {
    return problem(409, "invalid-order", "Order cannot be paid",
                   "the order's \"" + amount_field + "\" must be a positive integer amount in fen");
}

Failure wechat_login_required() {
    return problem(409, "wrong-login", "WeChat login required",
                   "WeChat Pay needs the payer's openid: log in with WeChat");
}

Failure alipay_login_required() {
    return problem(409, "wrong-login", "Alipay login required", "an Alipay trade needs the buyer: log in with Alipay");
}

Failure wechatpay_signing_failed(const std::string& error) {
    return provider_failed("WeChat Pay", "signing: " + error);
}

Failure wechatpay_unreachable(const std::string& error) {
    return provider_failed("WeChat Pay", "jsapi: " + error);
}

Failure wechatpay_rejected(int status, const std::string& body) {
    return provider_failed("WeChat Pay", "jsapi answered " + std::to_string(status) + ": " + first_300(body),
                           {{"provider_status", status}});
}

Failure pay_sign_failed(const std::string& error) {
    return provider_failed("WeChat Pay", "paySign: " + error);
}

// ---- notify routes ----

emulator::Response render_wechatpay_notify(const Failure& failure) {
    return emulator::Response::json(failure.status, core::dump(Json{{"code", "FAIL"}, {"message", failure.message}}));
}

Failure notify_headers_missing() {
    return notify_failure(401, "missing Wechatpay-* signature headers");
}

Failure notify_unknown_serial(const std::string& serial) {
    return notify_failure(401, "unknown Wechatpay-Serial " + serial);
}

Failure notify_bad_signature() {
    return notify_failure(401, "signature does not verify");
}

Failure notify_no_resource() {
    return notify_failure(400, "no resource in the notification");
}

Failure notify_bad_base64() {
    return notify_failure(400, "ciphertext is not base64");
}

Failure notify_undecryptable() {
    return notify_failure(400, "cannot decrypt the resource with the APIv3 key");
}

Failure notify_not_json() {
    return notify_failure(400, "the decrypted resource is not JSON");
}

Failure notify_unknown_trade(const std::string& out_trade_no) {
    return notify_failure(404, "unknown out_trade_no " + out_trade_no);
}

emulator::Response alipay_notify_answer(bool success) {
    return emulator::Response::text(200, success ? "success" : "failure");
}

Failure alipay_notify_unsigned() {
    return Failure{200, "failure", "failure", nullptr, "the notification has no sign"};
}

Failure alipay_notify_bad_signature() {
    return Failure{200, "failure", "failure", nullptr, "the notification's signature does not verify"};
}

Failure alipay_notify_unknown_trade(const std::string& out_trade_no) {
    return Failure{200, "failure", "failure", nullptr, "unknown out_trade_no " + out_trade_no};
}

}  // namespace mpemu::backend
