// SDKs that hard-code the providers' hosts, unmodified (no base URL, no request hooks): wechat-oauth logs in
// at https://api.weixin.qq.com, wechatpay-node-v3 orders at https://api.mch.weixin.qq.com with its own
// reply-signature check, alipay-sdk trades at its default gateway https://openapi.alipay.com/gateway.do.
// run.sh starts `mpemu serve --tls --tls-port 443` in a private namespace whose hosts file maps those names
// to 127.0.0.1, and sets NODE_EXTRA_CA_CERTS; MPEMU_URL is the emulator's plain port for the admin API.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { runChecks, requirePkg } from '../common/emulator.mjs';

const OAuth = requirePkg('wechat-oauth');
const Pay = requirePkg('wechatpay-node-v3');
const { AlipaySdk } = requirePkg('alipay-sdk');

const url = process.env.MPEMU_URL;
const fixturesDir = process.env.MPEMU_FIXTURES;
const admin = async (method, p, body) => {
  const res = await fetch(url + p, {
    method, headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${p} -> ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
};
const lastRequest = async () => (await admin('GET', '/__admin/requests?limit=1&bodies=true')).requests[0];
const read = (...p) => fs.readFileSync(path.join(fixturesDir, 'keys', ...p), 'utf8');

const fixtures = await admin('GET', '/__admin/fixtures');
const { appid, secret } = fixtures.wechat.apps[0];
const wxUser = fixtures.users.find((u) => u.appid === appid);
const alipayApp = fixtures.alipay.apps[0].app_id;
const alipayUser = fixtures.users.find((u) => u.alipay_user_id && u.app_id === alipayApp);

const ok = await runChecks([
  ['wechat-oauth getSessionKey at https://api.weixin.qq.com (TLS, real hostname)', async () => {
    const client = new OAuth(appid, secret, null, null, true);
    const { code } = await admin('POST', '/__admin/wechat/login-codes', { appid, openid: wxUser.openid });
    const result = await promisify(client.getSessionKey.bind(client))(code);
    assert.equal(result.data.openid, wxUser.openid);
    const j = await lastRequest();
    assert.equal(j.transport, 'tls');
    assert.equal(j.host, 'api.weixin.qq.com');
  }],
  ['wechatpay-node-v3 JSAPI order at https://api.mch.weixin.qq.com, reply verified by the SDK', async () => {
    const pay = new Pay({
      appid, mchid: '1900000109', serial_no: read('wechatpay', 'merchant_cert_serial.txt').trim(),
      privateKey: Buffer.from(read('wechatpay', 'merchant_private_key.pem')),
      publicKey: Buffer.from(read('wechatpay', 'merchant_cert.pem')), key: read('wechatpay', 'apiv3_key.txt').trim(),
    });
    const r = await pay.transactions_jsapi({
      description: 'tls', out_trade_no: `TLSSDK${Date.now() % 100000000}`, notify_url: 'https://example.com/notify',
      amount: { total: 1 }, payer: { openid: wxUser.openid },
    });
    assert.equal(r.status, 200, JSON.stringify(r));
    assert.match(r.data.package, /^prepay_id=wx/);
    const j = await lastRequest();
    assert.equal(j.transport, 'tls');
    assert.equal(j.host, 'api.mch.weixin.qq.com');
    // The SDK's own check, with the platform certificate it fetches from /v3/certificates itself.
    const sig = j.response.headers.reduce((m, h) => ({ ...m, [h.name.toLowerCase()]: h.value }), {});
    const verified = await pay.verifySign({
      timestamp: sig['wechatpay-timestamp'], nonce: sig['wechatpay-nonce'], body: j.response.body,
      serial: sig['wechatpay-serial'], signature: sig['wechatpay-signature'], apiSecret: read('wechatpay', 'apiv3_key.txt').trim(),
    });
    assert.equal(verified, true);
  }],
  ['alipay-sdk trade.create at its default gateway https://openapi.alipay.com, validateSign', async () => {
    const sdk = new AlipaySdk({
      appId: alipayApp, privateKey: read('alipay', 'app_private_key.pem'), keyType: 'PKCS1',
      alipayPublicKey: read('alipay', 'alipay_public_key.pem'), timeout: 10000,
    });
    const outTradeNo = `TLS${Date.now()}`;
    const r = await sdk.exec('alipay.trade.create', {
      bizContent: { outTradeNo, totalAmount: '1.00', subject: 'tls', buyerId: alipayUser.alipay_user_id, productCode: 'JSAPI_PAY' },
    }, { validateSign: true });
    assert.equal(r.code, '10000');
    assert.equal(r.outTradeNo, outTradeNo);
    const j = await lastRequest();
    assert.equal(j.transport, 'tls');
    assert.equal(j.host, 'openapi.alipay.com');
  }],
]);
process.exit(ok ? 0 : 1);
