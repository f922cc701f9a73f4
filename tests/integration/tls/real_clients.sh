#!/usr/bin/env bash
# Real HTTPS clients call the providers' real hostnames with no code change, only environment: once through
# `serve --tls` on port 443 (names mapped by a hosts file) and once through `serve --proxy` (HTTPS_PROXY or
# proxy properties). Everything runs in a private mount+network namespace: the machine's /etc/hosts and
# port 443 are never touched. Exit 77 (skipped) when the namespace or the client is unavailable.
# Usage: real_clients.sh curl|python|java|php|tunnel     (env: MPEMU_BIN, optional MPEMU_FIXTURES)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
client=$1
skip() { echo "MPEMU-SKIPPED: $*"; exit 77; }

if [ -z "${MPEMU_IN_NAMESPACE:-}" ]; then
  command -v unshare >/dev/null || skip "unshare is not installed"
  unshare --mount --net true 2>/dev/null || skip "unshare --mount --net is not permitted here (needs root)"
  export MPEMU_IN_NAMESPACE=1
  exec timeout 240 unshare --mount --net "$0" "$@"
fi
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy NO_PROXY no_proxy
case $client in
  python) command -v python3 >/dev/null || skip "python3 is not installed" ;;
  java) { command -v java && command -v keytool; } >/dev/null || skip "java/keytool (openjdk-17) not installed" ;;
  php) { command -v php >/dev/null && php -m | grep -qix curl; } || skip "php-cli/php-curl not installed" ;;
  curl | tunnel) ;;
  *) echo "unknown client $client"; exit 2 ;;
esac
command -v curl >/dev/null || skip "curl is not installed"
command -v openssl >/dev/null || skip "openssl is not installed"

ip link set lo up
work=$(mktemp -d /tmp/mpemu-tls-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
printf '127.0.0.1 localhost api.weixin.qq.com api.mch.weixin.qq.com openapi.alipay.com tunnel.test\n' >"$work/hosts"
mount --bind "$work/hosts" /etc/hosts

fixtures=${MPEMU_FIXTURES:-$root/fixtures/default}
keys="$fixtures/keys/wechatpay"
"$MPEMU_BIN" serve --port 8787 --proxy --tls --tls-port 443 --ca-dir "$work/ca" --fixtures "$fixtures" \
  --log-level warn >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
for _ in $(seq 100); do grep -q "mpemu trust" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
grep -q "mpemu trust" "$work/serve.out" || { cat "$work/serve.err"; echo "FAIL: the emulator did not start"; exit 1; }
ca="$work/ca/ca.pem"

admin() { curl -sS --noproxy '*' -X "$1" "http://127.0.0.1:8787$2" -H 'Content-Type: application/json' ${3:+--data-binary "$3"}; }
fail() { echo "FAIL [$client/$mode]: $*"; echo "--- response:"; cat "$work/out" 2>/dev/null; echo "--- emulator stderr:"; cat "$work/serve.err"; exit 1; }

if [ "$client" = java ]; then
  keytool -importcert -noprompt -alias mpemu -file "$ca" -keystore "$work/trust.p12" -storetype PKCS12 \
    -storepass changeit >/dev/null
fi

# call METHOD URL BODY [HEADER...]: the client under test; writes status, headers, blank line, body to $work/out.
call() {
  local method=$1 url=$2 body=$3
  shift 3
  case $client in
    curl)
      local route=(--resolve api.weixin.qq.com:443:127.0.0.1 --resolve api.mch.weixin.qq.com:443:127.0.0.1)
      [ "$mode" = proxy ] && route=(--proxy http://127.0.0.1:8787)
      local hs=()
      for h in "$@"; do hs+=(-H "$h"); done
      curl -sS --max-time 20 --cacert "$ca" "${route[@]}" -X "$method" ${body:+--data-binary "$body"} \
        ${hs[@]+"${hs[@]}"} -D "$work/h" -o "$work/b" -w '%{http_code}\n' "$url" >"$work/out"
      # With --proxy the head starts with the CONNECT reply: keep the last block.
      tr -d '\r' <"$work/h" | awk '/^HTTP\//{buf=""; next} NF{buf=buf $0 "\n"} END{printf "%s", buf}' >>"$work/out"
      { echo; cat "$work/b"; } >>"$work/out"
      ;;
    python)
      if [ "$mode" = proxy ]; then
        HTTPS_PROXY=http://127.0.0.1:8787 SSL_CERT_FILE="$ca" python3 "$here/clients/client.py" "$method" "$url" "$body" "$@" >"$work/out"
      else
        SSL_CERT_FILE="$ca" python3 "$here/clients/client.py" "$method" "$url" "$body" "$@" >"$work/out"
      fi
      ;;
    java)
      local props=(-Djavax.net.ssl.trustStore="$work/trust.p12" -Djavax.net.ssl.trustStorePassword=changeit)
      [ "$mode" = proxy ] && props+=(-Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=8787)
      java "${props[@]}" "$here/clients/Client.java" "$method" "$url" "$body" "$@" >"$work/out"
      ;;
    php)
      if [ "$mode" = proxy ]; then
        HTTPS_PROXY=http://127.0.0.1:8787 php -d curl.cainfo="$ca" "$here/clients/client.php" "$method" "$url" "$body" "$@" >"$work/out"
      else
        php -d curl.cainfo="$ca" "$here/clients/client.php" "$method" "$url" "$body" "$@" >"$work/out"
      fi
      ;;
  esac
}
status() { head -1 "$work/out"; }
header() { awk 'NR>1 && /^$/{exit} NR>1' "$work/out" | grep -i "^$1:" | head -1 | sed 's/^[^:]*: *//' | tr -d '\r'; }
body() { awk 'f{print} !f && NR>1 && /^$/{f=1}' "$work/out"; }
last_journal() { admin GET "/__admin/requests?limit=1"; }

