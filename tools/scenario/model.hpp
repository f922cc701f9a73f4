// The scenario model: what a parsed scenario file says, with the source position of every part so
// that runtime failures point back at the file like a compiler would.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/json_schema.hpp"
#include "core/json_source.hpp"

namespace mpemu::scenario {

// A place in a scenario file.
struct Where {
    std::string file;
    core::SourcePos pos;
    std::string str() const;  // "file:line:column"
};

enum class StepKind {
    kRequest,
    kAdmin,
    kInclude,
    kWait,
    kWechatpayNotify,
    kAlipayNotify,
    kWechatpayRequest,
    kAlipayRequest,
    kAlipayV3Request,
    kWechatpayV2Request
};
const char* step_kind_name(StepKind kind);

// One predicate of an assertion: {"equals": 0}, {"matches": "^o"}, ... The expected value may hold
// templates; they are rendered when the assertion runs.
struct Predicate {
    std::string op;  // equals not_equals exists type matches contains starts_with gt gte lt lte length one_of
    core::Json expected;
    Where where;
};

enum class CheckSubject { kStatus, kHeader, kJsonPath, kBody, kSchema, kTime };

struct Check {
    CheckSubject subject = CheckSubject::kStatus;
    std::string arg;                                 // header name or JSONPath text
    std::optional<core::JsonPath> path;              // kJsonPath
    std::vector<Predicate> predicates;               // all must hold
    std::shared_ptr<const core::JsonSchema> schema;  // kSchema
    std::string schema_name;                         // file name or "inline schema"
    Where where;
    std::string label() const;  // `jsonpath "$.errcode"`, `header "Content-Type"`, `status`
};

enum class CaptureSource { kJsonPath, kHeader, kStatus, kBody, kRegex };

struct Capture {
    std::string name;
    CaptureSource source = CaptureSource::kJsonPath;
    std::string arg;  // JSONPath / header name / regex text
    std::optional<core::JsonPath> path;
    std::shared_ptr<const std::regex> regex;
    int group = 1;
    std::string jwt_claim;  // read this claim from the JWT the source holds
    bool optional = false;
    Where where;
};

struct RequestSpec {
    std::string method = "GET";
    std::string url;            // template
    core::OrderedJson query;    // object of templates (order kept)
    core::OrderedJson headers;  // object of templates
    enum class Body { kNone, kJson, kForm, kRaw } body_kind = Body::kNone;
    core::OrderedJson body;  // JSON value / form object / raw string, with templates
    std::chrono::milliseconds timeout{10000};
};

// A WeChat Pay v3 notification to send: the resource is encrypted and the envelope signed at run time.
struct WechatpayNotifySpec {
    std::string url;  // template
    std::string event_type = "TRANSACTION.SUCCESS";
    core::OrderedJson resource;  // templates inside
    core::OrderedJson headers = core::OrderedJson::object();
    std::string platform_private_key_pem;
    std::string platform_serial;
    std::string apiv3_key;
};

// One WeChat Pay merchant folder's keys: the request signing key and serial, and the platform keys
// that verify replies by their Wechatpay-Serial (the certificate's serial and the public key id,
// upper case; values are PEM). No platform keys: replies are not verified.
struct WechatpayMerchantKeys {
    std::string merchant_private_key_pem;
    std::string merchant_serial;
    std::map<std::string, std::string> platform_keys;
};

// A WeChat Pay v3 merchant API call, signed at run time with the merchant key; a 2xx reply's
// signature is checked with the platform key named by its Wechatpay-Serial.
struct WechatpayRequestSpec {
    std::string method = "GET";
    std::string url;  // template
    std::optional<core::OrderedJson> json;
    std::string mchid;  // template
    core::OrderedJson headers = core::OrderedJson::object();
    WechatpayMerchantKeys keys;
    // For a templated mchid without `keys`: every merchant folder's keys (keys/wechatpay/<mchid>/),
    // chosen once the mchid is rendered; `keys` is the default.
    std::map<std::string, WechatpayMerchantKeys> merchant_keys;
};

// A WeChat Pay API v2 (XML) call: `fields` become the XML body (mch_id and nonce_str added when
// missing), signed at run time with the API v2 key by emulator/wechatpay/protocol_v2; the reply's
// fields are read as a JSON object and its `sign` checked.
struct WechatpayV2RequestSpec {
    std::string url;                                         // template
    std::string mchid;                                       // template
    core::OrderedJson fields = core::OrderedJson::object();  // templates; null leaves a field out
    std::string sign_type = "MD5";                           // MD5 | HMAC-SHA256
    std::optional<core::OrderedJson> sign;                   // replaces the signature (null: none sent)
    core::OrderedJson headers = core::OrderedJson::object();
    std::string api_v2_key;
    bool verify = true;
    // For a templated mchid without `keys`: each merchant folder's API v2 key, by mchid.
    std::map<std::string, std::string> merchant_keys;
};

// One Alipay app folder's keys: the signing key (app or Alipay private key) and Alipay's public key.
struct AlipayAppKeys {
    std::string private_key_pem;
    std::string alipay_public_key_pem;
};

// An Alipay async notification (trade_status_sync) to send: the common fields are filled in, the form
// signed with the Alipay private key at run time (alipay.md §4).
struct AlipayNotifySpec {
    std::string url;     // template
    std::string app_id;  // template
    std::string sign_type = "RSA2";
    core::OrderedJson params = core::OrderedJson::object();  // business fields, templates inside
    core::OrderedJson headers = core::OrderedJson::object();
    std::string alipay_private_key_pem;
    // For a templated app_id without `keys`: the keys of every app folder of the fixture set
    // (keys/alipay/<app_id>/), chosen once the app_id is rendered; the fields above are the default.
    std::map<std::string, AlipayAppKeys> app_keys;
};

// An Alipay v2 gateway call, signed at run time with the app private key (alipay.md §2).
struct AlipayRequestSpec {
    std::string url = "/gateway.do";  // template
    std::string method;               // the gateway method, template
    std::string app_id;               // template
    std::string sign_type = "RSA2";
    std::optional<core::OrderedJson> biz_content;            // sent as a JSON string
    core::OrderedJson params = core::OrderedJson::object();  // other parameters; null removes a default
    std::optional<core::OrderedJson> sign;                   // replaces the signature (null: none sent)
    core::OrderedJson headers = core::OrderedJson::object();
    std::string app_private_key_pem;
    std::string alipay_public_key_pem;              // "" = the reply's signature is not checked
    std::map<std::string, AlipayAppKeys> app_keys;  // as in AlipayNotifySpec
};

// An Alipay OpenAPI v3 call (`/v3/alipay/...`), signed at run time into the Authorization header as
// alipay-sdk v4's curl() signs it (alipay.md §5.2); the reply's alipay-signature is checked.
struct AlipayV3RequestSpec {
    std::string method = "GET";             // HTTP method
    std::string url;                        // template: a path on --target (or absolute), e.g. /v3/alipay/trade/query
    std::string app_id;                     // template
    std::optional<core::OrderedJson> json;  // the JSON body
    core::OrderedJson query = core::OrderedJson::object();  // appended percent-encoded
    std::optional<std::string> app_auth_token;              // template: alipay-app-auth-token, signed too
    std::optional<core::OrderedJson> sign;                  // replaces the signature (null: no Authorization)
    core::OrderedJson headers = core::OrderedJson::object();
    std::string app_private_key_pem;
    std::string alipay_public_key_pem;              // "" = the reply's signature is not checked
    std::map<std::string, AlipayAppKeys> app_keys;  // as in AlipayNotifySpec
};

struct Retry {
    int attempts = 1;
    std::chrono::milliseconds interval{200};
};

struct Scenario;

struct Step {
    std::string name;  // given or derived ("POST /sns/jscode2session")
    StepKind kind = StepKind::kRequest;
    Where where;
    bool skip = false;

