// Shared helpers for SDK tests: start `mpemu serve --port 0` on loopback, call the admin API, a
// loopback listener for notifications. Every test is bounded in time (the whole file: 120 s).
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';

// Packages installed by scripts/sdk-test.sh live under NODE_PATH, which ESM `import` ignores.
export const requirePkg = createRequire(`${process.env.NODE_PATH}/`);

export async function startEmulator(extraArgs = []) {
  const bin = process.env.MPEMU_BIN;
  if (!bin) throw new Error('MPEMU_BIN is not set');
  const args = ['serve', '--port', '0', '--fixtures', process.env.MPEMU_FIXTURES, '--log-level', 'warn', ...extraArgs];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('emulator did not start in 10 s')), 10000);
    child.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/mpemu listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  const admin = async (method, path, body) => {
    const res = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path} -> ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const stop = () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); });
  return { url, admin, stop, child };
}

// A loopback HTTP listener; `reply(req, body)` returns {status, body, headers}.
export async function startListener(reply) {
  const received = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      const r = reply ? reply(req, body) : { status: 200, body: '' };
      res.writeHead(r.status ?? 200, r.headers ?? { 'Content-Type': 'text/plain' });
      res.end(r.body ?? '');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const waitFor = async (pred, ms = 10000) => {
    const end = Date.now() + ms;
    for (;;) {
      const hit = received.find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error('timed out waiting for a request on the listener');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { url, received, waitFor, close: () => new Promise((r) => server.close(r)) };
}

// Runs named checks in order, prints one line each, exits 1 on the first failure; 120 s overall bound.
export async function runChecks(checks) {
  const guard = setTimeout(() => { console.error('FAIL: timed out after 120 s'); process.exit(1); }, 120000);
  for (const [name, fn] of checks) {
    try { await fn(); console.log(`ok - ${name}`); }
    catch (e) { console.error(`FAIL - ${name}\n${e.stack || e}`); clearTimeout(guard); process.exitCode = 1; return false; }
  }
  clearTimeout(guard);
  return true;
}
