// ClauseWatch background: routes runtime messages to the native host and keeps each tab's findings
// and badge. Runs as the Chromium service worker and as Firefox's background script (ES module).
import { kHostName, kOptionsHostTypes, ToServiceWorker } from '../shared/messages.js';
import { NativePort } from './native-port.js';
import { makeRouter, errorOf } from './router.js';
import { PageStatus, TabStates, sameDocument } from './tab-state.js';
import { changeItems, changeRecordOf, topChange } from '../shared/changes.js';
import { addCookiesBefore } from './banner-hooks.js';

const ext = globalThis.browser ?? globalThis.chrome;

// Per-type timeouts: a ping is instant; a large page on a busy machine can take a while.
const kTimeouts = Object.freeze({ ping: 5000, 'page.analyze': 60000, 'banner.analyze': 15000 });
const kDefaultTimeoutMs = 30000;

const host = new NativePort({
  connect: () => ext.runtime.connectNative(kHostName),
  // Firefox puts the reason on port.error; Chromium on runtime.lastError during onDisconnect.
  lastError: (port) => port.error?.message ?? ext.runtime.lastError?.message,
});

const tabs = new TabStates({ storage: ext.storage?.session ?? null, action: ext.action });

function callHost(type, payload) {
  return host.request(type, payload, { timeoutMs: kTimeouts[type] ?? kDefaultTimeoutMs });
}

async function callHostReply(type, payload) {
  try {
    return { ok: true, result: await callHost(type, payload) };
  } catch (e) {
    return { ok: false, error: errorOf(e) };
  }
}

function isExtensionPage(sender) {
  return !sender.tab || (sender.url ?? '').startsWith(ext.runtime.getURL(''));
}

async function notifyChange(page, result) {
  const record = changeRecordOf(result);
  // A change of source (another URL or region) is not a change in the user's rights.
  if (record?.source?.changed) return;
  const top = topChange(record);
  if (!top || !ext.notifications) return;
  const count = changeItems(record).length;
  await ext.notifications.create(`change:${page.url}`, {
    type: 'basic',
    iconUrl: ext.runtime.getURL('icons/icon-128.png'),
    title: `${page.title || page.url} changed since your last visit`,
    message: count > 1 ? `${top.summary} (+${count - 1} more)` : top.summary,
  });
}

const route = makeRouter({
  async [ToServiceWorker.PAGE_CAPTURED](message, sender) {
    const tabId = sender.tab?.id;
    if (tabId === undefined) throw new Error('page.captured must come from a tab');
    const page = message.page;
    await tabs.update(tabId, (s) => {
      s.url = page.url;
      s.page = { status: PageStatus.PENDING, title: page.title, docType: page.doc_type };
    });
    const reply = await callHostReply('page.analyze', page);
    await tabs.update(tabId, (s) => {
      s.page = reply.ok
        ? { status: PageStatus.DONE, title: page.title, docType: page.doc_type, result: reply.result }
        : { status: PageStatus.ERROR, title: page.title, docType: page.doc_type, error: reply.error };
    });
    if (reply.ok) notifyChange(page, reply.result).catch(() => {});
    return reply;
  },

  async [ToServiceWorker.BANNER_SNAPSHOT](message, sender) {
    const tabId = sender.tab?.id;
    if (tabId === undefined) throw new Error('banner.snapshot must come from a tab');
    // The cookie jar as the browser holds it (HttpOnly and third-party cookies included); names only.
    const snapshot = await addCookiesBefore(ext, message.snapshot, sender.tab).catch(() => message.snapshot);
    const reply = await callHostReply('banner.analyze', { snapshot });
    const frameId = sender.frameId ?? 0;
    await tabs.update(tabId, (s) => {
      s.banners = s.banners.filter((b) => b.frameId !== frameId);
      s.banners.push({ frameId, url: sender.url ?? '', ...(reply.ok ? { result: reply.result } : { error: reply.error }) });
    });
    return reply;
  },

  async [ToServiceWorker.TAB_STATE](message) {
    return { ok: true, result: await tabs.get(Number(message.tabId)) };
  },

  async [ToServiceWorker.HOST_STATUS]() {
    return callHostReply('ping', {});
  },

  async [ToServiceWorker.HOST_CALL](message, sender) {
    if (!isExtensionPage(sender)) throw new Error('host.call is only for extension pages');
    if (!kOptionsHostTypes.includes(message.type)) throw new Error(`host.call does not forward '${message.type}'`);
    return callHostReply(message.type, message.payload ?? {});
  },
});

ext.runtime.onMessage.addListener((message, sender, sendResponse) => {
  route(message, sender).then(sendResponse);
  return true;  // the reply is sent asynchronously
});

// A new document or a new URL in the tab (a load, a reload, or a single-page site's history change):
// forget the old page's findings. Fragment-only changes keep them (pitfall 9).
ext.tabs.onUpdated.addListener(async (tabId, changeInfo) => {
  const reload = changeInfo.status === 'loading' && !changeInfo.url;
  if (!reload && !changeInfo.url) return;
  const state = await tabs.get(tabId);
  if (changeInfo.url && sameDocument(changeInfo.url, state.url)) return;
  await tabs.clear(tabId, changeInfo.url ?? state.url);
});
ext.tabs.onRemoved.addListener((tabId) => {
  tabs.forget(tabId);
});

// First install: open the welcome page, which checks that the host is installed.
ext.runtime.onInstalled.addListener(({ reason }) => {
  if (reason === 'install') ext.tabs.create({ url: ext.runtime.getURL('options/options.html?welcome=1') });
});

// For tests and diagnostics (read from the worker's console): the port and the tab states.
globalThis.clauseWatchHost = host;
globalThis.clauseWatchTabs = tabs;
