// alipay-sdk 4.14.0 in certificate mode (公钥证书) against mpemu's cert-mode app: the SNs the SDK computes
// equal the emulator's (fixture summary) and the shared test vectors; exec() with validateSign for
// trade.query, a transfer and its query (the SDK sends app_cert_sn / alipay_root_cert_sn and verifies
// with the key of alipay_cert.crt); curl() on v3 (alipay-sn header checked by the SDK); a payment
// notification passes checkNotifySignV2; alipaycert.download returns alipay_cert.crt.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, startListener, runChecks, requirePkg } from '../common/emulator.mjs';

const { AlipaySdk } = requirePkg('alipay-sdk');
const certAppId = '2021004100000003';
const keys = path.join(process.env.MPEMU_FIXTURES, 'keys', 'alipay', certAppId);
const read = (f) => fs.readFileSync(path.join(keys, f), 'utf8');
const vectorsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'data', 'alipay', 'cert');

const emu = await startEmulator(['--notify-time-scale', '0.001']);
const fixtures = await emu.admin('GET', '/__admin/fixtures');
const app = fixtures.alipay.apps.find((a) => a.app_id === certAppId);
const payee = fixtures.users.find((u) => u.app_id === certAppId).alipay_user_id;

const sdk = new AlipaySdk({
  appId: certAppId,
  privateKey: read('app_private_key.pem'),
  keyType: 'PKCS1',
  appCertPath: path.join(keys, 'app_cert.crt'),
  alipayPublicCertPath: path.join(keys, 'alipay_cert.crt'),
  alipayRootCertPath: path.join(keys, 'alipay_root_cert.crt'),
  gateway: `${emu.url}/gateway.do`,
  endpoint: emu.url,
  timeout: 10000,
});
const listener = await startListener(() => ({ status: 200, body: 'success' }));
const notifyUrl = `${listener.url}/alipay/notify`;
const V = { validateSign: true };

const ok = await runChecks([
  ['the SDK computes the SNs the emulator expects', async () => {
    assert.equal(app.mode, 'cert');
    assert.equal(sdk.config.appCertSn, app.app_cert_sn);
    assert.equal(sdk.config.alipayCertSn, app.alipay_cert_sn);
    assert.equal(sdk.config.alipayRootCertSn, app.alipay_root_cert_sn);
  }],
  ['the SDK computes the shared test vectors (tests/data/alipay/cert/sn_vectors.json)', async () => {
    const v = JSON.parse(fs.readFileSync(path.join(vectorsDir, 'sn_vectors.json'), 'utf8'));
    const content = (f) => fs.readFileSync(path.join(vectorsDir, f), 'utf8');
    for (const [file, sn] of Object.entries(v.certs)) {
      const s = new AlipaySdk({ appId: certAppId, privateKey: read('app_private_key.pem'), appCertContent: content(file),
        alipayPublicCertContent: content('alipay_cert.crt'), alipayRootCertContent: content('alipay_root_cert.crt') });
      assert.equal(s.config.appCertSn, sn, file);
    }
    for (const [file, sn] of Object.entries(v.roots)) {
      const s = new AlipaySdk({ appId: certAppId, privateKey: read('app_private_key.pem'), appCertContent: content('app_cert.crt'),
        alipayPublicCertContent: content('alipay_cert.crt'), alipayRootCertContent: content(file) });
      assert.equal(s.config.alipayRootCertSn, sn, file);
    }
  }],
  ['trade.create + query with validateSign; the pay notification passes checkNotifySignV2', async () => {
    const outTradeNo = `CM${Date.now()}`;
    const c = await sdk.exec('alipay.trade.create', {
      notifyUrl,
      bizContent: { outTradeNo, totalAmount: '9.90', subject: '证书模式', buyerId: payee },
    }, V);
    assert.equal(c.code, '10000');
    const q = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo } }, V);
    assert.equal(q.tradeStatus, 'WAIT_BUYER_PAY');
    await emu.admin('POST', `/__admin/alipay/trades/${outTradeNo}/pay`, { app_id: certAppId });
    const n = await listener.waitFor((x) => x.body.includes(outTradeNo));
    const postData = Object.fromEntries(new URLSearchParams(n.body));
    assert.equal(postData.trade_status, 'TRADE_SUCCESS');
    assert.equal(sdk.checkNotifySignV2({ ...postData }), true);
    assert.equal(sdk.checkNotifySignV2({ ...postData, total_amount: '0.01' }), false);
  }],
  ['the raw v2 reply carries alipay_cert_sn between the node and the sign', async () => {
    const r = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: 'nope' } }, V);
    assert.equal(r.subCode, 'ACQ.TRADE_NOT_EXIST');
    const url = sdk.pageExec('alipay.trade.query', 'GET', { bizContent: { outTradeNo: 'nope' } });
    const raw = await (await fetch(url)).text();
    assert.match(raw, new RegExp(`^\\{"alipay_trade_query_response":\\{.*\\},"alipay_cert_sn":"${app.alipay_cert_sn}","sign":"[^"]+"\\}$`));
  }],
  ['fund.trans.uni.transfer + common.query, validateSign; a repeat is idempotent', async () => {
    const outBizNo = `TR${Date.now()}`;
    const bizContent = {
      outBizNo, transAmount: '12.34', productCode: 'TRANS_ACCOUNT_NO_PWD', bizScene: 'DIRECT_TRANSFER',
      orderTitle: '佣金', payeeInfo: { identity: payee, identityType: 'ALIPAY_USER_ID', name: '张三' },
    };
    const t = await sdk.exec('alipay.fund.trans.uni.transfer', { bizContent }, V);
    assert.equal(t.code, '10000');
    assert.equal(t.status, 'SUCCESS');
    assert.equal(t.outBizNo, outBizNo);
    const again = await sdk.exec('alipay.fund.trans.uni.transfer', { bizContent }, V);
    assert.equal(again.orderId, t.orderId);
    const q = await sdk.exec('alipay.fund.trans.common.query', {
      bizContent: { outBizNo, productCode: 'TRANS_ACCOUNT_NO_PWD', bizScene: 'DIRECT_TRANSFER' },
    }, V);
    assert.equal(q.orderId, t.orderId);
    assert.equal(q.transAmount, '12.34');
    const wrong = await sdk.exec('alipay.fund.trans.uni.transfer', {
      bizContent: { ...bizContent, outBizNo: `${outBizNo}X`, payeeInfo: { ...bizContent.payeeInfo, name: '李四' } },
    });
    assert.equal(wrong.subCode, 'PAYEE_USER_INFO_ERROR');
  }],
  ['curl v3 transfer: app_cert_sn in Authorization, the SDK checks alipay-sn and the signature', async () => {
    const r = await sdk.curl('POST', '/v3/alipay/fund/trans/uni/transfer', { body: {
      out_biz_no: `V3${Date.now()}`, trans_amount: '1.00', product_code: 'TRANS_ACCOUNT_NO_PWD',
      biz_scene: 'DIRECT_TRANSFER', payee_info: { identity: payee, identity_type: 'ALIPAY_USER_ID' },
    } });
    assert.equal(r.data.status, 'SUCCESS');
    assert.equal(r.responseHttpStatus, 200);
  }],
  ['alipaycert.download returns alipay_cert.crt in base64', async () => {
    const r = await sdk.exec('alipay.open.app.alipaycert.download', { bizContent: { alipayCertSn: app.alipay_cert_sn } }, V);
    assert.equal(Buffer.from(r.alipayCertContent, 'base64').toString('utf8'), read('alipay_cert.crt'));
  }],
]);

await listener.close();
await emu.stop();
if (!ok) process.exit(1);
