// The Alipay emulator::Service (module.cpp), for the list in emulator/services.cpp.
#pragma once

#include <memory>

#include "emulator/service.hpp"

namespace mpemu::alipay {

std::unique_ptr<emulator::Service> make_service();

}  // namespace mpemu::alipay
