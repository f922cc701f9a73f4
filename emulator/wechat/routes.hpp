// HTTP binding of the WeChat mini program API: the operation table under /sns, /cgi-bin and /wxa,
// refusals in WeChat's {errcode, errmsg} format, and the wechat admin operations.
#pragma once

#include <memory>

#include "emulator/router.hpp"
#include "emulator/service.hpp"

namespace mpemu::wechat {

class Api;

void mount_routes(emulator::Router& router, Api& api);

}  // namespace mpemu::wechat
