// WeChat Pay API v3 HTTP binding: WechatPay::mount (in routes.cpp) declares the operation table
// (method, path template, operation id, handler) and the admin calls.
#pragma once

#include "emulator/wechatpay/service.hpp"
