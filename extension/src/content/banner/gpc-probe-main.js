// ClauseWatch GPC probe: a MAIN-world content script (manifest: "world": "MAIN", "run_at":
// "document_start", "all_frames": true). It notes whether the page reads
// navigator.globalPrivacyControl, which the isolated-world capture script cannot observe. It marks
// the page with two attributes the capture script reads: data-cw-gpc-probe (the probe ran) and
// data-cw-gpc-read (the page read the signal). It does not change the value the page sees.
(function () {
  'use strict';
  const root = document.documentElement;
  if (!root || root.hasAttribute('data-cw-gpc-probe')) return;
  const proto = Object.getPrototypeOf(navigator);
  const descriptor = Object.getOwnPropertyDescriptor(proto, 'globalPrivacyControl');
  const original = descriptor && descriptor.get;
  // Browsers without GPC keep no property: adding one would change what the page sees.
  if (!original) return;
  root.setAttribute('data-cw-gpc-probe', '');
  try {
    Object.defineProperty(proto, 'globalPrivacyControl', {
      configurable: true,
      enumerable: descriptor ? descriptor.enumerable : true,
      get() {
        if (!root.hasAttribute('data-cw-gpc-read')) root.setAttribute('data-cw-gpc-read', '');
        return original.call(this);
      },
    });
  } catch (e) {
    /* a page froze the prototype first; read_by_page stays unknown */
  }
})();
