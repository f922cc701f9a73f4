// The README's tour (scripts/tour.sh) runs against a live emulator, so the documented commands work.
#include <catch2/catch.hpp>

#include "tests/support/emulator_process.hpp"

using namespace mpemu::testing;

TEST_CASE("scripts/tour.sh works against a running emulator", "[docs][wechat]") {
    EmulatorProcess emu;
    auto r = run_command({"bash", source_dir() + "/scripts/tour.sh"}, {}, std::chrono::seconds(30),
                         {{"MPEMU_URL", emu.url()}});
    INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("\"errcode\":40163") != std::string::npos);
}
