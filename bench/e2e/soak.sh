#!/usr/bin/env bash
# Bounded soak of `mpemu serve` (loopback only): mixed traffic across every service at a fixed rate
# (bench/e2e/soak_load.cpp: WeChat login, access token, WeChat Pay v3 prepay+query+pay, v2 unifiedorder,
# Alipay precreate+pay+query, the backend mimic, payment notifications through the outbox to a local
# sink), once with in-memory state and `--retain RETAIN` (what must be kept lives in RAM, so only settled rows
# older than RETAIN may go) and once with `--state FILE` (rows live in the file; RSS is bounded by SQLite's
# page cache, and the file grows with the orders, as a provider's records do). RSS (VmRSS of /proc/PID/status) and the
# journal's fill are sampled every SAMPLE seconds and printed as a table, then a verdict per run:
#   flat = the largest RSS in the last third of the run <= FLAT_FACTOR x the RSS when the journal
#   (a ring of --journal-size entries, 10,000 by default) became full.
# Exit 1 when a run is not flat, the journal never filled, or any request got an unexpected answer.
# Not in CI (it takes DURATION seconds per run).
# Usage: bench/e2e/soak.sh [build-dir]
#   env: DURATION=1800 (seconds per run)  RATE=300 (requests/s)  SAMPLE=10 (seconds)  FLAT_FACTOR=1.1
#        RETAIN=60s (serve --retain of the in-memory run)
#        MODES="memory state"  MPEMU_BIN=... SOAK_LOAD=... (skip the Release build and use these binaries)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-bench}
DURATION=${DURATION:-1800}
RATE=${RATE:-300}
SAMPLE=${SAMPLE:-10}
FLAT_FACTOR=${FLAT_FACTOR:-1.1}
MODES=${MODES:-memory state}
RETAIN=${RETAIN:-60s}
if [ -z "${MPEMU_BIN:-}" ] || [ -z "${SOAK_LOAD:-}" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMPEMU_BUILD_BENCH=ON -DMPEMU_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j2 --target mpemu soak_load >/dev/null
  MPEMU_BIN=${MPEMU_BIN:-$BUILD/mpemu}
  SOAK_LOAD=${SOAK_LOAD:-$BUILD/bench/soak_load}
fi

WORK=$(mktemp -d)
PID=
LOAD_PID=
cleanup() {
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null || true
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
journal() {  # prints "total_recorded capacity"
  curl -s "$1/__admin/requests?limit=1" | sed -E 's/.*"total_recorded":([0-9]+),"capacity":([0-9]+).*/\1 \2/'
}

STATUS=0
for MODE in $MODES; do
  ARGS=(serve --port 0 --log-level error)
  STATE_FILE=
  LABEL="in-memory state, --retain $RETAIN"
  if [ "$MODE" = memory ]; then
    ARGS+=(--retain "$RETAIN")
  elif [ "$MODE" = state ]; then
    STATE_FILE="$WORK/state.db"
    ARGS+=(--state "$STATE_FILE")
    LABEL="--state FILE"
  fi
  "$MPEMU_BIN" "${ARGS[@]}" >"$WORK/serve.out" 2>"$WORK/serve.err" &
  PID=$!
  for _ in $(seq 200); do grep -q listening "$WORK/serve.out" 2>/dev/null && break; sleep 0.05; done
  URL=$(sed -n 's/^mpemu listening on //p' "$WORK/serve.out" | head -1)
  [ -n "$URL" ] || { echo "serve did not start:"; cat "$WORK/serve.err"; exit 1; }

  echo "== soak, $LABEL, ${DURATION}s at $RATE requests/s, RSS every ${SAMPLE}s ($URL)"
  "$SOAK_LOAD" "$URL" "$DURATION" "$RATE" >"$WORK/load.json" 2>"$WORK/load.err" &
  LOAD_PID=$!
  START=$(date +%s.%N)
  : >"$WORK/samples"
  sample() {
    local t rss j db
    t=$(awk -v s="$START" -v n="$(date +%s.%N)" 'BEGIN {printf "%.0f", n - s}')
    rss=$(rss_kb "$PID")
    j=$(journal "$URL")
    db=0
    if [ -n "$STATE_FILE" ]; then
      db=$(($(stat -c %s "$STATE_FILE" 2>/dev/null || echo 0) + $(stat -c %s "$STATE_FILE-wal" 2>/dev/null || echo 0)))
    fi
    echo "$t $rss $j $db" >>"$WORK/samples"
  }
  sample
  NEXT=$SAMPLE
  while kill -0 "$LOAD_PID" 2>/dev/null; do
    sleep 1
    NOW=$(awk -v s="$START" -v n="$(date +%s.%N)" 'BEGIN {printf "%d", n - s}')
    if [ "$NOW" -ge "$NEXT" ] && kill -0 "$LOAD_PID" 2>/dev/null; then
      sample
      NEXT=$((NEXT + SAMPLE))
    fi
  done
  LOAD_RC=0
  wait "$LOAD_PID" || LOAD_RC=$?
  LOAD_PID=
  sample
  HWM=$(awk '/^VmHWM/ {print $2}' "/proc/$PID/status")
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  PID=

  head -c 3000 "$WORK/load.err"
  cat "$WORK/load.json"
  ERRORS=$(sed -nE 's/.*"errors":([0-9]+).*/\1/p' "$WORK/load.json")
  ERRORS=${ERRORS:-unknown}
  echo "| t (s) | RSS (MB) | journal entries recorded | state file + WAL (MB) |"
  echo "|---|---|---|---|"
  awk '{db = $5 > 0 ? sprintf("%.1f", $5 / 1048576) : "-"; printf "| %d | %.1f | %d | %s |\n", $1, $2 / 1024, $3, db}' \
    "$WORK/samples"
  # The verdict: RSS at the first sample with a full journal against the last third's maximum.
  VERDICT=$(awk -v dur="$DURATION" -v f="$FLAT_FACTOR" -v hwm="$HWM" '
    { t[NR] = $1; rss[NR] = $2; rec[NR] = $3; cap = $4 }
    END {
      for (i = 1; i <= NR; i++) if (rec[i] >= cap) { fill = i; break }
      if (!fill) { printf "NOT FULL: the journal (capacity %d) recorded only %d entries\n", cap, rec[NR]; exit 1 }
      max = 0
      for (i = 1; i <= NR; i++) if (t[i] >= dur * 2 / 3 && rss[i] > max) max = rss[i]
      ok = max <= f * rss[fill]
      printf "%s: journal capacity %d, full at t=%ds with RSS %.1f MB; last third max %.1f MB = %.2fx", \
        ok ? "FLAT" : "GROWING", cap, t[fill], rss[fill] / 1024, max / 1024, max / rss[fill]
      printf " (limit %.2fx); end %.1f MB, peak (VmHWM) %.1f MB\n", f, rss[NR] / 1024, hwm / 1024
      exit ok ? 0 : 1
    }' "$WORK/samples") && FLAT=1 || FLAT=0
  echo "verdict ($LABEL): $VERDICT; errors: $ERRORS"
  if [ "$FLAT" != 1 ] || [ "$ERRORS" != 0 ] || [ "$LOAD_RC" != 0 ]; then STATUS=1; fi
done
exit $STATUS
