// node-easywechat 3.6.2 against the emulator's additions: the OfficialAccount JS-SDK config (getticket +
// SHA1 signature, checked as wx.config would), and the MiniApp client on subscribe templates, customer
// service messages and order shipping.
import assert from 'node:assert/strict';
import { startEmulator, requirePkg, runChecks } from '../common/emulator.mjs';

const { OfficialAccount, MiniApp } = requirePkg('node-easywechat');

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
  const http = { baseURL: `${emu.url}/`, timeout: 5000, proxy: false };
  const official = new OfficialAccount({ app_id: appid, secret, token: 'mpemu', http });
  official.setCache(memoryCache());
  const mini = new MiniApp({ app_id: appid, secret, http });
  mini.setCache(memoryCache());
  const client = mini.getClient();

  await runChecks([
    ['buildJsSdkConfig signs with the emulator ticket and wx.config accepts it', async () => {
      const url = 'https://shop.example.com/pay?order=42';
      const config = await official.getUtils().buildJsSdkConfig(url, ['chooseWXPay']);
      assert.equal(config.appId, appid);
      assert.deepEqual(config.jsApiList, ['chooseWXPay']);
      const res = await emu.admin('POST', '/__admin/wechat/jsapi-config/verify', {
        appid, url, nonceStr: config.nonceStr, timestamp: config.timestamp, signature: config.signature,
      });
      assert.equal(res.valid, true);
      // A config signed for another page is refused.
      await assert.rejects(emu.admin('POST', '/__admin/wechat/jsapi-config/verify', {
        appid, url: `${url}&x=1`, nonceStr: config.nonceStr, timestamp: config.timestamp, signature: config.signature,
      }));
    }],
    ['subscribe templates: add from the library, list, delete', async () => {
      const titles = (await client.get('wxaapi/newtmpl/getpubtemplatetitles', { params: { ids: '307', start: 0, limit: 5 } })).toObject();
      assert.equal(titles.errcode, 0);
      const tid = titles.data[0].tid;
      const added = (await client.postJson('wxaapi/newtmpl/addtemplate', { tid: String(tid), kidList: [1, 2], sceneDesc: 'SDK' })).toObject();
      assert.equal(added.errcode, 0);
      const list = (await client.get('wxaapi/newtmpl/gettemplate')).toObject();
      assert.ok(list.data.some((t) => t.priTmplId === added.priTmplId));
      const del = (await client.postJson('wxaapi/newtmpl/deltemplate', { priTmplId: added.priTmplId })).toObject();
      assert.equal(del.errcode, 0);
    }],
    ['customer service: a reply inside the window the user opened', async () => {
      await emu.admin('POST', '/__admin/wechat/customer-service/events', { appid, openid: user.openid, action: 'user_message' });
      const res = (await client.postJson('cgi-bin/message/custom/send', {
        touser: user.openid, msgtype: 'text', text: { content: 'hello from node-easywechat' },
      })).toObject();
      assert.equal(res.errcode, 0);
    }],
    ['order shipping: upload, query, the user confirms receipt', async () => {
      const transaction_id = '4200001927202309157703139548';
      const up = (await client.postJson('wxa/sec/order/upload_shipping_info', {
        order_key: { order_number_type: 2, transaction_id },
        logistics_type: 3, delivery_mode: 1,
        shipping_list: [{ item_desc: 'gift card *1' }],
        upload_time: new Date().toISOString(), payer: { openid: user.openid },
      })).toObject();
      assert.equal(up.errcode, 0);
      await emu.admin('POST', '/__admin/wechat/shipping/confirm', { appid, transaction_id });
      const got = (await client.postJson('wxa/sec/order/get_order', { transaction_id })).toObject();
      assert.equal(got.order.order_state, 3);
    }],
  ]);
} finally {
  await emu.stop();
}
