// Sync set-up from the options page (issue 6), in headless Chromium with the real extension and the
// real host: another device (the CLI, with its own archive) creates a sync folder; the page joins it
// (a wrong passphrase is refused with a clear message, the recovery code works), runs a sync and
// shows the devices, the last sync and a problem (a sync tool's conflict copy). A second browser
// creates a folder from the page and is shown its recovery code once. Neither the passphrase nor
// the recovery code is written anywhere in the archive home or the sync folder.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import {
  artifactPath, builtExtension, hostTypes, removeTempDirs, kChromiumOrigin, kHostBinary, tempDir, writeChromiumHostManifest,
} from './lib/env.mjs';

const kChromiumBinary = fs.existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : '/usr/bin/chromium';
const kCli = path.join(path.dirname(kHostBinary), 'clausewatch');
const canSetUp = hostTypes().includes('sync.init') && hostTypes().includes('sync.join');
// Made up for this test; long enough to find if it leaked into a file.
const kPassphrase = 'options page test passphrase 7f3c';

after(() => removeTempDirs());

async function launch() {
  const extensionDir = builtExtension().chromium;
  const userDataDir = tempDir('cw-e2e-sync-chromium-');
  const archiveHome = tempDir('cw-e2e-sync-home-');
  writeChromiumHostManifest(userDataDir);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: kChromiumBinary,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-default-apps', '--no-default-browser-check',
      `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`,
    ],
    env: { ...process.env, CLAUSEWATCH_HOME: archiveHome },
  });
  const isOurs = (worker) => worker.url().startsWith(kChromiumOrigin);
  if (!context.serviceWorkers().find(isOurs)) await context.waitForEvent('serviceworker', { predicate: isOurs });
  const page = await context.newPage();
  await page.goto(`${kChromiumOrigin}options/options.html`);
  await page.waitForSelector('body[data-ready="1"]');
  return { context, page, archiveHome };
}

function cli(home, args, env = {}) {
  return execFileSync(kCli, args, { env: { ...process.env, CLAUSEWATCH_HOME: home, ...env }, encoding: 'utf8' });
}

function filesUnder(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

function assertNotWritten(dirs, secrets) {
  for (const dir of dirs) {
    for (const file of filesUnder(dir)) {
      const bytes = fs.readFileSync(file);
      for (const s of secrets) assert.equal(bytes.indexOf(s), -1, `${file} holds a secret`);
    }
  }
}

test('options page: join a sync folder, run a sync, see devices and problems', { skip: !canSetUp && 'the host does not serve sync.init/sync.join' }, async () => {
  // The other device: its own archive, a folder created with the CLI.
  const otherHome = tempDir('cw-e2e-sync-other-');
  const folder = path.join(tempDir('cw-e2e-sync-folder-'), 'clausewatch');
  const created = JSON.parse(cli(otherHome, ['sync', 'init', '--folder', folder, '--name', 'other laptop', '--json'], { CLAUSEWATCH_PASSPHRASE: kPassphrase }));
  assert.match(created.recovery_code, /^[A-Z2-7]{4}(-[A-Z2-7]{4}){13}$/);
  cli(otherHome, ['sync', 'run']);

  const { context, page, archiveHome } = await launch();
  try {
    await page.waitForSelector('#sync-join-form', { timeout: 15000 });
    // A wrong passphrase: a clear message, and the page still offers to join.
    await page.fill('#sync-join-folder', folder);
    await page.selectOption('#sync-join-kind', 'passphrase');
    await page.fill('#sync-join-secret', 'not the passphrase');
    await page.click('#sync-join-submit');
    await page.waitForFunction(() => /does not open the sync folder/.test(document.querySelector('#sync-message')?.textContent ?? ''));
    assert.equal(await page.inputValue('#sync-join-secret'), '', 'the secret field is cleared once sent');

    // The recovery code, typed in lower case: joined.
    await page.fill('#sync-join-folder', folder);
    await page.selectOption('#sync-join-kind', 'recovery_code');
    await page.fill('#sync-join-secret', created.recovery_code.toLowerCase());
    await page.fill('#sync-join-name', 'browser');
    await page.click('#sync-join-submit');
    await page.waitForSelector('#sync-summary', { timeout: 15000 });
    assert.equal((await page.$$('#sync-devices tr[data-device]')).length, 2);
    assert.match(await page.textContent('#sync-last'), /never/);

    // Sync now: the other device's bundle is imported; the last sync is shown.
    await page.click('#sync-run');
    await page.waitForFunction(() => /Sync finished/.test(document.querySelector('#sync-message')?.textContent ?? ''), null, { timeout: 30000 });
    assert.match(await page.textContent('#sync-last'), /completed/);
    assert.match(await page.textContent('#sync-devices'), /other laptop/);

    // A conflict copy made by a sync tool appears under Problems.
    // (Both archives are empty, so no bundle exists to copy; the name is what marks a conflict copy.)
    const bundles = path.join(folder, 'bundles');
    fs.mkdirSync(bundles, { recursive: true });
    fs.writeFileSync(path.join(bundles, `${created.device}-000000000001 (conflicted copy).cwb`), 'CWBUNDL1');
    await page.reload();
    await page.waitForSelector('#sync-summary', { timeout: 15000 });
    assert.match(await page.textContent('#sync-problems'), /conflict copy/);
    await page.screenshot({ path: artifactPath('chromium-options-sync.png'), fullPage: true });

    assertNotWritten([archiveHome, folder, otherHome], [kPassphrase, created.recovery_code, created.recovery_code.toLowerCase()]);
  } finally {
    await context.close();
  }
});

test('options page: create a sync folder and see the recovery code once', { skip: !canSetUp && 'the host does not serve sync.init/sync.join' }, async () => {
  const folder = path.join(tempDir('cw-e2e-sync-new-'), 'clausewatch');
  const { context, page, archiveHome } = await launch();
  try {
    await page.waitForSelector('#sync-init-form', { timeout: 15000 });
    await page.fill('#sync-init-folder', folder);
    await page.fill('#sync-init-passphrase', kPassphrase);
    await page.fill('#sync-init-passphrase2', 'a different one');
    await page.click('#sync-init-submit');
    await page.waitForFunction(() => /differ/.test(document.querySelector('#sync-message')?.textContent ?? ''));
    assert.ok(!fs.existsSync(folder), 'nothing was created');

    await page.fill('#sync-init-passphrase', kPassphrase);
    await page.fill('#sync-init-passphrase2', kPassphrase);
    await page.fill('#sync-init-name', 'desk');
    await page.click('#sync-init-submit');
    await page.waitForSelector('#sync-recovery-code', { timeout: 30000 });
    const code = (await page.textContent('#sync-recovery-code')).trim();
    assert.match(code, /^[A-Z2-7]{4}(-[A-Z2-7]{4}){13}$/);
    await page.click('#sync-recovery-done');
    await page.waitForSelector('#sync-summary', { timeout: 15000 });
    assert.equal((await page.$$('#sync-devices tr[data-device]')).length, 1);
    assert.match(await page.textContent('#sync-this-device'), /desk/);
    // Shown once: after a reload the page has no way to show it again.
    await page.reload();
    await page.waitForSelector('#sync-summary', { timeout: 15000 });
    assert.equal(await page.$('#sync-recovery-code'), null);
    assertNotWritten([archiveHome, folder], [kPassphrase, code]);
  } finally {
    await context.close();
  }
});
