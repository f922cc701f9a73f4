// wechatpay-node-v3 2.2.1 against mpemu through pay.createHttp(): every reply is verified with the
// SDK's verifySign (which fetches /v3/certificates itself for an unknown serial), JSAPI order with
// the SDK's requestPayment params, query, close, refund, and a notification verified and decrypted
// with verifySign / decipher_gcm; APP with the parameter set the SDK signs itself (transactions_app), paid
// through the emulator's admin call; H5 with the SDK's transactions_h5 and the emulator's cashier page.
import assert from 'node:assert/strict';
import { startEmulator, startListener, runChecks, requirePkg } from '../common/emulator.mjs';
import { merchantKeys, APPID, OPENID, assertCanonical } from './common.mjs';

const Pay = requirePkg('wechatpay-node-v3');
const emu = await startEmulator();
const listener = await startListener(() => ({ status: 200, body: '' }));
const k = merchantKeys('1900000109');

// The SDK hard-codes https://api.mch.weixin.qq.com; swap the origin, keep the signed path.
const origin = 'https://api.mch.weixin.qq.com';
const service = {
  async send(method, url, params, headers) {
    const res = await fetch(url.replace(origin, emu.url), {
      method, headers: { ...headers, 'Accept-Encoding': 'identity' },
      body: params === undefined ? undefined : JSON.stringify(params),
    });
    const text = await res.text();
    const h = Object.fromEntries(res.headers.entries());
    return { status: res.status, data: text ? JSON.parse(text) : {}, headers: h, text };
  },
  get(url, headers) { return this.send('GET', url, undefined, headers); },
  post(url, params, headers) { return this.send('POST', url, params, headers); },
};

const pay = new Pay({
  appid: APPID, mchid: k.mchid, serial_no: k.serial, privateKey: Buffer.from(k.privateKey),
  publicKey: Buffer.from(k.merchantCert), key: k.apiv3Key,
});
pay.createHttp(service);

async function verified(r) {
  const ok = await pay.verifySign({
    timestamp: r.headers['wechatpay-timestamp'], nonce: r.headers['wechatpay-nonce'], body: r.text,
    serial: r.headers['wechatpay-serial'], signature: r.headers['wechatpay-signature'], apiSecret: k.apiv3Key,
  });
  assert.equal(ok, true, 'verifySign rejected the reply');
}

