#!/usr/bin/env bash
# Runs real_hosts.test.mjs: installs the pinned SDKs (scripts/sdk-test.sh, outside the namespace), then in a
# private mount+network namespace maps the providers' hostnames to 127.0.0.1, starts `mpemu serve --tls
# --tls-port 443` and runs node with NODE_EXTRA_CA_CERTS. Exit 77 = skipped (npm or unshare unavailable).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
if [ -z "${MPEMU_IN_NAMESPACE:-}" ]; then
  node_path=$("$root/scripts/sdk-test.sh" tls installed.mjs | tail -1)  # exits 77 itself when npm is unreachable
  unshare --mount --net true 2>/dev/null || { echo "MPEMU-SKIPPED: unshare --mount --net is not permitted"; exit 77; }
  export MPEMU_IN_NAMESPACE=1 NODE_PATH="$node_path"
  exec timeout 200 unshare --mount --net "$0" "$@"
fi
ip link set lo up
work=$(mktemp -d /tmp/mpemu-sdk-tls-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
printf '127.0.0.1 localhost api.weixin.qq.com api.mch.weixin.qq.com openapi.alipay.com\n' >"$work/hosts"
mount --bind "$work/hosts" /etc/hosts
export MPEMU_FIXTURES="${MPEMU_FIXTURES:-$root/fixtures/default}"
"$MPEMU_BIN" serve --port 8787 --tls --tls-port 443 --ca-dir "$work/ca" --fixtures "$MPEMU_FIXTURES" \
  --log-level warn >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
for _ in $(seq 100); do grep -q "mpemu trust" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
grep -q "mpemu trust" "$work/serve.out" || { cat "$work/serve.err"; echo "FAIL: the emulator did not start"; exit 1; }
MPEMU_URL=http://127.0.0.1:8787 NODE_EXTRA_CA_CERTS="$work/ca/ca.pem" node "$here/real_hosts.test.mjs"
