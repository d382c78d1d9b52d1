// End to end in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core): the real
// extension, the real host registered for a throwaway profile, fixture pages from 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  artifactPath, builtExtension, hostTypes, removeTempDirs, kChromiumOrigin, kHostBinary, kIds, kRoot, tempDir,
  writeChromiumHostManifest,
} from './lib/env.mjs';
import { startFixtureServer, startRecordingProxy } from './lib/servers.mjs';
import { assertNoOutsideRequests } from './lib/privacy.mjs';
import { covers, kBlogPath, kExpectedProtections, kExpectedRisks, kTermsPath, normalise } from './lib/expectations.mjs';

// The binary itself, not Debian's /usr/bin/chromium wrapper, which adds --enable-remote-extensions
// (NATIVE-MESSAGING.md pitfall 6); that flag makes Chromium poll its extension update server.
const kChromiumBinary = fs.existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : '/usr/bin/chromium';
process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS = '1';
const hasPageAnalyze = hostTypes().includes('page.analyze');

let site;
let proxy;
before(async () => {
  site = await startFixtureServer();
  proxy = await startRecordingProxy();
});
after(async () => {
  await site?.close();
  await proxy?.close();
  removeTempDirs();
});

// Launches Chromium with the extension; withHost=false leaves the host unregistered.
async function launch({ withHost }) {
  const extensionDir = builtExtension().chromium;
  const userDataDir = tempDir('cw-e2e-chromium-');
  const archiveHome = tempDir('cw-e2e-home-');
  if (withHost) writeChromiumHostManifest(userDataDir);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: kChromiumBinary,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-default-apps', '--no-default-browser-check',
      '--disable-domain-reliability', '--disable-client-side-phishing-detection', '--metrics-recording-only',
      // Everything not on loopback goes to the recording proxy (loopback bypasses proxies by default).
      `--proxy-server=http://127.0.0.1:${proxy.port}`,
      `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`,
    ],
    env: { ...process.env, CLAUSEWATCH_HOME: archiveHome },
  });
  const requests = [];
  const proxyFrom = proxy.attempts.length;
  context.on('request', (request) => requests.push(request.url()));
  const isOurs = (worker) => worker.url().startsWith(kChromiumOrigin);
  const worker =
    context.serviceWorkers().find(isOurs) || (await context.waitForEvent('serviceworker', { predicate: isOurs }));
  return { context, worker, requests, archiveHome, userDataDir, proxyAttempts: () => proxy.attempts.slice(proxyFrom) };
}

