// Keys of the default fixture set and small helpers shared by the WeChat Pay SDK tests.
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

export function merchantKeys(mchid) {
  const dir = `${process.env.MPEMU_FIXTURES}/keys/wechatpay/${mchid === '1900000109' ? '' : mchid + '/'}`;
  const read = (f) => readFileSync(dir + f, 'utf8');
  return {
    mchid,
    serial: read('merchant_cert_serial.txt').trim(),
    privateKey: read('merchant_private_key.pem'),
    merchantCert: read('merchant_cert.pem'),
    apiv3Key: read('apiv3_key.txt').trim(),
    platformSerial: read('platform_serial.txt').trim(),
    platformCert: read('platform_cert.pem'),
    publicKeyId: read('platform_public_key_id.txt').trim(),
    platformPublicKey: read('platform_public_key.pem'),
  };
}

export const APPID = 'wx8f3b6c2a1d4e5f60';
export const OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';

// A notification's body must survive JSON.parse + JSON.stringify unchanged (wechatpay-node-v3 verifies
// the re-serialised object).
export function assertCanonical(body) {
  assert.equal(JSON.stringify(JSON.parse(body)), body);
}
