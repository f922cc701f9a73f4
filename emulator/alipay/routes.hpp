// Alipay's HTTP binding: one method table serves the v2 gateway (/gateway.do) and the OpenAPI v3
// paths (/v3/alipay/...); plus the admin controls. Each handler parses, authenticates, calls the
// service and renders the signed reply.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "emulator/alipay/service.hpp"
#include "emulator/http.hpp"
#include "emulator/router.hpp"

namespace mpemu::alipay {

// Signatures of v2 reply nodes by (app, sign type, exact node bytes). PKCS#1 v1.5 signatures are
// deterministic, so a repeated identical node (a backend polling trade.query on an unchanged trade)
// reuses the earlier signature instead of paying for another RSA operation. Bounded; the module
// clears it on reset (another fixture set may bring other keys under the same app_id).
class SignatureCache {
public:
    std::optional<std::string> get(const std::string& key);
    void put(const std::string& key, const std::string& sign);
    void clear();

private:
    static constexpr size_t kCapacity = 4096;
    std::mutex mu_;
    std::unordered_map<std::string, std::string> map_;
};

struct Method;  // a row of the method table (routes.cpp)

class Routes {
public:
    Routes(emulator::ServiceContext& ctx, AlipayService& service, SignatureCache& signatures)
        : ctx_(ctx), service_(service), signatures_(signatures) {}

    // Registers the "alipay" route group, the gateway, the v3 paths and the admin controls.
    void mount(emulator::Router& router);

private:
    emulator::Response gateway(emulator::Request& req);
    // alipay.trade.page.pay / wap.pay: a browser's request; answers the cashier page or an error page.
    emulator::Response page_gateway(emulator::Request& req, const core::Params& params, const std::string& method);
    // GET / POST kCashierPath{trade_no}: the cashier page and its buttons.
    emulator::Response cashier(emulator::Request& req);
    emulator::Response v3(emulator::Request& req, const Method& m);
    emulator::Response render_v2(const GatewayAuth& auth, const std::string* method, const Reply& reply);
    emulator::Response render_v3(const GatewayAuth& auth, const Reply& reply);
    emulator::Response refuse(const emulator::Request& req, const emulator::RefusalInfo& info);
    void log_error(const emulator::Request& req, const Reply& reply);

    emulator::ServiceContext& ctx_;
    AlipayService& service_;
    SignatureCache& signatures_;
};

}  // namespace mpemu::alipay
