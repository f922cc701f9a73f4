#!/usr/bin/env bash
# End-to-end figures for the load generator (`mpemu load`), in one run on this machine (loopback only,
# bounded in time), against nginx serving a 60-byte body:
#   - requests/s of `mpemu load` on a one-step GET scenario (with its status assertion) at 32 VUs, and of
#     `wrk -t1 -c32` on the same URL, in alternating rounds; the ratio (target >= 0.8x wrk),
#   - CPU per request (user + system seconds of the generator's process / its requests) of both,
#   - RSS per VU: the generator's peak RSS divided by its VUs, at 32 VUs and at 10,000 open-model VUs
#     (target: 10,000 VUs in <= 512 MB; each of them held by a request nginx answers after 1 s),
#   - the rate `--rate 5000/s` achieved (target within 1%) and the arrivals dropped.
# Usage: bench/e2e/load.sh [build-dir]   (ROUNDS=rounds of each, default 2; DURATION=seconds per round,
#        default 10; MPEMU_BIN=path/to/mpemu skips the Release build and uses that binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-bench}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
PORT=${PORT:-18791}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
[ -x /usr/sbin/nginx ] && PATH=$PATH:/usr/sbin
command -v nginx >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null; }
[ -x /usr/sbin/nginx ] && PATH=$PATH:/usr/sbin
if [ -z "${MPEMU_BIN:-}" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMPEMU_BUILD_BENCH=ON -DMPEMU_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j2 --target mpemu >/dev/null
  MPEMU_BIN="$BUILD/mpemu"
fi
# 10,000 connections at once need as many descriptors, in nginx and in the generator.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

WORK=$(mktemp -d)
chmod 755 "$WORK"
NGINX_PID=
cleanup() {
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# nginx as the current user on a loopback port, with a temporary configuration. /slow answers after 1 s
# (the echo module, when installed) so that the 10,000-VU run really holds 10,000 requests in flight.
mkdir -p "$WORK/www" "$WORK/logs"
printf '%059d\n' 0 >"$WORK/www/body"  # 60 bytes
ECHO_MODULE=/usr/lib/nginx/modules/ngx_http_echo_module.so
LOAD_ECHO=; SLOW=
if [ -f "$ECHO_MODULE" ]; then
  LOAD_ECHO="load_module $ECHO_MODULE;"
  SLOW='location = /slow { echo_sleep 1; echo "slow"; }'
fi
USER_LINE=
[ "$(id -u)" = 0 ] && USER_LINE="user $(id -un) $(id -gn);"
cat >"$WORK/nginx.conf" <<NGX
$LOAD_ECHO
$USER_LINE
worker_processes 1;
worker_rlimit_nofile 30000;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log;
events { worker_connections 25000; }
http {
  access_log off;
  default_type text/plain;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/logs; proxy_temp_path $WORK/logs; fastcgi_temp_path $WORK/logs;
  uwsgi_temp_path $WORK/logs; scgi_temp_path $WORK/logs;
  server {
    listen 127.0.0.1:$PORT backlog=20000;
    root $WORK/www;
    location = / { try_files /body =404; }
    $SLOW
  }
}
NGX
nginx -c "$WORK/nginx.conf" -p "$WORK" &
NGINX_PID=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 50); do curl -sf "$URL/" >/dev/null && break; sleep 0.1; done
[ "$(curl -s "$URL/" | wc -c)" = 60 ] || { echo "nginx did not come up on $URL" >&2; exit 1; }

cat >"$WORK/get.json" <<'JSON'
{"name": "bench: one GET", "steps": [{"name": "get", "request": {"url": "/"}, "assert": {"status": 200}}]}
JSON
cat >"$WORK/slow.json" <<'JSON'
{"name": "bench: one slow GET", "steps": [{"name": "slow", "request": {"url": "/slow"}, "assert": {"status": 200}}]}
JSON

# timed NAME CMD...: runs CMD (output in $WORK/NAME.out) and writes "user_s sys_s peak_rss_kb" of it into
# $WORK/NAME.time: CPU from the shell's `times` for its reaped children (exact), peak RSS sampled from /proc.
# (`times` in this shell, not in a $(...) subshell, whose children are not these.)
child_cpu() {
  times >"$WORK/times"
  tail -1 "$WORK/times" | awk '{for (i = 1; i <= 2; i++) {split($i, a, /[ms]/); t[i] = a[1] * 60 + a[2]}; print t[1], t[2]}'
}
timed() {
  local name=$1 before pid hwm=0 cur
  shift
  child_cpu >"$WORK/before"
  before=$(cat "$WORK/before")
  "$@" >"$WORK/$name.out" 2>&1 &
  pid=$!
  while kill -0 $pid 2>/dev/null; do
    cur=$(awk '/VmHWM/ {print $2}' /proc/$pid/status 2>/dev/null || true)
    [ -n "$cur" ] && [ "$cur" -gt "$hwm" ] && hwm=$cur
    sleep 0.2
  done
  wait $pid || true
  child_cpu >"$WORK/after"
  echo "$before $(cat "$WORK/after") $hwm" | awk '{printf "%.3f %.3f %d\n", $3 - $1, $4 - $2, $5}' >"$WORK/$name.time"
}
json_num() {  # file jq-like-path (dot separated)
  python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[k]
print(v)' "$1" "$2"
}

echo "== nginx 60-byte body at $URL; 32 connections, ${DURATION}s per round, $ROUNDS rounds each, alternating"
for r in $(seq "$ROUNDS"); do
  timed "wrk$r" wrk -t1 -c32 -d"${DURATION}s" "$URL/"
  W=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk$r.out")
  WN=$(awk '/requests in/ {print $1}' "$WORK/wrk$r.out")
  read -r WU WS WM <"$WORK/wrk$r.time"
  timed "load$r" "$MPEMU_BIN" load "$WORK/get.json" --target "$URL" --vus 32 --duration "${DURATION}s" \
    --json "$WORK/load$r.json"
  L=$(json_num "$WORK/load$r.json" stats.rps)
  LN=$(json_num "$WORK/load$r.json" stats.total.requests)
  LE=$(python3 -c 'import json,sys; print(sum(json.load(open(sys.argv[1]))["stats"]["total"]["errors"].values()))' \
    "$WORK/load$r.json")
  read -r LU LS LM <"$WORK/load$r.time"
  awk -v r="$r" -v w="$W" -v wn="$WN" -v wu="$WU" -v ws="$WS" -v l="$L" -v ln="$LN" -v le="$LE" -v lu="$LU" \
    -v ls="$LS" -v lm="$LM" 'BEGIN {
      printf "{\"round\":%d,\"wrk_rps\":%.0f,\"load_rps\":%.0f,\"ratio\":%.2f,\"load_errors\":%d,", r, w, l, l / w, le
      printf "\"wrk_cpu_us_per_request\":%.2f,\"load_cpu_us_per_request\":%.2f,", (wu + ws) * 1e6 / wn, (lu + ls) * 1e6 / ln
      printf "\"load_peak_rss_mb\":%.1f,\"load_rss_kb_per_vu\":%.1f}\n", lm / 1024, lm / 32 }'
