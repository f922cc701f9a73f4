// Checks a fixture set's keys/ folder (DESIGN.md "State and fixtures") from Node's side, the way the SDKs load
// it: every key through node:crypto, certificates through X509Certificate, the .p12 through tls. No npm packages.
// usage: node scripts/check-test-keys.mjs [KEYS_DIR]   (default: fixtures/default/keys)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

const kDefaultDir = fileURLToPath(new URL('../fixtures/default/keys/', import.meta.url));
const keysDir = path.resolve(process.argv[2] ?? kDefaultDir);

const kPkcs8Header = '-----BEGIN PRIVATE KEY-----';
const kPkcs1Header = '-----BEGIN RSA PRIVATE KEY-----';
const kSpkiHeader = '-----BEGIN PUBLIC KEY-----';

let failures = 0;
let checks = 0;
function check(ok, what) {
    checks += 1;
    if (!ok) {
        failures += 1;
        console.error(`FAIL: ${what}`);
    }
}
// Runs fn and records a failure (with the thrown message) instead of stopping the whole run.
function attempt(what, fn) {
    try {
        return fn();
    } catch (err) {
        check(false, `${what}: ${err.message}`);
        return undefined;
    }
}

const read = (dir, name) => fs.readFileSync(path.join(dir, name));
const readText = (dir, name) => read(dir, name).toString('utf8');
const firstLine = (text) => text.split('\n', 1)[0];
const spkiDer = (key) => key.export({ type: 'spki', format: 'der' });

function loadPrivate(dir, name, header) {
    const file = path.join(dir, name);
    const pem = readText(dir, name);
    check(firstLine(pem) === header, `${file} starts with ${header}`);
    const key = attempt(`createPrivateKey(${file})`, () => crypto.createPrivateKey(pem));
    if (key) {
        check(key.asymmetricKeyType === 'rsa', `${file} is RSA`);
        check(key.asymmetricKeyDetails.modulusLength === 2048, `${file} is 2048-bit`);
    }
    return key;
}

function loadPublic(dir, name) {
    const file = path.join(dir, name);
    const pem = readText(dir, name);
    check(firstLine(pem) === kSpkiHeader, `${file} is SPKI (${kSpkiHeader})`);
    const key = attempt(`createPublicKey(${file})`, () => crypto.createPublicKey(pem));
    if (key) check(key.asymmetricKeyDetails.modulusLength === 2048, `${file} is 2048-bit`);
    return key;
}

function loadCert(dir, name) {
    const file = path.join(dir, name);
    const pem = readText(dir, name);
    const cert = attempt(`X509Certificate(${file})`, () => new crypto.X509Certificate(pem));
    if (!cert) return undefined;
    // axios-plugin accepts a certificate wherever it wants a public key.
    attempt(`createPublicKey(${file})`, () => crypto.createPublicKey(pem));
    const now = Date.now();
    check(Date.parse(cert.validFrom) <= now && now < Date.parse(cert.validTo), `${file} is valid now`);
    check(cert.verify(cert.publicKey), `${file} is self-signed by its own key`);
    return cert;
}

// The private key signs and the public key (or certificate) verifies: one pair, as an SDK would use it.
function expectPair(privateKey, publicKey, what) {
    if (!privateKey || !publicKey) return;
    check(spkiDer(crypto.createPublicKey(privateKey)).equals(spkiDer(publicKey)), `${what}: same public key`);
    const message = Buffer.from(`mpemu key check ${what}\n`);
    const signature = crypto.sign('sha256', message, privateKey);
    check(crypto.verify('sha256', message, publicKey, signature), `${what}: SHA256withRSA round trip`);
}

// A .txt value must match exactly: SDKs compare serials byte for byte and a 33-byte APIv3 key fails.
function expectTxt(dir, name, pattern) {
    const text = readText(dir, name);
    check(pattern.test(text), `${path.join(dir, name)} = ${JSON.stringify(text)} matches ${pattern}`);
    return text;
}

const seenKeys = new Map();  // SPKI DER (hex) -> file, to catch one key reused between roles or tenants
function expectUnique(key, file) {
    if (!key) return;
    const id = spkiDer(crypto.createPublicKey(key)).toString('hex');
    check(!seenKeys.has(id), `${file} is not the same key as ${seenKeys.get(id)}`);
    seenKeys.set(id, file);
}

