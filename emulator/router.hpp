// Route table of the emulator. Each provider declares its operations (method, path template,
// operation id, handler) in one table; paths under a provider's prefixes that match no operation
// are answered by that provider in its own error format.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/http.hpp"

namespace mpemu::emulator {

using Handler = std::function<Response(Request&)>;

// The segments of a path between its slashes, without the leading one: "/api/a/" -> {"api", "a", ""}.
// Views into `path`. Shared by this router and the backend mimic's path templates, which must split alike.
std::vector<std::string_view> split_path(std::string_view path);

struct Operation {
    std::string method;  // "GET", "POST", ...
    // Template: "/v3/pay/transactions/out-trade-no/{out_trade_no}/close". A leading "/**" matches any
    // number of leading segments, none included ("/**/gateway.do" serves "/gateway.do" and "/pay/gateway.do").
    std::string path;
    std::string id;  // operation id used by the journal, faults and docs: "wechatpay.transactions.close"
    Handler handler;
};

// Why a request could not be handled normally, for rendering in the caller's protocol.
enum class Refusal {
    kNotEmulated,       // path under the group's prefixes but no such operation
    kMethodNotAllowed,  // path exists with another method
    kBodyTooLarge,      // 413
    kHeadersTooLarge,   // 431 / request line too long
    kBadRequest,        // unparseable HTTP
    kTooDeep,           // JSON nesting beyond the limit
    kForbidden,         // admin API from a non-loopback client without token
    kUnauthorized,      // admin token missing or wrong
    kInternal,          // a handler failed unexpectedly
};

struct RefusalInfo {
    Refusal kind;
    std::string detail;                // human text: what was wrong
    std::vector<std::string> allowed;  // for kMethodNotAllowed
};

struct RouteGroup {
    std::string name;                   // "wechat", "wechatpay", "alipay", "admin", "backend"
    std::vector<std::string> prefixes;  // raw path prefixes this group owns ("/sns/", "/cgi-bin/")
    std::vector<std::string> suffixes;  // raw path endings this group owns under any prefix ("/gateway.do")
    int priority = 0;                   // among overlapping prefixes, longer prefix wins, then priority
    // Renders a refusal in the group's protocol. Required.
    std::function<Response(const Request&, const RefusalInfo&)> refuse;
    // Runs before every operation of the group (admin token checks); a response short-circuits.
    std::function<std::optional<Response>(const Request&)> guard;
    // When set, unmatched paths under the prefixes go here instead of refuse(kNotEmulated)
    // (the app-backend mimic routes by its fixture).
    Handler fallback;
    std::string fallback_operation_id;
};

class Router {
public:
    void add_group(RouteGroup group);
    // Adds an operation to a group registered before.
    void add(const std::string& group, Operation op);
    void remove_group(const std::string& name);

    struct Match {
        const Operation* operation = nullptr;
        const RouteGroup* group = nullptr;          // owning group (of the operation or by prefix)
        std::vector<std::string> allowed_methods;   // when the path matched with other methods only
        std::map<std::string, std::string> params;  // decoded path parameters
    };
    // Finds the operation for a raw path. Thread-safe for concurrent readers. With a service ("wechatpay"),
    // only that service's groups take part (a per-service port): a path another service owns is not matched.
    Match match(std::string_view method, std::string_view raw_path, std::string_view service = {}) const;
    // The group owning a raw path by prefix (for refusals before routing), or nullptr.
    const RouteGroup* group_for(std::string_view raw_path, std::string_view service = {}) const;
    // The group registered under a name, or nullptr.
    const RouteGroup* group_named(std::string_view name) const;
    // Whether a group belongs to a service: its name, or the name then "_" ("wechatpay_v2" is wechatpay's).
    static bool in_service(const RouteGroup& group, std::string_view service);
    const std::vector<std::unique_ptr<RouteGroup>>& groups() const { return groups_; }
    std::vector<const Operation*> operations() const;

private:
    struct Entry {
        std::vector<std::string> segments;  // "{name}" marks a parameter
        Operation op;
        const RouteGroup* group;
    };
    std::vector<std::unique_ptr<RouteGroup>> groups_;
    std::vector<std::unique_ptr<Entry>> entries_;
};

}  // namespace mpemu::emulator
