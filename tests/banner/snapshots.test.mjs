// Banner snapshot tests: every real banner in corpus/banners/ (read in place) and the pages in
// tests/data/banner/ are served from 127.0.0.1, captured by the real content script in headless
// Chromium and in headless Firefox ESR (lib.mjs browserKinds()), judged by the real clausewatch-host
// over native-messaging frames, and compared with the reviewers' labels. Prints agreement per
// criterion per browser; writes it to $CW_BANNER_OUT/agreement.<browser>.json (agreement.json is
// Chromium's), and fails when the two browsers judge a fixture differently.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { browserKinds, capture, Host, injectCapture, launchBrowser, listFixtures, openBrowser, startServers } from './lib.mjs';

const kJudged = ['CB-01', 'CB-02', 'CB-03', 'CB-04', 'CB-05', 'CB-06', 'CB-07', 'CB-08', 'CB-09', 'CB-11', 'CB-12', 'CB-13', 'CB-17', 'CB-19',
  'CB-20', 'CB-22'];
const kOut = process.env.CW_BANNER_OUT || path.join(process.cwd(), 'build', 'banner-out');

const kKinds = browserKinds();
let servers;
const browsers = new Map();
let host;
const verdictsByBrowser = new Map(); // kind -> Map(fixture id -> criteria)

before(async () => {
  fs.mkdirSync(kOut, { recursive: true });
  servers = await startServers();
  host = new Host();
});

after(async () => {
  for (const b of browsers.values()) await b.close();
  if (servers) await servers.close();
  if (host) await host.close();
});

async function browserFor(kind) {
  if (!browsers.has(kind)) browsers.set(kind, await openBrowser(kind));
  return browsers.get(kind);
}

// Opens a page in a fresh context, captures it (optionally in a child frame), adds the cookie jar
// as the service worker would, and judges it with the host.
async function captureAndJudge(kind, url, { frameUrlPart = null, waitMs = 0 } = {}) {
  const page = await (await browserFor(kind)).open(url);
  try {
    let frame = page.mainFrame();
    if (frameUrlPart) {
      frame = page.frames().find((f) => f.url().includes(frameUrlPart));
      assert.ok(frame, `frame ${frameUrlPart} loaded`);
    }
    const captured = await capture(frame, { waitMs });
    const snapshot = captured.snapshot;
    if (!snapshot) return { snapshot: null, result: null, captured };
    snapshot.cookies_before = await page.cookies(url);
    const reply = await host.request('banner.analyze', { snapshot });
    assert.equal(reply.ok, true, `banner.analyze failed: ${JSON.stringify(reply.error)}`);
    return { snapshot, result: reply.result, captured };
  } finally {
    await page.close();
  }
}

function reviewerReject(text) {
  const t = String(text || '').trim().toLowerCase();
  if (t.startsWith('yes')) return true;
  if (t.startsWith('no')) return false;
  return null; // n/a, unknown
}

function reviewerPrechecked(text) {
  const t = String(text || '').trim();
  if (/^YES/.test(t)) return true;
  if (/^(no|n\/a)\b/i.test(t)) return false;
  return null; // "check prefs markup", "see prefs layer", "unknown"
}

const kHiddenStates = /^(present_but_hidden|host_only)/;

