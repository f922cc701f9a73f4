// Fault rules: parsing, matching and listing.
#include "emulator/faults.hpp"

#include "core/text.hpp"
#include "core/time_format.hpp"

namespace mpemu::emulator {

core::Result<FaultRule> Faults::parse(const core::Json& body, std::string id) {
    FaultRule r;
    r.id = std::move(id);
    static const std::vector<std::string> kTop = {"match", "delay", "delay_ms", "response", "drop", "times"};
    static const std::vector<std::string> kMatch = {"operation", "method", "path"};
    auto unknown = [](const std::string& key, const std::vector<std::string>& known, const std::string& where) {
        auto hint = core::did_you_mean(key, known);
        return core::make_error("bad_request", "unknown " + where + " field \"" + key + "\"" +
                                                   (hint ? "; did you mean \"" + *hint + "\"?" : ""));
    };
    if (!body.is_object()) return core::make_error("bad_request", "a fault rule is a JSON object");
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (std::find(kTop.begin(), kTop.end(), it.key()) == kTop.end()) return unknown(it.key(), kTop, "fault");
    }
    if (body.contains("match")) {
        const auto& m = body["match"];
        if (!m.is_object()) return core::make_error("bad_request", "\"match\" must be an object");
        for (auto it = m.begin(); it != m.end(); ++it) {
            if (std::find(kMatch.begin(), kMatch.end(), it.key()) == kMatch.end())
                return unknown(it.key(), kMatch, "match");
            if (!it->is_string()) return core::make_error("bad_request", "\"match." + it.key() + "\" must be a string");
        }
        r.operation = m.value("operation", "");
        r.method = core::to_upper(m.value("method", ""));
        r.path_prefix = m.value("path", "");
    }
    if (body.contains("delay_ms")) {
        if (!body["delay_ms"].is_number_integer() || body["delay_ms"].get<long long>() < 0) {
            return core::make_error("bad_request", "\"delay_ms\" must be a non-negative integer");
        }
        r.delay = std::chrono::milliseconds(body["delay_ms"].get<long long>());
    }
    if (body.contains("delay")) {
        auto d = body["delay"].is_string() ? core::parse_duration(body["delay"].get<std::string>()) : std::nullopt;
        if (!d || d->count() < 0)
            return core::make_error("bad_request", "\"delay\" must be a duration like \"250ms\" or \"2s\"");
        r.delay = *d;
    }
    if (r.delay > std::chrono::minutes(5))
        return core::make_error("bad_request", "a delay longer than 5 minutes is refused");
    if (body.contains("drop")) {
        if (!body["drop"].is_boolean()) return core::make_error("bad_request", "\"drop\" must be a boolean");
        r.drop = body["drop"].get<bool>();
    }
    if (body.contains("times")) {
        if (!body["times"].is_number_integer() || body["times"].get<long long>() < 1) {
            return core::make_error("bad_request", "\"times\" must be a positive integer (omit it for always)");
        }
        r.remaining = static_cast<int>(body["times"].get<long long>());
    }
    if (body.contains("response")) {
        const auto& rs = body["response"];
        if (!rs.is_object())
            return core::make_error("bad_request", "\"response\" must be an object {status, headers?, body?}");
        Response res;
        res.status = 200;
        if (rs.contains("status")) {
            if (!rs["status"].is_number_integer() || rs["status"].get<int>() < 100 || rs["status"].get<int>() > 599) {
                return core::make_error("bad_request", "\"response.status\" must be an HTTP status 100-599");
            }
            res.status = rs["status"].get<int>();
        }
        if (rs.contains("headers")) {
            if (!rs["headers"].is_object())
                return core::make_error("bad_request", "\"response.headers\" must be an object");
            for (auto it = rs["headers"].begin(); it != rs["headers"].end(); ++it) {
                if (!it->is_string()) return core::make_error("bad_request", "header values must be strings");
                res.set_header(it.key(), it->get<std::string>());
            }
        }
        if (rs.contains("body")) {
            if (rs["body"].is_string()) {
                res.body = rs["body"].get<std::string>();
                if (!res.header("Content-Type")) res.set_header("Content-Type", "text/plain; charset=utf-8");
            } else {
                res.body = core::dump(rs["body"]);
                if (!res.header("Content-Type")) res.set_header("Content-Type", "application/json; charset=utf-8");
            }
        }
        r.response = std::move(res);
    }
    if (!r.response && !r.drop && r.delay.count() == 0) {
        return core::make_error("bad_request", "a fault rule needs at least one of delay, response or drop");
    }
    return r;
}

void Faults::add(FaultRule rule) {
    std::lock_guard lock(mu_);
    rules_.push_back(std::move(rule));
}

void Faults::clear() {
    std::lock_guard lock(mu_);
    rules_.clear();
}

bool Faults::empty() const {
    std::lock_guard lock(mu_);
    return rules_.empty();
}

core::Json Faults::list() const {
    std::lock_guard lock(mu_);
    core::Json out = core::Json::array();
    for (const auto& r : rules_) {
        core::Json j;
        j["id"] = r.id;
        j["match"] = {{"operation", r.operation}, {"method", r.method}, {"path", r.path_prefix}};
        j["delay_ms"] = r.delay.count();
        j["drop"] = r.drop;
        if (r.response) j["response"] = {{"status", r.response->status}, {"body", r.response->body}};
        j["times_left"] = r.remaining;
        j["hits"] = r.hits;
        out.push_back(j);
    }
    return out;
}

std::optional<FaultAction> Faults::match(const Request& req) {
    std::lock_guard lock(mu_);
    for (auto it = rules_.begin(); it != rules_.end(); ++it) {
        auto& r = *it;
        if (!r.method.empty() && r.method != req.method) continue;
        if (!r.path_prefix.empty() && !core::starts_with(req.path, r.path_prefix)) continue;
        if (!r.operation.empty()) {
            if (r.operation.back() == '*') {
                if (!core::starts_with(req.operation_id,
                                       std::string_view(r.operation).substr(0, r.operation.size() - 1)))
                    continue;
            } else if (r.operation != req.operation_id) {
                continue;
            }
        }
        FaultAction a{r.delay, r.response, r.drop, r.id};
        ++r.hits;
        if (r.remaining > 0 && --r.remaining == 0) rules_.erase(it);
        return a;
    }
    return std::nullopt;
}

}  // namespace mpemu::emulator
