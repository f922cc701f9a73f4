// Helpers the step kinds share: reading key folders when a scenario is parsed, and rendering URLs,
// queries, bodies, headers and signatures when a request is built.
#pragma once

#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "core/crypto.hpp"
#include "core/http_client.hpp"
#include "core/json.hpp"
#include "core/url.hpp"
#include "tools/scenario/steps/keys.hpp"
#include "tools/scenario/steps/step_kind.hpp"
#include "tools/scenario/template.hpp"

namespace mpemu::scenario::steps {

// --- parsing ---

bool is_file(const std::string& path);

// The HTTP part of a signed call step: `url`, a `json` body, `method` (POST with a body, else
// GET) and extra `headers`.
template <class Spec>
void parse_call(ParseContext& ctx, const core::Json& n, const std::string& np, Spec& spec) {
    spec.url = ctx.template_field(n, np, "url");
    if (n.contains("json")) spec.json = ctx.template_tree(np, "json");
    spec.method = n.contains("method") ? n["method"].get<std::string>() : (spec.json ? "POST" : "GET");
    if (n.contains("headers")) spec.headers = ctx.template_tree(np, "headers");
}

// The key folder of a signed step: its `keys` (relative to the file), else keys/<subdir> of the
// scenario's fixture set.
std::optional<std::string> key_folder(ParseContext& ctx, const core::Json& obj, const std::string& pointer,
                                      const std::string& subdir, const char* what);

// Reads each named file of a key folder (trimmed), reporting the first that cannot be read.
bool read_keys(ParseContext& ctx, const core::Json& obj, const std::string& pointer, const std::string& folder,
               std::initializer_list<std::pair<const char*, std::string*>> files);

// With a templated id (app_id, mchid) and no `keys`, the keys of every subfolder of keys/<provider>
// that `read` accepts, by folder name, so the build can pick the rendered id's.
template <class Keys>
std::map<std::string, Keys> keys_by_id(const ParseContext& ctx, const core::Json& obj, const std::string& id,
                                       const std::string& provider,
                                       const std::function<std::optional<Keys>(const std::filesystem::path&)>& read) {
    std::map<std::string, Keys> out;
    if (obj.contains("keys") || ctx.fixtures_dir().empty() || id.find("{{") == std::string::npos) return out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(ctx.fixtures_dir() + "/keys/" + provider, ec)) {
        if (!entry.is_directory()) continue;
        if (auto k = read(entry.path())) out[entry.path().filename().string()] = std::move(*k);
    }
    return out;
}

// keys/<provider> holds the first app (merchant); further ones have a subfolder named by their id,
// recognised by `marker`.
std::string key_subdir(const ParseContext& ctx, const std::string& provider, const std::string& id, const char* marker);

std::map<std::string, AlipayAppKeys> alipay_app_keys(const ParseContext& ctx, const core::Json& obj,
                                                     const std::string& app_id, const char* private_file);

// The keys of an Alipay call (v2 gateway or v3): the app private key that signs it, and the Alipay
// public key that checks the reply when the folder has it (`"verify": true` makes it required,
// false leaves it out); with a templated app_id, every app folder's too.
// A certificate-mode folder (app_cert.crt) also gives the SNs its requests carry (`certs`, and by app
// folder for a templated app_id).
bool read_alipay_request_keys(ParseContext& ctx, const core::Json& n, const std::string& np, const std::string& app_id,
                              std::string* private_pem, std::string* public_pem,
                              std::map<std::string, AlipayAppKeys>* app_keys, AlipayCertSns* certs = nullptr,
                              std::map<std::string, AlipayCertSns>* certs_by_app = nullptr);

// The SNs alipay-sdk computes from an app folder's app_cert.crt and alipay_root_cert.crt; empty when
// the folder is in key mode.
AlipayCertSns alipay_cert_sns(const std::filesystem::path& dir);

// --- building ---

std::string join_url(const std::string& base, const std::string& url);

// The URL as the HTTP clients put it on the wire: cpp-httplib writes ' ', '+', CR, LF and bytes >= 0x80
// of the request-target percent-encoded, and the load runner's event-driven client does the same through
// this function, so a signed step signs (and sends) that form.
std::string as_sent(const std::string& url);

// Appends a query object (templates rendered, percent-encoded) to a URL.
core::Status append_query(const core::OrderedJson& query, const Lookup& lookup, std::string& url);

// A JSON body (templates rendered, compact) with its Content-Type.
core::Status set_json_body(const core::OrderedJson& json, const Lookup& lookup, core::HttpRequest& req);

// Extra headers of a signed step, appended after the ones the protocol needs.
core::Status add_headers(const core::OrderedJson& headers, const Lookup& lookup, core::HttpRequest& req);

// A signed call step's request before signing: method, URL with the query as it goes on the wire,
// JSON body.
template <class Spec>
core::Result<core::HttpRequest> call_request(const Spec& spec, const core::OrderedJson& query, const Lookup& lookup,
                                             const BuildContext& ctx) {
    auto url = render_string(spec.url, lookup);
    if (!url) return url.error();
    core::HttpRequest req;
    req.method = spec.method;
    req.url = join_url(ctx.target, *url);
    if (auto st = append_query(query, lookup, req.url); !st) return st.error();
    req.url = as_sent(req.url);
    if (spec.json) {
        if (auto st = set_json_body(*spec.json, lookup, req); !st) return st.error();
    }
    return req;
}

// The signature a step sends: its `sign` rendered when given (null: none), else `compute`'s.
core::Result<std::optional<std::string>> step_signature(const std::optional<core::OrderedJson>& given,
                                                        const Lookup& lookup,
                                                        const std::function<core::Result<std::string>()>& compute);

// `defaults` in order, each replaced by a rendered `given` value of the same name (null drops
// it), then the other given values: the parameter list of an Alipay call or notification.
core::Params merge_params(core::Params defaults, const core::OrderedJson& given);

// The keys of the rendered app (merchant) when the step holds several (a templated app_id or
// mchid), else the default.
template <class Keys>
const Keys& keys_for(const std::map<std::string, Keys>& by_id, const std::string& id, const Keys& fallback) {
    auto it = by_id.find(id);
    return it == by_id.end() ? fallback : it->second;
}

// The app private key of an Alipay call for the rendered app_id.
template <class Spec>
core::Result<core::crypto::Key> alipay_app_key(const Spec& spec, const std::string& app_id) {
    AlipayAppKeys fallback{spec.app_private_key_pem, {}};
    auto key = core::crypto::load_private_key(keys_for(spec.app_keys, app_id, fallback).private_key_pem);
    if (!key) return core::make_error("key", "the app private key cannot be loaded: " + key.error().message);
    return key;
}

}  // namespace mpemu::scenario::steps
