// The extension's limits agree with native-host/src/common/limits.h, and the built manifests carry
// the pinned identities and the one version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import * as limits from '../src/shared/limits.js';
import { build } from '../tools/build.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const ids = JSON.parse(fs.readFileSync(path.join(root, 'manifests', 'extension-ids.json'), 'utf8'));
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

// Evaluates `inline constexpr ... kName = <expr>;` from limits.h (products of integers and kMiB).
function headerLimits() {
  const text = fs.readFileSync(path.join(root, 'native-host', 'src', 'common', 'limits.h'), 'utf8');
  const values = {};
  for (const m of text.matchAll(/inline constexpr [\w:]+ (k\w+) = ([^;]+);/g)) {
    const expr = m[2].replace(/'/g, '').replace(/(\d+)(?:ULL|LL|UL|U|L)\b/g, '$1').replace(/\bk\w+/g, (name) => values[name]);
    try {
      values[m[1]] = vm.runInNewContext(expr);
    } catch {
      // An expression this reader does not understand; the test fails only if it needs that value.
    }
  }
  return values;
}

function contentCoreLimits() {
  const sandbox = { TextEncoder, URL };
  sandbox.globalThis = sandbox;
  vm.runInNewContext(fs.readFileSync(path.join(root, 'extension', 'src', 'content', 'legal-capture-core.js'), 'utf8'), sandbox);
  return sandbox.ClauseWatchLegal.limits;
}

test('extension limits mirror limits.h', () => {
  const h = headerLimits();
  assert.equal(limits.kMaxInboundFrameBytes, h.kMaxInboundFrameBytes);
  assert.equal(limits.kMaxPageBlocks, h.kMaxPageBlocks);
  assert.equal(limits.kMaxPageTextBytes, h.kMaxPageTextBytes);
  assert.equal(limits.kMaxUrlBytes, h.kMaxUrlBytes);
  assert.equal(limits.kMaxTitleBytes, h.kMaxTitleBytes);
  const core = contentCoreLimits();
  assert.equal(core.maxPageBlocks, h.kMaxPageBlocks);
  assert.equal(core.maxPageTextBytes, h.kMaxPageTextBytes);
  assert.equal(core.maxUrlBytes, h.kMaxUrlBytes);
  assert.equal(core.maxTitleBytes, h.kMaxTitleBytes);
});

test('built manifests: pinned ids, one version, same scripts in both browsers', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-build-'));
  const dirs = build({ out, platforms: ['chromium', 'firefox'] });
  const chromium = JSON.parse(fs.readFileSync(path.join(dirs.chromium, 'manifest.json'), 'utf8'));
  const firefox = JSON.parse(fs.readFileSync(path.join(dirs.firefox, 'manifest.json'), 'utf8'));

  // The Chromium ID is the first 128 bits of SHA-256 of the public key, written with a-p.
  const der = Buffer.from(chromium.key, 'base64');
  const id = crypto.createHash('sha256').update(der).digest('hex').slice(0, 32).replace(/[0-9a-f]/g, (c) => String.fromCharCode(97 + parseInt(c, 16)));
  assert.equal(id, ids.chromium_extension_id);
  assert.equal(chromium.key, ids.chromium_public_key);
  assert.equal(firefox.browser_specific_settings.gecko.id, ids.gecko_id);

  for (const manifest of [chromium, firefox]) {
    assert.equal(manifest.manifest_version, 3);
    assert.equal(manifest.version, pkg.version);
    assert.ok(manifest.permissions.includes('nativeMessaging'));
    // Host access is for content scripts and the cookies API only; pages and the worker may fetch
    // nothing (connect-src 'none').
    assert.deepEqual(manifest.host_permissions, ['http://*/*', 'https://*/*']);
    assert.match(manifest.content_security_policy.extension_pages, /connect-src 'none'/);
    for (const script of manifest.content_scripts) {
      for (const file of script.js) assert.ok(fs.existsSync(path.join(dirs.chromium, file)), file);
    }
  }
  assert.deepEqual(chromium.content_scripts, firefox.content_scripts);
  assert.deepEqual(chromium.permissions, firefox.permissions);
  assert.equal(chromium.background.service_worker, firefox.background.scripts[0]);
  for (const file of [chromium.background.service_worker, chromium.action.default_popup, chromium.options_ui.page]) {
    assert.ok(fs.existsSync(path.join(dirs.chromium, file)), file);
  }
  // The banner capture runs in every frame once it exists; service-worker modules are never content scripts.
  const banner = 'content/banner/banner-capture.js';
  const hasBanner = fs.existsSync(path.join(root, 'extension', 'src', banner));
  const bannerEntry = chromium.content_scripts.find((s) => s.js.includes(banner));
  assert.equal(Boolean(bannerEntry), hasBanner);
  if (bannerEntry) {
    assert.equal(bannerEntry.all_frames, true);
    assert.equal(bannerEntry.js.at(-1), banner);
  }
  for (const script of chromium.content_scripts) {
    assert.ok(!script.js.some((f) => /\/sw-[^/]*$/.test(f)), 'a service-worker module registered as a content script');
    if (script.world === 'MAIN') assert.equal(script.run_at, 'document_start');
  }
  fs.rmSync(out, { recursive: true, force: true });
});