    RequestSpec request;   // kRequest
    std::string admin_op;  // kAdmin: operation id from the admin catalog
    std::string admin_method;
    std::string admin_path;          // path template with {placeholders}
    core::OrderedJson admin_params;  // {placeholder: template}
    core::OrderedJson admin_query;
    std::optional<core::OrderedJson> admin_body;
    std::shared_ptr<const Scenario> included;  // kInclude
    core::OrderedJson include_vars;
    std::chrono::milliseconds wait{0};            // kWait
    WechatpayNotifySpec wechatpay_notify;         // kWechatpayNotify
    WechatpayRequestSpec wechatpay_request;       // kWechatpayRequest
    AlipayNotifySpec alipay_notify;               // kAlipayNotify
    AlipayRequestSpec alipay_request;             // kAlipayRequest
    AlipayV3RequestSpec alipay_v3_request;        // kAlipayV3Request
    WechatpayV2RequestSpec wechatpay_v2_request;  // kWechatpayV2Request

    std::vector<Capture> captures;
    std::vector<Check> checks;
    std::optional<Retry> retry;
};

struct Scenario {
    std::string file;  // as given on the command line / relative path
    std::string name;
    std::string description;
    std::vector<std::string> tags;
    std::string fixtures;      // "" = no reset unless `reset`
    std::string fixtures_dir;  // resolved local folder for `fixtures`, if one exists
    bool reset = false;
    // `overlay`: merged into the fixture set's fixture.json (objects merge, arrays append, null
    // removes); the run resets the emulator to that merged set, materialised in a temporary folder.
    std::string overlay_fixture;                           // the merged fixture.json text ("" = no overlay)
    std::string overlay_name;                              // its set name: "<base>+overlay-<hash>"
    core::OrderedJson vars = core::OrderedJson::object();  // in file order
    std::vector<Step> steps;
    Where where;
};

}  // namespace mpemu::scenario
