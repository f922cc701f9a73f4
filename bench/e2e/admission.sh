#!/usr/bin/env bash
# jscode2session at 32 connections with the admission gate closed to the core count (--max-running 0),
# at 4, and open (--max-running 1024), in one run: p50, p99 and requests/s of each (loopback only,
# DURATION seconds per run). WRK_THREADS=1 keeps wrk on one core; 2 measures with two client threads.
# Usage: bench/e2e/admission.sh [build-dir]   (default: build; needs wrk)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
DURATION=${DURATION:-8}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
BIN="$BUILD/mpemu"
APPID=wx8f3b6c2a1d4e5f60; SECRET=409fba12ba68f46d2c43ff6c2477a632; OPENID=obO5FeYx9pM5gNfdKwkEJ3PEVVIP
for running in 0 4 1024; do
  OUT=$(mktemp); CODES=$(mktemp); LUA=$(mktemp --suffix .lua)
  "$BIN" serve --port 0 --log-level warn --max-running "$running" >"$OUT" &
  PID=$!
  trap 'kill $PID 2>/dev/null || true; rm -f "$OUT" "$CODES" "$LUA"' EXIT
  for _ in $(seq 100); do grep -q listening "$OUT" 2>/dev/null && break; sleep 0.05; done
  URL=$(sed -n 's/^mpemu listening on //p' "$OUT")
  for _ in $(seq 10); do
    curl -s -X POST "$URL/__admin/wechat/login-codes" \
      -d "{\"appid\":\"$APPID\",\"openid\":\"$OPENID\",\"count\":20000}" |
      tr -d '[]{}"' | sed 's/codes://' | tr ',' '\n' >>"$CODES"
    echo >>"$CODES"
  done
  cat >"$LUA" <<LUA
local codes = {}
local i = 0
init = function(args) for line in io.lines("$CODES") do codes[#codes + 1] = line end end
request = function()
  i = i + 1
  local code = codes[i] or codes[(i % #codes) + 1]
  return wrk.format("GET", "/sns/jscode2session?appid=$APPID&secret=$SECRET&js_code=" .. code .. "&grant_type=authorization_code")
end
LUA
  echo "== --max-running $running"
  wrk -t"${WRK_THREADS:-1}" -c32 -d"${DURATION}s" --latency -s "$LUA" "$URL" | grep -E "Requests/sec|50%|99%"
  kill $PID; wait $PID 2>/dev/null || true
  rm -f "$OUT" "$CODES" "$LUA"
done
