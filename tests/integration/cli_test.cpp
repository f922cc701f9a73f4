// The mpemu command line end to end: version and help.
#include <catch2/catch.hpp>

#include "tests/support/process.hpp"

using mpemu::testing::run_command;

TEST_CASE("mpemu version prints the version", "[cli]") {
    auto r = run_command({MPEMU_BINARY, "version"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.rfind("mpemu ", 0) == 0);
}
