// alipay-sdk 4.14.0 redirect payments against mpemu: pageExec builds the GET URL and the POST form for
// alipay.trade.page.pay / wap.pay; the emulator verifies them like API calls and shows its cashier;
// paying redirects to return_url with parameters that pass checkNotifySign, and the notification
// reaches the notify listener. A tampered URL gets Alipay's HTML error page.
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
  timeout: 10000,
});

const listener = await startListener(() => ({ status: 200, body: 'success' }));
const notifyUrl = `${listener.url}/alipay/notify`;
const returnUrl = `${listener.url}/alipay/return`;

// The cashier's form action in the page.
const cashierAction = (html) => {
  const m = html.match(/action="(\/__alipay\/cashier\/\d+)"/);
  assert.ok(m, `no cashier form in:\n${html.slice(0, 2000)}`);
  return m[1];
};

// Posts the SDK's auto-submitting form the way a browser would.
const submitSdkForm = async (formHtml) => {
  const action = formHtml.match(/action="([^"]+)"/)[1];
  const body = new URLSearchParams();
  for (const m of formHtml.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g)) {
    body.append(m[1], m[2].replace(/&quot;/g, '"'));
  }
  return fetch(action, { method: 'POST', body, redirect: 'manual' });
};

// Clicks Pay: returns the return_url parameters as an object.
const pay = async (action) => {
  const res = await fetch(emu.url + action, {
    method: 'POST',
    body: new URLSearchParams({ action: 'pay', buyer_id: buyer }),
    redirect: 'manual',
  });
  assert.equal(res.status, 302, await res.text());
  const loc = new URL(res.headers.get('location'));
  assert.equal(`${loc.origin}${loc.pathname}`, returnUrl);
  return Object.fromEntries(loc.searchParams);
};

const ok = await runChecks([
  ['pageExec GET (page.pay): cashier, pay, return_url passes checkNotifySign, notify delivered', async () => {
    const outTradeNo = `PG${Date.now()}`;
    const url = sdk.pageExec('alipay.trade.page.pay', 'GET', {
      notifyUrl,
      returnUrl,
      bizContent: { outTradeNo, totalAmount: '66.60', subject: '网页支付 <测试>', productCode: 'FAST_INSTANT_TRADE_PAY' },
    });
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /^text\/html/);
    const html = await page.text();
    assert.ok(html.includes('网页支付 &lt;测试&gt;'), html.slice(0, 2000));
    assert.ok(html.includes('66.60'));
    const ret = await pay(cashierAction(html));
    assert.equal(ret.method, 'alipay.trade.page.pay.return');
    assert.equal(ret.out_trade_no, outTradeNo);
    assert.equal(ret.total_amount, '66.60');
    assert.equal(ret.app_id, appId);
    assert.equal(sdk.checkNotifySign({ ...ret }), true);
    assert.equal(sdk.checkNotifySignV2({ ...ret }), true);
    assert.equal(sdk.checkNotifySignV2({ ...ret, total_amount: '0.01' }), false);
    const n = await listener.waitFor((r) => r.url === '/alipay/notify' && r.body.includes(outTradeNo));
    const postData = Object.fromEntries(new URLSearchParams(n.body));
    assert.equal(postData.trade_status, 'TRADE_SUCCESS');
    assert.equal(sdk.checkNotifySignV2(postData), true);
    const q = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo } }, { validateSign: true });
    assert.equal(q.tradeStatus, 'TRADE_SUCCESS');
    assert.equal(q.tradeNo, ret.trade_no);
  }],
  ['pageExec POST form (wap.pay): cashier, pay, return_url passes checkNotifySign', async () => {
    const outTradeNo = `WP${Date.now()}`;
    const form = sdk.pageExec('alipay.trade.wap.pay', 'POST', {
      notifyUrl,
      returnUrl,
      bizContent: { outTradeNo, totalAmount: '0.01', subject: '手机网站 "支付"', productCode: 'QUICK_WAP_WAY' },
    });
    const page = await submitSdkForm(form);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.ok(html.includes('手机网站 &quot;支付&quot;'), html.slice(0, 2000));
    const ret = await pay(cashierAction(html));
    assert.equal(ret.method, 'alipay.trade.wap.pay.return');
    assert.equal(sdk.checkNotifySign({ ...ret }), true);
    await listener.waitFor((r) => r.url === '/alipay/notify' && r.body.includes(outTradeNo));
  }],
  ['a tampered pageExec URL gets the HTML error page and creates no trade', async () => {
    const outTradeNo = `BAD${Date.now()}`;
    const url = sdk.pageExec('alipay.trade.page.pay', 'GET', {
      returnUrl,
      bizContent: { outTradeNo, totalAmount: '10.00', subject: 'x', productCode: 'FAST_INSTANT_TRADE_PAY' },
    });
    const page = await fetch(url.replace('10.00', '0.01'));
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /id="error-code">invalid-signature</);
    const { trades } = await emu.admin('GET', '/__admin/alipay/trades');
    assert.equal(trades.some((t) => t.out_trade_no === outTradeNo), false);
  }],
]);

await listener.close();
await emu.stop();
if (!ok) process.exit(1);
