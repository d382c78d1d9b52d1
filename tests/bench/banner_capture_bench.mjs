// Capture cost of the banner content script on the page's main thread, in headless Chromium:
// every real banner in corpus/banners/ and the written pages in tests/data/banner/. Prints, per page,
// the median of 7 synchronous captures (find + snapshot; the TCF exchange is asynchronous and not
// on the main thread), then the median and worst over pages, and the cost of the cheap first check
// on a long page without a banner.
//   node tests/bench/banner_capture_bench.mjs        (CW_CORPUS_DIR overrides ../shared/corpus)
import fs from 'node:fs';
import path from 'node:path';

import { injectCapture, kOwnPages, launchBrowser, listFixtures, median, startServers } from '../banner/lib.mjs';

const kRuns = 7;
const servers = await startServers();
const browser = await launchBrowser();
const pages = [
  ...listFixtures().map((f) => ({ name: f.id, url: `http://127.0.0.1:${servers.ports[0]}/corpus/${f.id}` })),
  ...fs.readdirSync(kOwnPages).filter((f) => f.endsWith('.html') && f !== 'iframe-banner.html')
    .map((f) => ({ name: f, url: `http://127.0.0.1:${servers.ports[0]}/own/${f}` })),
];
const perPage = [];
let cheap = null;
for (const { name, url } of pages) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'load' });
  await injectCapture(page.mainFrame());
  // Injecting <script> tags dirties the page's style; the extension injects none, so let the page
  // settle (style and layout done, as after load) before timing.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50))));
  const times = await page.evaluate((runs) => {
    const out = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const worth = ClauseWatchBanner.cheapCheck(window);
      const t1 = performance.now();
      const result = worth ? ClauseWatchBanner.captureSync(window) : { snapshot: null };
      const t2 = performance.now();
      out.push({ cheap: t1 - t0, total: t2 - t0, found: !!result.snapshot, worth });
    }
    return out;
  }, kRuns);
  const total = median(times.map((t) => t.total));
  perPage.push({ name, total, first: times[0].total, worst: Math.max(...times.map((t) => t.total)), found: times[0].found, worth: times[0].worth });
  if (name === 'no-banner.html') cheap = { median: median(times.map((t) => t.cheap)), worth: times[0].worth };
  await context.close();
}
await browser.close();
await servers.close();

const found = perPage.filter((p) => p.found);
console.log('Banner capture cost on the main thread (ms): first capture on the settled page, median of 7, worst of 7');
for (const p of perPage) console.log(`  ${p.name.padEnd(48)} first ${p.first.toFixed(2).padStart(7)}  median ${p.total.toFixed(2).padStart(7)}  worst ${p.worst.toFixed(2).padStart(7)}  ${p.found ? 'banner' : p.worth ? 'searched, none' : 'cheap check only'}`);
const worstOf = (key) => found.reduce((a, b) => (b[key] > a[key] ? b : a));
console.log(`pages with a banner: ${found.length}`);
console.log(`  first capture: median ${median(found.map((p) => p.first)).toFixed(2)} ms, worst ${worstOf('first').first.toFixed(2)} ms (${worstOf('first').name})`);
console.log(`  repeated capture: median ${median(found.map((p) => p.total)).toFixed(2)} ms, worst page ${worstOf('total').total.toFixed(2)} ms (${worstOf('total').name})`);
if (cheap) console.log(`page without a banner (400 paragraphs): cheap check ${cheap.median.toFixed(3)} ms, full search ${cheap.worth ? 'ran' : 'skipped'}`);
