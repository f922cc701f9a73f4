#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite: unit, integration, SDK (node) and CLI golden tests.
# SDK tests install their pinned npm packages themselves and report SKIPPED when npm is unreachable.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
cd build
ctest --output-on-failure -j"${MPEMU_TEST_JOBS:-2}" --timeout 300 "$@"
