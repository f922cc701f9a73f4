#!/usr/bin/env bash
# Builds mpemu and its Catch2 tests with sanitizers and runs the unit and integration tests under them.
# Usage: scripts/sanitize.sh [address,undefined|thread] [ctest args...]
#   default: address,undefined into build-asan (CI runs this through scripts/test.sh).
# The emulator child processes that integration tests start are sanitized too; every report of the
# test binaries or of those children is written under BUILD/sanitizer-logs, and any report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
SAN=${1:-address,undefined}
shift || true
case "$SAN" in
  thread) BUILD_DIR=${MPEMU_TSAN_BUILD_DIR:-build-tsan} ;;
  *) BUILD_DIR=${MPEMU_ASAN_BUILD_DIR:-build-asan} ;;
esac

# -O1 keeps the sanitized tests quick; tests and benchmarks stay loopback-only as everywhere.
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DMPEMU_SANITIZE="$SAN" -DMPEMU_WERROR=ON -DMPEMU_BUILD_TESTS=ON > /dev/null
cmake --build "$BUILD_DIR" -j"${MPEMU_JOBS:-2}" --target mpemu unit_tests integration_tests

logs=$PWD/$BUILD_DIR/sanitizer-logs
rm -rf "$logs" && mkdir -p "$logs"
supp=$PWD/tests/sanitizers
export ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=0"
export TSAN_OPTIONS="log_path=$logs/tsan:suppressions=$supp/tsan.supp:second_deadlock_stack=1:halt_on_error=0"

cd "$BUILD_DIR"
status=0
if [ "$SAN" = thread ]; then
  # The concurrency tests: parallel writers, refunds and pay/close races, the outbox and journal.
  ctest --output-on-failure -j1 --timeout 600 -R '(concurren|parallel|race|outbox|journal)' "$@" || status=$?
else
  ctest --output-on-failure -j"${MPEMU_TEST_JOBS:-2}" --timeout 600 -R '^(unit|integration):' "$@" || status=$?
fi
# ASan warns once in every process that switches stacks with swapcontext (the load runner's fibers,
# which tell it about each switch): that line alone is not a finding.
for f in "$logs"/*; do
  [ -f "$f" ] || continue
  grep -qv "doesn't fully support makecontext/swapcontext" "$f" || rm -f "$f"
done
if compgen -G "$logs/*" > /dev/null; then
  echo "sanitize ($SAN): reports were written:"
  for f in "$logs"/*; do echo "--- $f"; head -60 "$f"; done
  echo "sanitize ($SAN): $(ls "$logs" | wc -l) report files: failed"
  exit 1
fi
echo "sanitize ($SAN): no reports"
exit $status
