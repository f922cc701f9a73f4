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

CaptureResult run_capture(const Capture& c, const ResponseView& response) {
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
                if (!value) out.message = c.arg + " matched nothing";
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
