// wechatpay-axios-plugin 0.9.6 against mpemu with its response verification on (every 2xx, 204
// included): JSAPI order, query, close, refund, certificates, public-key mode, paySign checked by the
// emulator, and a payment notification received on a loopback listener, verified and decrypted with
// the SDK's own Rsa / AesGcm helpers. APP: the app's parameter set signed as the SDK's README signs
// (Rsa.sign over Formatter.joinedByLineFeed) and checked by the emulator's admin pay; H5: h5_url, the
// emulator's cashier page, Pay with the merchant's redirect_url, then query and notification. Payouts:
// a transfer bill (create, user confirmation through the admin call, query) and a transfer batch, with
// every reply verified by the SDK.
import assert from 'node:assert/strict';
import { startEmulator, startListener, runChecks, requirePkg } from '../common/emulator.mjs';
import { merchantKeys, APPID, OPENID, assertCanonical } from './common.mjs';

const Wechatpay = requirePkg('wechatpay-axios-plugin');
const { Rsa, Aes, Formatter } = Wechatpay;

const emu = await startEmulator();
const listener = await startListener(() => ({ status: 204 }));
const k = merchantKeys('1900000109');
const pk = merchantKeys('1900000209');
const client = (m, certs, headers = {}) => new Wechatpay({
  mchid: m.mchid, serial: m.serial, privateKey: m.privateKey, certs,
  baseURL: emu.url + '/', proxy: false, timeout: 5000, headers,
});
const wxpay = client(k, { [k.platformSerial]: k.platformCert });
const run = Date.now() % 1000000;
const no = `AXIOS_${run}`;
let prepayId;
let transactionId;

