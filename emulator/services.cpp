// The list of emulated services in this build, in mount order. The backend mimic stays last: its
// fixture check looks for the provider sections loaded before it.
#include "emulator/service.hpp"
#include "emulator/alipay/routes.hpp"
#include "emulator/backend/service.hpp"
#include "emulator/wechat/service.hpp"
#include "emulator/wechatpay/service.hpp"

namespace mpemu::emulator {

std::vector<std::unique_ptr<Service>> make_services() {
    std::vector<std::unique_ptr<Service>> out;
    out.push_back(std::make_unique<wechat::WechatService>());
    out.push_back(std::make_unique<wechatpay::WechatPay>());
    out.push_back(alipay::make_service());
    // The backend mimic stays last: its fixture check looks for the providers' sections loaded before it.
    out.push_back(std::make_unique<backend::BackendService>());
    return out;
}

}  // namespace mpemu::emulator
