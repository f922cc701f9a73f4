#!/usr/bin/env bash
# alipay.trade.query throughput at 32 connections as a ratio to the RSA-2048 sign rate of
# `openssl speed -seconds 3 rsa2048`, measured in the same run (target >= 0.8), plus the in-process
# sign rate and the Alipay protocol micro benchmarks. Loopback only, bounded in time.
# Usage: bench/e2e/alipay.sh [build-dir]   (DURATION=seconds of load, default 10)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-bench}
DURATION=${DURATION:-10}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMPEMU_BUILD_BENCH=ON -DMPEMU_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target mpemu alipay_query_load bench_micro >/dev/null

echo "== openssl speed -seconds 3 rsa2048"
SIGN=$(openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')
echo "openssl rsa2048 sign/s: $SIGN"

# 8192 distinct trades: every reply node differs, so every reply pays for an RSA sign (the
# signature cache holds 4096). One trade: an unchanged trade polled, signatures reused.
for DISTINCT in 8192 1; do
  echo "== alipay.trade.query at 32 connections over $DISTINCT trade(s) (${DURATION}s)"
  LINE=$("$BUILD/bench/alipay_query_load" "$BUILD/mpemu" "$DURATION" 32 "$DISTINCT")
  echo "$LINE"
  RPS=$(echo "$LINE" | sed -E 's/.*"alipay_trade_query_rps":([0-9.]+).*/\1/')
  awk -v r="$RPS" -v s="$SIGN" -v d="$DISTINCT" 'BEGIN {printf "{\"distinct_trades\":%d,\"alipay_trade_query_rps\":%.1f,\"openssl_rsa2048_sign_per_s\":%.1f,\"ratio\":%.3f}\n", d, r, s, r / s}'
done

echo "== protocol micro benchmarks"
"$BUILD/bench/bench_micro" --benchmark_filter='Alipay|RsaSha256' --benchmark_min_time=0.5
