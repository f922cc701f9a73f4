#!/usr/bin/env bash
# Sets up, builds and runs the emulator with fixtures/default on http://127.0.0.1:8787.
# Extra arguments go to `mpemu serve` (e.g. --port 0, --state dev.sqlite).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
exec build/mpemu serve --fixtures fixtures/default "$@"
