// The popup: what ClauseWatch found on the tab's page. It reads the tab's state from the service
// worker (which holds the host's replies) and renders it; it judges nothing itself.
import { ToServiceWorker } from '../shared/messages.js';
import { renderPopup } from './render.js';

const ext = globalThis.browser ?? globalThis.chrome;

// The tab to describe: ?tab=ID (tests and the options page open the popup in a tab of its own),
// else the active tab of this window.
async function targetTabId() {
  const param = new URLSearchParams(location.search).get('tab');
  if (param !== null && param !== '') return Number(param);
  const [tab] = await ext.tabs.query({ active: true, currentWindow: true });
  return tab ? tab.id : -1;
}

const send = (message) => ext.runtime.sendMessage(message);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const tabId = await targetTabId();
  const hostStatus = send({ kind: ToServiceWorker.HOST_STATUS });
  let state = (await send({ kind: ToServiceWorker.TAB_STATE, tabId })).result;
  // A capture still with the host: wait for it (bounded), so the popup shows the answer.
  for (let i = 0; i < 60 && state.page.status === 'pending'; i++) {
    await sleep(250);
    state = (await send({ kind: ToServiceWorker.TAB_STATE, tabId })).result;
  }
  renderPopup(document, { state, host: await hostStatus });
  document.body.dataset.ready = '1';
}

main().catch((e) => {
  renderPopup(document, {
    state: { page: { status: 'error', error: { name: 'INTERNAL', message: String(e) } }, banners: [] },
    host: null,
  });
  document.body.dataset.ready = '1';
});
