#!/usr/bin/env bash
# WeChat Pay v3 end-to-end figures in one run on this machine (loopback only, bounded in time):
# JSAPI prepay and order-query throughput at 32 connections as ratios to `openssl speed rsa2048`'s
# sign rate (default CPU-time figure and -elapsed wall-clock figure), plus the verify/sign micro
# benchmarks. Target: ratio >= 0.8. Then API v2: unifiedorder throughput at 32 connections as a
# ratio to GET /__admin/health measured before and after in the same run, and the v2 XML parse /
# MD5 verify / signed reply micro benchmarks.
# Usage: bench/e2e/wechatpay.sh [build-dir]   (env: SECONDS_PER_PHASE, CONNECTIONS)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-bench}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMPEMU_BUILD_BENCH=ON -DMPEMU_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target mpemu wechatpay_load wechatpay_v2_load bench_micro >/dev/null
echo "== jsapi prepay and query throughput"
"$BUILD/bench/wechatpay_load" "$BUILD/mpemu" "${SECONDS_PER_PHASE:-5}" "${CONNECTIONS:-32}"
echo "== per-request crypto"
"$BUILD/bench/bench_micro" --benchmark_filter=WechatPay --benchmark_min_time=0.5
echo "== v2 unifiedorder throughput vs /__admin/health"
"$BUILD/bench/wechatpay_v2_load" "$BUILD/mpemu" "${SECONDS_PER_PHASE:-5}" "${CONNECTIONS:-32}"
echo "== v2 XML parse, MD5/HMAC verify, signed reply"
"$BUILD/bench/bench_micro" --benchmark_filter=V2 --benchmark_min_time=0.5
