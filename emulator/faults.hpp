// Fault rules set through POST /__admin/faults: on matching requests add latency, answer with a
// canned reply (a provider error such as WeChat's 40001), or drop the connection.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "emulator/http.hpp"

namespace mpemu::emulator {

struct FaultRule {
    std::string id;
    // Match: all given conditions must hold.
    std::string operation;    // exact id, or prefix ending in '*' ("wechat.*")
    std::string method;       // "" = any
    std::string path_prefix;  // raw path prefix, "" = any
    // Effect.
    std::chrono::milliseconds delay{0};
    std::optional<Response> response;  // canned reply instead of the real one
    bool drop = false;                 // cut the connection (no complete reply)
    int remaining = -1;                // times left; -1 = unlimited
    int hits = 0;
};

struct FaultAction {
    std::chrono::milliseconds delay{0};
    std::optional<Response> response;
    bool drop = false;
    std::string rule_id;
};

class Faults {
public:
    // Parses a rule from the admin body; error message names the bad field.
    static core::Result<FaultRule> parse(const core::Json& body, std::string id);
    void add(FaultRule rule);
    void clear();
    core::Json list() const;
    // The action for this request, if a rule matches (consumes one of its times).
    std::optional<FaultAction> match(const Request& req);
    bool empty() const;

private:
    mutable std::mutex mu_;
    std::vector<FaultRule> rules_;
};

}  // namespace mpemu::emulator
