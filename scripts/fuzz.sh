#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/targets, clang + ASan + UBSan) into build-fuzz and runs each one
# from its seed corpus (fuzz/corpus/NAME) for a time or a number of runs. Any crash, leak, sanitizer
# report or timeout fails; the input that caused it is kept in build-fuzz/findings/NAME.
# Usage: scripts/fuzz.sh [--time SECONDS | --runs N] [--jobs N] [TARGET...]
#   CI (scripts/test.sh) runs every target for 30 s, two at a time. The figures in bench/README.md come
#   from `scripts/fuzz.sh --runs 10000000`.
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=(-max_total_time=30)
JOBS=${MPEMU_JOBS:-2}
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) LIMIT=(-max_total_time="$2"); shift 2 ;;
    --runs) LIMIT=(-runs="$2"); shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
command -v clang++ > /dev/null || { echo "fuzz: clang++ is missing (scripts/setup.sh installs clang)"; exit 2; }

BUILD_DIR=${MPEMU_FUZZ_BUILD_DIR:-build-fuzz}
cmake -S . -B "$BUILD_DIR" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DMPEMU_FUZZ=ON -DMPEMU_BUILD_TESTS=OFF > /dev/null
if [ ${#TARGETS[@]} -eq 0 ]; then
  for f in fuzz/targets/*.cpp; do TARGETS+=("$(basename "$f" .cpp)"); done
fi
cmake --build "$BUILD_DIR" -j"${MPEMU_JOBS:-2}" --target "${TARGETS[@]}"

export ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
out=$PWD/$BUILD_DIR/findings
mkdir -p "$out"
run_one() {
  local name=$1 work="$PWD/$BUILD_DIR/corpus/$1"
  mkdir -p "$work" "$out/$name"
  # The seeds stay read-only in the repo; what the fuzzer learns lives in the build folder.
  if "$PWD/$BUILD_DIR/fuzz/$name" "${LIMIT[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$out/$name/" -print_final_stats=1 "$work" "fuzz/corpus/$name" \
      > "$out/$name.log" 2>&1; then
    echo "fuzz $name: ok, $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$out/$name.log" | grep -o '[0-9]*$') runs"
  else
    echo "fuzz $name: FAILED (log: $out/$name.log, inputs: $out/$name/)"
    tail -40 "$out/$name.log"
    return 1
  fi
}
export -f run_one
export BUILD_DIR LIMIT_STR="${LIMIT[*]}" out
status=0
printf '%s\n' "${TARGETS[@]}" | xargs -P "$JOBS" -I{} bash -c 'LIMIT=($LIMIT_STR); run_one {}' || status=1
exit $status
