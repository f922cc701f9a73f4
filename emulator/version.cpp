// The emulator's version string (the build's project version).
#include "emulator/version.hpp"

namespace mpemu::emulator {

const char* version() {
    return MPEMU_VERSION;
}

}  // namespace mpemu::emulator
