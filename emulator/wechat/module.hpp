// The WeChat mini program API's emulator::Service (module.cpp), for the list in emulator/services.cpp.
#pragma once

#include <memory>

#include "emulator/service.hpp"

namespace mpemu::wechat {

std::unique_ptr<emulator::Service> make_service();

}  // namespace mpemu::wechat
