#!/usr/bin/env bash
# Runs one browser test: installs the pinned npm packages of tests/browser/package.json into the build
# folder (once per package.json change), then runs the script with node against Debian's chromium.
# Usage: scripts/browser-test.sh SCRIPT.mjs   (env: MPEMU_BIN, MPEMU_BUILD_DIR, MPEMU_CHROMIUM, and
# MPEMU_SCREENSHOTS: where the pages' screenshots go, default /tmp/mpemu-browser-screenshots)
# Exit 77 (ctest SKIPPED) when chromium or node is missing, or the npm registry cannot be reached and
# the packages are not installed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
script=$1; shift
src="$root/tests/browser"
dest="${MPEMU_BUILD_DIR:-$root/build}/browser"
mkdir -p "$dest"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIP: node/npm not installed"; exit 77
fi
chromium="${MPEMU_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  echo "SKIP: $chromium not found (apt-get install chromium, or set MPEMU_CHROMIUM)"; exit 77
fi
# The check and the install under one lock; only a finished install (the stamp) counts.
exec 9>"$dest/.install.lock"; flock 9
if ! cmp -s "$src/package.json" "$dest/package.json" || [ ! -f "$dest/.installed" ]; then
  rm -f "$dest/.installed"
  cp "$src/package.json" "$dest/package.json"
  [ -f "$src/package-lock.json" ] && cp "$src/package-lock.json" "$dest/package-lock.json"
  if ! (cd "$dest" && timeout 300 npm install --no-audit --no-fund --loglevel=error >"$dest/npm-install.log" 2>&1); then
    rm -rf "$dest/node_modules" "$dest/package.json"
    echo "SKIP: npm install failed (registry unreachable?):"; tail -5 "$dest/npm-install.log" || true
    exit 77
  fi
  touch "$dest/.installed"
fi
flock -u 9
export NODE_PATH="$dest/node_modules"
export MPEMU_CHROMIUM="$chromium"
export MPEMU_FIXTURES="${MPEMU_FIXTURES:-$root/fixtures/default}"
export MPEMU_SCREENSHOTS="${MPEMU_SCREENSHOTS:-/tmp/mpemu-browser-screenshots}"
mkdir -p "$MPEMU_SCREENSHOTS"
exec node "$src/$script" "$@"
