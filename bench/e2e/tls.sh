#!/usr/bin/env bash
# End-to-end figures for `serve --tls` and `serve --proxy`, in one run (loopback only, bounded in time):
#   - TLS handshakes/s on the --tls port (openssl s_time, new sessions), as a ratio to plain TCP
#     connect+request+close/s on the plain port (wrk with "Connection: close");
#   - GET /__admin/health over TLS with keep-alive (wrk, 32 connections), as a ratio to plain HTTP on the
#     same server;
#   - the plain port behind --proxy (every connection relayed by the front), as a ratio to the same server's
#     direct plain listener without --proxy (the proxy's overhead per request).
# Usage: bench/e2e/tls.sh [build-dir]   (builds with -DMPEMU_BUILD_BENCH=ON unless the binary exists;
# installs wrk if missing). DURATION=seconds per measurement (default 10).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-bench}
DURATION=${DURATION:-10}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
if [ ! -x "$BUILD/mpemu" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMPEMU_BUILD_BENCH=ON -DMPEMU_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j2 --target mpemu >/dev/null
fi
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT

start() {  # start NAME ARGS...: waits until the server printed its ports into $WORK/NAME.out
  local name=$1 want=listening
  shift
  [[ " $* " == *" --tls "* || " $* " == *" --proxy "* ]] && want="mpemu trust"
  "$BUILD/mpemu" serve --port 0 --log-level warn --journal-size 1000 --ca-dir "$WORK/ca" "$@" >"$WORK/$name.out" &
  PIDS+=($!)
  for _ in $(seq 200); do grep -q "$want" "$WORK/$name.out" 2>/dev/null && break; sleep 0.05; done
}
rps() { wrk -t1 -c"$1" -d"${DURATION}s" "${@:2}" | awk '/Requests\/sec/ {print $2}'; }

start tls --tls --tls-port 0 --tls-host 127.0.0.1  # wrk names the IP in SNI
PLAIN=$(sed -n 's/^mpemu listening on //p' "$WORK/tls.out")
TLSPORT=$(sed -n 's/^mpemu tls listening on https:\/\/[^:]*:\([0-9]*\).*/\1/p' "$WORK/tls.out")
start direct
DIRECT=$(sed -n 's/^mpemu listening on //p' "$WORK/direct.out")
start proxy --proxy
PROXY=$(sed -n 's/^mpemu listening on //p' "$WORK/proxy.out")

echo "== handshakes: TLS new sessions/s vs plain connect+request+close/s (1 connection at a time)"
HS_REAL=$(timeout $((DURATION + 10)) openssl s_time -connect "127.0.0.1:$TLSPORT" -new -time "$DURATION" 2>/dev/null |
  awk '/real seconds/ {print $1/$4}' | head -1 || true)
CL=$(rps 1 -H "Connection: close" "$PLAIN/__admin/health")
echo "{\"tls_handshakes_per_s\":${HS_REAL:-0},\"plain_close_per_s\":$CL,\"ratio\":$(awk "BEGIN{print ${HS_REAL:-0}/$CL}")}"

echo "== keep-alive: GET /__admin/health at 32 connections, TLS vs plain"
P=$(rps 32 "$PLAIN/__admin/health")
T=$(rps 32 "https://127.0.0.1:$TLSPORT/__admin/health")
echo "{\"plain_rps\":$P,\"tls_rps\":$T,\"ratio\":$(awk "BEGIN{print $T/$P}")}"

echo "== proxy overhead: plain HTTP through the --proxy port vs a direct listener"
D=$(rps 32 "$DIRECT/__admin/health")
X=$(rps 32 "$PROXY/__admin/health")
echo "{\"direct_rps\":$D,\"via_proxy_port_rps\":$X,\"ratio\":$(awk "BEGIN{print $X/$D}")}"
