// Content-script entry for legal pages (top frame, document_idle): captures the page and hands it
// to the service worker, which asks the host and paints the badge. Single-page sites change the URL
// without loading a document (and content scripts do not run again), so a same-tab navigation to a
// new URL is captured too, once its DOM has settled.
(function startLegalCapture() {
  'use strict';
  const ext = globalThis.browser ?? globalThis.chrome;
  const legal = globalThis.ClauseWatchLegal;
  if (!legal || globalThis.clauseWatchLegalStarted) return;
  globalThis.clauseWatchLegalStarted = true;
  const send = (message) => ext.runtime.sendMessage(message);
  const withoutFragment = (url) => url.split('#')[0];
  const ignore = () => {
    // The extension was reloaded or the page went away; nothing to report to the page.
  };

  let lastUrl = withoutFragment(location.href);
  legal.runWhenReady({ document, url: location.href, send }).catch(ignore);

  function onUrlChange() {
    const url = withoutFragment(location.href);
    if (url === lastUrl) return;
    lastUrl = url;
    // The old view may still be on screen: always wait for the DOM to change and settle.
    legal.runWhenReady({ document, url: location.href, send, minBlocks: Infinity, firstChangeMs: 1000 }).catch(ignore);
  }
  if (globalThis.navigation && typeof globalThis.navigation.addEventListener === 'function') {
    globalThis.navigation.addEventListener('navigatesuccess', onUrlChange);
  }
  globalThis.addEventListener('popstate', onUrlChange);
})();