done

echo "== --rate 5000/s for ${DURATION}s (at most 500 VUs)"
timed rate "$MPEMU_BIN" load "$WORK/get.json" --target "$URL" --rate 5000/s --max-vus 500 --duration "${DURATION}s" \
  --json "$WORK/rate.json"
if [ -f "$WORK/rate.json" ]; then
  python3 - "$WORK/rate.json" "$DURATION" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["stats"]
d = float(sys.argv[2])
n = s["iterations"]["count"]
print(json.dumps({"rate_asked": 5000, "iterations": n, "dropped": s["iterations"]["dropped"],
                  "rate_held": round(n / d, 1), "off_by_percent": round(abs(n / d - 5000) / 50, 2),
                  "p99_ms": s["total"]["latency"]["p99_ms"], "errors": sum(s["total"]["errors"].values())}))
PY
else
  tail -3 "$WORK/rate.out"
fi

if [ -n "$SLOW" ]; then
  echo "== 10,000 open-model VUs: --rate 10000/s --max-vus 10000 for 3s on a URL answering after 1 s"
  timed vus10k "$MPEMU_BIN" load "$WORK/slow.json" --target "$URL" --rate 10000/s --max-vus 10000 --duration 3s \
    --json "$WORK/vus10k.json"
  read -r VU VS VM <"$WORK/vus10k.time"
  if [ -f "$WORK/vus10k.json" ]; then
    python3 - "$WORK/vus10k.json" "$VM" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["stats"]
rss_kb = int(sys.argv[2])
print(json.dumps({"max_vus": 10000, "iterations": s["iterations"]["count"], "dropped": s["iterations"]["dropped"],
                  "errors": s["total"]["errors"], "peak_rss_mb": round(rss_kb / 1024, 1),
                  "rss_kb_per_vu": round(rss_kb / 10000, 1), "within_512mb": rss_kb <= 512 * 1024}))
PY
  else
    echo "{\"max_vus\":10000,\"peak_rss_mb\":$(awk -v m="$VM" 'BEGIN {printf "%.1f", m / 1024}'),\"failed\":\"$(tail -1 "$WORK/vus10k.out" | tr -d '"')\"}"
  fi
else
  echo "== 10,000 VUs: skipped (no nginx echo module for a slow URL)"
fi
