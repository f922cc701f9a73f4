#!/usr/bin/env bash
# Sets up, builds and installs mpemu (into ~/.local by default, so `mpemu` is on PATH), then runs the emulator
# with fixtures/default on http://127.0.0.1:8787.
# Extra arguments go to `mpemu serve` (e.g. --port 0, --state dev.sqlite).
# MPEMU_PREFIX picks another install prefix (e.g. /usr/local, as root); MPEMU_PREFIX= (empty) installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
prefix=${MPEMU_PREFIX-$HOME/.local}
if [[ -n "$prefix" ]]; then
  cmake --install build --prefix "$prefix" >/dev/null
  echo "mpemu installed to $prefix/bin/mpemu"
  case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "mpemu: $prefix/bin is not on PATH; add it with:"
       echo "  export PATH=\"$prefix/bin:\$PATH\"    # e.g. in ~/.bashrc" ;;
  esac
fi
exec build/mpemu serve --fixtures fixtures/default "$@"
