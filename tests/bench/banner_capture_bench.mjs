// Capture cost of the banner content script on the page's main thread, in headless Chromium:
// every real banner in corpus/banners/ and the written pages in tests/data/banner/.
// The content script spreads a capture over short tasks (LIMITS.sliceMs); what the page feels is the
// longest of those tasks, and what it pays is their sum. Per page: the first capture on the settled
// page (cold style caches, as in real use) and the median of 7 more; then median and worst over the
// pages, for the sliced capture and for the same capture run in one task (captureSync). The TCF
// exchange is asynchronous and not on the main thread. Also: the cheap first check on a long page
// without a banner.
//   node tests/bench/banner_capture_bench.mjs        (CW_CORPUS_DIR overrides ../shared/corpus)
import fs from 'node:fs';
import os from 'node:os';

import { injectCapture, kOwnPages, launchBrowser, listFixtures, median, startServers } from '../banner/lib.mjs';

const kRuns = 7;
// Fresh page loads per page: the first capture's figures are the median over these, so one
// preemption of the browser by another process on a loaded machine does not make a page's worst.
const kLoads = Number(process.env.CW_BENCH_LOADS || 3);
const servers = await startServers();
const browser = await launchBrowser();
const pages = [
  ...listFixtures().map((f) => ({ name: f.id, url: `http://127.0.0.1:${servers.ports[0]}/corpus/${f.id}` })),
  ...fs.readdirSync(kOwnPages).filter((f) => f.endsWith('.html') && f !== 'iframe-banner.html')
    .map((f) => ({ name: f, url: `http://127.0.0.1:${servers.ports[0]}/own/${f}` })),
];
const perPage = [];
let cheap = null;
async function measure(url, runs) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'load' });
  await injectCapture(page.mainFrame());
  // Injecting <script> tags dirties the page's style; the extension injects none, so let the page
  // settle (style and layout done, as after load) before timing.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50))));
  const out = await page.evaluate(async (n) => {
    const out = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const worth = ClauseWatchBanner.cheapCheck(window);
      const cheapMs = performance.now() - t0;
      if (!worth) {
        out.push({ cheap: cheapMs, worth, found: false, maxSlice: cheapMs, total: cheapMs, slices: 0, oneTask: cheapMs });
        continue;
      }
      const sliced = await ClauseWatchBanner.captureSliced(window);
      const t1 = performance.now();
      ClauseWatchBanner.captureSync(window);
      const oneTask = performance.now() - t1;
      out.push({ cheap: cheapMs, worth, found: !!sliced.snapshot, maxSlice: Math.max(cheapMs, sliced.timing.max_slice_ms),
        total: cheapMs + sliced.timing.main_thread_ms, slices: sliced.timing.slices, oneTask: cheapMs + oneTask });
    }
    return out;
  }, runs);
  await context.close();
  return out;
}
for (const { name, url } of pages) {
  const firsts = [];
  let runs = null;
  for (let load = 0; load < kLoads; load++) {
    runs = await measure(url, load === kLoads - 1 ? kRuns + 1 : 1);
    firsts.push(runs[0]);
  }
  const rest = runs.slice(1);
  const first = { maxSlice: median(firsts.map((r) => r.maxSlice)), total: median(firsts.map((r) => r.total)),
    slices: median(firsts.map((r) => r.slices)), rawWorst: Math.max(...firsts.map((r) => r.maxSlice)) };
  perPage.push({ name, first, maxSlice: median(rest.map((r) => r.maxSlice)), total: median(rest.map((r) => r.total)),
    oneTask: median(rest.map((r) => r.oneTask)), found: runs[0].found, worth: runs[0].worth });
  if (name === 'no-banner.html') cheap = { median: median(runs.map((t) => t.cheap)), worth: runs[0].worth };
}
await browser.close();
await servers.close();

const f = (x) => x.toFixed(2).padStart(7);
console.log(`Banner capture on the main thread (ms), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`  page                                             first (median of ${kLoads} loads): longest task / total / slices | repeated (median of 7): longest task / total / one-task capture`);
for (const p of perPage) {
  console.log(`  ${p.name.padEnd(48)} ${f(p.first.maxSlice)} ${f(p.first.total)} ${String(p.first.slices).padStart(4)} | ${f(p.maxSlice)} ${f(p.total)} ${f(p.oneTask)}  ${p.found ? 'banner' : p.worth ? 'searched, none' : 'cheap check only'}`);
}
const found = perPage.filter((p) => p.found);
const stat = (label, values) => {
  const worst = values.reduce((a, b) => (b.v > a.v ? b : a));
  console.log(`  ${label.padEnd(44)} median ${f(median(values.map((x) => x.v)))}  worst ${f(worst.v)} (${worst.name})`);
};
console.log(`pages with a banner: ${found.length}`);
stat(`first capture, longest task (median of ${kLoads} loads)`, found.map((p) => ({ name: p.name, v: p.first.maxSlice })));
stat('first capture, longest task (any load)', found.map((p) => ({ name: p.name, v: p.first.rawWorst })));
stat('first capture, main-thread total', found.map((p) => ({ name: p.name, v: p.first.total })));
stat('repeated capture, longest task', found.map((p) => ({ name: p.name, v: p.maxSlice })));
stat('repeated capture, main-thread total', found.map((p) => ({ name: p.name, v: p.total })));
stat('repeated capture in one task (captureSync)', found.map((p) => ({ name: p.name, v: p.oneTask })));
if (cheap) console.log(`page without a banner (400 paragraphs): cheap check ${cheap.median.toFixed(3)} ms, full search ${cheap.worth ? 'ran' : 'skipped'}`);
