// The e2e privacy check itself (tests/e2e/lib/privacy.mjs) must catch what it is there to catch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNoOutsideRequests } from '../../tests/e2e/lib/privacy.mjs';

const site = 'http://127.0.0.1:4321/';
const base = { browser: 'chromium', allowedPrefixes: [site, 'chrome-extension://mhmffaebdaaenapifkopmidmkdhkglmn/'] };

test('local pages, extension URLs and the browser\'s own service calls pass', () => {
  assertNoOutsideRequests({
    ...base,
    requests: [`${site}legal/terms.html`, 'chrome-extension://mhmffaebdaaenapifkopmidmkdhkglmn/popup/popup.html'],
    proxyAttempts: [{ method: 'CONNECT', url: 'accounts.google.com:443', host: 'accounts.google.com', body: '' }],
  });
});

test('a page or extension request to anywhere else fails', () => {
  assert.throws(() => assertNoOutsideRequests({ ...base, requests: ['https://tracker.example/p.gif'], proxyAttempts: [] }), /beyond the 127\.0\.0\.1/);
});

test('an outside host the browser does not own fails', () => {
  assert.throws(
    () => assertNoOutsideRequests({ ...base, requests: [], proxyAttempts: [{ method: 'CONNECT', url: 'api.example:443', host: 'api.example', body: '' }] }),
    /unexpected hosts/,
  );
});

test('a browser service call carrying ClauseWatch data fails', () => {
  const leak = { method: 'POST', url: 'http://update.googleapis.com/service/update2/json', host: 'update.googleapis.com', body: '{"appid":"mhmffaebdaaenapifkopmidmkdhkglmn"}' };
  assert.throws(() => assertNoOutsideRequests({ ...base, requests: [], proxyAttempts: [leak] }), /carrying ClauseWatch data/);
});
