// HTTP binding of the WeChat mini program API: the operation table under /sns, /cgi-bin and /wxa,
// refusals in WeChat's {errcode, errmsg} format, and the wechat admin operations. make_service() (defined in
// module.cpp) is the emulator::Service that services.cpp lists.
#pragma once

#include <memory>

#include "emulator/router.hpp"
#include "emulator/service.hpp"

namespace mpemu::wechat {

class Api;

void mount_routes(emulator::Router& router, Api& api);

std::unique_ptr<emulator::Service> make_service();

}  // namespace mpemu::wechat
