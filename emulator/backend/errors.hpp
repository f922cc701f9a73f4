// The backend mimic's error catalogue: every problem+json (RFC 9457) answer it gives, with its status,
// type, title, detail text, extra members and headers, and the one function that renders them. Also the
// answers its notify routes give WeChat Pay and Alipay. Services, routes and actions name these; they
// never spell a client-facing text themselves.
#pragma once

#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/json_schema.hpp"
#include "emulator/http.hpp"
#include "emulator/outcome.hpp"

namespace mpemu::backend {

// A problem as a Failure: status, code = the problem type's last segment ("not-found"), message = its
// "detail" text ("" = none), detail = {"title", "extra" (members after "detail"), "headers"}.
// Renders as {"type":"https://mpemu.dev/problems/<code>","title","status","detail"?, ...extra}.
emulator::Response render(const emulator::Failure& failure);

// ---- refusals of the route group (before any handler runs) ----
emulator::Failure method_not_allowed(const std::string& detail, const std::vector<std::string>& allowed);
emulator::Failure body_too_large(const std::string& detail);
emulator::Failure headers_too_large(const std::string& detail);
emulator::Failure too_deep(const std::string& detail);
emulator::Failure internal_error(const std::string& detail);
emulator::Failure not_emulated(const std::string& detail);
emulator::Failure bad_request(const std::string& detail, const std::string& method, const std::string& path);

// ---- requests ----
emulator::Failure no_backend();  // the loaded set has no "backend" section
// One entry of a problem's "errors" array.
core::Json problem_item(const std::string& in, const std::string& name, const std::string& message,
                        const std::string& keyword);
// A reply lists at most this many problems (a body of 200,000 wrong items gets 100 and a count), so a
// hostile request costs bounded memory and a bounded reply.
inline constexpr size_t kMaxListedProblems = 100;
// The request breaks the OpenAPI document; errors: problem_item()s (at least one); `omitted` more were
// found and not listed (reported as "errors_omitted").
emulator::Failure invalid_request(const std::string& operation, const core::Json& errors, size_t omitted = 0);
// One difference between a request and a stub route, for no_match: "<what>: expected <x>, got <y>".
std::string differs(const std::string& what, const std::string& expected, const std::string& got);
// A received value as differs() names it: a body value as JSON text, a query parameter or header quoted
// as it came (not escaped), or "nothing" when absent.
std::string received(const core::Json* value);
std::string received_text(const std::string* text);
// 404 naming the nearest stubs: nearest = [{route, method, path, priority, differences}], best first.
emulator::Failure no_match(const std::string& method, const std::string& path, const core::Json& nearest,
                           const core::Json& collections);

// ---- authentication ----
emulator::Failure login_required();  // 401, no or non-Bearer Authorization
emulator::Failure invalid_token(const std::string& message, const std::string& reason);
emulator::Failure claim_mismatch(const std::string& claim, const core::Json& expected, const core::Json* actual);

// ---- collections ----
emulator::Failure collection_method_not_allowed(const std::string& method, const std::string& path, bool item);
emulator::Failure body_not_json();    // a write without a JSON body
emulator::Failure body_not_object();  // a row that is not a JSON object
emulator::Failure protected_field(const std::string& field, const std::string& collection);
emulator::Failure row_invalid(const std::string& collection, const std::vector<core::SchemaIssue>& issues,
                              size_t omitted = 0);
emulator::Failure no_row(const std::string& collection, const std::string& id_field, const std::string& id);
emulator::Failure not_owner(const std::string& collection, const std::string& id);
emulator::Failure row_exists(const std::string& collection, const std::string& id);

// ---- login and pay actions ----
emulator::Failure action_unavailable(const std::string& reason, const std::string& action);
emulator::Failure wechat_code_missing();
emulator::Failure alipay_code_missing();
emulator::Failure wechat_unreachable(const std::string& error);  // jscode2session did not answer
emulator::Failure wechat_bad_reply(int status, const std::string& body);
emulator::Failure wechat_login_failed(const core::Json& reply);  // the jscode2session reply
emulator::Failure alipay_signing_failed(const std::string& error);
emulator::Failure alipay_unreachable(const std::string& error);
emulator::Failure alipay_bad_signature();
emulator::Failure alipay_unexpected_reply(int status, const std::string& body);
emulator::Failure alipay_login_failed(const core::Json& node);  // alipay_system_oauth_token_response
emulator::Failure alipay_trade_failed(const core::Json& node);  // alipay_trade_create_response
emulator::Failure order_not_named();
emulator::Failure order_not_owned();
emulator::Failure order_paid(const std::string& order_id);
emulator::Failure order_not_payable(const std::string& amount_field);
emulator::Failure wechat_login_required();
emulator::Failure alipay_login_required();
emulator::Failure wechatpay_signing_failed(const std::string& error);
emulator::Failure wechatpay_unreachable(const std::string& error);
emulator::Failure wechatpay_rejected(int status, const std::string& body);
emulator::Failure pay_sign_failed(const std::string& error);

// ---- notify routes: what a backend answers the providers ----
// WeChat Pay notifications: {"code":"FAIL","message"} with the failure's status; success is 204.
emulator::Response render_wechatpay_notify(const emulator::Failure& failure);
emulator::Failure notify_headers_missing();
emulator::Failure notify_unknown_serial(const std::string& serial);
emulator::Failure notify_bad_signature();
emulator::Failure notify_no_resource();
emulator::Failure notify_bad_base64();
emulator::Failure notify_undecryptable();
emulator::Failure notify_not_json();
emulator::Failure notify_unknown_trade(const std::string& out_trade_no);
// Alipay notifications: the text "success", or "failure" (the failure's text goes to the log only).
emulator::Response alipay_notify_answer(bool success);
emulator::Failure alipay_notify_unsigned();
emulator::Failure alipay_notify_bad_signature();
emulator::Failure alipay_notify_unknown_trade(const std::string& out_trade_no);

}  // namespace mpemu::backend