async function fixturesIn(kind) {
  const fixtures = listFixtures();
  const verdicts = new Map();
  verdictsByBrowser.set(kind, verdicts);
  const corpusOut = kind === 'chromium' ? 'corpus' : `corpus-${kind}`;
  assert.ok(fixtures.length >= 40, `expected the shared banner fixtures, found ${fixtures.length}`);
  const rows = [];
  const tally = { reject: [0, 0], prechecked: [0, 0] };
  const perCriterion = Object.fromEntries(kJudged.map((c) => [c, { agree: 0, total: 0, disagreements: [] }]));
  const noFalseVerdict = [];
  for (const fixture of fixtures) {
    const { snapshot, result } = await captureAndJudge(kind, `http://127.0.0.1:${servers.ports[0]}/corpus/${fixture.id}`);
    if (snapshot) {
      fs.mkdirSync(path.join(kOut, corpusOut), { recursive: true });
      fs.writeFileSync(path.join(kOut, corpusOut, `${fixture.id}.snapshot.json`), JSON.stringify(snapshot));
    }
    verdicts.set(fixture.id, result ? [...result.criteria].sort().join('+') : 'none');
    const reviewer = fixture.reviewer;
    const found = !!(result && result.banner_found);
    const criteria = result ? result.criteria : [];
    const row = { id: fixture.id, state: reviewer.state, found, criteria, reviewer: reviewer.criteria, cmp: snapshot ? snapshot.cmp.id : null };
    if (kHiddenStates.test(reviewer.state)) {
      noFalseVerdict.push({ id: fixture.id, found, criteria });
      rows.push(row);
      continue;
    }
    const expectReject = reviewerReject(reviewer.reject_first_layer);
    if (expectReject !== null) {
      const got = found && result.summary.first_layer_reject;
      tally.reject[1]++;
      if (got === expectReject) tally.reject[0]++;
      else row.reject_disagreement = { reviewer: reviewer.reject_first_layer, got };
    }
    const expectPre = reviewerPrechecked(reviewer.prechecked);
    if (expectPre !== null) {
      const got = found && (result.summary.prechecked_count > 0 || result.summary.legitimate_interest_count > 0);
      tally.prechecked[1]++;
      if (got === expectPre) tally.prechecked[0]++;
      else row.prechecked_disagreement = { reviewer: reviewer.prechecked, got };
    }
    const uncertain = new Set(reviewer.criteria.filter((c) => c.endsWith('?')).map((c) => c.slice(0, -1)));
    for (const criterion of kJudged) {
      if (uncertain.has(criterion)) continue;
      const expected = reviewer.criteria.includes(criterion);
      const got = criteria.includes(criterion);
      perCriterion[criterion].total++;
      if (expected === got) perCriterion[criterion].agree++;
      else perCriterion[criterion].disagreements.push({ id: fixture.id, reviewer: expected, got });
    }
    rows.push(row);
  }

  const pct = ([a, n]) => (n ? ((100 * a) / n).toFixed(1) : 'n/a');
  const lines = ['', `Banner fixtures vs reviewer labels (${kind})`, `  first-layer reject: ${tally.reject[0]}/${tally.reject[1]} = ${pct(tally.reject)}%`,
    `  pre-ticked boxes:   ${tally.prechecked[0]}/${tally.prechecked[1]} = ${pct(tally.prechecked)}%`, '  per criterion (agree/total):'];
  for (const [criterion, s] of Object.entries(perCriterion)) {
    lines.push(`    ${criterion}: ${s.agree}/${s.total} = ${pct([s.agree, s.total])}%` +
      (s.disagreements.length ? `  disagree: ${s.disagreements.map((d) => `${d.id}(reviewer ${d.reviewer ? 'yes' : 'no'})`).join(', ')}` : ''));
  }
  lines.push('  hidden / host-only fixtures: ' + noFalseVerdict.map((r) => `${r.id}=${r.found ? 'found ' + r.criteria.join('+') : 'none'}`).join(', '));
  for (const row of rows) {
    if (row.reject_disagreement || row.prechecked_disagreement) lines.push(`  ${row.id}: ${JSON.stringify({ reject: row.reject_disagreement, prechecked: row.prechecked_disagreement, criteria: row.criteria })}`);
  }
  console.log(lines.join('\n'));
  const agreement = JSON.stringify({ browser: kind, tally, perCriterion, noFalseVerdict, rows }, null, 2);
  fs.writeFileSync(path.join(kOut, `agreement.${kind}.json`), agreement);
  if (kind === 'chromium') fs.writeFileSync(path.join(kOut, 'agreement.json'), agreement);

  for (const r of noFalseVerdict) assert.deepEqual(r.criteria, [], `${r.id}: a hidden or host-only banner gets no verdict`);
  assert.ok(tally.reject[0] / tally.reject[1] >= 0.95, `first-layer reject agreement ${pct(tally.reject)}% < 95%`);
  assert.ok(tally.prechecked[0] / tally.prechecked[1] >= 0.95, `pre-ticked agreement ${pct(tally.prechecked)}% < 95%`);
}

