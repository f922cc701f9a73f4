// The list of emulated services in this build, in mount order. The backend mimic stays last: its
// fixture check looks for the provider sections loaded before it.
#include "emulator/alipay/routes.hpp"
#include "emulator/backend/routes.hpp"
#include "emulator/service.hpp"
#include "emulator/wechat/routes.hpp"
#include "emulator/wechatpay/service.hpp"
#include "emulator/wechatpay/service_v2.hpp"

namespace mpemu::emulator {

std::vector<std::unique_ptr<Service>> make_services() {
    std::vector<std::unique_ptr<Service>> out;
    out.push_back(wechat::make_service());
    auto wechatpay_v3 = std::make_unique<wechatpay::WechatPay>();
    auto wechatpay_v2 = std::make_unique<wechatpay::WechatPayV2>(*wechatpay_v3);  // shares v3's orders and merchants
    out.push_back(std::move(wechatpay_v3));
    out.push_back(std::move(wechatpay_v2));
    out.push_back(alipay::make_service());
    // The backend mimic stays last: its fixture check looks for the providers' sections loaded before it.
    out.push_back(backend::make_service());
    return out;
}

}  // namespace mpemu::emulator
