// WeChat Pay API v3 HTTP binding: the operation table (method, path template, operation id, handler)
// under /v3/, refusals in WeChat Pay's {code, message} format, and the wechatpay admin calls.
#pragma once

#include "emulator/router.hpp"

namespace mpemu::wechatpay {

class Api;

void mount_routes(emulator::Router& router, Api& api);

}  // namespace mpemu::wechatpay