for (const kind of kKinds) {
  test(`[${kind}] real banners: capture, judge, compare with reviewer labels`, () => fixturesIn(kind));
}

if (kKinds.length > 1) {
  test('every browser judges every fixture the same', () => {
    const [first, ...others] = kKinds;
    const base = verdictsByBrowser.get(first);
    assert.ok(base, `${first} ran`);
    const differ = [];
    for (const kind of others) {
      const verdicts = verdictsByBrowser.get(kind);
      assert.ok(verdicts, `${kind} ran`);
      for (const [id, v] of base) if (verdicts.get(id) !== v) differ.push(`${id}: ${first} ${v}, ${kind} ${verdicts.get(id)}`);
    }
    console.log(`browsers agree on ${base.size - differ.length}/${base.size} fixtures` + (differ.length ? `\n  ${differ.join('\n  ')}` : ''));
    assert.deepEqual(differ, []);
  });
}

// Pages written for what the fixtures lack. Each names what the capture must see and what the judge must say.
const kOwn = [
  { page: 'shadow-banner.html', criteria: ['CB-01'], check: (s) => assert.ok(s.in_shadow_root, 'captured inside the shadow root') },
  { page: 'iframe-parent.html', frame: 'iframe-banner.html', criteria: ['CB-06'], absent: ['CB-01'],
    check: (s, r) => {
      assert.equal(s.top_frame, false);
      assert.deepEqual(r.summary.prechecked, ['Audience measurement', 'Personalised advertising'], 'live .checked set by script is seen');
    } },
  { page: 'late-banner.html', waitMs: 6000, criteria: ['CB-01', 'CB-09'] },
  { page: 'tcf-stub.html', criteria: ['CB-13', 'CB-17', 'CB-07'], absent: ['CB-01'],
    check: (s) => {
      assert.equal(s.tcf.present, true);
      assert.equal(s.tcf.tcdata.eventStatus, 'cmpuishown');
      assert.equal(s.tcf.ping.cmpId, 999);
    } },
  { page: 'ga-cookies.html', criteria: ['CB-12'], absent: ['CB-01'],
    check: (s, r) => assert.deepEqual([...r.summary.tracker_cookies].sort(), ['_fbp', '_ga', '_gid']) },
  { page: 'cookie-wall.html', criteria: ['CB-11', 'CB-01'], check: (s) => {
    assert.equal(s.scroll_locked, true);
    assert.ok(s.overlay_share >= 0.95, `overlay ${s.overlay_share}`);
  } },
  { page: 'asymmetric.html', criteria: ['CB-03', 'CB-04'], absent: ['CB-01'] },
  { page: 'hidden-reject.html', criteria: ['CB-20', 'CB-01'] },
  { page: 'implied-consent.html', criteria: ['CB-08', 'CB-09', 'CB-01'] },
  // CB-22: a transparent shield over the page, no scroll lock, a free refusal: forced action, not a wall.
  { page: 'forced-action.html', criteria: ['CB-22'], absent: ['CB-11', 'CB-01', 'CB-05'],
    check: (s, r) => {
      assert.equal(s.page_interaction.links_sampled, 5);
      assert.equal(s.page_interaction.links_blocked, 5);
      assert.match(r.findings.find((f) => f.criterion === 'CB-22').reason, /5 of 5 page links/);
    } },
  { page: 'open-page.html', criteria: [], absent: ['CB-22', 'CB-01', 'CB-05'],
    check: (s) => {
      assert.equal(s.page_interaction.links_sampled, 5);
      assert.equal(s.page_interaction.links_blocked, 0);
    } },
  // CB-05: the refusal waits in a hidden in-house preference layer, two clicks away.
  { page: 'settings-detour.html', criteria: ['CB-01', 'CB-05'], absent: ['CB-02', 'CB-06'],
    check: (s, r) => {
      assert.equal(s.layers.length, 2, 'the hidden preference layer is captured');
      assert.equal(s.layers[1].visible, false);
      const f = r.findings.find((x) => x.criterion === 'CB-05');
      assert.equal(f.evidence.clicks_to_refuse, '2');
      assert.deepEqual(f.evidence.later_reject, ['Reject all']);
    } },
  // CB-02: neither layer lets the user refuse; CB-05 gives way to it.
  { page: 'no-refusal-anywhere.html', criteria: ['CB-01', 'CB-02'], absent: ['CB-05'] },
];

