#!/usr/bin/env bash
# Installs what mpemu needs on Debian 12 (as root, or with sudo), then configures and builds.
# Usage: scripts/setup.sh [build-dir]        (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}

PACKAGES=(build-essential cmake pkg-config git ca-certificates
          libcpp-httplib-dev nlohmann-json3-dev libsqlite3-dev libssl-dev zlib1g-dev libbrotli-dev
          catch2 libbenchmark-dev libcli11-dev
          nodejs npm openssl curl
          ccache clang-format clang-tidy libxml2-utils
          clang libclang-rt-14-dev  # scripts/fuzz.sh: libFuzzer targets (clang + ASan + UBSan)
          php-cli php-curl  # PHP: tests/integration/tls (a real PHP cURL client)
          chromium fonts-wqy-zenhei)  # tests/browser: headless Chromium (playwright-core); a CJK font
                                      # so the cashier's screenshots show Chinese text
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from elsewhere than Debian (e.g. a newer NodeSource build); accept those.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "mpemu setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${MPEMU_CMAKE_ARGS:-}
cmake --build "$BUILD_DIR" -j"${MPEMU_JOBS:-2}"
