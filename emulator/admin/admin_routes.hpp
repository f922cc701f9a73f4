// The /__admin API of DESIGN.md: health, fixtures, reset, snapshots, request journal, clock,
// notifications. Provider-specific admin calls are mounted by their services.
#pragma once

#include "emulator/router.hpp"

namespace mpemu::emulator {
class Emulator;
}

namespace mpemu::admin {

void mount(emulator::Router& router, emulator::Emulator& emu);

}  // namespace mpemu::admin

#include "emulator/admin/admin_http.hpp"
