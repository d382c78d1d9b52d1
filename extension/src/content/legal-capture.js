// Content-script entry for legal pages (top frame, document_idle): captures the page once and hands
// it to the service worker, which asks the host and paints the badge.
(function startLegalCapture() {
  'use strict';
  const ext = globalThis.browser ?? globalThis.chrome;
  if (!globalThis.ClauseWatchLegal || globalThis.clauseWatchLegalStarted) return;
  globalThis.clauseWatchLegalStarted = true;
  globalThis.ClauseWatchLegal.runWhenReady({
    document,
    url: location.href,
    send: (message) => ext.runtime.sendMessage(message),
  }).catch(() => {
    // The extension was reloaded or the page went away; nothing to report to the page.
  });
})();
