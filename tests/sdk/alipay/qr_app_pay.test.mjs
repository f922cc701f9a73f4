// alipay-sdk 4.14.0 against mpemu for the app, QR and barcode payments: exec('alipay.trade.precreate') with
// validateSign returns a qr_code that opens the cashier; sdkExec('alipay.trade.app.pay') builds the
// order string the app hands the Alipay app, which the admin API runs like the Alipay app: the result
// string passes the SDK's checkResponseSign, and the notification passes checkNotifySignV2; trade.pay
// with minted payment codes (10000 and 10003, validateSign) and trade.cancel.
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
const buyer = fixtures.users.find((u) => u.alipay_user_id && u.app_id === appId).alipay_user_id;

const sdk = new AlipaySdk({
  appId,
  privateKey: read('app_private_key.pem'),
  keyType: 'PKCS1',
  alipayPublicKey: read('alipay_public_key.pem'),
  gateway: `${emu.url}/gateway.do`,
  endpoint: emu.url,
  timeout: 10000,
});
const listener = await startListener(() => ({ status: 200, body: 'success' }));
const notifyUrl = `${listener.url}/alipay/notify`;
const V = { validateSign: true };

const ok = await runChecks([
  ['precreate, validateSign: qr_code opens the cashier; the admin pay settles it', async () => {
    const outTradeNo = `QR${Date.now()}`;
    const r = await sdk.exec('alipay.trade.precreate', {
      notifyUrl,
      bizContent: { outTradeNo, totalAmount: '25.00', subject: '扫码支付' },
    }, V);
    assert.equal(r.code, '10000');
    assert.equal(r.outTradeNo, outTradeNo);
    assert.ok(r.qrCode.startsWith(`${emu.url}/__alipay/cashier/`), r.qrCode);
    const page = await fetch(r.qrCode);
    assert.equal(page.status, 200);
    assert.ok((await page.text()).includes('25.00'));
    const paid = await emu.admin('POST', `/__admin/alipay/trades/${outTradeNo}/pay`, { buyer_id: buyer });
    assert.equal(paid.result_code, '9000');
    const n = await listener.waitFor((x) => x.body.includes(outTradeNo));
    assert.equal(sdk.checkNotifySignV2(Object.fromEntries(new URLSearchParams(n.body))), true);
    const q = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo } }, V);
    assert.equal(q.tradeStatus, 'TRADE_SUCCESS');
  }],
  ['curl v3 precreate', async () => {
    const outTradeNo = `QV${Date.now()}`;
    const r = await sdk.curl('POST', '/v3/alipay/trade/precreate', { body: { out_trade_no: outTradeNo, total_amount: '3.00', subject: 'v3' } });
    assert.equal(r.data.out_trade_no, outTradeNo);
    assert.ok(r.data.qr_code.includes('/__alipay/cashier/'));
  }],
  ['sdkExec app.pay order string -> the Alipay app (admin) -> 9000 with a result checkResponseSign accepts', async () => {
    const outTradeNo = `AP${Date.now()}`;
    const orderString = sdk.sdkExec('alipay.trade.app.pay', {
      notifyUrl,
      bizContent: { outTradeNo, totalAmount: '18.80', subject: 'App 支付 a+b&c', productCode: 'QUICK_MSECURITY_PAY' },
    });
    const r = await emu.admin('POST', '/__admin/alipay/app-pay', { order_string: orderString, buyer_id: buyer });
    assert.equal(r.resultStatus, '9000');
    const result = JSON.parse(r.result);
    assert.equal(result.alipay_trade_app_pay_response.out_trade_no, outTradeNo);
    assert.equal(result.alipay_trade_app_pay_response.total_amount, '18.80');
    assert.equal(result.sign_type, 'RSA2');
    sdk.checkResponseSign(r.result, 'alipay_trade_app_pay_response', result.sign);  // throws when invalid
    assert.throws(() => sdk.checkResponseSign(r.result.replace('18.80', '0.01'), 'alipay_trade_app_pay_response', result.sign));
    const n = await listener.waitFor((x) => x.body.includes(outTradeNo));
    const postData = Object.fromEntries(new URLSearchParams(n.body));
    assert.equal(postData.trade_status, 'TRADE_SUCCESS');
    assert.equal(sdk.checkNotifySignV2(postData), true);
    const q = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo } }, V);
    assert.equal(q.tradeStatus, 'TRADE_SUCCESS');
    assert.equal(q.buyerUserId, buyer);
  }],
  ['trade.pay bar_code, validateSign: SUCCESS at once; 10003 then the buyer confirms; cancel', async () => {
    const mint = async (result) => (await emu.admin('POST', '/__admin/alipay/payment-codes', { user_id: buyer, result })).payment_code;
    const o1 = `BC${Date.now()}`;
    const r = await sdk.exec('alipay.trade.pay', {
      notifyUrl,
      bizContent: { outTradeNo: o1, scene: 'bar_code', authCode: await mint('SUCCESS'), totalAmount: '9.90', subject: '条码支付' },
    }, V);
    assert.equal(r.code, '10000');
    assert.equal(r.buyerUserId, buyer);
    assert.equal(r.fundBillList[0].fundChannel, 'ALIPAYACCOUNT');
    await listener.waitFor((x) => x.body.includes(o1));
    const o2 = `BW${Date.now()}`;
    const w = await sdk.exec('alipay.trade.pay', {
      bizContent: { outTradeNo: o2, scene: 'bar_code', authCode: await mint('WAIT_BUYER_PAY'), totalAmount: '1.00', subject: 'x' },
    }, V);
    assert.equal(w.code, '10003');
    assert.equal(w.msg, 'Order success pay inprocess');
    await emu.admin('POST', `/__admin/alipay/trades/${o2}/pay`, {});
    const q = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: o2 } }, V);
    assert.equal(q.tradeStatus, 'TRADE_SUCCESS');
    const c = await sdk.exec('alipay.trade.cancel', { bizContent: { outTradeNo: o1 } }, V);
    assert.equal(c.action, 'refund');
    assert.equal(c.retryFlag, 'N');
    const bad = await sdk.exec('alipay.trade.pay', {
      bizContent: { outTradeNo: `BX${Date.now()}`, scene: 'bar_code', authCode: '280000000000000000', totalAmount: '1.00', subject: 'x' },
    });
    assert.equal(bad.subCode, 'ACQ.PAYMENT_AUTH_CODE_INVALID');
  }],
  ['a tampered order string: resultStatus 4000, no trade', async () => {
    const outTradeNo = `AX${Date.now()}`;
    const orderString = sdk.sdkExec('alipay.trade.app.pay', { bizContent: { outTradeNo, totalAmount: '9.00', subject: 'x' } });
    const r = await emu.admin('POST', '/__admin/alipay/app-pay', { order_string: orderString.replace('9.00', '1.00') });
    assert.equal(r.resultStatus, '4000');
    assert.match(r.memo, /^invalid-signature/);
    const { trades } = await emu.admin('GET', '/__admin/alipay/trades');
    assert.equal(trades.some((t) => t.out_trade_no === outTradeNo), false);
  }],
]);

await listener.close();
await emu.stop();
if (!ok) process.exit(1);
