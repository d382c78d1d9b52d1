// Capture cost of the banner content script on the page's main thread, in headless Chromium:
// every real banner in corpus/banners/ and the written pages in tests/data/banner/.
// The content script spreads a capture over short tasks (LIMITS.sliceMs); what the page feels is the
// longest of those tasks, and what it pays is their sum. Per page: the first capture on the settled
// page (cold style caches, as in real use) and the median of 7 more; then median and worst over the
// pages, for the sliced capture and for the same capture run in one task (captureSync). The TCF
// exchange is asynchronous and not on the main thread. Also: the cheap first check on a long page
// without a banner.
// The first capture of every load also runs under a trace, which gives the longest task the capture
// caused on the page's renderer main thread (between two user-timing marks), its wall time and its
// CPU time: on a loaded machine the wall time includes preemption. On Linux the thread's kernel
// schedstat adds how long it sat runnable but not running (run-queue wait) during the capture; with
// CW_BENCH_SCHED=1 and tracefs writable at /sys/kernel/tracing (root), kernel sched_switch events
// split the longest task itself into running / preempted / sleeping and name who had the CPUs.
//   node tests/bench/banner_capture_bench.mjs        (CW_CORPUS_DIR overrides ../shared/corpus;
//   CW_BENCH_LOADS=N loads per page, default 3; CW_BENCH_PAGES=regex picks pages;
//   CW_BENCH_STEPS=1 names the longest capture steps of each load and what ran inside its longest task)
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
  ...fs.readdirSync(kOwnPages).filter((f) => f.endsWith('.html') && f !== 'iframe-banner.html' && f !== 'slow-load.html')
    .map((f) => ({ name: f, url: `http://127.0.0.1:${servers.ports[0]}/own/${f}` })),
].filter((p) => !process.env.CW_BENCH_PAGES || new RegExp(process.env.CW_BENCH_PAGES).test(p.name));
const perPage = [];
let cheap = null;
const kSched = process.env.CW_BENCH_SCHED === '1';
const kTracefs = '/sys/kernel/tracing';
if (kSched) {
  // sched_switch with the monotonic clock, which is also the clock of Chrome's trace timestamps.
  // Put back (event off, clock local) at the end.
  try {
    fs.writeFileSync(`${kTracefs}/tracing_on`, '0');
    fs.writeFileSync(`${kTracefs}/trace_clock`, 'mono');
    fs.writeFileSync(`${kTracefs}/events/sched/sched_switch/enable`, '1');
  } catch (e) {
    console.error(`CW_BENCH_SCHED=1 needs tracefs writable at ${kTracefs} (root; mount -t tracefs nodev ${kTracefs}): ${e.message}`);
    process.exit(2);
  }
}
// Renderer processes and their main threads' schedstat (ns on CPU, ns runnable but waiting).
function rendererSchedstats() {
  const out = new Map();
  if (process.platform !== 'linux') return out;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      const [run, wait] = fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
      out.set(Number(pid), { run, wait });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}
