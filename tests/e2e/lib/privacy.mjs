// The privacy check: ClauseWatch makes no request beyond the 127.0.0.1 test pages.
//
// Two records are checked:
// 1. The browser's request events for pages and extension contexts (Playwright context events incl.
//    the service worker; BiDi network events in Firefox). Every URL must be a test page on the
//    fixture server or inside the extension.
// 2. The recording proxy every non-loopback connection goes through. The browsers' own services
//    still call home despite every disabling flag (measured: Chromium 156 polls
//    update.googleapis.com for an on-demand component and opens accounts.google.com; see the
//    diagnostics each run prints). Those hosts are listed below; any other host fails the test, and
//    so does any proxied request that carries the extension's id, the host name or a test-page
//    address, which would mean the extension's data left through the browser.
import assert from 'node:assert/strict';
import { kIds } from './env.mjs';

export const kBrowserOwnHosts = Object.freeze({
  // Seen: the component updater, the account service, and (with some flag sets) the network-time query.
  chromium: ['update.googleapis.com', 'accounts.google.com', 'clients2.google.com'],
  firefox: [],
});

export function assertNoOutsideRequests({ browser, requests, allowedPrefixes, proxyAttempts, diagnostic }) {
  const outside = requests.filter((url) => !allowedPrefixes.some((prefix) => url.startsWith(prefix)));
  assert.deepEqual(outside, [], 'page or extension requests beyond the 127.0.0.1 test pages');
  for (const attempt of proxyAttempts) diagnostic?.(`browser's own request: ${attempt.method} ${attempt.host}`);
  const unexpected = proxyAttempts.filter((a) => !kBrowserOwnHosts[browser].includes(a.host));
  assert.deepEqual(unexpected.map((a) => `${a.method} ${a.url}`), [], 'requests to unexpected hosts');
  const ours = [kIds.chromium_extension_id, kIds.gecko_id, kIds.host_name, '127.0.0.1'];
  const leaking = proxyAttempts.filter((a) => ours.some((token) => a.url.includes(token) || a.body.includes(token)));
  assert.deepEqual(leaking.map((a) => `${a.method} ${a.url}`), [], 'outside requests carrying ClauseWatch data');
}
