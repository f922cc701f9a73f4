#!/usr/bin/env bash
# The README's five-minute tour: log a fixture user in with curl, as a mini program backend would.
# Needs a running emulator (scripts/serve.sh); MPEMU_URL defaults to http://127.0.0.1:8787.
set -euo pipefail
URL=${MPEMU_URL:-http://127.0.0.1:8787}
APPID=wx8f3b6c2a1d4e5f60
SECRET=409fba12ba68f46d2c43ff6c2477a632
OPENID=obO5FeYx9pM5gNfdKwkEJ3PEVVIP

# 1. What wx.login() would hand the mini program: a one-time login code for a fixture user.
CODE=$(curl -sf -X POST "$URL/__admin/wechat/login-codes" \
  -d "{\"appid\":\"$APPID\",\"openid\":\"$OPENID\"}" | sed -E 's/.*"code":"([^"]+)".*/\1/')
echo "login code: $CODE"

# 2. What your backend does with it: code2Session, exactly as against api.weixin.qq.com.
SESSION=$(curl -sf "$URL/sns/jscode2session?appid=$APPID&secret=$SECRET&js_code=$CODE&grant_type=authorization_code")
echo "jscode2session: $SESSION"
echo "$SESSION" | grep -q "\"openid\":\"$OPENID\""

# 3. The same code again is refused, as in production (40163 code been used).
AGAIN=$(curl -sf "$URL/sns/jscode2session?appid=$APPID&secret=$SECRET&js_code=$CODE&grant_type=authorization_code")
echo "second use: $AGAIN"
echo "$AGAIN" | grep -q '"errcode":40163'

# 4. Every request is in the journal.
curl -sf "$URL/__admin/requests?limit=2" | head -c 300; echo
