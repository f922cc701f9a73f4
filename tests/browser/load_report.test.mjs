// The `mpemu load --html` report in a real browser: a 3 s load run against a served emulator writes the
// page; headless Chromium (playwright-core, Debian's chromium) opens it at 1280 px and checks that the
// SVG charts carry data points, nothing scrolls sideways, the thresholds show held and BROKEN, and the
// page fetches nothing. The screenshot goes into the build folder (its path is printed) for a person.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, runChecks, requirePkg } from '../sdk/common/emulator.mjs';

const { chromium } = requirePkg('playwright-core');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const buildDir = process.env.MPEMU_BUILD_DIR || path.join(root, 'build');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpemu-load-html-'));
const htmlFile = path.join(dir, 'load.html');
const shot = path.join(buildDir, 'load-report.png');

const emu = await startEmulator();
const browser = await chromium.launch({
  executablePath: process.env.MPEMU_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
});

const ok = await runChecks([
  ['a 3 s load run writes the HTML report; one threshold held, one broken (exit 1)', async () => {
    const r = spawnSync(process.env.MPEMU_BIN, [
      'load', 'tests/data/load/ping.json', '--target', emu.url, '--vus', '2', '--duration', '3s',
      '--threshold', 'p99<1s', '--threshold', 'p50<1us', '--html', htmlFile,
    ], { cwd: root, encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
    assert.ok(fs.statSync(htmlFile).size > 1000);
  }],
  ['at 1280 px: charts with data, no horizontal scroll, thresholds shown, nothing fetched', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const fetched = [];
    page.on('request', (req) => fetched.push(req.url()));
    await page.goto(`file://${htmlFile}`);
    assert.deepEqual(fetched.filter((u) => !u.startsWith('file:')), []);
    assert.equal(await page.locator('script').count(), 0);

    // All requests and the one step ("ping"): three charts each.
    for (const kind of ['latency', 'throughput', 'histogram']) {
      assert.equal(await page.locator(`svg.chart.${kind}`).count(), 2, kind);
    }
    // A 3 s run has 3 or 4 one-second intervals: a dot per interval on each percentile line.
    const dots = await page.locator('svg.chart.latency').first().locator('circle.pt').count();
    assert.ok(dots >= 9 && dots % 3 === 0, `latency dots: ${dots}`);
    const points = await page.locator('svg.chart.latency').first().locator('polyline').first().getAttribute('points');
    assert.ok(points.trim().split(/\s+/).length >= 3, `polyline points: ${points}`);
    assert.ok(await page.locator('svg.chart.throughput').first().locator('rect.bar').count() >= 3);
    assert.ok(await page.locator('svg.chart.histogram').first().locator('rect.bar').count() >= 1);
    // The charts are drawn at a readable size, side by side within the page.
    for (const box of await page.locator('svg.chart').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()))) {
      assert.ok(box.width >= 300 && box.right <= 1280, JSON.stringify(box));
    }

    const scroll = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(scroll.scroll <= scroll.client, `horizontal scroll: ${JSON.stringify(scroll)}`);

    const rows = await page.locator('table.thresholds tr.held, table.thresholds tr.broken').allTextContents();
    assert.equal(rows.length, 2);
    assert.match(rows.find((t) => t.includes('p99<1s')), /held/);
    assert.match(rows.find((t) => t.includes('p50<1us')), /BROKEN/);
    assert.match(await page.textContent('h1'), /thresholds broken/);
    assert.match(await page.textContent('table.params'), /closed/);

    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
    await context.close();
  }],
]);

await browser.close();
await emu.stop();
fs.rmSync(dir, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
