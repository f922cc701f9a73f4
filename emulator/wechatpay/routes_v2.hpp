// WeChat Pay API v2 HTTP binding: the XML operation table (also under the sandbox prefixes), the §4.2
// check order and replies signed with the request's algorithm.
#pragma once

#include "emulator/router.hpp"
#include "emulator/service.hpp"

namespace mpemu::wechatpay {

class ApiV2;

void mount_routes_v2(emulator::Router& router, ApiV2& api, emulator::ServiceContext& ctx);

}  // namespace mpemu::wechatpay
