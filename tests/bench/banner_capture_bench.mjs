// Capture cost of the banner content script on the page's main thread, in headless Chromium:
// every real banner in corpus/banners/ and the written pages in tests/data/banner/.
// The content script spreads a capture over short tasks (LIMITS.sliceMs); what the page feels is the
// longest of those tasks, and what it pays is their sum. Per page: the first capture on the settled
// page (cold style caches, as in real use) and the median of 7 more; then median and worst over the
// pages, for the sliced capture and for the same capture run in one task (captureSync). The TCF
// exchange is asynchronous and not on the main thread. Also: the cheap first check on a long page
// without a banner.
// The first capture of every load also runs under a trace, which gives the longest renderer task's
// wall time and its CPU time: on a loaded machine the wall time includes preemption.
//   node tests/bench/banner_capture_bench.mjs        (CW_CORPUS_DIR overrides ../shared/corpus;
//   CW_BENCH_LOADS=N loads per page, default 3; CW_BENCH_PAGES=regex picks pages;
//   CW_BENCH_STEPS=1 names the longest capture steps of each load)
import fs from 'node:fs';
import os from 'node:os';

import { injectCapture, kOwnPages, launchBrowser, listFixtures, median, startServers } from '../banner/lib.mjs';

const kRuns = 7;
// Fresh page loads per page: the first capture's figures are the median over these, so one
// preemption of the browser by another process on a loaded machine does not make a page's worst.
const kLoads = Number(process.env.CW_BENCH_LOADS || 3);
// CW_BENCH_STEPS=1: also name the longest steps of each first capture (the content script's step trace).
const kSteps = process.env.CW_BENCH_STEPS === '1';
const servers = await startServers();
const browser = await launchBrowser();
const pages = [
  ...listFixtures().map((f) => ({ name: f.id, url: `http://127.0.0.1:${servers.ports[0]}/corpus/${f.id}` })),
  ...fs.readdirSync(kOwnPages).filter((f) => f.endsWith('.html') && f !== 'iframe-banner.html')
    .map((f) => ({ name: f, url: `http://127.0.0.1:${servers.ports[0]}/own/${f}` })),
].filter((p) => !process.env.CW_BENCH_PAGES || new RegExp(process.env.CW_BENCH_PAGES).test(p.name));
const perPage = [];
let cheap = null;
// The renderer main thread's top-level tasks in a trace: the longest wall time and the most thread
// CPU time of one task (ms).
function longestTask(events) {
  const main = new Set(events.filter((e) => e.name === 'thread_name' && e.args && e.args.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const best = { taskWall: 0, taskCpu: 0 };
  for (const e of events) {
    if (e.ph !== 'X' || e.name !== 'ThreadControllerImpl::RunTask' || !main.has(`${e.pid}:${e.tid}`)) continue;
    best.taskWall = Math.max(best.taskWall, e.dur / 1000);
    best.taskCpu = Math.max(best.taskCpu, (e.tdur || 0) / 1000);
  }
  return best;
}
async function measure(url, runs) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'load' });
  await injectCapture(page.mainFrame());
  // Injecting <script> tags dirties the page's style; the extension injects none, so let the page
  // settle (style and layout done, as after load) before timing.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50))));
  // The first capture runs under a trace of the renderer's top-level tasks: the longest task's wall
  // time and the main thread's CPU time in it (on a loaded machine the two differ by preemption).
  await browser.startTracing(page, { categories: ['toplevel'] });
  const first = await page.evaluate((trace) => {
    const t0 = performance.now();
    const worth = ClauseWatchBanner.cheapCheck(window);
    const cheapMs = performance.now() - t0;
    if (!worth) return { cheap: cheapMs, worth, found: false, maxSlice: cheapMs, total: cheapMs, slices: 0 };
    return ClauseWatchBanner.captureSliced(window, undefined, { trace }).then((sliced) => ({ cheap: cheapMs, worth, found: !!sliced.snapshot,
      maxSlice: Math.max(cheapMs, sliced.timing.max_slice_ms), total: cheapMs + sliced.timing.main_thread_ms, slices: sliced.timing.slices,
      // The three longest steps (what the step was doing, ms).
      steps: (sliced.trace || []).filter((s) => s[0] !== '|').sort((a, b) => b[1] - a[1]).slice(0, 3) }));
  }, kSteps);
  Object.assign(first, longestTask(JSON.parse((await browser.stopTracing()).toString()).traceEvents));
  const out = [first];
  out.push(...await page.evaluate(async (n) => {
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
  }, runs - 1));
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
  perPage.push({ name, first, loads: firsts, maxSlice: median(rest.map((r) => r.maxSlice)), total: median(rest.map((r) => r.total)),
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
console.log('  every load, first capture: longest slice (script clock) | longest renderer task in the trace: wall / most CPU');
for (const p of perPage) {
  console.log(`  ${p.name.padEnd(48)} ${p.loads.map((r) => `${f(r.maxSlice)} |${f(r.taskWall)} /${f(r.taskCpu)}`).join('   ')}`);
  if (kSteps) for (const r of p.loads) if (r.steps) console.log(`      longest steps: ${r.steps.map(([label, ms]) => `${label} ${ms.toFixed(1)}`).join(', ')}`);
}
const found = perPage.filter((p) => p.found);
const stat = (label, values) => {
  const worst = values.reduce((a, b) => (b.v > a.v ? b : a));
  console.log(`  ${label.padEnd(44)} median ${f(median(values.map((x) => x.v)))}  worst ${f(worst.v)} (${worst.name})`);
};
console.log(`pages with a banner: ${found.length}`);
stat(`first capture, longest task (median of ${kLoads} loads)`, found.map((p) => ({ name: p.name, v: p.first.maxSlice })));
stat('first capture, longest task (any load)', found.map((p) => ({ name: p.name, v: p.first.rawWorst })));
// Every single load of every page, not a median of loads: what one visit can feel.
const every = found.flatMap((p) => p.loads.map((r) => ({ name: p.name, ...r })));
stat(`first capture, longest slice, all ${every.length} loads`, every.map((r) => ({ name: r.name, v: r.maxSlice })));
stat('  longest renderer task (trace), wall', every.map((r) => ({ name: r.name, v: r.taskWall })));
stat('  most CPU in one renderer task (trace)', every.map((r) => ({ name: r.name, v: r.taskCpu })));
const worstCpu = every.map((r) => r.taskCpu);
console.log(`  loads whose longest task exceeds 10 ms: wall ${every.filter((r) => r.taskWall > 10).length}, CPU ${worstCpu.filter((v) => v > 10).length} of ${every.length}`);
stat('first capture, main-thread total', found.map((p) => ({ name: p.name, v: p.first.total })));
stat('repeated capture, longest task', found.map((p) => ({ name: p.name, v: p.maxSlice })));
stat('repeated capture, main-thread total', found.map((p) => ({ name: p.name, v: p.total })));
stat('repeated capture in one task (captureSync)', found.map((p) => ({ name: p.name, v: p.oneTask })));
if (cheap) console.log(`page without a banner (400 paragraphs): cheap check ${cheap.median.toFixed(3)} ms, full search ${cheap.worth ? 'ran' : 'skipped'}`);
