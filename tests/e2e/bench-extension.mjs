// Prints timing figures for the extension path in headless Chromium (a program, not a test):
//   node tests/e2e/bench-extension.mjs            (uses CW_HOST_BINARY or build/extension's host)
// launch -> worker ready, first native reply (host spawn), ping on the open port, page.analyze of
// the terms fixture through the port, navigation -> badge, capture time on the page's main thread.
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { builtExtension, hostTypes, kChromiumOrigin, kRoot, tempDir, writeChromiumHostManifest } from './lib/env.mjs';
import { startFixtureServer } from './lib/servers.mjs';
import { kTermsPath } from './lib/expectations.mjs';
import path from 'node:path';

const kChromiumBinary = fs.existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : '/usr/bin/chromium';
const runs = Number(process.env.CW_BENCH_RUNS || 200);

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `median ${at(0.5).toFixed(2)} ms, p90 ${at(0.9).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms (n=${sorted.length})`;
}

const site = await startFixtureServer();
const udd = tempDir('cw-bench-');
writeChromiumHostManifest(udd);
const extensionDir = builtExtension().chromium;
const t0 = performance.now();
const context = await chromium.launchPersistentContext(udd, {
  executablePath: kChromiumBinary,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
    `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`],
  env: { ...process.env, CLAUSEWATCH_HOME: tempDir('cw-bench-home-') },
});
const isOurs = (w) => w.url().startsWith(kChromiumOrigin);
const worker = context.serviceWorkers().find(isOurs) || (await context.waitForEvent('serviceworker', { predicate: isOurs }));
console.log(`launch -> service worker ready: ${(performance.now() - t0).toFixed(0)} ms`);

const first = await worker.evaluate(async () => {
  const t = performance.now();
  await globalThis.clauseWatchHost.request('ping');
  return performance.now() - t;
});
console.log(`first native reply (host spawn + ping): ${first.toFixed(1)} ms`);

const pings = await worker.evaluate(async (n) => {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await globalThis.clauseWatchHost.request('ping');
    out.push(performance.now() - t);
  }
  return out;
}, runs);
console.log(`ping on the open port: ${stats(pings)}`);

if (hostTypes().includes('page.analyze')) {
  const capturePage = await context.newPage();
  await capturePage.goto(site.origin + '/blog/prompts.html');
  await capturePage.setContent(fs.readFileSync(path.join(kRoot, 'tests/e2e/fixtures/legal/terms.html'), 'utf8'));
  await capturePage.addScriptTag({ path: path.join(kRoot, 'extension/src/content/legal-capture-core.js') });
  const captureTimes = await capturePage.evaluate((n) => {
    const out = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      globalThis.ClauseWatchLegal.capture(document, 'https://x.test/terms');
      out.push(performance.now() - t);
    }
    return out;
  }, runs);
  console.log(`capture of the terms fixture (main thread): ${stats(captureTimes)}`);
  const payload = await capturePage.evaluate(() => globalThis.ClauseWatchLegal.capture(document, 'https://x.test/terms'));
  const analyze = await worker.evaluate(async ({ page, n }) => {
    const out = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await globalThis.clauseWatchHost.request('page.analyze', page);
      out.push(performance.now() - t);
    }
    return out;
  }, { page: payload, n: Math.min(runs, 100) });
  console.log(`page.analyze of the terms fixture through the port: ${stats(analyze)}`);

  const badge = [];
  const page = await context.newPage();
  for (let i = 0; i < 10; i++) {
    await page.goto(site.origin + '/blog/prompts.html');
    const started = Date.now();
    await page.goto(site.origin + kTermsPath);
    const tabId = await worker.evaluate(async (u) => (await chrome.tabs.query({})).find((t) => t.url === u).id, page.url());
    while ((await worker.evaluate((id) => chrome.action.getBadgeText({ tabId: id }), tabId)) === '') await new Promise((r) => setTimeout(r, 5));
    badge.push(Date.now() - started);
  }
  console.log(`navigation start -> badge painted: ${stats(badge)}`);
}
await context.close();
await site.close();
