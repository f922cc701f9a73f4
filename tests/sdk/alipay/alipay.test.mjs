// alipay-sdk 4.14.0 against mpemu: exec() with validateSign:true for every successful call of every
// emulated method, curl() for OpenAPI v3 (response signatures always checked by the SDK), and a
// loopback listener that receives trade_status_sync and checks it with checkNotifySign and
// checkNotifySignV2.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startEmulator, startListener, runChecks, requirePkg } from '../common/emulator.mjs';

const { AlipaySdk } = requirePkg('alipay-sdk');
const keys = path.join(process.env.MPEMU_FIXTURES, 'keys', 'alipay');
const read = (...p) => fs.readFileSync(path.join(keys, ...p), 'utf8');

const emu = await startEmulator(['--notify-time-scale', '0.001']);
const fixtures = await emu.admin('GET', '/__admin/fixtures');
const appId = fixtures.alipay.apps[0].app_id;
const app2 = fixtures.alipay.apps[1].app_id;
const user = fixtures.users.find((u) => u.alipay_user_id && u.app_id === appId && u.alipay_open_id);

const sdkFor = (id, dir, keyType) => new AlipaySdk({
  appId: id,
  privateKey: read(...dir, 'app_private_key.pem'),
  keyType,
  alipayPublicKey: read(...dir, 'alipay_public_key.pem'),
  gateway: `${emu.url}/gateway.do`,
  endpoint: emu.url,
  timeout: 10000,
});
const sdk = sdkFor(appId, [], 'PKCS1');
const sdk8 = sdkFor(app2, [app2], 'PKCS8');
const V = { validateSign: true };

const received = [];
const listener = await startListener((req, body) => {
  received.push(body);
  return { status: 200, body: 'success' };
});

let accessToken;
const outTradeNo = `SDK${Date.now()}`;
let tradeNo;