// The capture's window (user-timing marks cw-capture-begin/-end) on the page's renderer main thread,
// and the longest top-level task there inside it: wall and thread CPU time (ms).
function longestTask(events) {
  const marks = events.filter((e) => e.name === 'cw-capture-begin' || e.name === 'cw-capture-end');
  const begin = marks.find((e) => e.name === 'cw-capture-begin');
  const end = marks.find((e) => e.name === 'cw-capture-end');
  const best = { taskWall: 0, taskCpu: 0, taskCpuMax: 0, pid: null, tid: null, ts: 0, dur: 0 };
  if (!begin || !end) return best;
  best.pid = begin.pid;
  best.tid = begin.tid;
  for (const e of events) {
    if (e.ph !== 'X' || e.name !== 'ThreadControllerImpl::RunTask' || e.pid !== begin.pid || e.tid !== begin.tid) continue;
    if (e.ts + e.dur < begin.ts || e.ts > end.ts) continue;
    best.taskCpuMax = Math.max(best.taskCpuMax, (e.tdur || 0) / 1000);
    if (e.dur / 1000 > best.taskWall) Object.assign(best, { taskWall: e.dur / 1000, taskCpu: (e.tdur || 0) / 1000, ts: e.ts, dur: e.dur });
  }
  if (kSteps) {
    // What ran inside the longest task (trace events over 0.3 ms: style, layout, GC, compile...).
    best.inside = events.filter((e) => e.ph === 'X' && e.pid === best.pid && e.tid === best.tid && e.ts >= best.ts && e.ts + e.dur <= best.ts + best.dur && e.dur > 300 && e.name !== 'ThreadControllerImpl::RunTask')
      .sort((a, b) => b.dur - a.dur).slice(0, 6).map((e) => `${e.name} ${(e.dur / 1000).toFixed(1)}/${((e.tdur || 0) / 1000).toFixed(1)}`);
  }
  return best;
}
// Kernel view of [ts, ts+dur] (µs, monotonic) for thread tid: ms running, runnable but preempted, and
// sleeping, and which threads ran on the CPUs while it was preempted.
function schedSplit(text, tid, ts, dur) {
  const rx = /\[(\d+)\]\s+\S+\s+([\d.]+): sched_switch: prev_comm=(.*?) prev_pid=(\d+) prev_prio=\d+ prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+)/;
  const sw = [];
  for (const line of text.split('\n')) {
    const m = rx.exec(line);
    if (m) sw.push({ cpu: +m[1], t: parseFloat(m[2]) * 1e6, prev: +m[4], state: m[5], next: +m[7], nextComm: m[6] });
  }
  const t0 = ts, t1 = ts + dur;
  const acc = { run: 0, preempted: 0, sleep: 0 };
  const stateAfter = (s) => (s.next === tid ? 'run' : s.state.startsWith('R') ? 'preempted' : 'sleep');
  const prior = sw.filter((s) => s.t < t0 && (s.prev === tid || s.next === tid)).pop();
  let state = prior ? stateAfter(prior) : 'run';
  let last = t0;
  const onCpu = new Map();
  for (const s of sw) if (s.t < t0) onCpu.set(s.cpu, { comm: s.nextComm, pid: s.next, since: t0 });
  const others = new Map();
  const credit = (cpu, until) => {
    const o = onCpu.get(cpu);
    if (o && o.pid !== tid && o.pid !== 0) others.set(o.comm, (others.get(o.comm) || 0) + Math.max(0, until - Math.max(o.since, t0)) / 1000);
  };
  for (const s of sw) {
    if (s.t < t0 || s.t > t1) continue;
    credit(s.cpu, s.t);
    onCpu.set(s.cpu, { comm: s.nextComm, pid: s.next, since: s.t });
    if (s.prev === tid || s.next === tid) {
      acc[state] += (s.t - last) / 1000;
      last = s.t;
      state = stateAfter(s);
    }
  }
  for (const cpu of onCpu.keys()) credit(cpu, t1);
  acc[state] += (t1 - last) / 1000;
  acc.others = [...others].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');
  return acc;
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
  const categories = ['toplevel', 'blink.user_timing', ...(kSteps ? ['devtools.timeline', 'v8'] : [])];
  await browser.startTracing(page, { categories });
  // Starting a trace sets every Chromium process to work (the tracing service, per-process agents)
  // for a while; the real capture runs untraced, so let that settle before the capture starts.
  await page.evaluate(() => new Promise((resolve) => setTimeout(() => requestAnimationFrame(() => setTimeout(resolve, 0)), 300)));
  const schedBefore = rendererSchedstats();
  if (kSched) {
    fs.writeFileSync(`${kTracefs}/trace`, '');
    fs.writeFileSync(`${kTracefs}/tracing_on`, '1');
  }
  const first = await page.evaluate((trace) => {
    performance.mark('cw-capture-begin');
    const t0 = performance.now();
    const worth = ClauseWatchBanner.cheapCheck(window);
    const cheapMs = performance.now() - t0;
    if (!worth) {
      performance.mark('cw-capture-end');
      return { cheap: cheapMs, worth, found: false, maxSlice: cheapMs, total: cheapMs, slices: 0 };
    }
    return ClauseWatchBanner.captureSliced(window, undefined, { trace }).then((sliced) => (performance.mark('cw-capture-end'), { cheap: cheapMs, worth, found: !!sliced.snapshot,
      maxSlice: Math.max(cheapMs, sliced.timing.max_slice_ms), total: cheapMs + sliced.timing.main_thread_ms, slices: sliced.timing.slices,
      // The three longest steps (what the step was doing, ms).
      steps: (sliced.trace || []).filter((s) => s[0] !== '|').sort((a, b) => b[1] - a[1]).slice(0, 3) }));
  }, kSteps);
  if (kSched) fs.writeFileSync(`${kTracefs}/tracing_on`, '0');
  const schedAfter = rendererSchedstats();
  Object.assign(first, longestTask(JSON.parse((await browser.stopTracing()).toString()).traceEvents));
  const b = schedBefore.get(first.pid), a = schedAfter.get(first.pid);
  // Run-queue wait of the renderer main thread from just before to just after the capture (ms).
  first.runqWait = a && b ? (a.wait - b.wait) / 1e6 : null;
  if (kSched && first.tid !== null && first.dur) first.sched = schedSplit(fs.readFileSync(`${kTracefs}/trace`, 'utf8'), first.tid, first.ts, first.dur);
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
if (kSched) {
  fs.writeFileSync(`${kTracefs}/events/sched/sched_switch/enable`, '0');
  fs.writeFileSync(`${kTracefs}/trace_clock`, 'local');
  fs.writeFileSync(`${kTracefs}/trace`, '');
}