if [ "$client" = tunnel ]; then
  mode=proxy
  mkdir -p "$work/www" && echo "tunnelled, not intercepted" >"$work/www/hello.txt"
  python3 -m http.server --bind 127.0.0.1 --directory "$work/www" 8080 >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do curl -s --noproxy '*' -o /dev/null http://127.0.0.1:8080/ && break; sleep 0.1; done
  got=$(curl -sS --max-time 10 --proxy http://127.0.0.1:8787 --proxytunnel http://tunnel.test:8080/hello.txt)
  [ "$got" = "tunnelled, not intercepted" ] || fail "tunnel answered: $got"
  last_journal | grep -q '"operation_id":"proxy.tunnel"' || fail "the tunnel is not journalled"
  echo "ok - a non-provider host is tunnelled through the proxy, not intercepted"
  exit 0
fi

appid=wx8f3b6c2a1d4e5f60
secret=409fba12ba68f46d2c43ff6c2477a632
openid=obO5FeYx9pM5gNfdKwkEJ3PEVVIP
mchid=1900000109
serial=$(tr -d '\n' <"$keys/merchant_cert_serial.txt")

for mode in tls proxy; do
  # 1. jscode2session at https://api.weixin.qq.com
  code=$(admin POST /__admin/wechat/login-codes "{\"appid\":\"$appid\",\"openid\":\"$openid\"}" | sed -E 's/.*"code":"([^"]+)".*/\1/')
  call GET "https://api.weixin.qq.com/sns/jscode2session?appid=$appid&secret=$secret&js_code=$code&grant_type=authorization_code" ""
  [ "$(status)" = 200 ] || fail "jscode2session status $(status)"
  body | grep -q "\"openid\":\"$openid\"" || fail "jscode2session did not return the openid"
  last_journal | grep -q "\"transport\":\"$mode\"" || fail "the journal does not say transport $mode"
  echo "ok - $client ($mode): jscode2session at api.weixin.qq.com"

  # 2. a signed WeChat Pay v3 order at https://api.mch.weixin.qq.com, reply signature verified
  out_trade_no="TLS$(date +%s%N | tail -c 12)$mode"
  req_body="{\"appid\":\"$appid\",\"mchid\":\"$mchid\",\"description\":\"tls test\",\"out_trade_no\":\"$out_trade_no\",\"notify_url\":\"https://example.com/notify\",\"amount\":{\"total\":1,\"currency\":\"CNY\"},\"payer\":{\"openid\":\"$openid\"}}"
  ts=$(date +%s)
  nonce=$(openssl rand -hex 16)
  printf 'POST\n/v3/pay/transactions/jsapi\n%s\n%s\n%s\n' "$ts" "$nonce" "$req_body" >"$work/msg"
  sig=$(openssl dgst -sha256 -sign "$keys/merchant_private_key.pem" "$work/msg" | base64 -w0)
  auth="WECHATPAY2-SHA256-RSA2048 mchid=\"$mchid\",nonce_str=\"$nonce\",signature=\"$sig\",timestamp=\"$ts\",serial_no=\"$serial\""
  call POST https://api.mch.weixin.qq.com/v3/pay/transactions/jsapi "$req_body" \
    "Authorization: $auth" "Content-Type: application/json" "Accept: application/json"
  [ "$(status)" = 200 ] || fail "jsapi order status $(status)"
  body | grep -q '"prepay_id"' || fail "no prepay_id"
  printf '%s\n%s\n%s\n' "$(header wechatpay-timestamp)" "$(header wechatpay-nonce)" "$(body)" >"$work/reply"
  header wechatpay-signature | base64 -d >"$work/reply.sig"
  openssl dgst -sha256 -verify "$keys/platform_public_key.pem" -signature "$work/reply.sig" "$work/reply" >/dev/null ||
    fail "the reply signature does not verify with the platform key"
  echo "ok - $client ($mode): signed WeChat Pay v3 order at api.mch.weixin.qq.com, reply signature verified"
done
