// Taking values out of responses for later steps.
#include "tools/scenario/capture.hpp"

#include <regex>

#include "core/crypto.hpp"
#include "core/text.hpp"
#include "tools/scenario/template.hpp"

namespace mpemu::scenario {

const core::Json* ResponseView::json(std::string* error) const {
    if (!parsed_) {
        parsed_ = true;
        auto r = core::parse_json(ex_.response_body, 512);
        if (r) {
            json_ = std::move(*r);
        } else {
            error_ =
                ex_.response_body.empty() ? "the body is empty" : "the body is not JSON (" + r.error().message + ")";
        }
    }
    if (!json_ && error) *error = error_;
    return json_ ? &*json_ : nullptr;
}

std::optional<core::Json> query_value(const core::JsonPath& path, const core::Json& root) {
    auto matches = path.query(root);
    if (matches.empty()) return std::nullopt;
    if (matches.size() == 1) return *matches[0].value;
    core::Json all = core::Json::array();
    for (const auto& m : matches) all.push_back(*m.value);
    return all;
}

namespace {

core::Result<core::Json> claim_of(std::string token, const std::string& claim) {
    if (core::starts_with(token, "Bearer ")) token = token.substr(7);  // an Authorization header value
    auto parts = core::split(token, '.');
    if (parts.size() != 3) return core::make_error("jwt", "the value is not a JWT (header.payload.signature)");
    auto payload = core::crypto::base64url_decode(parts[1]);
    if (!payload) return core::make_error("jwt", "the JWT payload is not base64url");
    auto json = core::parse_json(*payload);
    if (!json || !json->is_object()) return core::make_error("jwt", "the JWT payload is not a JSON object");
    auto it = json->find(claim);
    if (it == json->end()) return core::make_error("jwt", "the JWT has no claim \"" + claim + "\"");
    return *it;
}

}  // namespace

namespace {

// Every path of a document in the normalized form users write ($.a.b[0].c), up to `limit` of them.
void collect_paths(const core::Json& v, const std::string& at, std::vector<std::string>& out, size_t limit) {
    if (out.size() >= limit) return;
    out.push_back(at);
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it) {
            const std::string& k = it.key();
            bool plain =
                !k.empty() && k.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
                                  std::string::npos;
            std::string child = at;
            child += plain ? "." : "['";
            child += k;
            if (!plain) child += "']";
            collect_paths(it.value(), child, out, limit);
        }
    } else if (v.is_array()) {
        for (size_t i = 0; i < v.size(); ++i) collect_paths(v[i], at + "[" + std::to_string(i) + "]", out, limit);
    }
}

}  // namespace

std::optional<std::string> nearest_path(const std::string& written, const core::Json& root) {
    std::vector<std::string> paths;
    collect_paths(root, "$", paths, 5000);
    return core::did_you_mean(written, paths);
}

core::Result<std::string> render_argument(const std::string& arg, const Lookup& lookup,
                                          std::optional<core::JsonPath>* path) {
    auto text = render_string(arg, lookup);
    if (!text) return text.error();
    if (path) {
        auto compiled = core::JsonPath::compile(*text);
        if (!compiled)
            return core::make_error("jsonpath", "\"" + *text + "\" is no JSONPath: " + compiled.error().message);
        *path = std::move(*compiled);
    }
    return text;
}

CaptureResult run_capture(const Capture& capture, const ResponseView& response, const Lookup& lookup) {
    if (capture.arg_template) {
        Capture rendered = capture;
        rendered.arg_template = false;
        auto arg =
            render_argument(capture.arg, lookup, capture.source == CaptureSource::kJsonPath ? &rendered.path : nullptr);
        if (!arg) {
            CaptureResult out;
            out.name = capture.name;
            out.where = capture.where;
            out.value = nullptr;
            out.ok = false;
            out.message = arg.error().message;
            return out;
        }
        rendered.arg = *arg;
        return run_capture(rendered, response, lookup);
    }
    const Capture& c = capture;
    CaptureResult out;
    out.name = c.name;
    out.where = c.where;
    const Exchange& ex = response.exchange();
    std::optional<core::Json> value;
    switch (c.source) {
        case CaptureSource::kStatus:
            value = ex.status;
            break;
        case CaptureSource::kHeader: {
            if (const std::string* h = response.header(c.arg)) value = *h;
            if (!value) out.message = "no header " + c.arg;
            break;
        }
        case CaptureSource::kBody: {
            const core::Json* j = response.json();
            value = j ? *j : core::Json(ex.response_body);
            break;
        }
        case CaptureSource::kJsonPath: {
            std::string err;
            const core::Json* j = response.json(&err);
            if (!j) {
                out.message = err;
            } else if (c.path) {
                value = query_value(*c.path, *j);
                if (!value) {
                    out.message = c.arg + " matched nothing";
                    if (auto near = nearest_path(c.arg, *j)) out.message += "; did you mean " + *near + "?";
                }
            }
            break;
        }
        case CaptureSource::kRegex: {
            if (!c.regex) {
                out.message = "bad regular expression";
                break;
            }
            std::smatch m;
            if (std::regex_search(ex.response_body, m, *c.regex) && static_cast<size_t>(c.group) < m.size()) {
                value = m[static_cast<size_t>(c.group)].str();
            } else {
                out.message = "/" + c.arg + "/ did not match the body";
            }
            break;
        }
    }
    if (value && !c.jwt_claim.empty()) {
        auto claim = claim_of(to_text(*value), c.jwt_claim);
        if (claim) {
            value = *claim;
        } else {
            value.reset();
            out.message = claim.error().message;
        }
    }
    if (value) {
        out.value = std::move(*value);
        out.message.clear();
        return out;
    }
    out.value = nullptr;
    out.ok = c.optional;
    return out;
}

}  // namespace mpemu::scenario
