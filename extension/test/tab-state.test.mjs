// Tab state and badge: risks are counted, protections are not, banner findings add to the count,
// and a new document clears the tab.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PageStatus, TabStates, badgeCount, countRisks, sameDocument } from '../src/background/tab-state.js';
import { makeRouter } from '../src/background/router.js';
import { HostError } from '../src/shared/transport-errors.js';
import { topChange } from '../src/shared/changes.js';

function recordingAction() {
  const calls = { text: new Map(), title: new Map() };
  return {
    calls,
    setBadgeText: async ({ tabId, text }) => calls.text.set(tabId, text),
    setBadgeBackgroundColor: async () => {},
    setTitle: async ({ tabId, title }) => calls.title.set(tabId, title),
  };
}

function memoryStorage() {
  const data = {};
  return {
    data,
    get: async (key) => (key in data ? { [key]: structuredClone(data[key]) } : {}),
    set: async (items) => Object.assign(data, structuredClone(items)),
    remove: async (key) => delete data[key],
  };
}

const risk = (severity) => ({ rule_id: `r.${severity}`, polarity: 'risk', severity, quote: 'q' });
const protection = { rule_id: 'privacy.opt_out_of_sale', polarity: 'protection', severity: 'info', quote: 'q' };

test('protections are good news, not warnings', () => {
  assert.equal(countRisks([risk('critical'), risk('info'), protection]), 2);
  assert.equal(countRisks(undefined), 0);
});

test('the badge counts page risks plus banner findings', async () => {
  const action = recordingAction();
  const tabs = new TabStates({ action });
  await tabs.update(7, (s) => {
    s.page = { status: PageStatus.DONE, result: { findings: [risk('warning'), risk('critical'), protection] } };
  });
  assert.equal(action.calls.text.get(7), '2');
  await tabs.update(7, (s) => {
    s.banners.push({ frameId: 3, result: { findings: [risk('warning')] } });
  });
  assert.equal(action.calls.text.get(7), '3');
  assert.match(action.calls.title.get(7), /3 findings/);
  assert.equal(badgeCount(await tabs.get(7)), 3);
});

test('a host error shows "!" and a page without risks shows nothing', async () => {
  const action = recordingAction();
  const tabs = new TabStates({ action });
  await tabs.update(1, (s) => {
    s.page = { status: PageStatus.ERROR, error: { name: 'HOST_NOT_FOUND', message: 'Specified native messaging host not found.' } };
  });
  assert.equal(action.calls.text.get(1), '!');
  assert.match(action.calls.title.get(1), /not found/);
  await tabs.update(2, (s) => {
    s.page = { status: PageStatus.DONE, result: { findings: [protection] } };
  });
  assert.equal(action.calls.text.get(2), '');
});

test('clearing a tab (navigation) removes its findings and badge', async () => {
  const action = recordingAction();
  const storage = memoryStorage();
  const tabs = new TabStates({ action, storage });
  await tabs.update(5, (s) => {
    s.url = 'https://example.test/terms';
    s.page = { status: PageStatus.DONE, result: { findings: [risk('warning')] } };
  });
  assert.ok(storage.data['tab:5']);
  await tabs.clear(5, 'https://example.test/blog');
  assert.equal(action.calls.text.get(5), '');
  assert.equal((await tabs.get(5)).page.status, PageStatus.NONE);
  assert.equal(storage.data['tab:5'], undefined);
});

test('a restarted service worker reads the tab state back from session storage', async () => {
  const storage = memoryStorage();
  const before = new TabStates({ storage });
  await before.update(9, (s) => {
    s.page = { status: PageStatus.DONE, result: { findings: [risk('caution')] } };
  });
  const after = new TabStates({ storage });
  assert.equal(badgeCount(await after.get(9)), 1);
});

test('fragment-only changes are the same document', () => {
  assert.ok(sameDocument('https://a.test/terms#arbitration', 'https://a.test/terms'));
  assert.ok(!sameDocument('https://a.test/terms', 'https://a.test/privacy'));
  assert.ok(!sameDocument('', 'https://a.test/'));
});

test('the router answers every kind, unknown ones and throwing handlers included', async () => {
  const route = makeRouter({
    echo: async (m) => ({ ok: true, result: m.value }),
    fails: async () => {
      throw new HostError({ code: 13, name: 'LIMIT_EXCEEDED', message: 'too many', params: {} });
    },
  });
  assert.deepEqual(await route({ kind: 'echo', value: 4 }, {}), { ok: true, result: 4 });
  assert.equal((await route({ kind: 'nope' }, {})).error.name, 'UNKNOWN_KIND');
  assert.equal((await route({ kind: 'toString' }, {})).error.name, 'UNKNOWN_KIND');
  assert.equal((await route(null, {})).error.name, 'UNKNOWN_KIND');
  assert.equal((await route({ kind: 'fails' }, {})).error.name, 'LIMIT_EXCEEDED');
});

test('the notification names the most severe change', () => {
  const top = topChange({
    items: [
      { severity: 'caution', summary: 'Notice period shortened from 30 to 14 days' },
      { severity: 'critical', summary: 'The opt-out of data sale was removed' },
    ],
  });
  assert.equal(top.summary, 'The opt-out of data sale was removed');
  assert.equal(topChange({ items: [] }), null);
  assert.equal(topChange(undefined), null);
});
