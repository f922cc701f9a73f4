// The Alipay cashier in a real browser: headless Chromium (playwright-core, Debian's chromium) opens an
// alipay.trade.page.pay URL built by alipay-sdk, clicks Pay and lands on return_url (a loopback
// server) with parameters that pass the SDK's checkNotifySign; the notification reaches the notify
// listener. A wap.pay POST form on a phone-sized screen goes Fail -> back -> Pay. Screenshots of each
// page go to $MPEMU_SCREENSHOTS for a human to look at.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startEmulator, startListener, runChecks, requirePkg } from '../sdk/common/emulator.mjs';

const { AlipaySdk } = requirePkg('alipay-sdk');
const { chromium } = requirePkg('playwright-core');
const keys = path.join(process.env.MPEMU_FIXTURES, 'keys', 'alipay');
const read = (...p) => fs.readFileSync(path.join(keys, ...p), 'utf8');
const shots = process.env.MPEMU_SCREENSHOTS || '/tmp';

const emu = await startEmulator(['--notify-time-scale', '0.001']);
const fixtures = await emu.admin('GET', '/__admin/fixtures');
const appId = fixtures.alipay.apps[0].app_id;

const sdk = new AlipaySdk({
  appId,
  privateKey: read('app_private_key.pem'),
  keyType: 'PKCS1',
  alipayPublicKey: read('alipay_public_key.pem'),
  gateway: `${emu.url}/gateway.do`,
  timeout: 10000,
});

// The merchant's site: return_url / quit_url pages and the notify endpoint.
const site = await startListener((req) => {
  if (req.url.startsWith('/alipay/notify')) return { status: 200, body: 'success' };
  return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: '<h1>merchant page</h1>' };
});
const returnUrl = `${site.url}/alipay/return`;
const notifyUrl = `${site.url}/alipay/notify`;

const browser = await chromium.launch({
  executablePath: process.env.MPEMU_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});

const returned = (url) => {
  const u = new URL(url);
  assert.equal(`${u.origin}${u.pathname}`, returnUrl);
  return Object.fromEntries(u.searchParams);
};

const ok = await runChecks([
  ['desktop: page.pay URL -> cashier -> Pay -> return_url signed, notify delivered', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const outTradeNo = `BR${Date.now()}`;
    const url = sdk.pageExec('alipay.trade.page.pay', 'GET', {
      notifyUrl,
      returnUrl,
      bizContent: { outTradeNo, totalAmount: '128.00', subject: '机械键盘 <Cherry 轴> & 键帽', productCode: 'FAST_INSTANT_TRADE_PAY' },
    });
    await page.goto(url);
    assert.equal(await page.textContent('h1'), '机械键盘 <Cherry 轴> & 键帽');
    assert.match(await page.textContent('#amount'), /128\.00/);
    assert.ok((await page.textContent('body')).includes('mpemu Demo Shop'));
    await page.screenshot({ path: path.join(shots, 'alipay-cashier-desktop.png'), fullPage: true });
    await Promise.all([page.waitForURL(`${returnUrl}?**`), page.click('#pay')]);
    const ret = returned(page.url());
    assert.equal(ret.method, 'alipay.trade.page.pay.return');
    assert.equal(ret.out_trade_no, outTradeNo);
    assert.equal(ret.total_amount, '128.00');
    assert.equal(sdk.checkNotifySign({ ...ret }), true);
    assert.equal(sdk.checkNotifySignV2({ ...ret, total_amount: '1.00' }), false);
    const n = await site.waitFor((r) => r.url === '/alipay/notify' && r.body.includes(outTradeNo));
    const postData = Object.fromEntries(new URLSearchParams(n.body));
    assert.equal(postData.trade_status, 'TRADE_SUCCESS');
    assert.equal(postData.trade_no, ret.trade_no);
    assert.equal(sdk.checkNotifySignV2(postData), true);
    // Back in the cashier: the trade is paid, no buttons.
    await page.goto(`${emu.url}/__alipay/cashier/${ret.trade_no}`);
    assert.equal(await page.locator('#pay').count(), 0);
    assert.match(await page.textContent('#notice'), /TRADE_SUCCESS/);
    await context.close();
  }],
  ['phone: wap.pay POST form -> Fail -> back -> Pay -> return_url', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, deviceScaleFactor: 2 });
    const page = await context.newPage();
    const outTradeNo = `BW${Date.now()}`;
    const form = sdk.pageExec('alipay.trade.wap.pay', 'POST', {
      notifyUrl,
      returnUrl,
      bizContent: { outTradeNo, totalAmount: '9.90', subject: '月度会员 "Plus"', productCode: 'QUICK_WAP_WAY', quitUrl: `${site.url}/shop` },
    });
    await Promise.all([page.waitForURL(`${emu.url}/gateway.do**`), page.setContent(form)]);
    await page.waitForSelector('#pay');
    assert.equal(await page.textContent('h1'), '月度会员 "Plus"');
    await page.screenshot({ path: path.join(shots, 'alipay-cashier-phone.png'), fullPage: true });
    await Promise.all([page.waitForNavigation(), page.click('#fail')]);
    assert.match(await page.textContent('#message'), /4000/);
    await page.screenshot({ path: path.join(shots, 'alipay-cashier-phone-failed.png'), fullPage: true });
    await Promise.all([page.waitForNavigation(), page.click('#link')]);
    await page.selectOption('#buyer', { index: 1 });
    await Promise.all([page.waitForURL(`${returnUrl}?**`), page.click('#pay')]);
    const ret = returned(page.url());
    assert.equal(ret.method, 'alipay.trade.wap.pay.return');
    assert.equal(sdk.checkNotifySign({ ...ret }), true);
    await site.waitFor((r) => r.url === '/alipay/notify' && r.body.includes(outTradeNo));
    await context.close();
  }],
  ['phone: a tampered URL shows the error page with the code', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await context.newPage();
    const url = sdk.pageExec('alipay.trade.page.pay', 'GET', {
      returnUrl,
      bizContent: { outTradeNo: `BX${Date.now()}`, totalAmount: '10.00', subject: 'x', productCode: 'FAST_INSTANT_TRADE_PAY' },
    });
    await page.goto(url.replace('10.00', '0.01'));
    assert.equal(await page.textContent('#error-code'), 'invalid-signature');
    await page.screenshot({ path: path.join(shots, 'alipay-error-phone.png'), fullPage: true });
    await context.close();
  }],
]);

await browser.close();
await site.close();
await emu.stop();
if (!ok) process.exit(1);
