#!/usr/bin/env bash
# Builds the Debian package of mpemu with CPack: build/package/mpemu_<version>_<arch>.deb (path printed last).
# Usage: scripts/package.sh [build-dir]   (default: build; configured and built here if needed)
# Install it with: sudo apt-get install ./build/package/mpemu_<version>_amd64.deb
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
[[ -f "$BUILD_DIR/CMakeCache.txt" ]] || cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD_DIR" -j"${MPEMU_JOBS:-2}" --target mpemu
(cd "$BUILD_DIR" && cpack -G DEB >/dev/null)
deb=$(ls -t "$BUILD_DIR"/package/mpemu_*.deb | head -n1)
echo "$deb"
