// The emulator's version string.
#pragma once

namespace mpemu::emulator {

const char* version();

}  // namespace mpemu::emulator
