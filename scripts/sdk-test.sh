#!/usr/bin/env bash
# Runs one SDK test: installs the pinned npm packages of tests/sdk/<name>/package.json into the build
# folder (once per package.json change), then runs the test script with node.
# Usage: scripts/sdk-test.sh NAME SCRIPT.mjs   (env: MPEMU_BIN, MPEMU_BUILD_DIR)
# Exit 77 (ctest SKIPPED) when the npm registry cannot be reached and the packages are not installed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
name=$1; script=$2; shift 2
src="$root/tests/sdk/$name"
dest="${MPEMU_BUILD_DIR:-$root/build}/sdk/$name"
mkdir -p "$dest"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIP: node/npm not installed"; exit 77
fi
# ctest runs several SDK tests of one folder at once: the check and the install happen under one lock,
# and only a finished install (the stamp) counts, never a node_modules another test is still filling.
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
export MPEMU_FIXTURES="${MPEMU_FIXTURES:-$root/fixtures/default}"
exec node "$src/$script" "$@"