for (const kind of kKinds) for (const c of kOwn) {
  test(`[${kind}] written page ${c.page}`, async () => {
    const url = `http://127.0.0.1:${servers.ports[0]}/own/${c.page}`;
    const { snapshot, result } = await captureAndJudge(kind, url, { frameUrlPart: c.frame, waitMs: c.waitMs || 0 });
    assert.ok(snapshot, 'a banner was captured');
    assert.equal(result.banner_found, true);
    for (const criterion of c.criteria) assert.ok(result.criteria.includes(criterion), `${criterion} in ${result.criteria}`);
    for (const criterion of c.absent || []) assert.ok(!result.criteria.includes(criterion), `${criterion} not in ${result.criteria}`);
    for (const f of result.findings) {
      assert.match(f.rule_id, /^banner\.CB-\d\d$/);
      assert.equal(f.family, 'cookies');
      assert.ok(f.quote && f.reason && f.explanation && f.references.length > 0, `${f.criterion} has evidence and references`);
    }
    if (c.check) c.check(snapshot, result);
    fs.writeFileSync(path.join(kOut, `${kind === 'chromium' ? '' : kind + '.'}${c.page}.snapshot.json`), JSON.stringify(snapshot, null, 2));
  });
}

for (const kind of kKinds) {
  test(`[${kind}] a page without a banner costs only the cheap check and sends nothing`, async () => {
    const page = await (await browserFor(kind)).open(`http://127.0.0.1:${servers.ports[0]}/own/no-banner.html`);
    try {
      const captured = await capture(page.mainFrame());
      assert.equal(captured.snapshot, null);
      assert.equal(captured.timing.detect_ms, 0, 'the full search did not run');
    } finally {
      await page.close();
    }
  });
}

