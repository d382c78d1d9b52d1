// Runtime messages between the extension's parts, per direction. Every message is {kind, ...}.
// The service worker's router (background/router.js) has one row per kind in ToServiceWorker.

// Content scripts and extension pages -> service worker.
export const ToServiceWorker = Object.freeze({
  // legal-capture.js: {kind, page} where page is the page.analyze payload. Reply: {ok, result|error}.
  PAGE_CAPTURED: 'page.captured',
  // banner-capture.js (all frames): {kind, snapshot}. Sent to the host as banner.analyze {snapshot}.
  BANNER_SNAPSHOT: 'banner.snapshot',
  // popup: {kind, tabId}. Reply: the tab's state (see TabState in background/tab-state.js).
  TAB_STATE: 'tab.state',
  // popup / options: {kind}. Reply: {ok, result|error} of a host ping.
  HOST_STATUS: 'host.status',
  // options: {kind, type, payload} for the read-only archive types and the sync types. Reply: {ok, result|error}.
  HOST_CALL: 'host.call',
});

// The host message types the options page may call through HOST_CALL; nothing else is forwarded.
export const kOptionsHostTypes = Object.freeze([
  'ping',
  'archive.history',
  'archive.diff',
  'archive.changes',
  'rules.info',
  'sync.status',
  'sync.run',
  'sync.init',
  'sync.join',
]);

// The native host's registered name (manifests/extension-ids.json).
export const kHostName = 'org.clausewatch.host';

// The command that installs the host, shown when it is missing.
export const kInstallCommand = 'installer/install.sh';
