#!/usr/bin/env bash
# End-to-end figures for the foundation, in one run on this machine (loopback only, bounded in time):
#   - start-to-healthy time of `mpemu serve` (target <= 50 ms; WireMock takes ~1.1 s here),
#   - reset time (target <= 5 ms),
#   - jscode2session throughput at 32 connections, as a ratio to GET /__admin/health on the same server
#     (the bare HTTP path: what the framework costs around the endpoint),
#   - peak RSS of the server under that load (target <= 64 MB).
# Usage: bench/e2e/foundation.sh [build-dir]   (builds with -DMPEMU_BUILD_BENCH=ON; installs wrk if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-bench}
DURATION=${DURATION:-10}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMPEMU_BUILD_BENCH=ON -DMPEMU_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target mpemu startup_load >/dev/null

echo "== start-to-healthy (20 runs)"
"$BUILD/bench/startup_load" "$BUILD/mpemu" 20

OUT=$(mktemp); CODES=$(mktemp); LUA=$(mktemp --suffix .lua); HLUA=$(mktemp --suffix .lua)
"$BUILD/mpemu" serve --port 0 --log-level warn --journal-size 10000 >"$OUT" &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -f "$OUT" "$CODES" "$LUA" "$HLUA"' EXIT
for _ in $(seq 100); do grep -q listening "$OUT" 2>/dev/null && break; sleep 0.05; done
URL=$(sed -n 's/^mpemu listening on //p' "$OUT")

echo "== reset (server-side ms, 20 runs)"
for _ in $(seq 20); do curl -s -X POST "$URL/__admin/reset" -d '' | sed -E 's/.*"ms":([0-9.e-]+).*/\1/'; echo; done |
  sort -g | awk '{a[NR]=$1} END {printf "{\"reset_ms\":{\"min\":%.3f,\"median\":%.3f,\"max\":%.3f}}\n", a[1], a[int((NR+1)/2)], a[NR]}'

APPID=wx8f3b6c2a1d4e5f60; SECRET=409fba12ba68f46d2c43ff6c2477a632; OPENID=obO5FeYx9pM5gNfdKwkEJ3PEVVIP
N=${CODES_COUNT:-400000}
echo "== minting $N login codes"
for _ in $(seq $((N / 20000))); do
  curl -s -X POST "$URL/__admin/wechat/login-codes" -d "{\"appid\":\"$APPID\",\"openid\":\"$OPENID\",\"count\":20000}" |
    tr -d '[]{}"' | sed 's/codes://' | tr ',' '\n' >>"$CODES"
  echo >>"$CODES"  # the reply has no final newline
done
cat >"$LUA" <<LUA
local codes = {}
local i = 0
init = function(args)
  for line in io.lines("$CODES") do codes[#codes + 1] = line end
  -- each wrk thread takes a disjoint slice of the codes
  i = (tonumber(id) or 0) * math.floor(#codes / 2)
end
setup = function(thread) thread:set("id", tostring(thread_counter or 0)); thread_counter = (thread_counter or 0) + 1 end
request = function()
  -- wraps around within the slice if the run outlasts it (reused codes then answer 40163)
  i = i + 1
  local code = codes[i] or codes[(i % #codes) + 1]
  return wrk.format("GET", "/sns/jscode2session?appid=$APPID&secret=$SECRET&js_code=" .. code .. "&grant_type=authorization_code")
end
LUA
# The reference goes through the same Lua request() machinery, so the client-side cost is alike.
cat >"$HLUA" <<LUA
request = function() return wrk.format("GET", "/__admin/health") end
LUA

echo "== GET /__admin/health, 32 connections, ${DURATION}s (reference)"
wrk -t2 -c32 -d"${DURATION}s" --latency -s "$HLUA" "$URL" | tee /tmp/mpemu-wrk-health.txt | grep -E "Requests/sec|99%"
echo "== GET /sns/jscode2session, 32 connections, ${DURATION}s"
wrk -t2 -c32 -d"${DURATION}s" --latency -s "$LUA" "$URL" | tee /tmp/mpemu-wrk-login.txt | grep -E "Requests/sec|99%|Non-2xx"
RSS=$(awk '/VmHWM/ {print $2}' /proc/$PID/status)
H=$(awk '/Requests\/sec/ {print $2}' /tmp/mpemu-wrk-health.txt)
L=$(awk '/Requests\/sec/ {print $2}' /tmp/mpemu-wrk-login.txt)
awk -v h="$H" -v l="$L" -v rss="$RSS" 'BEGIN {printf "{\"health_rps\":%.0f,\"jscode2session_rps\":%.0f,\"ratio\":%.2f,\"peak_rss_mb\":%.1f}\n", h, l, l/h, rss/1024}'
