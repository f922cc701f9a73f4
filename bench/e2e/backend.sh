#!/usr/bin/env bash
# End-to-end figures for the backend mimic, in one run on this machine (loopback only, bounded in time):
#   - a stub route (GET /api/hello, templated body) and a collection GET (GET /api/products/1, SQLite)
#     at 32 connections with wrk,
#   - against nginx serving the same bytes (installed with apt-get when missing and possible),
#     else against the bare GET /__admin/health of the same server;
#   - ratios and p99 latencies (targets: stub >= 0.4x nginx, p99 <= 2 ms).
# Usage: bench/e2e/backend.sh [build-dir]   (DURATION=seconds per run, default 10;
#        MPEMU_BIN=path/to/mpemu skips the Release build and uses that binary;
#        WRK_THREADS=1 keeps wrk on one core: on a 2-core machine two wrk threads take CPU from the
#        server under test and its p99 then measures the contention as much as the server)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-bench}
DURATION=${DURATION:-10}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
if ! command -v nginx >/dev/null && [ -x /usr/sbin/nginx ]; then PATH=$PATH:/usr/sbin; fi
command -v nginx >/dev/null || { (apt-get update -qq && apt-get install -y -qq nginx-light) >/dev/null 2>&1 || true; }
[ -x /usr/sbin/nginx ] && PATH=$PATH:/usr/sbin
if [ -z "${MPEMU_BIN:-}" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMPEMU_BUILD_BENCH=ON -DMPEMU_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j2 --target mpemu >/dev/null
  MPEMU_BIN="$BUILD/mpemu"
fi

WORK=$(mktemp -d)
chmod 755 "$WORK"  # nginx workers run as an unprivileged user
OUT="$WORK/serve.out"
"$MPEMU_BIN" serve --port 0 --log-level error >"$OUT" 2>&1 &
PID=$!
NGINX_PID=
cleanup() {
  kill $PID 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 100); do grep -q listening "$OUT" 2>/dev/null && break; sleep 0.05; done
URL=$(sed -n 's/^mpemu listening on //p' "$OUT")

run() {  # name url -> prints rps and p99 in ms
  wrk -t${WRK_THREADS:-2} -c32 -d"${DURATION}s" --latency "$2" >"$WORK/$1.txt"
  local rps p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$1.txt")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/, "", v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/, "", v)} else if (v ~ /s$/) {sub(/s/, "", v); v=v*1000}; print v}' "$WORK/$1.txt")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/$1.txt")
  echo "$1 $rps $p99 ${non2xx:-0}"
}

REF=health
REF_URL="$URL/__admin/health"
if command -v nginx >/dev/null; then
  # nginx serves the mimic's exact bytes for both paths.
  mkdir -p "$WORK/www/api/products" "$WORK/logs"
  curl -s "$URL/api/hello" >"$WORK/www/api/hello"
  curl -s "$URL/api/products/1" >"$WORK/www/api/products/1"
  cat >"$WORK/nginx.conf" <<NGX
worker_processes 2;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  client_body_temp_path $WORK/logs; proxy_temp_path $WORK/logs; fastcgi_temp_path $WORK/logs;
  uwsgi_temp_path $WORK/logs; scgi_temp_path $WORK/logs;
  server { listen 127.0.0.1:18790; root $WORK/www; }
}
NGX
  nginx -c "$WORK/nginx.conf" -p "$WORK" &
  NGINX_PID=$!
  for _ in $(seq 50); do curl -sf http://127.0.0.1:18790/api/hello >/dev/null && { REF=nginx; break; }; sleep 0.1; done
fi

echo "== 32 connections, ${DURATION}s each; reference: $REF"
RESULTS=()
if [ "$REF" = nginx ]; then
  RESULTS+=("$(run nginx_stub http://127.0.0.1:18790/api/hello)")
  RESULTS+=("$(run nginx_collection http://127.0.0.1:18790/api/products/1)")
else
  RESULTS+=("$(run health "$REF_URL")")
fi
RESULTS+=("$(run stub "$URL/api/hello")")
RESULTS+=("$(run collection "$URL/api/products/1")")
printf '%s\n' "${RESULTS[@]}" | awk -v ref="$REF" '
  {rps[$1]=$2; p99[$1]=$3; bad[$1]=$4; print "  " $1 ": " $2 " req/s, p99 " $3 " ms, non-2xx " $4}
  END {
    rs = (ref == "nginx") ? rps["nginx_stub"] : rps["health"];
    rc = (ref == "nginx") ? rps["nginx_collection"] : rps["health"];
    printf "{\"reference\":\"%s\",\"stub_rps\":%.0f,\"stub_ratio\":%.2f,\"stub_p99_ms\":%.3f,\"collection_rps\":%.0f,\"collection_ratio\":%.2f,\"collection_p99_ms\":%.3f}\n",
      ref, rps["stub"], rps["stub"]/rs, p99["stub"], rps["collection"], rps["collection"]/rc, p99["collection"]
  }'
