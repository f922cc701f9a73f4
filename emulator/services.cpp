// The list of emulated services in this build, in mount order. The backend mimic stays last: its
// fixture check looks for the provider sections loaded before it.
#include "emulator/alipay/module.hpp"
#include "emulator/backend/module.hpp"
#include "emulator/service.hpp"
#include "emulator/wechat/module.hpp"
#include "emulator/wechatpay/module.hpp"

namespace mpemu::emulator {

std::vector<std::unique_ptr<Service>> make_services() {
    std::vector<std::unique_ptr<Service>> out;
    out.push_back(wechat::make_service());
    for (auto& s : wechatpay::make_services()) out.push_back(std::move(s));  // v3, then v2 (shared orders)
    out.push_back(alipay::make_service());
    // The backend mimic stays last: its fixture check looks for the providers' sections loaded before it.
    out.push_back(backend::make_service());
    return out;
}

}  // namespace mpemu::emulator
