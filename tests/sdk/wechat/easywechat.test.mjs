// node-easywechat 3.6.2 (MiniApp) against the emulator: code2Session, access and stable tokens,
// getuserphonenumber through the token-aware client, and decrypting the emulator's encryptedData.
import assert from 'node:assert/strict';
import { startEmulator, requirePkg, runChecks } from '../common/emulator.mjs';

const { MiniApp } = requirePkg('node-easywechat');

// In-memory token cache: the default FileCache in the working directory would outlive the emulator.
function memoryCache() {
  const m = new Map();
  return {
    async get(k) { return m.has(k) ? m.get(k) : null; },
    async has(k) { return m.has(k); },
    async set(k, v) { m.set(k, v); return true; },
    async delete(k) { return m.delete(k); },
  };
}

const emu = await startEmulator();
try {
  const fixtures = await emu.admin('GET', '/__admin/fixtures');
  const { appid, secret } = fixtures.wechat.apps[0];
  const user = fixtures.users.find((u) => u.appid === appid && u.unionid && u.phone);
  const makeApp = (stable) => {
    const app = new MiniApp({
      app_id: appid, secret, use_stable_access_token: stable,
      http: { baseURL: `${emu.url}/`, timeout: 5000, proxy: false },
    });
    app.setCache(memoryCache());
    return app;
  };
  const app = makeApp(false);
  let sessionKey;

  await runChecks([
    ['codeToSession returns openid, unionid and a 16-byte session_key', async () => {
      const { code } = await emu.admin('POST', '/__admin/wechat/login-codes', { appid, openid: user.openid });
      const session = await app.getUtils().codeToSession(code);
      assert.equal(session.openid, user.openid);
      assert.equal(session.unionid, user.unionid);
      assert.equal(Buffer.from(session.session_key, 'base64').length, 16);
      sessionKey = session.session_key;
    }],
    ['a reused code is refused with 40163', async () => {
      const { code } = await emu.admin('POST', '/__admin/wechat/login-codes', { appid, openid: user.openid });
      await app.getUtils().codeToSession(code);
      await assert.rejects(app.getUtils().codeToSession(code), /code2Session error: .*"errcode":40163/);
    }],
    ['getAccessToken().getToken() fetches cgi-bin/token', async () => {
      const token = await app.getAccessToken().getToken();
      assert.match(token, /^[0-9]{2}_[A-Za-z0-9_-]+$/);
    }],
    ['use_stable_access_token fetches cgi-bin/stable_token and gets the same token twice', async () => {
      const stableApp = makeApp(true);
      const a = await stableApp.getAccessToken().getToken();
      const b = await makeApp(true).getAccessToken().getToken();
      assert.equal(a, b);
    }],
    ['getuserphonenumber through the token-aware client', async () => {
      const { code } = await emu.admin('POST', '/__admin/wechat/phone-codes', { appid, openid: user.openid });
      const res = (await app.getClient().postJson('wxa/business/getuserphonenumber', { code })).toObject();
      assert.equal(res.errcode, 0);
      const national = user.phone.replace(/^\+86/, '');
      assert.equal(res.phone_info.purePhoneNumber, national);
      assert.equal(res.phone_info.countryCode, '86');
      assert.equal(res.phone_info.watermark.appid, appid);
      const again = (await app.getClient().postJson('wxa/business/getuserphonenumber', { code })).toObject();
      assert.equal(again.errcode, 40029);
    }],
    ['a wrong access_token gives 40001', async () => {
      const res = (await app.getHttpClient().request('POST', 'wxa/business/getuserphonenumber?access_token=12_nosuchtoken', {
        json: { code: 'x' },
      })).toObject();
      assert.equal(res.errcode, 40001);
    }],
    ['decryptSession opens the emulator encryptedData (userinfo and phone)', async () => {
      const info = await emu.admin('POST', '/__admin/wechat/encrypted-data', { appid, openid: user.openid, kind: 'userinfo' });
      const decoded = app.getUtils().decryptSession(sessionKey, info.iv, info.encryptedData);
      assert.equal(decoded.openId, user.openid);
      assert.equal(decoded.unionId, user.unionid);
      assert.equal(decoded.nickName, user.nickname);
      assert.equal(decoded.watermark.appid, appid);
      const phone = await emu.admin('POST', '/__admin/wechat/encrypted-data', { appid, openid: user.openid, kind: 'phone' });
      const p = app.getUtils().decryptSession(sessionKey, phone.iv, phone.encryptedData);
      assert.equal(`+${p.countryCode}${p.purePhoneNumber}`, user.phone);
    }],
  ]);
} finally {
  await emu.stop();
}