const ok = await runChecks([
  ['fixtures summary names the merchants', async () => {
    const f = await emu.admin('GET', '/__admin/fixtures');
    assert.equal(f.wechatpay.merchants[0].mchid, k.mchid);
    assert.equal(f.wechatpay.merchants[0].platform_serial, k.platformSerial);
  }],
  ['jsapi order (reply verified by the SDK)', async () => {
    const r = await wxpay.v3.pay.transactions.jsapi.post({
      appid: APPID, mchid: k.mchid, description: 'mpemu 测试', out_trade_no: no,
      notify_url: `${listener.url}/notify`, amount: { total: 101, currency: 'CNY' }, payer: { openid: OPENID },
    });
    assert.equal(r.status, 200);
    prepayId = r.data.prepay_id;
    assert.match(prepayId, /^wx\d{14}[0-9a-f]{20}$/);
    assert.equal(r.headers['wechatpay-serial'], k.platformSerial);
  }],
  ['query NOTPAY by out_trade_no', async () => {
    const r = await wxpay.v3.pay.transactions['out-trade-no']['{out_trade_no}'].get({ params: { mchid: k.mchid }, out_trade_no: no });
    assert.equal(r.data.trade_state, 'NOTPAY');
    assert.equal(r.data.transaction_id, undefined);
  }],
  ['business errors reject with status and {code, message}', async () => {
    await assert.rejects(
      wxpay.v3.pay.transactions['out-trade-no']['{out_trade_no}'].get({ params: { mchid: k.mchid }, out_trade_no: 'NOSUCH_1' }),
      (e) => e.response.status === 404 && e.response.data.code === 'ORDER_NOT_EXIST');
  }],
  ['wx.requestPayment paySign accepted by the emulator; notification verified and decrypted', async () => {
    const timeStamp = String(Formatter.timestamp());
    const nonceStr = Formatter.nonce();
    const pkg = `prepay_id=${prepayId}`;
    const paySign = Rsa.sign(Formatter.joinedByLineFeed(APPID, timeStamp, nonceStr, pkg), k.privateKey);
    const paid = await emu.admin('POST', `/__admin/wechatpay/transactions/${no}/pay`, {
      result: 'SUCCESS', request_payment: { appId: APPID, timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign },
    });
    assert.equal(paid.trade_state, 'SUCCESS');
    const n = await listener.waitFor((x) => x.url === '/notify');
    const h = n.headers;
    assert.ok(Math.abs(Formatter.timestamp() - Number(h['wechatpay-timestamp'])) <= 300);
    assert.equal(h['wechatpay-serial'], k.platformSerial);
    assert.ok(Rsa.verify(Formatter.joinedByLineFeed(h['wechatpay-timestamp'], h['wechatpay-nonce'], n.body),
      h['wechatpay-signature'], Rsa.from(k.platformCert, 'public')));
    assertCanonical(n.body);
    const env = JSON.parse(n.body);
    assert.equal(env.event_type, 'TRANSACTION.SUCCESS');
    const plain = JSON.parse(Aes.AesGcm.decrypt(env.resource.ciphertext, k.apiv3Key, env.resource.nonce, env.resource.associated_data));
    assert.equal(plain.out_trade_no, no);
    assert.equal(plain.amount.total, 101);
    transactionId = plain.transaction_id;
  }],
  ['query SUCCESS by transaction_id', async () => {
    const r = await wxpay.v3.pay.transactions.id['{transaction_id}'].get({ params: { mchid: k.mchid }, transaction_id: transactionId });
    assert.equal(r.data.trade_state, 'SUCCESS');
    assert.equal(r.data.out_trade_no, no);
  }],
  ['refund, query refund', async () => {
    const r = await wxpay.v3.refund.domestic.refunds.post({
      out_trade_no: no, out_refund_no: `${no}_R1`, amount: { refund: 1, total: 101, currency: 'CNY' },
    });
    assert.equal(r.data.status, 'PROCESSING');
    const q = await wxpay.v3.refund.domestic.refunds['{out_refund_no}'].get({ out_refund_no: `${no}_R1` });
    assert.equal(q.data.status, 'SUCCESS');
    await assert.rejects(wxpay.v3.refund.domestic.refunds.post({
      out_trade_no: no, out_refund_no: `${no}_R2`, amount: { refund: 101, total: 101, currency: 'CNY' },
    }), (e) => e.response.status === 400 && e.response.data.code === 'INVALID_REQUEST');
  }],
  ['close (204 verified by the SDK)', async () => {
    const no2 = `${no}C`;
    await wxpay.v3.pay.transactions.jsapi.post({
      appid: APPID, mchid: k.mchid, description: 'close me', out_trade_no: no2,
      notify_url: `${listener.url}/notify`, amount: { total: 1 }, payer: { openid: OPENID },
    });
    const r = await wxpay.v3.pay.transactions['out-trade-no']['{out_trade_no}'].close.post({ mchid: k.mchid }, { out_trade_no: no2 });
    assert.equal(r.status, 204);
  }],
  ['certificates: decrypts to the platform certificate', async () => {
    const r = await wxpay.v3.certificates.get();
    const item = r.data.data[0];
    assert.equal(item.serial_no, k.platformSerial);
    const pem = Aes.AesGcm.decrypt(item.encrypt_certificate.ciphertext, k.apiv3Key, item.encrypt_certificate.nonce,
      item.encrypt_certificate.associated_data);
    assert.equal(pem.trim(), k.platformCert.trim());
  }],
  ['public-key mode merchant: PUB_KEY_ID serial verified', async () => {
    const pay = client(pk, { [pk.publicKeyId]: Rsa.from(pk.platformPublicKey, 'public') });
    const r = await pay.v3.pay.transactions.jsapi.post({
      appid: APPID, mchid: pk.mchid, description: 'pk', out_trade_no: `${no}P`,
      notify_url: `${listener.url}/pk`, amount: { total: 1 }, payer: { openid: OPENID },
    });
    assert.equal(r.headers['wechatpay-serial'], pk.publicKeyId);
  }],
  ['Wechatpay-Serial request header picks the public key id', async () => {
    const pay = client(k, { [k.publicKeyId]: Rsa.from(k.platformPublicKey, 'public') }, { 'Wechatpay-Serial': k.publicKeyId });
    const r = await pay.v3.pay.transactions['out-trade-no']['{out_trade_no}'].get({ params: { mchid: k.mchid }, out_trade_no: no });
    assert.equal(r.data.trade_state, 'REFUND');
  }],
  ['app order: the app parameter set signed with the SDK helpers pays it; notified', async () => {
    const appNo = `${no}A`;
    const r = await wxpay.v3.pay.transactions.app.post({
      appid: APPID, mchid: k.mchid, description: 'mpemu APP', out_trade_no: appNo,
      notify_url: `${listener.url}/app`, amount: { total: 12, currency: 'CNY' },
    });
    assert.equal(r.status, 200);
    assert.match(r.data.prepay_id, /^wx\d{14}[0-9a-f]{20}$/);
    const set = {
      appid: APPID, partnerid: k.mchid, prepayid: r.data.prepay_id, package: 'Sign=WXPay',
      noncestr: Formatter.nonce(), timestamp: String(Formatter.timestamp()),
    };
    set.sign = Rsa.sign(Formatter.joinedByLineFeed(set.appid, set.timestamp, set.noncestr, set.prepayid), k.privateKey);
    const path = `/__admin/wechatpay/transactions/${appNo}/pay`;
    const forged = await fetch(emu.url + path, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ app_payment: { ...set, timestamp: String(Number(set.timestamp) + 1) } }),
    });
    assert.equal(forged.status, 400);
    const paid = await emu.admin('POST', path, { result: 'SUCCESS', app_payment: set });
    assert.equal(paid.trade_state, 'SUCCESS');
    const q = await wxpay.v3.pay.transactions['out-trade-no']['{out_trade_no}'].get({ params: { mchid: k.mchid }, out_trade_no: appNo });
    assert.equal(q.data.trade_type, 'APP');
    const n = await listener.waitFor((x) => x.url === '/app');
    const env = JSON.parse(n.body);
    const plain = JSON.parse(Aes.AesGcm.decrypt(env.resource.ciphertext, k.apiv3Key, env.resource.nonce, env.resource.associated_data));
    assert.equal(plain.out_trade_no, appNo);
    assert.equal(plain.trade_type, 'APP');
  }],
  ['h5 order: h5_url opens the cashier; Pay redirects to redirect_url; query SUCCESS; notified', async () => {
    const h5No = `${no}H`;
    await assert.rejects(wxpay.v3.pay.transactions.h5.post({
      appid: APPID, mchid: k.mchid, description: 'mpemu H5', out_trade_no: h5No,
      notify_url: `${listener.url}/h5`, amount: { total: 34 }, scene_info: { payer_client_ip: '203.0.113.9' },
    }), (e) => e.response.status === 400 && e.response.data.code === 'PARAM_ERROR'
      && e.response.data.message.includes('/scene_info/h5_info'));
    const r = await wxpay.v3.pay.transactions.h5.post({
      appid: APPID, mchid: k.mchid, description: 'mpemu H5', out_trade_no: h5No,
      notify_url: `${listener.url}/h5`, amount: { total: 34 },
      scene_info: { payer_client_ip: '203.0.113.9', h5_info: { type: 'Wap' } },
    });
    assert.equal(r.status, 200);
    const url = new URL(r.data.h5_url);
    assert.equal(url.origin, emu.url);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /^text\/html/);
    assert.match(await page.text(), /value="pay"/);
    const back = 'https://shop.example/h5/return?no=' + h5No;
    const pressed = await fetch(`${r.data.h5_url}&redirect_url=${encodeURIComponent(back)}`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ action: 'pay' }),
    });
    assert.equal(pressed.status, 303);
    assert.equal(pressed.headers.get('location'), back);
    const q = await wxpay.v3.pay.transactions['out-trade-no']['{out_trade_no}'].get({ params: { mchid: k.mchid }, out_trade_no: h5No });
    assert.equal(q.data.trade_state, 'SUCCESS');
    assert.equal(q.data.trade_type, 'MWEB');
    const n = await listener.waitFor((x) => x.url === '/h5');
    assert.equal(JSON.parse(n.body).event_type, 'TRANSACTION.SUCCESS');
  }],
  ['transfer bill: create, the user confirms, query (replies verified by the SDK)', async () => {
    const billNo = `TB${run}`;
    const r = await wxpay.v3['fund-app']['mch-transfer']['transfer-bills'].post({
      appid: APPID, out_bill_no: billNo, transfer_scene_id: '1000', openid: OPENID, transfer_amount: 100,
      transfer_remark: '新会员开通有礼', notify_url: `${listener.url}/transfer`,
      transfer_scene_report_infos: [{ info_type: '活动名称', info_content: '新会员有礼' }, { info_type: '奖励说明', info_content: '注册会员抽奖一等奖' }],
    });
    assert.equal(r.data.state, 'WAIT_USER_CONFIRM');
    const done = await emu.admin('POST', `/__admin/wechatpay/transfer-bills/${billNo}/result`, { result: 'SUCCESS', package_info: r.data.package_info });
    assert.equal(done.state, 'SUCCESS');
    const q = await wxpay.v3['fund-app']['mch-transfer']['transfer-bills']['out-bill-no']['{out_bill_no}'].get({ out_bill_no: billNo });
    assert.equal(q.data.state, 'SUCCESS');
    assert.equal(q.data.transfer_bill_no, r.data.transfer_bill_no);
    const n = await listener.waitFor((x) => x.url === '/transfer');
    const env = JSON.parse(n.body);
    assert.equal(env.event_type, 'MCHTRANSFER.BILL.FINISHED');
    const plain = JSON.parse(Aes.AesGcm.decrypt(env.resource.ciphertext, k.apiv3Key, env.resource.nonce, env.resource.associated_data));
    assert.equal(plain.out_bill_no, billNo);
  }],
  ['transfer batch: create and query with details', async () => {
    const batchNo = `BATCH${run}`;
    const r = await wxpay.v3.transfer.batches.post({
      appid: APPID, out_batch_no: batchNo, batch_name: '报销', batch_remark: '一月报销', total_amount: 300, total_num: 2,
      transfer_detail_list: [
        { out_detail_no: `${batchNo}D1`, transfer_amount: 100, transfer_remark: '一月报销', openid: OPENID },
        { out_detail_no: `${batchNo}D2`, transfer_amount: 200, transfer_remark: '一月报销', openid: OPENID },
      ],
    });
    assert.equal(r.data.batch_status, 'ACCEPTED');
    const q = await wxpay.v3.transfer.batches['out-batch-no']['{out_batch_no}'].get({ out_batch_no: batchNo, params: { need_query_detail: true } });
    assert.equal(q.data.transfer_batch.total_num, 2);
    assert.equal(q.data.transfer_detail_list.length, 2);
  }],
]);
await listener.close();
await emu.stop();
process.exit(ok ? 0 : 1);