// The id of the tab showing `page`, found by its URL (the extension's host permissions let it see
// page URLs). Asking for the active tab instead races with the welcome tab opened on install.
async function tabIdOf(worker, page) {
  const url = page.url();
  for (let attempt = 0; attempt < 50; attempt++) {
    const ids = await worker.evaluate(async (u) => (await chrome.tabs.query({})).filter((t) => t.url === u).map((t) => t.id), url);
    if (ids.length === 1) return ids[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no single tab shows ${url}`);
}

async function badgeText(worker, tabId) {
  return worker.evaluate((id) => chrome.action.getBadgeText({ tabId: id }), tabId);
}

async function waitForBadge(worker, tabId, predicate, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await badgeText(worker, tabId);
    if (predicate(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`badge did not settle; last text '${text}'`);
}

async function openPopup(context, tabId) {
  const popup = await context.newPage();
  await popup.setViewportSize({ width: 440, height: 800 });  // about a toolbar popup's size
  await popup.goto(`${kChromiumOrigin}popup/popup.html?tab=${tabId}`);
  await popup.waitForSelector('body[data-ready="1"]', { timeout: 30000 });
  return popup;
}

// The popup's findings as the user reads them.
async function popupFindings(popup, selector = '#findings li.finding') {
  return popup.$$eval(selector, (items) =>
    items.map((li) => ({
      rule_id: li.dataset.ruleId,
      severity: li.dataset.severity,
      polarity: li.dataset.polarity,
      title: li.querySelector('.title')?.textContent ?? '',
      quote: li.querySelector('blockquote.quote')?.textContent ?? '',
      // A provision found in several places lists every quote under one item.
      quotes: [...li.querySelectorAll('blockquote.quote')].map((q) => q.textContent),
      reason: li.querySelector('.reason')?.textContent ?? '',
      references: [...li.querySelectorAll('.ref')].map((r) => r.textContent),
    })),
  );
}

// Every request the pages and the extension made must be to the fixture server or inside the extension.
function assertOnlyLocalRequests(t, { requests, proxyAttempts }) {
  assertNoOutsideRequests({
    browser: 'chromium',
    requests,
    allowedPrefixes: [site.origin + '/', kChromiumOrigin, 'data:'],
    proxyAttempts: proxyAttempts(),
    diagnostic: (m) => t.diagnostic(m),
  });
}

test('chromium: terms page -> host -> badge and popup findings; nothing leaves the machine', async (t) => {
  const browser = await launch({ withHost: true });
  const { context, worker } = browser;
  try {
    // The host answers through the extension's one port, and sees the extension's pinned origin.
    const ping = await worker.evaluate(() => globalThis.clauseWatchHost.request('ping'));
    assert.equal(ping.caller, kChromiumOrigin);
    assert.ok(ping.types.includes('ping'));

    const page = await context.newPage();
    const started = Date.now();
    await page.goto(site.origin + kTermsPath);
    const tabId = await tabIdOf(worker, page);

    if (!hasPageAnalyze) {
      // The host has no page.analyze yet: the popup must say the host could not check the page.
      await waitForBadge(worker, tabId, (text) => text === '!');
      const popup = await openPopup(context, tabId);
      assert.match(await popup.textContent('#page-error'), /Unknown message type 'page\.analyze'/);
      t.diagnostic('host lacks page.analyze: finding assertions skipped');
    } else {
      const badge = await waitForBadge(worker, tabId, (text) => text !== '' && text !== '!');
      t.diagnostic(`navigation start -> badge painted: ${Date.now() - started} ms`);
      const popup = await openPopup(context, tabId);
      await popup.screenshot({ path: artifactPath('chromium-popup.png'), fullPage: true });
      const pageText = normalise(await page.innerText('main'));
      const findings = await popupFindings(popup);
      const risks = findings.filter((f) => f.polarity === 'risk');
      const protections = findings.filter((f) => f.polarity === 'protection');

      // The badge counts the risks the popup lists; protections are not warnings.
      assert.equal(Number(badge), risks.length);
      for (const { provision, phrase } of kExpectedRisks) {
        assert.ok(risks.some((f) => covers(f, phrase, pageText)), `no finding for ${provision}`);
      }
      for (const { provision, phrase } of kExpectedProtections) {
        assert.ok(protections.some((f) => covers(f, phrase, pageText)), `no protection for ${provision}`);
      }
      for (const f of findings) {
        // Each quote is the page's own words, with a reason; risks carry a severity the popup groups by.
        for (const quote of f.quotes) assert.ok(pageText.includes(normalise(quote)), `quote not on the page: ${quote}`);
        assert.ok(f.reason.length > 0, `finding ${f.rule_id} has no reason`);
        assert.ok(['critical', 'warning', 'caution', 'info'].includes(f.severity));
      }
      // Groups appear most severe first.
      const order = await popup.$$eval('#findings ul[data-group]', (uls) => uls.map((u) => u.dataset.group));
      const rank = ['critical', 'warning', 'caution', 'info', 'protections'];
      assert.deepEqual(order, [...order].sort((a, b) => rank.indexOf(a) - rank.indexOf(b)));
      assert.ok(!(await popup.textContent('body')).includes('This hidden note'), 'hidden text was captured');
      await popup.close();

      // A new document in the tab clears the badge; an ordinary page gets none.
      await page.goto(site.origin + kBlogPath);
      await waitForBadge(worker, tabId, (text) => text === '');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await badgeText(worker, tabId), '');
      const blogPopup = await openPopup(context, tabId);
      assert.equal(await blogPopup.getAttribute('body', 'data-state'), 'none');
      await blogPopup.close();
    }
    assertOnlyLocalRequests(t, browser);
  } finally {
    await context.close();
  }
});

test('chromium: a single-page site showing its terms without a page load is checked too', async (t) => {
  if (!hasPageAnalyze) return t.skip('host lacks page.analyze');
  const browser = await launch({ withHost: true });
  const { context, worker } = browser;
  try {
    const page = await context.newPage();
    await page.goto(site.origin + '/blog/app.html');
    const tabId = await tabIdOf(worker, page);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await badgeText(worker, tabId), '');
    await page.click('#show-terms');
    const badge = await waitForBadge(worker, tabId, (text) => text !== '' && text !== '!');
    const popup = await openPopup(context, tabId);
    const findings = await popupFindings(popup);
    const pageText = normalise(await page.innerText('main'));
    assert.equal(Number(badge), findings.filter((f) => f.polarity === 'risk').length);
    for (const phrase of ['final and binding', 'class action', 'sell your personal information']) {
      assert.ok(findings.some((f) => covers(f, phrase, pageText)), `no finding for '${phrase}'`);
    }
    // Going back to the app's home clears the badge.
    await page.goBack();
    await waitForBadge(worker, tabId, (text) => text === '');
    assertOnlyLocalRequests(t, browser);
  } finally {
    await context.close();
  }
});

test('chromium: the port reconnects after the host dies', async () => {
  const { context, worker, archiveHome } = await launch({ withHost: true });
  try {
    const first = await worker.evaluate(() => globalThis.clauseWatchHost.request('ping'));
    assert.equal(first.caller, kChromiumOrigin);
    // Find this browser's host by its archive dir, kill it, and ask again.
    const pids = fs
      .readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return fs.readlinkSync(`/proc/${p}/exe`) === fs.realpathSync(kHostBinary) &&
            fs.readFileSync(`/proc/${p}/environ`, 'utf8').includes(`CLAUSEWATCH_HOME=${archiveHome}`);
        } catch {
          return false;
        }
      });
    assert.equal(pids.length, 1, 'exactly one host process per browser');
    process.kill(Number(pids[0]), 'SIGKILL');
    const deadline = Date.now() + 5000;
    while ((await worker.evaluate(() => globalThis.clauseWatchHost.connected)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const second = await worker.evaluate(() => globalThis.clauseWatchHost.request('ping'));
    assert.equal(second.caller, kChromiumOrigin);
    assert.equal(await worker.evaluate(() => globalThis.clauseWatchHost.connections), 2);
    // A message over 64 MiB is refused before it reaches the browser's native-messaging code.
    const refused = await worker.evaluate(async () => {
      try {
        await globalThis.clauseWatchHost.request('ping', { pad: 'x'.repeat(64 * 1024 * 1024) });
        return null;
      } catch (e) {
        return e.error;
      }
    });
    assert.equal(refused.name, 'FRAME_TOO_LARGE');
    assert.ok(refused.params.length > refused.params.limit);
    // and the port still serves.
    assert.equal((await worker.evaluate(() => globalThis.clauseWatchHost.request('ping'))).caller, kChromiumOrigin);

    // The worker itself dies (as MV3 idles it out): the tab's findings survive in session storage,
    // and the next worker opens a new port to a new host.
    const page = await context.newPage();
    await page.goto(site.origin + kTermsPath);
    const tabId = await tabIdOf(worker, page);
    const badge = await waitForBadge(worker, tabId, (text) => text !== '');
    const before = await openPopup(context, tabId);
    const stateBefore = await before.getAttribute('body', 'data-state');
    const findingsBefore = await before.$$eval('li.finding', (l) => l.length);
    await before.close();
    const cdp = await context.newCDPSession(page);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    const after = await openPopup(context, tabId);
    assert.equal(await after.getAttribute('body', 'data-state'), stateBefore);
    assert.equal(await after.$$eval('li.finding', (l) => l.length), findingsBefore);
    assert.match(await after.textContent('#host-version'), /^Host \d+\.\d+\.\d+/);
    const restarted = context.serviceWorkers().find((w) => w.url().startsWith(kChromiumOrigin));
    // A fresh worker: its port count started again from zero.
    assert.equal(await restarted.evaluate(() => globalThis.clauseWatchHost.connections), 1);
    assert.equal(await restarted.evaluate((id) => chrome.action.getBadgeText({ tabId: id }), tabId), badge);
  } finally {
    await context.close();
  }
});

test('chromium: without the host the popup shows how to install it', async (t) => {
  const browser = await launch({ withHost: false });
  const { context, worker } = browser;
  try {
    const page = await context.newPage();
    await page.goto(site.origin + kTermsPath);
    const tabId = await tabIdOf(worker, page);
    await waitForBadge(worker, tabId, (text) => text === '!');
    const popup = await openPopup(context, tabId);
    await popup.screenshot({ path: artifactPath('chromium-popup-host-missing.png'), fullPage: true });
    assert.equal(await popup.getAttribute('body', 'data-state'), 'host-not-installed');
    assert.equal(await popup.textContent('#install-command'), 'installer/install.sh');
    assert.match(await popup.textContent('#host-not-installed'), /Specified native messaging host not found/);
    assertOnlyLocalRequests(t, browser);
    // The net works: a request to the outside from a page is caught by the proxy.
    await page.evaluate(() => fetch('http://canary.clausewatch.invalid/').catch(() => null));
    assert.ok(browser.proxyAttempts().some((a) => a.host === 'canary.clausewatch.invalid'), 'the proxy saw the canary');
  } finally {
    await context.close();
  }
});

test('chromium: a new version of the terms shows what changed, in the popup, a notification and the archive', async (t) => {
  if (!hasPageAnalyze) return t.skip('host lacks page.analyze');
  const browser = await launch({ withHost: true });
  const { context, worker } = browser;
  try {
    const page = await context.newPage();
    await page.goto(site.origin + kTermsPath);
    const tabId = await tabIdOf(worker, page);
    await waitForBadge(worker, tabId, (text) => text !== '' && text !== '!');
    const first = await worker.evaluate(async (id) => (await globalThis.clauseWatchTabs.get(id)).page.result, tabId);
    if (!first.archive) return t.skip('page.analyze does not record into the archive yet');
    assert.equal(first.archive.error, undefined, `the archive refused the page: ${JSON.stringify(first.archive.error)}`);

    // The site publishes new terms at the same address, without the opt-out of sale.
    site.publish(kTermsPath, '/legal/terms-v2.html');
    await page.reload();
    await waitForBadge(worker, tabId, (text) => text !== '' && text !== '!');
    const second = await worker.evaluate(async (id) => (await globalThis.clauseWatchTabs.get(id)).page.result, tabId);
    assert.equal(second.archive.error, undefined, `the archive refused the page: ${JSON.stringify(second.archive.error)}`);
    assert.equal(second.archive.version.is_new, true);
    assert.ok(second.archive.changes, 'a change record for the new version');

    const popup = await openPopup(context, tabId);
    await popup.screenshot({ path: artifactPath('chromium-popup-changed.png'), fullPage: true });
    const changes = await popup.$$eval('#changes li.change', (items) =>
      items.map((li) => ({ kind: li.dataset.kind, text: li.textContent })),
    );
    assert.ok(changes.length >= 1, 'the popup lists what changed');
    assert.ok(
      changes.some((c) => /protection/.test(c.kind) && /opt out of the sale/i.test(c.text)),
      `the removed opt-out is named with its quote: ${JSON.stringify(changes)}`,
    );
    const notifications = await worker.evaluate(() => chrome.notifications.getAll());
    assert.ok(Object.keys(notifications).some((id) => id.startsWith('change:')), 'a change notification');

    // The options page browses the archive down to the diff, with the provision change highlighted.
    const listed = await worker.evaluate(() => globalThis.clauseWatchHost.request('archive.history', {}));
    assert.ok(listed.documents.length >= 1, 'archive.history {} lists the recorded document');
    const options = await context.newPage();
    await options.goto(`${kChromiumOrigin}options/options.html`);
    await options.waitForSelector('body[data-ready="1"]');
    await options.click('#documents li[data-document-id]', { timeout: 10000 });
    await options.waitForSelector('#versions li[data-version-id]', { timeout: 10000 });
    await options.click('#versions li[data-version-id]', { timeout: 10000 });
    await options.waitForSelector('#diff[data-ready="1"]', { timeout: 10000 });
    await options.screenshot({ path: artifactPath('chromium-options-diff.png'), fullPage: true });
    assert.ok((await options.$$('#diff .diff-block[data-op="removed"]')).length >= 1);
    assert.match(await options.textContent('#diff'), /opt out of the sale/i);
    assert.ok((await options.$$('#diff .diff-block[data-provision="true"]')).length >= 1, 'provision change highlighted');
    assertOnlyLocalRequests(t, browser);
  } finally {
    await context.close();
  }
});

test('chromium: a cookie banner is judged and counted in the badge and the popup', async (t) => {
  const bannerScript = path.join(kRoot, 'extension', 'src', 'content', 'banner', 'banner-capture.js');
  if (!fs.existsSync(bannerScript) || !hostTypes().includes('banner.analyze')) {
    return t.skip('no banner content script or no banner.analyze in the host yet');
  }
  const browser = await launch({ withHost: true });
  const { context, worker } = browser;
  try {
    const page = await context.newPage();
    await page.goto(site.origin + '/shop/index.html');
    const tabId = await tabIdOf(worker, page);
    const badge = await waitForBadge(worker, tabId, (text) => text !== '' && text !== '!');
    const popup = await openPopup(context, tabId);
    await popup.screenshot({ path: artifactPath('chromium-popup-banner.png'), fullPage: true });
    const banner = await popupFindings(popup, '#banner li.finding');
    const bannerRisks = banner.filter((f) => f.polarity === 'risk');
    assert.ok(bannerRisks.length >= 1, 'the banner section lists what is wrong');
    // The fixture's banner has no reject button and says browsing on means consent.
    const criteria = await popup.$$eval('#banner li.finding', (items) => items.map((li) => li.dataset.criterion));
    assert.ok(criteria.includes('CB-01'), `no-reject finding missing: ${criteria}`);
    assert.ok(criteria.includes('CB-08'), `implied-consent finding missing: ${criteria}`);
    // Not a legal page: every warning on the badge is the banner's.
    assert.equal(Number(badge), bannerRisks.length);
    assert.equal(await popup.getAttribute('body', 'data-state'), 'none');
    assertOnlyLocalRequests(t, browser);
  } finally {
    await context.close();
  }
});
