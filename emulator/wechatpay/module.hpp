// The WeChat Pay modules of this build: API v3 ("wechatpay") and API v2 ("wechatpay_v2"), in mount
// order, sharing one Orders component (orders.hpp).
#pragma once

#include <memory>
#include <vector>

#include "emulator/service.hpp"

namespace mpemu::wechatpay {

std::vector<std::unique_ptr<emulator::Service>> make_services();

}  // namespace mpemu::wechatpay
