// The HTML report of `mpemu run` in a real browser at 1280 px: a failing scenario whose values are very
// long (a 1.5 KB header, a 1.5 KB string compared with another, an object diff with long members) must
// wrap instead of widening the page, and the failing assertion must be on screen without scrolling
// sideways. A screenshot goes to the build folder for a person to look at (its path is printed).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, runChecks, requirePkg } from '../sdk/common/emulator.mjs';

const { chromium } = requirePkg('playwright-core');
const width = 1280;

const emu = await startEmulator();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpemu-report-html-'));
const long = 'x'.repeat(1500);
const word = 'unbroken'.repeat(120);
fs.writeFileSync(path.join(dir, 'long.json'), JSON.stringify({
  name: `a scenario with very long values ${word}`,
  steps: [
    { name: 'a passing step first', request: { url: '/api/hello', query: { name: 'short' } } },
    {
      name: `greet someone with a very long name ${word}`,
      request: { url: '/api/hello', query: { name: 'reader' }, headers: { 'X-Trace': long } },
      assert: {
        status: 200,
        jsonpath: {
          '$.message': `hello, ${'y'.repeat(1500)}`,
          '$': { equals: { message: `hello, ${'z'.repeat(900)}`, extra: word } },
        },
      },
    },
    { name: 'never runs {{missing_later}}', request: { url: '/api/hello' } },
  ],
  vars: { missing_later: 'set' },
}));
const report = path.join(dir, 'report.html');
const run = spawnSync(process.env.MPEMU_BIN, ['run', dir, '--target', emu.url, '--html', report],
  { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60000 });
assert.equal(run.status, 1, `mpemu run should fail the scenario:\n${run.stdout}\n${run.stderr}`);
assert.ok(fs.existsSync(report), `no report written:\n${run.stdout}\n${run.stderr}`);

const browser = await chromium.launch({
  executablePath: process.env.MPEMU_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});
const shotDir = process.env.MPEMU_BUILD_DIR || dir;
const shot = path.join(shotDir, 'report-html-1280.png');

const ok = await runChecks([
  ['a report with very long values fits 1280 px and shows the failing assertion', async () => {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    await page.goto(`file://${report}`);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scrollWidth <= width, `the page scrolls sideways: scrollWidth ${scrollWidth} > ${width}`);
    const failing = page.locator('tr.check.bad').first();
    assert.ok(await failing.count() > 0, 'no failing assertion row in the report');
    assert.match(await failing.textContent(), /jsonpath "\$\.message" equals/);
    await failing.scrollIntoViewIfNeeded();
    const box = await failing.boundingBox();
    assert.ok(box, 'the failing assertion is not rendered');
    assert.ok(box.x >= 0 && box.x + box.width <= width,
      `the failing assertion spans x ${box.x}..${box.x + box.width}, outside 0..${width}`);
    // Every cell of it is on screen too (a long value must not push "expected" off to the right).
    for (const cell of await failing.locator('td').all()) {
      const b = await cell.boundingBox();
      assert.ok(b.x >= 0 && b.x + b.width <= width, `a cell spans x ${b.x}..${b.x + b.width}`);
    }
    const diff = page.locator('pre.diff').first();
    assert.ok(await diff.count() > 0, 'the object equality has no diff');
    const db = await diff.boundingBox();
    assert.ok(db.x + db.width <= width, `the diff spans x ${db.x}..${db.x + db.width}`);
    assert.match(await page.textContent('body'), /never runs \{\{missing_later\}\} \(not run; name not expanded\)/);
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
    await context.close();
  }],
]);

await browser.close();
await emu.stop();
fs.rmSync(dir, { recursive: true, force: true });
if (!ok) process.exit(1);