const ok = await runChecks([
  ['oauth.token (authorization_code), validateSign', async () => {
    const { auth_code: code } = await emu.admin('POST', '/__admin/alipay/auth-codes', { app_id: appId, user_id: user.alipay_user_id });
    const r = await sdk.exec('alipay.system.oauth.token', { grantType: 'authorization_code', code }, V);
    assert.equal(r.code, '10000');
    assert.equal(r.userId, user.alipay_user_id);
    assert.equal(r.openId, user.alipay_open_id);
    assert.equal(typeof r.expiresIn, 'number');
    assert.ok(r.traceId);
    accessToken = r.accessToken;
    // Reused code: error_response, returned as data (validateSign cannot pass on error_response).
    const again = await sdk.exec('alipay.system.oauth.token', { grantType: 'authorization_code', code });
    assert.equal(again.code, '40002');
    assert.equal(again.subCode, 'isv.code-invalid');
    assert.equal(again.subMsg, '授权码code无效');
  }],
  ['oauth.token (refresh_token), validateSign', async () => {
    const { auth_code: code } = await emu.admin('POST', '/__admin/alipay/auth-codes', { app_id: appId, user_id: user.alipay_user_id });
    const first = await sdk.exec('alipay.system.oauth.token', { grantType: 'authorization_code', code }, V);
    const r = await sdk.exec('alipay.system.oauth.token', { grantType: 'refresh_token', refreshToken: first.refreshToken }, V);
    assert.equal(r.code, '10000');
    assert.notEqual(r.accessToken, first.accessToken);
  }],
  ['user.info.share, validateSign', async () => {
    const r = await sdk.exec('alipay.user.info.share', { authToken: accessToken }, V);
    assert.equal(r.code, '10000');
    assert.equal(r.userId, user.alipay_user_id);
    assert.ok(r.nickName);
  }],
  ['trade.create (JSAPI_PAY, buyer_id), validateSign', async () => {
    const r = await sdk.exec('alipay.trade.create', {
      notifyUrl: `${listener.url}/alipay/notify`,
      bizContent: { outTradeNo, totalAmount: '88.80', subject: '测试 a+b&c=d', buyerId: user.alipay_user_id, productCode: 'JSAPI_PAY' },
    }, V);
    assert.equal(r.code, '10000');
    assert.equal(r.outTradeNo, outTradeNo);
    assert.match(r.tradeNo, /^\d{28}$/);
    tradeNo = r.tradeNo;
  }],
  ['trade.create with buyer_open_id and op_app_id, validateSign', async () => {
    const r = await sdk.exec('alipay.trade.create', {
      bizContent: { outTradeNo: `${outTradeNo}O`, totalAmount: 1, subject: 's', buyerOpenId: user.alipay_open_id, opAppId: appId, productCode: 'JSAPI_PAY' },
    }, V);
    assert.equal(r.code, '10000');
  }],
  ['a business failure is data, signed in the method node', async () => {
    const r = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: 'NOPE' } }, V);
    assert.equal(r.code, '40004');
    assert.equal(r.msg, 'Business Failed');
    assert.equal(r.subCode, 'ACQ.TRADE_NOT_EXIST');
    assert.equal(r.subMsg, '交易不存在');
  }],
  ['pay -> trade_status_sync passes checkNotifySign and checkNotifySignV2', async () => {
    await emu.admin('POST', `/__admin/alipay/trades/${outTradeNo}/pay`, { result: 'TRADE_SUCCESS' });
    const n = await listener.waitFor((x) => x.url === '/alipay/notify');
    const postData = Object.fromEntries(new URLSearchParams(n.body));
    assert.equal(postData.trade_status, 'TRADE_SUCCESS');
    assert.equal(postData.out_trade_no, outTradeNo);
    assert.equal(postData.subject, '测试 a+b&c=d');
    assert.equal(sdk.checkNotifySign({ ...postData }), true);
    assert.equal(sdk.checkNotifySignV2({ ...postData }), true);
    assert.equal(sdk.checkNotifySignV2({ ...postData, total_amount: '0.01' }), false);
    assert.equal(n.headers['content-type'].startsWith('application/x-www-form-urlencoded'), true);
  }],
  ['trade.query, validateSign', async () => {
    const r = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo, queryOptions: ['fund_bill_list'] } }, V);
    assert.equal(r.code, '10000');
    assert.equal(r.tradeStatus, 'TRADE_SUCCESS');
    assert.equal(r.totalAmount, '88.80');
    assert.equal(r.fundBillList[0].fundChannel, 'ALIPAYACCOUNT');
  }],
  ['trade.refund (partial, repeat), validateSign', async () => {
    const r = await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo, refundAmount: '8.80', outRequestNo: 'RF1' } }, V);
    assert.equal(r.code, '10000');
    assert.equal(r.fundChange, 'Y');
    assert.equal(r.refundFee, '8.80');
    const again = await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo, refundAmount: '8.80', outRequestNo: 'RF1' } }, V);
    assert.equal(again.fundChange, 'N');
    const n = await listener.waitFor((x) => new URLSearchParams(x.body).get('out_biz_no') === 'RF1');
    const postData = Object.fromEntries(new URLSearchParams(n.body));
    assert.equal(postData.refund_fee, '8.80');
    assert.equal(sdk.checkNotifySignV2(postData), true);
  }],
  ['trade.fastpay.refund.query, validateSign', async () => {
    const r = await sdk.exec('alipay.trade.fastpay.refund.query', { bizContent: { outTradeNo, outRequestNo: 'RF1' } }, V);
    assert.equal(r.code, '10000');
    assert.equal(r.refundAmount, '8.80');
    assert.equal(r.refundStatus, 'REFUND_SUCCESS');
  }],
  ['trade.close, validateSign', async () => {
    const c = await sdk.exec('alipay.trade.create', {
      bizContent: { outTradeNo: `${outTradeNo}C`, totalAmount: '1.00', subject: 's', buyerId: user.alipay_user_id },
    }, V);
    const r = await sdk.exec('alipay.trade.close', { bizContent: { tradeNo: c.tradeNo } }, V);
    assert.equal(r.code, '10000');
    assert.equal(r.outTradeNo, `${outTradeNo}C`);
  }],
  ['the PKCS#8 app (keyType PKCS8), validateSign', async () => {
    const r = await sdk8.exec('alipay.trade.query', { bizContent: { outTradeNo: 'NOPE' } }, V);
    assert.equal(r.subCode, 'ACQ.TRADE_NOT_EXIST');
  }],
  ['curl v3: create, query (GET), refund, refund query, close', async () => {
    const o = `${outTradeNo}V3`;
    const c = await sdk.curl('POST', '/v3/alipay/trade/create', {
      body: { out_trade_no: o, total_amount: '10.00', subject: 'v3', buyer_id: user.alipay_user_id, product_code: 'JSAPI_PAY' },
    });
    assert.equal(c.responseHttpStatus, 200);
    assert.equal(c.data.out_trade_no, o);
    assert.match(c.data.trade_no, /^\d{28}$/);
    assert.ok(c.traceId);
    const q = await sdk.curl('GET', '/v3/alipay/trade/query', { query: { out_trade_no: o } });
    assert.equal(q.data.trade_status, 'WAIT_BUYER_PAY');
    await emu.admin('POST', `/__admin/alipay/trades/${o}/pay`, { result: 'TRADE_SUCCESS' });
    const q2 = await sdk.curl('POST', '/v3/alipay/trade/query', { body: { trade_no: c.data.trade_no } });
    assert.equal(q2.data.trade_status, 'TRADE_SUCCESS');
    const r = await sdk.curl('POST', '/v3/alipay/trade/refund', { body: { out_trade_no: o, refund_amount: '10.00', out_request_no: 'V3R' } });
    assert.equal(r.data.fund_change, 'Y');
    const rq = await sdk.curl('POST', '/v3/alipay/trade/fastpay/refund/query', { body: { out_trade_no: o, out_request_no: 'V3R' } });
    assert.equal(rq.data.refund_status, 'REFUND_SUCCESS');
    const o2 = `${o}C`;
    await sdk.curl('POST', '/v3/alipay/trade/create', { body: { out_trade_no: o2, total_amount: '1.00', subject: 'v3', buyer_id: user.alipay_user_id } });
    const cl = await sdk.curl('POST', '/v3/alipay/trade/close', { body: { out_trade_no: o2 } });
    assert.equal(cl.data.out_trade_no, o2);
  }],
  ['curl v3: oauth token and user info', async () => {
    const { auth_code: code } = await emu.admin('POST', '/__admin/alipay/auth-codes', { app_id: appId, user_id: user.alipay_user_id });
    const t = await sdk.curl('POST', '/v3/alipay/system/oauth/token', { body: { grant_type: 'authorization_code', code } });
    assert.equal(t.data.user_id, user.alipay_user_id);
    const u = await sdk.curl('POST', '/v3/alipay/user/info/share', { body: { auth_token: t.data.access_token } });
    assert.equal(u.data.user_id, user.alipay_user_id);
  }],
  ['curl v3: errors throw with code, message and links', async () => {
    await assert.rejects(sdk.curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'NOPE' } }), (e) => {
      assert.equal(e.code, 'ACQ.TRADE_NOT_EXIST');
      assert.equal(e.responseHttpStatus, 400);
      assert.ok(Array.isArray(e.links));
      return true;
    });
    await assert.rejects(sdk.curl('POST', '/v3/alipay/user/info/share', { body: { auth_token: 'nope' } }), (e) => {
      assert.equal(e.code, 'invalid-auth-token');
      assert.equal(e.responseHttpStatus, 401);
      return true;
    });
  }],
]);

await listener.close();
await emu.stop();
if (!ok) process.exit(1);