const no = `NODEV3_${Date.now() % 1000000}`;
let params;
const ok = await runChecks([
  ['jsapi order: requestPayment params, reply verified (certificates fetched by the SDK)', async () => {
    const r = await pay.transactions_jsapi({
      description: 'mpemu 测试', out_trade_no: no, notify_url: `${listener.url}/notify`,
      amount: { total: 66 }, payer: { openid: OPENID },
    });
    assert.equal(r.status, 200);
    params = r.data;
    assert.equal(params.signType, 'RSA');
    assert.match(params.package, /^prepay_id=wx/);
    await verified(r);
    assert.ok(Pay.certificates[k.platformSerial], 'platform certificate fetched into Pay.certificates');
  }],
  ['the SDK paySign is accepted by the emulator; notification verified and decrypted', async () => {
    const rp = { timeStamp: params.timeStamp, nonceStr: params.nonceStr, package: params.package, signType: params.signType, paySign: params.paySign };
    const paid = await emu.admin('POST', `/__admin/wechatpay/transactions/${no}/pay`, { result: 'SUCCESS', request_payment: rp });
    assert.equal(paid.trade_state, 'SUCCESS');
    const n = await listener.waitFor((x) => x.url === '/notify');
    assertCanonical(n.body);
    const body = JSON.parse(n.body);
    // Merchants often hand verifySign the parsed object (express.json()); it re-serialises it.
    const ok = await pay.verifySign({
      timestamp: n.headers['wechatpay-timestamp'], nonce: n.headers['wechatpay-nonce'], body,
      serial: n.headers['wechatpay-serial'], signature: n.headers['wechatpay-signature'], apiSecret: k.apiv3Key,
    });
    assert.equal(ok, true);
    const plain = pay.decipher_gcm(body.resource.ciphertext, body.resource.associated_data, body.resource.nonce, k.apiv3Key);
    assert.equal(typeof plain, 'object');
    assert.equal(plain.out_trade_no, no);
    assert.equal(plain.trade_state, 'SUCCESS');
  }],
  ['query by out_trade_no and transaction_id', async () => {
    const r = await pay.query({ out_trade_no: no });
    assert.equal(r.status, 200);
    await verified(r);
    assert.equal(r.data.trade_state, 'SUCCESS');
    const byId = await pay.query({ transaction_id: r.data.transaction_id });
    await verified(byId);
    assert.equal(byId.data.out_trade_no, no);
  }],
  ['refund and refund query', async () => {
    const r = await pay.refunds({ out_trade_no: no, out_refund_no: `${no}_R`, amount: { refund: 6, total: 66, currency: 'CNY' } });
    assert.equal(r.status, 200);
    await verified(r);
    const q = await pay.find_refunds(`${no}_R`);
    await verified(q);
    assert.equal(q.data.amount.refund, 6);
  }],
  ['close: 204 verified over an empty body', async () => {
    const no2 = `${no}C`;
    const o = await pay.transactions_jsapi({ description: 'c', out_trade_no: no2, notify_url: `${listener.url}/n`, amount: { total: 1 }, payer: { openid: OPENID } });
    assert.equal(o.status, 200);
    const r = await pay.close(no2);
    assert.equal(r.status, 204);
    await verified(r);
    const q = await pay.query({ out_trade_no: no2 });
    assert.equal(q.data.trade_state, 'CLOSED');
  }],
  ['serial_no derived by the SDK from the merchant certificate (lower-case hex) is accepted', async () => {
    const derived = new Pay({
      appid: APPID, mchid: k.mchid, privateKey: Buffer.from(k.privateKey), publicKey: Buffer.from(k.merchantCert), key: k.apiv3Key,
    });
    derived.createHttp(service);
    assert.equal(derived.serial_no.toUpperCase(), k.serial);
    const r = await derived.query({ out_trade_no: no });
    assert.equal(r.status, 200);
    await verified(r);
  }],
  ['certificates through the SDK', async () => {
    const certs = await pay.get_certificates(k.apiv3Key);
    assert.equal(certs[0].serial_no, k.platformSerial);
    assert.match(certs[0].publicKey, /BEGIN PUBLIC KEY/);
  }],
  ['app order: transactions_app signs the app parameter set; the emulator accepts it', async () => {
    const appNo = `${no}A`;
    const r = await pay.transactions_app({
      description: 'mpemu APP', out_trade_no: appNo, notify_url: `${listener.url}/app`, amount: { total: 7 },
    });
    assert.equal(r.status, 200);
    const set = r.data;
    assert.equal(set.package, 'Sign=WXPay');
    assert.equal(set.partnerid, k.mchid);
    assert.match(set.prepayid, /^wx/);
    const paid = await emu.admin('POST', `/__admin/wechatpay/transactions/${appNo}/pay`, { result: 'SUCCESS', app_payment: set });
    assert.equal(paid.trade_state, 'SUCCESS');
    const q = await pay.query({ out_trade_no: appNo });
    await verified(q);
    assert.equal(q.data.trade_type, 'APP');
    const n = await listener.waitFor((x) => x.url === '/app');
    const body = JSON.parse(n.body);
    const plain = pay.decipher_gcm(body.resource.ciphertext, body.resource.associated_data, body.resource.nonce, k.apiv3Key);
    assert.equal(plain.out_trade_no, appNo);
  }],
  ['h5 order: transactions_h5 gives h5_url; the cashier pays and redirects; close refused after payment', async () => {
    const h5No = `${no}H`;
    const r = await pay.transactions_h5({
      description: 'mpemu H5', out_trade_no: h5No, notify_url: `${listener.url}/h5`, amount: { total: 8 },
      scene_info: { payer_client_ip: '203.0.113.9', h5_info: { type: 'Wap' } },
    });
    assert.equal(r.status, 200);
    await verified(r);
    const back = 'https://shop.example/return';
    const pressed = await fetch(`${r.data.h5_url}&redirect_url=${encodeURIComponent(back)}`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ action: 'pay' }),
    });
    assert.equal(pressed.status, 303);
    assert.equal(pressed.headers.get('location'), back);
    const q = await pay.query({ out_trade_no: h5No });
    assert.equal(q.data.trade_state, 'SUCCESS');
    const c = await pay.close(h5No);
    assert.equal(c.status, 400);
    assert.equal(c.data.code, 'ORDERPAID');
  }],
]);
await listener.close();
await emu.stop();
process.exit(ok ? 0 : 1);