// The first tenant sits at the top of its provider folder, further ones in a subfolder named by their id.
function tenantDirs(provider, idPattern) {
    const root = path.join(keysDir, provider);
    const subdirs = fs.readdirSync(root, { withFileTypes: true })
        .filter((e) => e.isDirectory() && idPattern.test(e.name))
        .map((e) => ({ dir: path.join(root, e.name), id: e.name }))
        .sort((a, b) => a.id.localeCompare(b.id));
    return [{ dir: root, id: undefined }, ...subdirs];
}

function checkMerchant(dir, dirMchid) {
    const merchantKey = loadPrivate(dir, 'merchant_private_key.pem', kPkcs8Header);
    const merchantPub = loadPublic(dir, 'merchant_public_key.pem');
    const merchantCert = loadCert(dir, 'merchant_cert.pem');
    const mchid = merchantCert?.subject.match(/^CN=(\d{10})$/m)?.[1];
    check(mchid !== undefined, `${dir}/merchant_cert.pem subject has CN=<10-digit mchid>`);
    if (dirMchid !== undefined) check(mchid === dirMchid, `${dir}: certificate CN ${mchid} equals folder name`);
    console.log(`WeChat Pay merchant ${mchid} (${dir})`);

    expectPair(merchantKey, merchantPub, `${mchid} merchant key / merchant_public_key.pem`);
    expectPair(merchantKey, merchantCert?.publicKey, `${mchid} merchant key / merchant_cert.pem`);
    check(merchantCert?.checkPrivateKey(merchantKey) === true, `${mchid} merchant_cert.pem matches its key`);
    const merchantSerial = expectTxt(dir, 'merchant_cert_serial.txt', /^[0-9A-F]{40}$/);
    check(merchantCert?.serialNumber.toUpperCase() === merchantSerial, `${mchid} merchant serial equals the certificate's`);

    const platformKey = loadPrivate(dir, 'platform_private_key.pem', kPkcs8Header);
    const platformPub = loadPublic(dir, 'platform_public_key.pem');
    const platformCert = loadCert(dir, 'platform_cert.pem');
    expectPair(platformKey, platformPub, `${mchid} platform key / platform_public_key.pem`);
    expectPair(platformKey, platformCert?.publicKey, `${mchid} platform key / platform_cert.pem`);
    const platformSerial = expectTxt(dir, 'platform_serial.txt', /^[0-9A-F]{40}$/);
    check(platformCert?.serialNumber.toUpperCase() === platformSerial, `${mchid} platform serial equals the certificate's`);
    check(platformSerial !== merchantSerial, `${mchid}: axios-plugin refuses certs holding the merchant serial`);
    const publicKeyId = expectTxt(dir, 'platform_public_key_id.txt', new RegExp(`^PUB_KEY_ID_01${mchid}\\d{8}\\d{14}$`));

    const apiv3Key = expectTxt(dir, 'apiv3_key.txt', /^[A-Za-z0-9]{32}$/);
    expectTxt(dir, 'api_v2_key.txt', /^[A-Za-z0-9]{32}$/);
    // AEAD_AES_256_GCM takes the APIv3 key as raw bytes: it must be exactly a 256-bit key.
    attempt(`${mchid} apiv3_key.txt as an AES-256-GCM key`,
        () => crypto.createCipheriv('aes-256-gcm', Buffer.from(apiv3Key, 'ascii'), Buffer.alloc(12)));

    const pfx = read(dir, 'apiclient_cert.p12');
    attempt(`${dir}/apiclient_cert.p12 opens with password ${mchid}`,
        () => tls.createSecureContext({ pfx, passphrase: mchid }));
    check(attempt('wrong p12 password', () => {
        try {
            tls.createSecureContext({ pfx, passphrase: `not-${mchid}` });
            return false;
        } catch {
            return true;
        }
    }), `${dir}/apiclient_cert.p12 refuses a wrong password`);

    for (const [key, name] of [[merchantKey, 'merchant_private_key.pem'], [platformKey, 'platform_private_key.pem']]) {
        expectUnique(key, path.join(dir, name));
    }
    console.log(`  merchant serial ${merchantSerial}, platform serial ${platformSerial}, public key id ${publicKeyId}`);
}

