#!/usr/bin/env bash
# ThreadSanitizer over the concurrency tests (run it before closing any issue that touches threads).
# Debian's libcpp-httplib.so is not instrumented, so races TSan sees inside it are suppressed by name
# in tests/sanitizers/tsan.supp (frames of that library only); our own code is never suppressed.
set -euo pipefail
exec "$(dirname "$0")/sanitize.sh" thread "$@"
