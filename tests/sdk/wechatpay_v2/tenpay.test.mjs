// tenpay (npm, WeChat Pay API v2) against mpemu with its own checks on: every reply's appid/mch_id
// and sign (MD5 and HMAC-SHA256), unified order + paySign, query, close, refund, refund query, the
// bill, the payment notification and the encrypted refund notification through tenpay's middleware.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { requirePkg, startEmulator, startListener, runChecks } from '../common/emulator.mjs';

const tenpay = requirePkg('tenpay');
const fixtures = process.env.MPEMU_FIXTURES;
const appid = 'wx8f3b6c2a1d4e5f60';
const mchid = '1900000109';
const partnerKey = fs.readFileSync(path.join(fixtures, 'keys/wechatpay/api_v2_key.txt'), 'utf8').trim();
const pfx = fs.readFileSync(path.join(fixtures, 'keys/wechatpay/apiclient_cert.p12'));
const openid = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';

const emu = await startEmulator();
function client(extra = {}) {
  const p = tenpay.init({ appid, mchid, partnerKey, pfx, notify_url: 'https://shop.example.com/notify', ...extra });
  for (const k of Object.keys(p.urls)) p.urls[k] = p.urls[k].replace('https://api.mch.weixin.qq.com', emu.url);
  return p;
}
const api = client();

// The merchant's notify endpoint answers as tenpay's reply() does: a bare <return_code>SUCCESS</return_code>
// built by xml2js (no return_msg, no CDATA, pretty-printed, application/xml).
const tenpayReply = '<xml>\n  <return_code>SUCCESS</return_code>\n</xml>';
const listener = await startListener(() => ({
  status: 200, body: tenpayReply, headers: { 'Content-Type': 'application/xml; charset=utf-8' } }));
const notifyUrl = listener.url;

// Runs tenpay's Express middleware over a received notification body: req.weixin as the merchant sees it.
const viaMiddleware = (type, body) => new Promise((resolve, reject) => {
  const req = { body };
  const res = { header() {}, send: (b) => reject(new Error(`tenpay middleware refused the notification: ${b}`)) };
  api.middlewareForExpress(type)(req, res, () => resolve(req.weixin));
});
let txid;

