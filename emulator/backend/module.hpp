// The backend mimic's emulator::Service (module.cpp), for the list in emulator/services.cpp.
#pragma once

#include <memory>

#include "emulator/service.hpp"

namespace mpemu::backend {

std::unique_ptr<emulator::Service> make_service();

}  // namespace mpemu::backend