const f = (x) => x.toFixed(2).padStart(7);
console.log(`Banner capture on the main thread (ms), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`  page                                             first (median of ${kLoads} loads): longest task / total / slices | repeated (median of 7): longest task / total / one-task capture`);
for (const p of perPage) {
  console.log(`  ${p.name.padEnd(48)} ${f(p.first.maxSlice)} ${f(p.first.total)} ${String(p.first.slices).padStart(4)} | ${f(p.maxSlice)} ${f(p.total)} ${f(p.oneTask)}  ${p.found ? 'banner' : p.worth ? 'searched, none' : 'cheap check only'}`);
}
console.log('  every load, first capture: longest slice (script clock) | longest task of the capture on the renderer main thread (trace): wall / CPU | run-queue wait during the capture');
for (const p of perPage) {
  console.log(`  ${p.name.padEnd(48)} ${p.loads.map((r) => `${f(r.maxSlice)} |${f(r.taskWall)} /${f(r.taskCpu)} |${r.runqWait === null ? '      -' : f(r.runqWait)}`).join('   ')}`);
  for (const r of p.loads) {
    if (kSteps && r.steps) console.log(`      longest steps: ${r.steps.map(([label, ms]) => `${label} ${ms.toFixed(1)}`).join(', ')}`);
    if (kSteps && r.inside && r.inside.length) console.log(`      inside the longest task (wall/CPU): ${r.inside.join(', ')}`);
    if (r.sched && r.taskWall > 5) console.log(`      longest task ${r.taskWall.toFixed(1)} ms = running ${r.sched.run.toFixed(1)} + preempted ${r.sched.preempted.toFixed(1)} + sleeping ${r.sched.sleep.toFixed(1)}; CPUs meanwhile: ${r.sched.others}`);
  }
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
stat('  longest task of the capture (trace), wall', every.map((r) => ({ name: r.name, v: r.taskWall })));
stat('  the same task\'s CPU time (trace)', every.map((r) => ({ name: r.name, v: r.taskCpu })));
stat('  most CPU in one task of the capture', every.map((r) => ({ name: r.name, v: r.taskCpuMax })));
const worstCpu = every.map((r) => r.taskCpuMax);
console.log(`  loads whose longest task exceeds 10 ms: wall ${every.filter((r) => r.taskWall > 10).length}, CPU ${worstCpu.filter((v) => v > 10).length} of ${every.length}`);
if (every.every((r) => r.runqWait !== null)) stat('  run-queue wait during the capture', every.map((r) => ({ name: r.name, v: r.runqWait })));
const split = every.filter((r) => r.sched);
if (split.length) {
  const sum = (k) => split.reduce((x, r) => x + r.sched[k], 0);
  console.log(`  kernel split of the longest task, summed over ${split.length} loads: running ${sum('run').toFixed(1)}, preempted ${sum('preempted').toFixed(1)}, sleeping ${sum('sleep').toFixed(1)} ms (wall ${split.reduce((x, r) => x + r.taskWall, 0).toFixed(1)})`);
  stat('  longest task minus preempted time', split.map((r) => ({ name: r.name, v: r.taskWall - r.sched.preempted })));
}
stat('first capture, main-thread total', found.map((p) => ({ name: p.name, v: p.first.total })));
stat('repeated capture, longest task', found.map((p) => ({ name: p.name, v: p.maxSlice })));
stat('repeated capture, main-thread total', found.map((p) => ({ name: p.name, v: p.total })));
stat('repeated capture in one task (captureSync)', found.map((p) => ({ name: p.name, v: p.oneTask })));
if (cheap) console.log(`page without a banner (400 paragraphs): cheap check ${cheap.median.toFixed(3)} ms, full search ${cheap.worth ? 'ran' : 'skipped'}`);
