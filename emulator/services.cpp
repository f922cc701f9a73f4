// The list of emulated services in this build, in mount order.
#include "emulator/service.hpp"

#include "emulator/alipay/routes.hpp"

namespace mpemu::emulator {

std::vector<std::unique_ptr<Service>> make_services() {
    std::vector<std::unique_ptr<Service>> out;
    out.push_back(alipay::make_service());
    return out;
}

}  // namespace mpemu::emulator