// The extension's first look waits for the load event and an idle main thread, so the capture does
// not compete with the page's own loading work. The page's banner is in its markup from the start and
// an image holds its load event back 1.5 s: the snapshot must come after load, not at once.
test('[chromium] the first look at a page waits until it has loaded', async () => {
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${servers.ports[0]}/own/slow-load.html`, { waitUntil: 'commit' });
    await page.waitForSelector('#cw-slow-banner', { state: 'attached' });
    await injectCapture(page.mainFrame());
    const r = await page.evaluate(() => {
      const startedIn = document.readyState;
      return ClauseWatchBanner.run({ send: () => {}, waitMs: 5000 }).then((snapshot) => ({
        startedIn, found: !!snapshot, sentAt: performance.now(), loadAt: window.__cwLoadAt }));
    });
    assert.notEqual(r.startedIn, 'complete', 'the capture was started while the page was still loading');
    assert.ok(r.found, 'the banner was captured');
    assert.ok(r.loadAt !== undefined && r.sentAt >= r.loadAt, `snapshot at ${r.sentAt} ms, load event at ${r.loadAt} ms`);
    await context.close();
  } finally {
    await browser.close();
  }
});

test('the CLI judges a saved snapshot exactly as the host does', async () => {
  const file = path.join(kOut, 'cookie-wall.html.snapshot.json');
  assert.ok(fs.existsSync(file), 'the cookie-wall snapshot was saved by its test');
  const snapshot = JSON.parse(fs.readFileSync(file, 'utf8'));
  const { archive, change, ...fromHost } = (await host.request('banner.analyze', { snapshot })).result;
  const fromCli = JSON.parse(execFileSync(process.env.CW_CLI_BINARY, ['banner', file, '--json'], { encoding: 'utf8' }));
  // The host also records the observation (archive, change); the CLI only judges (R-BANNER-6/7).
  assert.equal(typeof archive.observation_id, 'number', 'the host archived the observation');
  assert.ok(change === null || typeof change.worse === 'boolean');
  assert.deepEqual(fromCli, fromHost);
});

// Every page above was served from 127.0.0.1, so the host stored them all as one site's banners: the
// CLI, reading the same archive file, lists them and the changes for the worse among them.
test('clausewatch banner-history lists what the host archived', async () => {
  const run = (args) => JSON.parse(execFileSync(process.env.CW_CLI_BINARY, args, { encoding: 'utf8', env: { ...process.env, CLAUSEWATCH_HOME: host.home } }));
  const history = run(['banner-history', `http://127.0.0.1:${servers.ports[0]}/own/x`, '--json', '--limit', '500']);
  assert.equal(history.site, '127.0.0.1');
  assert.ok(history.total >= 5, `observations: ${history.total}`);
  assert.ok(history.observations.every((o) => o.site === '127.0.0.1'));
  assert.ok(history.changes.length >= 1, 'some banner was worse than the one before it');
  const ids = new Set(history.observations.map((o) => o.id));
  for (const c of history.changes) {
    assert.equal(c.worse, true);
    assert.ok(ids.has(c.before_id) && ids.has(c.after_id), 'a change points at listed observations');
  }
  const text = execFileSync(process.env.CW_CLI_BINARY, ['banner-history', '127.0.0.1'], { encoding: 'utf8', env: { ...process.env, CLAUSEWATCH_HOME: host.home } });
  assert.match(text, /Banner got worse \(\d+\)/);
  assert.match(text, /Observations, newest first/);
});

test('bad snapshots get clear errors and the host keeps serving', async () => {
  const good = JSON.parse(fs.readFileSync(path.join(kOut, 'cookie-wall.html.snapshot.json'), 'utf8'));
  const cases = [
    [{}, 'INVALID_PAYLOAD'],
    [{ snapshot: { url: 'https://a.example/', found: true, layers: [] } }, 'BANNER_SNAPSHOT_INVALID'],
    [{ snapshot: { ...good, layers: [{ controls: [{ text: 'OK' }] }] } }, 'BANNER_SNAPSHOT_INVALID'],
    [{ snapshot: { ...good, viewport_share: 1e9 } }, 'BANNER_SNAPSHOT_INVALID'],
    [{ snapshot: { ...good, layers: [{ controls: [{ tag: 'button', text: 'x', box: { x: 0, y: 0, width: 1e12, height: 1 } }] }] } }, 'BANNER_SNAPSHOT_INVALID'],
    [{ snapshot: { ...good, layers: [{ controls: Array.from({ length: 100000 }, () => ({ tag: 'button', text: 'OK' })) }] } }, 'BANNER_TOO_LARGE'],
    [{ snapshot: { ...good, text: 'x'.repeat(600 * 1024) } }, 'BANNER_TOO_LARGE'],
  ];
  for (const [payload, name] of cases) {
    const reply = await host.request('banner.analyze', payload);
    assert.equal(reply.ok, false);
    assert.equal(reply.error.name, name, JSON.stringify(reply.error).slice(0, 300));
    assert.ok(reply.error.message.length > 10);
  }
  const ping = await host.request('ping', {});
  assert.equal(ping.ok, true, 'the host still answers');
  const again = await host.request('banner.analyze', { snapshot: good });
  assert.equal(again.ok, true);
  assert.ok(again.result.criteria.includes('CB-11'));
});