const ok = await runChecks([
  ['unifiedOrder JSAPI: reply verified by tenpay (appid, mch_id, MD5 sign)', async () => {
    const r = await api.unifiedOrder({ out_trade_no: 'TENPAY_0001', body: 'mpemu 测试', total_fee: 100, openid,
                                       notify_url: `${notifyUrl}/pay`, attach: 'a&b=c' });
    assert.equal(r.return_code, 'SUCCESS');
    assert.equal(r.result_code, 'SUCCESS');
    assert.match(r.prepay_id, /^wx\d{14}[0-9a-f]{20}$/);
  }],
  ['getPayParams: paySign accepted by the emulated client (admin pay with request_payment)', async () => {
    const params = await api.getPayParams({ out_trade_no: 'TENPAY_0001', body: 'mpemu 测试', total_fee: 100, openid,
                                            notify_url: `${notifyUrl}/pay`, attach: 'a&b=c' });
    assert.equal(params.signType, 'MD5');
    const paid = await emu.admin('POST', '/__admin/wechatpay/transactions/TENPAY_0001/pay', {
      request_payment: { appId: params.appId, timeStamp: params.timeStamp, nonceStr: params.nonceStr,
                         package: params.package, signType: params.signType, paySign: params.paySign } });
    assert.equal(paid.trade_state, 'SUCCESS');
    assert.equal(paid.api_version, 'v2');
  }],
  ['payment notification parsed and verified by tenpay middleware; its bare reply accepted', async () => {
    const got = await listener.waitFor((r) => r.url === '/pay' && r.body.includes('TENPAY_0001'));
    const weixin = await viaMiddleware('pay', got.body);
    assert.equal(weixin.result_code, 'SUCCESS');
    assert.equal(weixin.total_fee, '100');
    assert.equal(weixin.attach, 'a&b=c');
    for (let i = 0; i < 200; i++) {
      const list = await emu.admin('GET', '/__admin/notifications?channel=wechatpay.v2&subject=TENPAY_0001');
      if (list.notifications[0]?.status === 'delivered') return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('notification not recorded as delivered');
  }],
  ['orderQuery: SUCCESS with transaction_id', async () => {
    const q = await api.orderQuery({ out_trade_no: 'TENPAY_0001' });
    assert.equal(q.trade_state, 'SUCCESS');
    assert.equal(q.total_fee, '100');
    assert.equal(q.openid, openid);
    txid = q.transaction_id;
    assert.match(txid, /^\d{28}$/);
  }],
  ['business FAIL: tenpay throws the err_code', async () => {
    await assert.rejects(api.orderQuery({ out_trade_no: 'TENPAY_NONE' }), /ORDERNOTEXIST/);
    await assert.rejects(api.closeOrder({ out_trade_no: 'TENPAY_0001' }), /ORDERPAID/);
  }],
  ['protocol FAIL: a wrong key gets 签名错误，请检查后再试', async () => {
    const bad = client({ partnerKey: 'x'.repeat(32) });
    await assert.rejects(bad.orderQuery({ out_trade_no: 'TENPAY_0001' }), /签名错误，请检查后再试/);
  }],
  ['HMAC-SHA256: unifiedOrder, query and close verified with HMAC', async () => {
    const r = await api.unifiedOrder({ out_trade_no: 'TENPAY_HMAC1', body: 'hmac', total_fee: 2, openid,
                                           sign_type: 'HMAC-SHA256', notify_url: `${notifyUrl}/hmac` });
    assert.equal(r.result_code, 'SUCCESS');
    const q = await api.orderQuery({ out_trade_no: 'TENPAY_HMAC1', sign_type: 'HMAC-SHA256' });
    assert.equal(q.trade_state, 'NOTPAY');
    const c = await api.closeOrder({ out_trade_no: 'TENPAY_HMAC1', sign_type: 'HMAC-SHA256' });
    assert.equal(c.result_code, 'SUCCESS');
    const q2 = await api.orderQuery({ out_trade_no: 'TENPAY_HMAC1', sign_type: 'HMAC-SHA256' });
    assert.equal(q2.trade_state, 'CLOSED');
  }],
  ['NATIVE unifiedOrder: code_url', async () => {
    const r = await api.unifiedOrder({ out_trade_no: 'TENPAY_NATIVE', body: 'qr', total_fee: 3, trade_type: 'NATIVE',
                                       product_id: 'P1' });
    assert.match(r.code_url, /^weixin:\/\/wxpay\/bizpayurl\?pr=/);
  }],
  ['refund (with pfx and op_user_id) and refundQuery', async () => {
    const r = await api.refund({ out_trade_no: 'TENPAY_0001', out_refund_no: 'TENPAY_R1', total_fee: 100, refund_fee: 40,
                                 notify_url: `${notifyUrl}/refund` });
    assert.equal(r.result_code, 'SUCCESS');
    assert.equal(r.refund_fee, '40');
    assert.match(r.refund_id, /^\d{29}$/);
    const q = await api.refundQuery({ transaction_id: txid });
    assert.equal(q.refund_count, '1');
    assert.equal(q.out_refund_no_0, 'TENPAY_R1');
    assert.equal(q.refund_status_0, 'SUCCESS');
  }],
  ['refund notification: tenpay decrypts req_info (AES-256-ECB)', async () => {
    const got = await listener.waitFor((r) => r.url === '/refund');
    const weixin = await viaMiddleware('refund', got.body);
    assert.equal(weixin.req_info.out_refund_no, 'TENPAY_R1');
    assert.equal(weixin.req_info.refund_status, 'SUCCESS');
    assert.equal(weixin.req_info.refund_fee, '40');
  }],
  ['downloadBill: parsed by tenpay into titles and rows', async () => {
    const clock = await emu.admin('GET', '/__admin/clock');
    const day = new Date(Date.parse(clock.now) + 8 * 3600 * 1000).toISOString().slice(0, 10).replace(/-/g, '');
    await assert.rejects(api.downloadBill({ bill_date: day }), /No Bill Exist/);
    await emu.admin('POST', '/__admin/clock', { advance: '48h' });
    const bill = await api.downloadBill({ bill_date: day }, true);
    assert.equal(bill.list_title[0], '交易时间');
    assert.equal(bill.total_title[0], '总交易单数');
    assert.equal(bill.list_data.length, 2);  // the payment and its refund
    assert.equal(bill.total_data[0], '2');
  }],
  ['sandbox: Payment.sandbox fetches the sandbox key and calls /sandboxnew/', async () => {
    const real = tenpay.init({ appid, mchid, partnerKey, notify_url: 'https://shop.example.com/notify' });
    real.urls.getsignkey = `${emu.url}/sandboxnew/pay/getsignkey`;
    const { sandbox_signkey } = await real.getSignkey();
    assert.equal(sandbox_signkey.length, 32);
    const sb = tenpay.init({ appid, mchid, partnerKey: sandbox_signkey, sandbox: true,
                             notify_url: 'https://shop.example.com/notify' });
    for (const k of Object.keys(sb.urls)) sb.urls[k] = sb.urls[k].replace('https://api.mch.weixin.qq.com', emu.url);
    const r = await sb.unifiedOrder({ out_trade_no: 'TENPAY_SANDBOX', body: 'sb', total_fee: 101, openid });
    assert.equal(r.result_code, 'SUCCESS');
  }],
]);

await listener.close();
await emu.stop();
process.exit(ok ? 0 : 1);
