// Rendering units in headless Chromium: the popup's and the options page's renderers on replies in
// the shapes the host defines (engine Finding, changes::to_json change record, archive.diff). The
// extension's sources are served from 127.0.0.1 so their ES modules load as they do in the extension.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { kRoot } from './lib/env.mjs';
import { startFixtureServer } from './lib/servers.mjs';

const kChromiumBinary = fs.existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : '/usr/bin/chromium';
let browser;
let page;
let server;
before(async () => {
  server = await startFixtureServer(path.join(kRoot, 'extension', 'src'));
  browser = await chromium.launch({ executablePath: kChromiumBinary, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  page = await browser.newPage();
  await page.goto(`${server.origin}/popup/popup.html?tab=none`).catch(() => {});
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const finding = (over) => ({
  rule_id: 'dispute.arbitration', family: 'dispute', title: 'Mandatory arbitration', polarity: 'risk',
  severity: 'critical', quote: 'resolved by final and binding arbitration', start: 0, end: 41, block: 3,
  reason: 'Disputes must go to binding arbitration instead of a court.', explanation: '',
  references: [{ law: 'EU Unfair Contract Terms Directive 93/13/EEC', article: 'Annex 1(q)' }], labels: [], missing_protection: false,
  ...over,
});

// Renders into a fresh popup skeleton and returns what the user would read.
async function renderPopup(state, host = { ok: true, result: { version: '0.1.0' } }) {
  return page.evaluate(async ({ state, host, origin }) => {
    document.body.innerHTML = '<p id="page-summary"></p><main id="content"></main>';
    const { renderPopup } = await import(`${origin}/popup/render.js`);
    renderPopup(document, { state, host });
    const items = (sel) => [...document.querySelectorAll(sel)].map((li) => ({
      severity: li.dataset.severity, kind: li.dataset.kind, polarity: li.dataset.polarity, text: li.textContent,
      quote: li.querySelector('blockquote')?.textContent ?? null,
      quotes: [...li.querySelectorAll('blockquote')].map((q) => q.textContent),
      times: [...li.querySelectorAll('blockquote')].map((q) => q.dataset.times),
      places: li.dataset.places,
      refs: [...li.querySelectorAll('.ref')].map((r) => r.textContent),
    }));
    return {
      state: document.body.dataset.state,
      headings: [...document.querySelectorAll('h2')].map((h) => h.textContent),
      findings: items('#findings li.finding'),
      changes: items('#changes li.change'),
      changesText: document.getElementById('changes')?.textContent ?? null,
      banner: items('#banner li.finding'),
      html: document.getElementById('content').innerHTML,
    };
  }, { state, host, origin: server.origin });
}

test('popup: risks grouped most severe first with quote, reason and law; protections as good news', async () => {
  const out = await renderPopup({
    url: 'https://x.test/terms',
    page: { status: 'done', title: 'Terms', docType: 'Terms of Service', result: { findings: [
      finding({ severity: 'caution', title: 'Human review', rule_id: 'ai.human_review' }),
      finding({}),
      finding({ polarity: 'protection', severity: 'info', title: 'Opt-out of sale', rule_id: 'privacy.opt_out' }),
      finding({ severity: 'warning', title: 'Indemnity', rule_id: 'liability.indemnify' }),
    ] } },
    banners: [],
  });
  assert.equal(out.state, 'findings');
  assert.deepEqual(out.headings, ['Critical (1)', 'Warning (1)', 'Caution (1)', 'Good news (1)']);
  assert.deepEqual(out.findings.map((f) => f.severity), ['critical', 'warning', 'caution', 'info']);
  assert.equal(out.findings[0].quote, 'resolved by final and binding arbitration');
  assert.match(out.findings[0].text, /instead of a court/);
  assert.deepEqual(out.findings[0].refs, ['EU Unfair Contract Terms Directive 93/13/EEC, Annex 1(q)']);
  assert.equal(out.findings[3].polarity, 'protection');
});

test('popup: findings take their rule texts from result.rules (sent once per rule)', async () => {
  const { rule_id: id, quote, start, end, block, missing_protection: mp, ...rule } = finding({});
  const at = (q, b) => ({ rule_id: id, polarity: rule.polarity, severity: rule.severity, quote: q, start: 0, end: q.length, block: b, missing_protection: mp });
  const out = await renderPopup({
    page: { status: 'done', title: 'Terms', docType: 'Terms of Service', result: {
      findings: [at(quote, block), at('all disputes go to arbitration', 7)],
      rules: { [id]: rule },
    } },
    banners: [],
  });
  assert.equal(out.state, 'findings');
  // One provision found in two places: one item, its texts once, both quotes in page order.
  assert.deepEqual(out.headings, ['Critical (1)']);
  assert.equal(out.findings.length, 1);
  const [item] = out.findings;
  assert.deepEqual(item.quotes, [quote, 'all disputes go to arbitration']);
  assert.match(item.text, /Mandatory arbitration · 2 places/);
  assert.equal(item.text.match(/instead of a court/g).length, 1);
  assert.deepEqual(item.refs, ['EU Unfair Contract Terms Directive 93/13/EEC, Annex 1(q)']);
});

test('popup: different provisions stay separate items, each with its own quote', async () => {
  const out = await renderPopup({
    page: { status: 'done', result: { findings: [
      finding({}),
      finding({ rule_id: 'dispute.class_action_waiver', title: 'Class-action waiver', quote: 'no class actions' }),
      finding({ quote: 'arbitration in Oslo' }),
    ] } },
    banners: [],
  });
  assert.deepEqual(out.headings, ['Critical (2)']);
  assert.deepEqual(out.findings.map((f) => f.quotes), [['resolved by final and binding arbitration', 'arbitration in Oslo'], ['no class actions']]);
});

test('popup: the same sentence found several times is one quote with its count', async () => {
  const out = await renderPopup({
    page: { status: 'done', result: { findings: [
      finding({ quote: 'the right to opt out of the sale' }),
      finding({ quote: 'the right to opt out of the sale' }),
      finding({ quote: 'the right to opt out of the sale' }),
      finding({ quote: 'all disputes go to arbitration' }),
    ] } },
    banners: [],
  });
  assert.equal(out.findings.length, 1);
  const [item] = out.findings;
  assert.deepEqual(item.quotes, ['the right to opt out of the sale', 'all disputes go to arbitration']);
  assert.deepEqual(item.times, ['3', '1']);
  assert.equal(item.places, '4');
  assert.match(item.text, /· 4 places/);
  const after = await page.evaluate(() => getComputedStyle(document.querySelector('#findings blockquote.quote'), '::after').content);
  assert.match(after, /3/);
});

test('popup: each quote names its section, drawn by CSS so the quote stays the page\'s words', async () => {
  const out = await renderPopup({
    page: { status: 'done', result: { findings: [
      finding({ quote: 'all claims go to the courts of San Francisco', section: 'Business use of the Services' }),
      finding({ quote: 'all disputes go to arbitration' }),
    ] } },
    banners: [],
  });
  const [item] = out.findings;
  assert.deepEqual(item.quotes, ['all claims go to the courts of San Francisco', 'all disputes go to arbitration']);
  const sections = await page.evaluate(() => [...document.querySelectorAll('#findings blockquote.quote')].map((q) => ({
    attr: q.dataset.section ?? null,
    before: getComputedStyle(q, '::before').content,
  })));
  assert.equal(sections[0].attr, 'Business use of the Services');
  assert.match(sections[0].before, /In: Business use of the Services/);
  assert.equal(sections[1].attr, null);
  assert.equal(sections[1].before, 'none');
});

test('popup: a scoped quote says whom it applies to, under the quote, and the quote stays the page\'s words', async () => {
  const out = await renderPopup({
    page: { status: 'done', result: { findings: [
      finding({ quote: 'If you live in California, you may opt out of the sale.', scope: { id: 'region.california', label: 'People in California', from: 'sentence' } }),
      finding({ quote: 'all disputes go to arbitration' }),
      finding({ quote: 'claims go to the courts of Dublin', section: 'For users in the EEA', scope: { id: 'region.eea_uk', label: 'People in the EEA, UK or Switzerland', from: 'section' } }),
    ] } },
    banners: [],
  });
  const [item] = out.findings;
  assert.deepEqual(item.quotes, ['If you live in California, you may opt out of the sale.', 'all disputes go to arbitration', 'claims go to the courts of Dublin']);
  const shown = await page.evaluate(() => [...document.querySelectorAll('#findings blockquote.quote')].map((q) => {
    const next = q.nextElementSibling;
    return next && next.matches('p.scope') ? { text: next.textContent, id: next.dataset.scopeId, from: next.dataset.scopeFrom } : null;
  }));
  assert.deepEqual(shown, [
    { text: 'Applies to: People in California', id: 'region.california', from: 'sentence' },
    null,
    { text: 'In the part for: People in the EEA, UK or Switzerland', id: 'region.eea_uk', from: 'section' },
  ]);
  // A label is text, never markup; a scope without a label is not drawn.
  const odd = await renderPopup({
    page: { status: 'done', result: { findings: [
      finding({ quote: 'one', scope: { id: 'x', label: '<b>People</b>', from: 'sentence' } }),
      finding({ quote: 'two', scope: { id: 'y' } }),
    ] } },
    banners: [],
  });
  assert.ok(odd.html.includes('Applies to: &lt;b&gt;People&lt;/b&gt;'));
  assert.equal((odd.html.match(/class="scope/g) || []).length, 1);
});

test('popup: page text is shown as text, never as markup', async () => {
  const out = await renderPopup({
    page: { status: 'done', result: { findings: [finding({ quote: '<img src=x onerror=alert(1)>', title: '<b>t</b>' })] } },
    banners: [],
  });
  assert.ok(!out.html.includes('<img'), 'a quote became markup');
  assert.ok(out.html.includes('&lt;img'));
});

test('popup: the change record from the archive, most severe first, with both quotes', async () => {
  const changes = {
    summary: 'The opt-out of data sale was removed (+1 more)',
    source: { changed: false },
    items: [
      { provision_id: 'ai.training', title: 'Training', kind: 'default_flipped', severity: 'warning', summary: 'Training is now on by default', before: 'We will not train on your chats', after: 'We train on your chats unless you opt out', details: {}, references: [] },
      { provision_id: 'privacy.opt_out_of_sale', title: 'Opt-out of sale', kind: 'protection_removed', severity: 'critical', summary: 'The opt-out of data sale was removed', before: 'You may opt out of the sale', after: null, details: {}, references: [] },
    ],
    truncated: false,
  };
  const out = await renderPopup({ page: { status: 'done', result: { findings: [], archive: { version: { id: 2, is_new: true }, changes: { ...changes, from_version: 1, to_version: 2 } } } }, banners: [] });
  assert.ok(out.headings.includes('Changed since your last visit'));
  assert.match(out.html, /href="\.\.\/options\/options\.html\?from=1&amp;to=2"/);
  assert.deepEqual(out.changes.map((c) => c.kind), ['protection_removed', 'default_flipped']);
  assert.match(out.changes[0].text, /Before: You may opt out of the sale/);
  assert.match(out.changes[1].text, /Now: We train on your chats unless you opt out/);

  // A change of source (another URL or region) is said as such, not as removed provisions.
  const moved = await renderPopup({ page: { status: 'done', result: { findings: [], archive: { changes: {
    summary: 'x', source: { changed: true, reason: 'url', summary: 'The tracked address changed from the US terms to the EU terms' }, items: changes.items,
  } } } }, banners: [] });
  assert.match(moved.changesText, /US terms to the EU terms/);
  assert.deepEqual(moved.changes, []);
});

test('popup: banner verdicts in their own section; a page without a banner shows none', async () => {
  const out = await renderPopup({
    page: { status: 'none' },
    banners: [
      { frameId: 0, result: { banner_found: true, findings: [finding({ criterion: 'CB-01', rule_id: 'banner.no_reject', title: 'No reject on the first layer', quote: "'Accept all'", evidence: { controls: [{ text: 'Accept all' }] } })] } },
      { frameId: 4, result: { banner_found: false, findings: [] } },
    ],
  });
  assert.equal(out.state, 'none');
  assert.equal(out.banner.length, 1);
  assert.match(out.banner[0].text, /CB-01/);
  assert.match(out.banner[0].text, /Evidence: Accept all/);
  const none = await renderPopup({ page: { status: 'none' }, banners: [{ frameId: 0, result: { banner_found: false, findings: [] } }] });
  assert.equal(none.banner.length, 0);
  assert.ok(!none.headings.includes('Cookie banner'));
});

test('popup: the missing host is named with the install command', async () => {
  const out = await renderPopup(
    { page: { status: 'error', error: { name: 'HOST_NOT_FOUND', message: 'Specified native messaging host not found.' } }, banners: [] },
    { ok: false, error: { code: null, name: 'HOST_NOT_FOUND', message: 'Specified native messaging host not found.', params: {} } },
  );
  assert.equal(out.state, 'host-not-installed');
  assert.match(out.html, /installer\/install\.sh/);
});

test('options: a diff with word changes, removed blocks, and the provision change highlighted', async () => {
  const diff = {
    stats: { added: 0, removed: 1, changed: 1, unchanged: 5 },
    blocks: [
      { kind: 'changed', before: 'Last updated: 3 March 2026.', after: 'Last updated: 9 September 2026.', words: [
        { op: 'same', text: 'Last updated: ' }, { op: 'removed', text: '3 March' }, { op: 'added', text: '9 September' }, { op: 'same', text: ' 2026.' },
      ] },
      { kind: 'removed', before: 'You may opt out of the sale of your personal information at any time.' },
    ],
    next_offset: null,
    from: { id: 1 },
    to: { id: 2 },
    change: { summary: 'The opt-out of data sale was removed', source: { changed: false }, items: [
      { provision_id: 'privacy.opt_out_of_sale', kind: 'protection_removed', severity: 'critical', summary: 'The opt-out of data sale was removed', before: 'You may opt out of the sale of your personal information', after: null },
    ] },
  };
  const out = await page.evaluate(async ({ diff, origin }) => {
    document.body.innerHTML = '<div id="diff"></div>';
    const { renderDiff } = await import(`${origin}/options/archive-view.js`);
    document.getElementById('diff').append(renderDiff(document, diff));
    const blocks = [...document.querySelectorAll('.diff-block')];
    return {
      ops: blocks.map((b) => b.dataset.op),
      provision: blocks.map((b) => b.dataset.provision),
      ins: [...document.querySelectorAll('.diff-block ins')].map((e) => e.textContent),
      del: [...document.querySelectorAll('.diff-block del')].map((e) => e.textContent),
      record: document.getElementById('change-record').textContent,
    };
  }, { diff, origin: server.origin });
  assert.deepEqual(out.ops, ['changed', 'removed']);
  assert.deepEqual(out.provision, ['false', 'true']);
  assert.deepEqual(out.ins, ['9 September']);
  assert.deepEqual(out.del, ['3 March', 'You may opt out of the sale of your personal information at any time.']);
  assert.match(out.record, /critical: The opt-out of data sale was removed/);
});
