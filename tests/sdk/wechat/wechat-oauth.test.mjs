// wechat-oauth 1.5.0 in mini program mode against the emulator: getSessionKey (its host is hard-coded,
// so the instance's request method is redirected), errors as WeChatAPIError, and getUserByCode, which
// logs in and decrypts the emulator's encryptedData with its own watermark check.
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { startEmulator, requirePkg, runChecks } from '../common/emulator.mjs';

const OAuth = requirePkg('wechat-oauth');

const emu = await startEmulator();
try {
  const fixtures = await emu.admin('GET', '/__admin/fixtures');
  const { appid, secret } = fixtures.wechat.apps[0];
  const user = fixtures.users.find((u) => u.appid === appid && u.unionid);
  const makeClient = (s = secret) => {
    const client = new OAuth(appid, s, null, null, true);
    const orig = client.request.bind(client);
    client.request = (url, opts, cb) => orig(url.replace('https://api.weixin.qq.com', emu.url), opts, cb);
    return client;
  };
  const client = makeClient();
  const getSessionKey = promisify(client.getSessionKey.bind(client));
  const getUserByCode = promisify(client.getUserByCode.bind(client));
  const mint = async () => (await emu.admin('POST', '/__admin/wechat/login-codes', { appid, openid: user.openid })).code;

  await runChecks([
    ['getSessionKey returns openid, unionid and session_key', async () => {
      const result = await getSessionKey(await mint());
      assert.equal(result.data.openid, user.openid);
      assert.equal(result.data.unionid, user.unionid);
      assert.equal(Buffer.from(result.data.session_key, 'base64').length, 16);
    }],
    ['a reused code is WeChatAPIError 40163', async () => {
      const code = await mint();
      await getSessionKey(code);
      await assert.rejects(getSessionKey(code), (err) => err.name === 'WeChatAPIError' && err.code === 40163);
    }],
    ['an unknown code is 40029 and a wrong secret 40125', async () => {
      await assert.rejects(getSessionKey('0819eKXN0IJREb20XO0O0JAIXN09eKXs'), (err) => err.code === 40029);
      const wrong = makeClient('00000000000000000000000000000000');
      await assert.rejects(promisify(wrong.getSessionKey.bind(wrong))(await mint()), (err) => err.code === 40125);
    }],
    ['getUserByCode decrypts encryptedData made by the emulator (watermark checked)', async () => {
      const code = await mint();  // the first login gives the user a session key, kept by later logins
      await getSessionKey(code);
      const data = await emu.admin('POST', '/__admin/wechat/encrypted-data', { appid, openid: user.openid, kind: 'userinfo' });
      const decoded = await getUserByCode({ code: await mint(), encryptedData: data.encryptedData, iv: data.iv });
      assert.equal(decoded.openId, user.openid);
      assert.equal(decoded.unionId, user.unionid);
      assert.equal(decoded.nickName, user.nickname);
      assert.equal(decoded.watermark.appid, appid);
    }],
  ]);
} finally {
  await emu.stop();
}