// alipay-sdk's formatKey keeps only the base64 body and re-armours it with the header its keyType names.
function alipaySdkFormatKey(pem, keyType) {
    const body = pem.split('\n').filter((l) => l && !l.includes('PRIVATE KEY')).join('');
    const label = keyType === 'PKCS8' ? 'PRIVATE KEY' : 'RSA PRIVATE KEY';
    return `-----BEGIN ${label}-----\n${body.match(/.{1,64}/g).join('\n')}\n-----END ${label}-----`;
}

// Certificate mode (app_cert.crt): the app and Alipay certificates certify the two private keys and are
// issued by a root of alipay_root_cert.crt, which Node reads certificate by certificate.
function checkAlipayCertApp(dir, appKey) {
    const roots = readText(dir, 'alipay_root_cert.crt').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    check(roots.length >= 1, `${dir}/alipay_root_cert.crt holds certificates`);
    const rootCerts = roots.map((pem) => attempt('a root of alipay_root_cert.crt', () => new crypto.X509Certificate(pem)));
    const alipayKey = loadPrivate(dir, 'alipay_private_key.pem', kPkcs8Header);
    for (const [name, key] of [['app_cert.crt', appKey], ['alipay_cert.crt', alipayKey]]) {
        const cert = attempt(`X509Certificate(${dir}/${name})`, () => new crypto.X509Certificate(readText(dir, name)));
        if (!cert) continue;
        const now = Date.now();
        check(Date.parse(cert.validFrom) <= now && now < Date.parse(cert.validTo), `${dir}/${name} is valid now`);
        expectPair(key, cert.publicKey, `${dir}/${name} certifies its private key`);
        check(rootCerts.some((root) => root && cert.checkIssued(root) && cert.verify(root.publicKey)),
            `${dir}/${name} is issued by a root of alipay_root_cert.crt`);
    }
    expectUnique(alipayKey, path.join(dir, 'alipay_private_key.pem'));
}

function checkAlipayApp(dir, appId, isFirst) {
    const pem = readText(dir, 'app_private_key.pem');
    const keyType = firstLine(pem) === kPkcs1Header ? 'PKCS1' : 'PKCS8';
    // DESIGN.md: the set's first app uses alipay-sdk's default keyType.
    if (isFirst) check(keyType === 'PKCS1', `${dir}/app_private_key.pem is PKCS#1 (alipay-sdk default)`);
    console.log(`Alipay app ${appId ?? '(first app, see fixture.json)'} keyType ${keyType} (${dir})`);

    const appKey = loadPrivate(dir, 'app_private_key.pem', keyType === 'PKCS1' ? kPkcs1Header : kPkcs8Header);
    attempt(`${dir}/app_private_key.pem with alipay-sdk keyType ${keyType}`,
        () => crypto.createPrivateKey(alipaySdkFormatKey(pem, keyType)));
    expectUnique(appKey, path.join(dir, 'app_private_key.pem'));
    if (fs.existsSync(path.join(dir, 'app_cert.crt'))) {
        checkAlipayCertApp(dir, appKey);
        return;
    }
    const appPub = loadPublic(dir, 'app_public_key.pem');
    const alipayKey = loadPrivate(dir, 'alipay_private_key.pem', kPkcs8Header);
    const alipayPub = loadPublic(dir, 'alipay_public_key.pem');
    expectPair(appKey, appPub, `${dir} app key pair`);
    expectPair(alipayKey, alipayPub, `${dir} Alipay key pair`);
    expectUnique(alipayKey, path.join(dir, 'alipay_private_key.pem'));
}

for (const { dir, id } of tenantDirs('wechatpay', /^\d{10}$/)) {
    attempt(`merchant in ${dir}`, () => checkMerchant(dir, id));
}
tenantDirs('alipay', /^20\d{14}$/).forEach(({ dir, id }, index) => {
    attempt(`Alipay app in ${dir}`, () => checkAlipayApp(dir, id, index === 0));
});

if (failures > 0) {
    console.error(`${failures} of ${checks} checks failed in ${keysDir}`);
    process.exit(1);
}
console.log(`all ${checks} Node checks passed in ${keysDir}`);
