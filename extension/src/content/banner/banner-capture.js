// ClauseWatch cookie-banner capture (content script, all frames, document_idle).
//
// Finds the cookie banner the user sees and sends a snapshot of it (PROTOCOL.md, banner.analyze):
// every visible control with its computed style and box, every checkbox/switch with its LIVE state,
// the banner text, how much of the viewport it covers, scroll lock, the consent platform, what the
// IAB TCF API reports, GPC and the cookie names visible to the page. It never clicks anything and
// never judges: the host does that.
//
// The core is transport-agnostic: ClauseWatchBanner.run({send}) takes a callback, so tests inject this
// file into a page and call it directly. Plain script (no modules): content scripts cannot import.
// Needs cmp-markers.gen.js (the CW_BANNER_MARKERS table) loaded before it.
(function (global) {
  'use strict';

  const MARKERS = global.CW_BANNER_MARKERS || { cmps: [], generic: {} };
  const GENERIC = MARKERS.generic || {};

  // Bounds on the work one capture may do; the host enforces its own limits (common/limits.h).
  const LIMITS = {
    maxControls: 1500,
    maxToggles: 1500,
    maxControlText: 500,
    maxLayerText: 60000,
    maxBannerText: 60000,
    maxElementsWalked: 20000,
    lateBannerWaitMs: 10000, // counted from when the page settled
    loadWaitMs: 3000, // longest wait for the load event before the first look
    idleWaitMs: 1000, // then longest wait for an idle main thread
    mutationDebounceMs: 250,
    tcfTimeoutMs: 800,
    fallbackMaxText: 5000,
    sliceMs: 2, // main-thread time per capture task; the page runs between slices
    maxHiddenLayerControls: 150, // distinct texts; vendor lists repeat "Privacy policy" links by the hundred
    maxLinkSamples: 12, // page links probed for CB-22 (forced action)
    maxLinksScanned: 400,
  };

  const CONTROL_SELECTOR =
    'button, a, [role="button"], [role="link"], input[type="button"], input[type="submit"], input[type="reset"]';
  const TOGGLE_SELECTOR = 'input[type="checkbox"], input[type="radio"], [role="switch"], [role="checkbox"]';
  const VOCABULARY = new RegExp(GENERIC.vocabulary || 'cookie|consent', 'i');
  const LEGIT_INTEREST = new RegExp(GENERIC.legitimate_interest || 'legitimate.?interest', 'i');
  const BUTTON_CLASS_HINT = /(^|[^a-z])(btn|button)([^a-z]|$)/i;

  // What the running capture step is doing, for the benchmark's per-step breakdown (trace option).
  let stepLabel = '';

  function now() {
    return global.performance && performance.now ? performance.now() : Date.now();
  }

  function safeQuery(scope, selector) {
    try {
      return scope.querySelector(selector);
    } catch (e) {
      return null; // a selector this engine does not support
    }
  }

  function safeQueryAll(scope, selector) {
    try {
      return Array.from(scope.querySelectorAll(selector));
    } catch (e) {
      return [];
    }
  }

  function cut(text, max) {
    let raw = text || '';
    // Collapse whitespace on a bounded prefix only: hidden vendor lists hold tens of KB of text.
    if (raw.length > max * 4 + 64) raw = raw.slice(0, max * 4 + 64);
    // Only runs of two or more and non-space whitespace need replacing; matching every single space
    // (/\s+/) made this the costliest step on long banners (~1 ms per 24 KB). Trimmed first: a trim
    // of the original is a cheap view of it, a trim of the replaced copy made a second copy.
    const clean = raw.trim().replace(/\s{2,}|[^\S ]/g, ' ');
    return clean.length > max ? clean.slice(0, max) : clean;
  }

  // Per-capture memo of computed styles, backgrounds and opacities. Set by a capture, dropped after it:
  // getComputedStyle allocates a new live object per call, and ancestor walks repeat the same nodes.
  let memo = null;
  function style(el, win) {
    if (!memo) return win.getComputedStyle(el);
    let cs = memo.style.get(el);
    if (!cs) {
      cs = win.getComputedStyle(el);
      memo.style.set(el, cs);
    }
    return cs;
  }
  function newMemo() {
    return { style: new Map(), background: new Map(), opacity: new Map() };
  }

  // ---------------------------------------------------------------------------------------------
  // Visibility
  // ---------------------------------------------------------------------------------------------

  // Why an element is not visible to the user, or '' if it is.
  function hiddenReason(el, win) {
    if (el.closest && el.closest('[hidden]')) return 'display';
    if (el.checkVisibility) {
      if (!el.checkVisibility({ visibilityProperty: true, checkVisibilityCSS: true })) {
        const cs = style(el, win);
        return cs.display === 'none' || !el.getClientRects().length ? 'display' : 'visibility';
      }
    } else {
      const cs = style(el, win);
      if (cs.display === 'none' || !el.getClientRects().length) return 'display';
      if (cs.visibility === 'hidden' || cs.visibility === 'collapse') return 'visibility';
    }
    const rect = el.getBoundingClientRect();
    if (rect.width < 2 || rect.height < 2) return 'size';
    const docWidth = Math.max(win.innerWidth, win.document.documentElement.scrollWidth);
    const docHeight = Math.max(win.innerHeight, win.document.documentElement.scrollHeight);
    if (rect.right <= 0 || rect.bottom + win.scrollY <= 0 || rect.left >= docWidth || rect.top + win.scrollY >= docHeight) {
      return 'offscreen';
    }
    if (effectiveOpacity(el, null, win) < 0.05) return 'opacity';
    if (el.closest && el.closest('[inert]')) return 'inert';
    return '';
  }

  // An element counts as shown when it, or something inside it, has a visible box.
  function isShown(el, win) {
    if (!hiddenReason(el, win)) return true;
    // Wrappers of size 0 with fixed children (OneTrust's #onetrust-consent-sdk) are shown if a child is.
    if (el.closest && el.closest('[hidden]')) return false;
    const cs = style(el, win);
    if (cs.display === 'none' || cs.visibility === 'hidden') return false;
    for (const child of Array.from(el.children).slice(0, 20)) {
      if (!hiddenReason(child, win)) return true;
    }
    return false;
  }

  // Product of opacities from el up to stopAt (or the top when null); the top-level product is memoised.
  function effectiveOpacity(el, stopAt, win) {
    let product = 1;
    const path = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      if (!stopAt && memo && memo.opacity.has(node)) {
        product *= memo.opacity.get(node);
        path.push([null, 1]);
        break;
      }
      const own = parseFloat(style(node, win).opacity || '1');
      path.push([node, own]);
      product *= own;
      if (node === stopAt) break;
    }
    if (!stopAt && memo) {
      // Each node on the path gets the product from itself upwards.
      let above = product;
      for (const [node, own] of path) {
        if (!node) break;
        memo.opacity.set(node, above);
        if (own <= 0) break; // nothing is known about the ancestors of a transparent node
        above /= own;
      }
    }
    return product;
  }

  function parseAlpha(css) {
    if (!css || css === 'transparent') return 0;
    const m = /rgba?\(([^)]*)\)/.exec(css);
    if (!m) return 1;
    const parts = m[1].split(/[\s,/]+/).filter(Boolean);
    if (parts.length < 4) return 1;
    const a = parts[3];
    return a.endsWith('%') ? parseFloat(a) / 100 : parseFloat(a);
  }

  // The first painted background above el; every node walked past is memoised with the answer.
  function effectiveBackground(el, win) {
    const path = [];
    let found = 'rgb(255, 255, 255)';
    for (let node = el.parentElement; node; node = node.parentElement || (node.getRootNode && node.getRootNode().host)) {
      if (memo && memo.background.has(node)) {
        found = memo.background.get(node);
        break;
      }
      path.push(node);
      const bg = style(node, win).backgroundColor;
      if (parseAlpha(bg) > 0.05) {
        found = bg;
        break;
      }
    }
    if (memo) for (const node of path) memo.background.set(node, found);
    return found;
  }

  // ---------------------------------------------------------------------------------------------
  // Finding the banner
  // ---------------------------------------------------------------------------------------------

  let markerSelectorCache = null;
  function allMarkerSelectors() {
    if (markerSelectorCache === null) {
      const list = [];
      for (const cmp of MARKERS.cmps || []) for (const s of cmp.first || []) list.push(s);
      markerSelectorCache = list;
    }
    return markerSelectorCache;
  }

  function frameMarkerFor(url) {
    for (const cmp of MARKERS.cmps || []) {
      for (const marker of cmp.frames || []) if (url.indexOf(marker) !== -1) return cmp;
    }
    return null;
  }

  function hasControl(el) {
    if (safeQuery(el, CONTROL_SELECTOR)) return true;
    return !!(el.shadowRoot && safeQuery(el.shadowRoot, CONTROL_SELECTOR));
  }

  // Text of an element including open shadow roots (textContent skips them).
  function deepText(el, max) {
    let text = el.textContent || '';
    if (el.shadowRoot) text += ' ' + (el.shadowRoot.textContent || '');
    return text.length > max ? text.slice(0, max) : text;
  }

  function isFixedOrSticky(el, win) {
    const p = style(el, win).position;
    return p === 'fixed' || p === 'sticky';
  }

  // Elements near the top of the tree (body children to max_depth), including open shadow roots.
  function topLevelElements(doc, maxDepth) {
    const out = [];
    const walk = (parent, depth) => {
      for (const child of parent.children || []) {
        if (out.length > 400) return;
        out.push(child);
        if (child.shadowRoot) walk(child.shadowRoot, depth + 1);
        if (depth < maxDepth) walk(child, depth + 1);
      }
    };
    if (doc.body) walk(doc.body, 1);
    return out;
  }

  // Known platforms first: their markers say where the first and later layers are.
  function* findKnownCmp(doc, win) {
    let hiddenMatch = null;
    for (const cmp of MARKERS.cmps || []) {
      yield;
      stepLabel = 'known:' + cmp.id;
      for (const selector of cmp.first || []) {
        const el = safeQuery(doc, selector);
        if (!el) continue;
        if (isShown(el, win) || (el.shadowRoot && cmp.shadow)) {
          return { cmp, root: el, detectedBy: 'marker' };
        }
        hiddenMatch = hiddenMatch || { cmp, root: el };
      }
      // A preference centre shown without a first layer is still what the user sees.
      for (const selector of cmp.second || []) {
        const el = safeQuery(doc, selector);
        if (el && isShown(el, win) && VOCABULARY.test(deepText(el, 20000))) {
          return { cmp, root: el, detectedBy: 'marker', secondOnly: true };
        }
      }
    }
    return hiddenMatch ? { hidden: hiddenMatch } : null;
  }

  function scoreCandidate(el, win) {
    if (el === win.document.body || el === win.document.documentElement) return -1;
    if (!isShown(el, win)) return -1;
    const text = deepText(el, 30000);
    if (text.length < 15 || text.length > 25000 || !VOCABULARY.test(text)) return -1;
    if (!hasControl(el)) return -1;
    let score = 1;
    if (isFixedOrSticky(el, win)) score += 3;
    const role = el.getAttribute('role');
    if (role === 'dialog' || role === 'alertdialog' || el.getAttribute('aria-modal') === 'true' || el.tagName === 'DIALOG') score += 2;
    const hint = (el.id || '') + ' ' + (typeof el.className === 'string' ? el.className : '');
    if (/cookie|consent|gdpr|rgpd|privacy/i.test(hint)) score += 2;
    if (/cookie|cookies/i.test(text.slice(0, 2000))) score += 1;
    return score;
  }

  function genericCmp() {
    return { id: 'generic', name: 'In-house banner', second: GENERIC.second ? [GENERIC.second] : [], genericSecond: true };
  }

  // In-house banners: consent vocabulary + a control + overlay evidence (position or dialog hints).
  function* findGenericBanner(doc, win) {
    stepLabel = 'generic:candidates';
    const candidates = new Set(safeQueryAll(doc, GENERIC.candidates || '[role=dialog]'));
    const top = topLevelElements(doc, GENERIC.max_depth || 4);
    let looked = 0;
    for (const el of top) {
      if (++looked % 32 === 0) yield;
      if (el.shadowRoot) for (const inner of safeQueryAll(el.shadowRoot, GENERIC.candidates || '[role=dialog]')) candidates.add(inner);
      if (isFixedOrSticky(el, win)) candidates.add(el);
    }
    let best = null;
    for (const el of candidates) {
      yield;
      stepLabel = 'generic:score';
      const score = scoreCandidate(el, win);
      if (score < 3) continue;
      // Same score: keep the outer element, which holds the whole banner.
      if (!best || score > best.score || (score === best.score && el.contains(best.root))) {
        best = { root: el, score };
      }
    }
    if (best) return { cmp: genericCmp(), root: best.root, detectedBy: 'generic' };
    // Last resort: a small top-level block about cookies that holds controls.
    const viewportHeight = win.innerHeight || 800;
    for (const el of top) {
      yield;
      stepLabel = 'generic:fallback';
      const rect = el.getBoundingClientRect();
      if (rect.height === 0 || rect.height > viewportHeight * 0.8) continue;
      const text = deepText(el, LIMITS.fallbackMaxText + 1);
      if (text.length > LIMITS.fallbackMaxText || !/cookie|consent|gdpr|ciasteczk/i.test(text)) continue;
      if (!hasControl(el) || !isShown(el, win)) continue;
      return { cmp: genericCmp(), root: el, detectedBy: 'generic' };
    }
    return null;
  }

  // Same-origin frames are searched from their parent; cross-origin ones by their own copy of this
  // script (all_frames), which therefore skips frames its parent can already reach.
  function reachableFromParent(win) {
    try {
      return win !== win.top && !!win.frameElement;
    } catch (e) {
      return false;
    }
  }

  function* findBanner(win) {
    stepLabel = 'findBanner';
    const doc = win.document;
    const isTop = win === win.top;
    if (!isTop) {
      const frameCmp = frameMarkerFor(String(win.location.href));
      if (frameCmp && doc.body && isShown(doc.body, win)) {
        return { cmp: frameCmp, root: doc.body, detectedBy: 'frame', win };
      }
    }
    const known = yield* findKnownCmp(doc, win);
    if (known && known.root) return Object.assign(known, { win });
    const generic = yield* findGenericBanner(doc, win);
    if (generic) return Object.assign(generic, { win });
    for (const frame of safeQueryAll(doc, 'iframe')) {
      let inner = null;
      try {
        inner = frame.contentWindow && frame.contentWindow.document && frame.contentWindow.document.body ? frame.contentWindow : null;
      } catch (e) {
        inner = null; // cross-origin: its own content script captures it
      }
      if (inner && isShown(frame, win)) {
        const found = yield* findBanner(inner);
        if (found && found.root) return Object.assign(found, { inFrame: true });
      }
    }
    return known && known.hidden ? { hidden: known.hidden } : null;
  }

  // The cheap first check: one selector query plus the styles of a few top-level elements.
  function cheapCheck(win) {
    const doc = win.document;
    if (!doc.body) return false;
    if (win !== win.top && frameMarkerFor(String(win.location.href))) return true;
    const selectors = allMarkerSelectors().concat([GENERIC.candidates || '[role=dialog]']).join(',');
    let hit = null;
    try {
      hit = doc.querySelector(selectors);
    } catch (e) {
      hit = allMarkerSelectors().some((s) => safeQuery(doc, s));
    }
    if (hit) return true;
    for (const el of Array.from(doc.body.children).slice(0, 60)) {
      if (el.shadowRoot || el.tagName === 'IFRAME') return true;
      if (isFixedOrSticky(el, win)) return true;
    }
    // Pages with little markup (a banner saved on its own, minimal templates): let the full search run.
    return doc.body.childElementCount <= 3 && (doc.body.textContent || '').length < 20000 && /cookie|consent/i.test(doc.body.textContent || '');
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshot of a banner
  // ---------------------------------------------------------------------------------------------

  // Walks a subtree including open shadow roots and same-origin iframes, in document order. Yields
  // after each described control (visit says 'skip-children') and every 64 plain nodes, so the
  // driver can end a slice there.
  function* walk(root, visit, budget) {
    const stack = [root];
    let plain = 0;
    while (stack.length && budget.left > 0) {
      const node = stack.pop();
      budget.left--;
      if (node.nodeType === 1) {
        if (visit(node) === 'skip-children') {
          yield;
          continue;
        }
        if (++plain % 64 === 0) yield;
        // Pushed last-first so they pop in document order: children, then the frame's body, then the
        // shadow root on top. Sibling links, not an iterator or a per-node array: on a first capture
        // (cold code) those allocations were the walk's largest, and young-generation GCs inside a
        // slice stall it while helper threads finish.
        for (let child = node.lastElementChild; child; child = child.previousElementSibling) stack.push(child);
        if (node.tagName === 'IFRAME') {
          try {
            if (node.contentDocument && node.contentDocument.body) stack.push(node.contentDocument.body);
          } catch (e) {
            /* cross-origin */
          }
        }
        if (node.shadowRoot) stack.push(node.shadowRoot);
      } else if (node.nodeType === 11) {
        for (let child = node.lastElementChild; child; child = child.previousElementSibling) stack.push(child);
      }
    }
  }

  function windowOf(el, fallback) {
    return (el.ownerDocument && el.ownerDocument.defaultView) || fallback;
  }

  function controlText(el) {
    let text = '';
    if (el.tagName === 'INPUT') text = el.value || el.getAttribute('aria-label') || '';
    else text = el.innerText || el.textContent || '';
    text = cut(text, LIMITS.maxControlText);
    if (!text) text = cut(el.getAttribute('aria-label') || el.getAttribute('title') || '', LIMITS.maxControlText);
    return text;
  }

  function toggleLabel(el) {
    const aria = el.getAttribute('aria-label');
    if (aria) return cut(aria, LIMITS.maxControlText);
    const labelledBy = el.getAttribute('aria-labelledby');
    if (labelledBy) {
      const doc = el.getRootNode ? el.getRootNode() : el.ownerDocument;
      const parts = labelledBy.split(/\s+/).map((id) => (doc.getElementById ? doc.getElementById(id) : null)).filter(Boolean);
      if (parts.length) return cut(parts.map((p) => p.textContent).join(' '), LIMITS.maxControlText);
    }
    if (el.labels && el.labels.length) return cut(el.labels[0].textContent, LIMITS.maxControlText);
    const wrapping = el.closest && el.closest('label');
    if (wrapping) return cut(wrapping.textContent, LIMITS.maxControlText);
    for (let node = el.parentElement, depth = 0; node && depth < 3; node = node.parentElement, depth++) {
      const text = cut(node.textContent, 200);
      if (text) return text;
    }
    return cut(el.getAttribute('title') || el.id || '', LIMITS.maxControlText);
  }

  function toggleContext(el) {
    const parts = [el.id, typeof el.className === 'string' ? el.className : ''];
    for (let node = el.parentElement, depth = 0; node && depth < 4; node = node.parentElement, depth++) {
      parts.push(node.id || '', typeof node.className === 'string' ? node.className : '');
      // Only the first few children: a querySelector over a whole vendor list per switch is quadratic.
      for (let child = node.firstElementChild, n = 0; child && n < 3; child = child.nextElementSibling, n++) {
        if (/^(H[1-6]|LEGEND)$/.test(child.tagName) || child.getAttribute('role') === 'heading') {
          parts.push(cut(child.textContent, 120));
          break;
        }
      }
    }
    return cut(parts.join(' ').replace(/[-_]/g, ' '), LIMITS.maxControlText);
  }

  function toggleChecked(el) {
    if (el.tagName === 'INPUT') return !!el.checked; // the live property, not the attribute
    return el.getAttribute('aria-checked') === 'true' || el.getAttribute('aria-pressed') === 'true';
  }

  function toggleDisabled(el) {
    return !!el.disabled || el.getAttribute('aria-disabled') === 'true' || !!(el.closest && el.closest('fieldset[disabled]'));
  }

  function px(value) {
    const n = parseFloat(value);
    return Number.isFinite(n) ? n : 0;
  }

  function buttonLike(el, cs, win) {
    const ownBg = cs.backgroundColor;
    const hasFill = parseAlpha(ownBg) > 0.1 && ownBg !== effectiveBackground(el, win);
    const border = Math.max(px(cs.borderTopWidth), px(cs.borderBottomWidth), px(cs.borderLeftWidth), px(cs.borderRightWidth));
    const hasBorder = border >= 1 && cs.borderTopStyle !== 'none' && parseAlpha(cs.borderTopColor) > 0.1;
    const hint = (el.id || '') + ' ' + (typeof el.className === 'string' ? el.className : '');
    return hasFill || hasBorder || BUTTON_CLASS_HINT.test(hint) || cs.backgroundImage.indexOf('gradient') !== -1;
  }

  function inRunningText(el) {
    if (el.closest && el.closest('p')) return true;
    const parent = el.parentElement;
    if (!parent) return false;
    let own = 0;
    for (const node of parent.childNodes) if (node.nodeType === 3) own += node.textContent.trim().length;
    return own > 30;
  }

  function describeControl(el, root, win, layerVisible, knownText) {
    const w = windowOf(el, win);
    const reason = layerVisible ? hiddenReason(el, w) : 'layer';
    const control = {
      text: knownText === undefined ? controlText(el) : knownText,
      tag: el.tagName.toLowerCase(),
      role: el.getAttribute('role') || '',
      id: cut(el.id || '', 200),
      visible: !reason,
      hidden_reason: reason,
      in_text: inRunningText(el),
    };
    if (reason) return control; // styles of hidden controls say nothing the user sees
    const cs = style(el, w);
    const rect = el.getBoundingClientRect();
    control.box = { x: Math.round(rect.left), y: Math.round(rect.top), width: Math.round(rect.width), height: Math.round(rect.height) };
    control.color = cs.color;
    control.background = cs.backgroundColor;
    control.effective_background = effectiveBackground(el, w);
    control.font_size = px(cs.fontSize);
    control.font_weight = parseInt(cs.fontWeight, 10) || 400;
    control.opacity = Math.round(effectiveOpacity(el, root, w) * 1000) / 1000;
    control.border_width = Math.max(px(cs.borderTopWidth), px(cs.borderBottomWidth), px(cs.borderLeftWidth), px(cs.borderRightWidth));
    control.button_like = buttonLike(el, cs, w);
    return control;
  }

  function describeToggle(el, win, layerVisible) {
    const label = toggleLabel(el);
    const context = toggleContext(el);
    const role = el.getAttribute('role');
    return {
      label,
      context,
      kind: role === 'switch' || /switch|toggle|slider/i.test(context) ? 'switch' : 'checkbox',
      checked: toggleChecked(el),
      disabled: toggleDisabled(el),
      legitimate_interest: LEGIT_INTEREST.test(label) || LEGIT_INTEREST.test(context),
      visible: layerVisible && !hiddenReason(el, windowOf(el, win)),
    };
  }

  function* captureLayer(el, kind, win, exclude, budget, counts) {
    const w = windowOf(el, win);
    stepLabel = 'layer:' + kind + ':isShown';
    const layerVisible = isShown(el, w);
    const layer = { kind, visible: layerVisible, text: '', controls: [], toggles: [] };
    if (!layerVisible && kind === 'second') {
      // A hidden preference centre can hold thousands of vendor rows: only its switches are judged,
      // so let the engine's selector matching find them instead of walking every element.
      // Their controls' texts (no styles: nothing is drawn) say whether a refusal waits there (CB-02, CB-05).
      stepLabel = 'hidden:query';
      const hiddenControls = safeQueryAll(el, CONTROL_SELECTOR);
      layer.hidden_controls = hiddenControls.length;
      yield;
      // One control per distinct text: a vendor list repeats the same link hundreds of times, and
      // the judge only asks whether a refusal or a save is among them.
      const seenTexts = new Set();
      let looked = 0;
      for (const node of hiddenControls) {
        if (layer.controls.length >= LIMITS.maxHiddenLayerControls || counts.controls >= LIMITS.maxControls) break;
        if (++looked % 32 === 0) yield;
        stepLabel = 'hidden:control';
        // The text first: most are repeats, and describing one costs several times more.
        const text = controlText(node);
        const key = text.toLowerCase();
        if (!text || seenTexts.has(key)) continue;
        seenTexts.add(key);
        const control = describeControl(node, el, w, false, text);
        if (layer.controls.length % 4 === 3) yield;
        layer.controls.push(control);
        counts.controls++;
      }
      yield;
      for (const node of safeQueryAll(el, TOGGLE_SELECTOR)) {
        if (counts.toggles >= LIMITS.maxToggles) break;
        yield; // one switch per step: a vendor list holds hundreds
        stepLabel = 'hidden:toggle';
        layer.toggles.push(describeToggle(node, w, false));
        counts.toggles++;
      }
      yield;
      stepLabel = 'hidden:text';
      layer.text = cut(el.textContent || '', LIMITS.maxLayerText);
      return layer;
    }
    yield* walk(
      el,
      (node) => {
        if (node !== el && exclude.indexOf(node) !== -1) return 'skip-children';
        stepLabel = 'walk';
        if (node.matches(TOGGLE_SELECTOR)) {
          stepLabel = 'walk:toggle';
          if (counts.toggles < LIMITS.maxToggles) {
            layer.toggles.push(describeToggle(node, w, layerVisible));
            counts.toggles++;
          }
          return 'skip-children';
        }
        if (node.matches(CONTROL_SELECTOR)) {
          stepLabel = 'walk:control';
          if (counts.controls < LIMITS.maxControls) {
            layer.controls.push(describeControl(node, el, w, layerVisible));
            counts.controls++;
          }
          return 'skip-children'; // a control inside a control is the same control
        }
        return undefined;
      },
      budget,
    );
    yield;
    stepLabel = 'layer:text';
    let text = layerVisible ? el.innerText || '' : el.textContent || '';
    if (el.shadowRoot) text += ' ' + (el.shadowRoot.textContent || '');
    layer.text = cut(text, LIMITS.maxLayerText);
    if (layerVisible && !layer.controls.some((c) => c.visible) && !layer.toggles.some((t) => t.visible) && layer.text.length < 20) {
      layer.visible = false; // an empty wrapper, e.g. around a preference centre
    }
    return layer;
  }

  function viewportShare(el, win) {
    const vw = win.innerWidth || 1;
    const vh = win.innerHeight || 1;
    let best = 0;
    const consider = (node) => {
      const r = node.getBoundingClientRect();
      const w = Math.max(0, Math.min(r.right, vw) - Math.max(r.left, 0));
      const h = Math.max(0, Math.min(r.bottom, vh) - Math.max(r.top, 0));
      best = Math.max(best, (w * h) / (vw * vh));
    };
    consider(el);
    for (const child of Array.from(el.children).slice(0, 20)) consider(child);
    return Math.min(1, Math.round(best * 1000) / 1000);
  }

  // The banner or a backdrop that blocks the page: fixed, visible, painted elements near the top.
  function* overlayShare(root, win) {
    let best = viewportShare(root, win);
    let looked = 0;
    for (const el of topLevelElements(win.document, 2)) {
      if (++looked % 32 === 0) yield;
      if (!isFixedOrSticky(el, win) || hiddenReason(el, win)) continue;
      const cs = style(el, win);
      const painted = parseAlpha(cs.backgroundColor) > 0.05 || (cs.backdropFilter && cs.backdropFilter !== 'none');
      if (painted || el.contains(root)) best = Math.max(best, viewportShare(el, win));
    }
    return best;
  }

  // CB-22: can the user still reach the page behind the banner? Probes the centres of a few page links
  // in the viewport with elementFromPoint (no click, no event): a link is blocked when what is on top
  // there is the banner or a large overlay, or when it sits in an inert / aria-hidden subtree.
  function* pageInteraction(root, win) {
    const doc = win.document;
    const vw = win.innerWidth || 1;
    const vh = win.innerHeight || 1;
    const out = { links_sampled: 0, links_blocked: 0, blocked_examples: [], blocker: '' };
    const links = doc.links || [];
    for (let i = 0; i < links.length && i < LIMITS.maxLinksScanned && out.links_sampled < LIMITS.maxLinkSamples; i++) {
      if (i % 32 === 31) yield;
      const link = links[i];
      if (root.contains(link)) continue;
      const r = link.getBoundingClientRect();
      if (r.width < 4 || r.height < 4 || r.bottom <= 0 || r.right <= 0 || r.top >= vh || r.left >= vw) continue;
      yield; // a hit test per step
      const x = Math.min(vw - 1, Math.max(0, r.left + r.width / 2));
      const y = Math.min(vh - 1, Math.max(0, r.top + r.height / 2));
      const hit = doc.elementFromPoint(x, y);
      out.links_sampled++;
      let blocker = null;
      if (link.closest('[inert], [aria-hidden="true"]')) blocker = link.closest('[inert], [aria-hidden="true"]');
      else if (hit && hit !== link && !link.contains(hit)) {
        const covers = (el) => {
          const b = el.getBoundingClientRect();
          return b.width * b.height >= 0.5 * vw * vh;
        };
        if (root.contains(hit) || root === hit) blocker = hit;
        else {
          for (let node = hit; node && node !== doc.body; node = node.parentElement) {
            const p = style(node, win).position;
            if ((p === 'fixed' || p === 'absolute') && covers(node)) {
              blocker = node;
              break;
            }
          }
        }
      }
      if (blocker) {
        out.links_blocked++;
        if (out.blocked_examples.length < 5) out.blocked_examples.push(cut(link.textContent || link.getAttribute('href') || '', 80));
        if (!out.blocker) out.blocker = (blocker.tagName || '').toLowerCase() + (blocker.id ? '#' + cut(blocker.id, 60) : '');
      }
    }
    return out;
  }

  function scrollLocked(win) {
    const doc = win.document;
    const locked = (el) => {
      if (!el) return false;
      const cs = style(el, win);
      return cs.overflow === 'hidden' || cs.overflowY === 'hidden' || cs.overflowY === 'clip' || (el === doc.body && cs.position === 'fixed');
    };
    return locked(doc.documentElement) || locked(doc.body);
  }

  function cookieNames(doc) {
    try {
      return (doc.cookie || '')
        .split(';')
        .map((part) => part.split('=')[0].trim())
        .filter(Boolean)
        .slice(0, 500);
    } catch (e) {
      return []; // sandboxed frames throw
    }
  }

  // Further layers (preference centres) named by the platform's markers, inside or beside the root.
  function* secondLayers(found, doc) {
    const scopes = [doc];
    if (found.root.shadowRoot) scopes.push(found.root.shadowRoot);
    const layers = [];
    for (const selector of (found.cmp && found.cmp.second) || []) {
      for (const scope of scopes) {
        yield;
        for (const el of safeQueryAll(scope, selector)) {
          if (el === found.root || el.contains(found.root) || layers.indexOf(el) !== -1) continue;
          // In-house: only a block beside the banner that reads like a consent layer and holds a control
          // (a "cookie-preferences" button inside the banner stays part of the first layer).
          if (found.cmp.genericSecond && (found.root.contains(el) || !safeQuery(el, CONTROL_SELECTOR) || !VOCABULARY.test((el.textContent || '').slice(0, 20000)))) continue;
          layers.push(el);
        }
      }
    }
    return layers.filter((el) => !layers.some((other) => other !== el && other.contains(el)));
  }

  // A capture as a sequence of small steps (a generator that yields between them), so that a driver
  // can spread it over several main-thread tasks. Returns {snapshot|null, hidden}.
  function* captureSteps(win, clock) {
    const found = yield* findBanner(win);
    clock.detected = clock.spent();
    if (!found || !found.root) {
      return { snapshot: null, hidden: found && found.hidden ? { cmp: found.hidden.cmp.id } : null };
    }
    const w = found.win || win;
    const doc = w.document;
    const budget = { left: LIMITS.maxElementsWalked };
    const counts = { controls: 0, toggles: 0 };
    stepLabel = 'secondLayers';
    const seconds = found.secondOnly ? [] : yield* secondLayers(found, doc);
    yield;
    const layers = [yield* captureLayer(found.root, found.secondOnly ? 'second' : 'first', w, seconds, budget, counts)];
    for (const el of seconds) layers.push(yield* captureLayer(el, 'second', w, [], budget, counts));
    yield;
    stepLabel = 'bannerText';
    // Layer texts are already collapsed and trimmed: joined by one space they need no second pass.
    // One visible layer (the usual case): its text as it is, no joined copy.
    const shown = layers.filter((l) => l.visible && l.text);
    const text = shown.length === 1 ? shown[0].text.slice(0, LIMITS.maxBannerText) : shown.map((l) => l.text).join(' ').slice(0, LIMITS.maxBannerText);
    yield;
    stepLabel = 'viewportShare';
    const viewport_share = viewportShare(found.root, w);
    yield;
    stepLabel = 'overlayShare';
    const overlay_share = yield* overlayShare(found.root, w);
    yield;
    stepLabel = 'pageInteraction';
    const page_interaction = yield* pageInteraction(found.root, w);
    yield;
    stepLabel = 'assemble';
    const snapshot = {
      format: 1,
      url: String(win.top === win ? win.location.href : (doc.referrer || win.location.href)),
      frame_url: String(w.location.href),
      top_frame: win === win.top,
      found: true,
      cmp: { id: found.cmp.id, name: found.cmp.name || found.cmp.id, detected_by: found.detectedBy },
      in_shadow_root: !!found.root.shadowRoot || (found.root.getRootNode && found.root.getRootNode() !== doc),
      in_frame: !!found.inFrame || win !== win.top,
      viewport: { width: w.innerWidth, height: w.innerHeight },
      viewport_share,
      overlay_share,
      scroll_locked: scrollLocked(w),
      page_interaction,
      text,
      layers,
      document_cookie_names: [], // filled by the driver: reading document.cookie is a synchronous IPC
      gpc: {
        sent: typeof navigator !== 'undefined' && navigator.globalPrivacyControl === true,
        read_by_page: doc.documentElement.hasAttribute('data-cw-gpc-probe') ? doc.documentElement.hasAttribute('data-cw-gpc-read') : null,
      },
      truncated: budget.left <= 0 || counts.controls >= LIMITS.maxControls || counts.toggles >= LIMITS.maxToggles,
    };
    return { snapshot, hidden: null, frameWin: w };
  }

  // Cookie names the page can see. cookieStore answers asynchronously; document.cookie blocks the main
  // thread on a round trip to the browser's cookie store (tens of ms on a busy machine).
  async function pageCookieNames(win) {
    try {
      if (win.cookieStore && win.isSecureContext) {
        const all = await win.cookieStore.getAll();
        return all.map((c) => c.name).filter(Boolean).slice(0, 500);
      }
    } catch (e) {
      /* sandboxed or opaque origins: fall back */
    }
    return cookieNames(win.document);
  }

  // Runs one slice of a capture: steps until sliceMs have passed (Infinity = to the end). The memo is
  // the capture's own, installed only while its steps run, so two captures never share one.
  function runSlice(task, sliceMs) {
    const t0 = now();
    memo = task.memo;
    let r;
    try {
      let t = t0;
      do {
        r = task.gen.next();
        if (task.trace) {
          const t1 = now();
          task.trace.push([stepLabel, t1 - t]);
          t = t1;
        }
      } while (!r.done && now() - t0 < sliceMs);
      if (task.trace) task.trace.push(['|', 0]);
    } finally {
      memo = null;
      const ms = now() - t0;
      task.slices.push(ms);
      task.spentMs += ms;
    }
    return r;
  }

  function newTask(win) {
    const task = { memo: newMemo(), slices: [], spentMs: 0, gen: null, clock: null };
    task.clock = { detected: null, spent: () => task.spentMs + (now() - task.sliceStart) };
    task.gen = captureSteps(win, task.clock);
    return task;
  }

  function finishTiming(task, result, startedAt) {
    const timing = {
      detect_ms: task.clock.detected === null ? task.spentMs : task.clock.detected,
      capture_ms: task.clock.detected === null ? 0 : task.spentMs - task.clock.detected,
      main_thread_ms: task.spentMs,
      slices: task.slices.length,
      max_slice_ms: Math.max(0, ...task.slices),
      wall_ms: now() - startedAt,
    };
    // Two objects: WebDriver BiDi (Firefox) serialises a second reference to one object as undefined.
    if (result.snapshot) result.snapshot.timing = Object.assign({}, timing);
    result.timing = timing;
    if (task.trace) result.trace = task.trace;
    return result;
  }

  // The whole capture in one task (tests, and the benchmark's comparison figure).
  function captureSync(win) {
    const startedAt = now();
    const task = newTask(win);
    let r;
    do {
      task.sliceStart = now();
      r = runSlice(task, Infinity);
    } while (!r.done);
    const result = r.value;
    if (result.snapshot) result.snapshot.document_cookie_names = cookieNames(result.frameWin.document);
    delete result.frameWin;
    return finishTiming(task, result, startedAt);
  }

  // Lets the page run between slices. A MessageChannel task is not throttled like setTimeout in
  // background tabs, so a capture there still ends soon.
  function nextTask() {
    return new Promise((resolve) => {
      if (typeof MessageChannel === 'undefined') {
        setTimeout(resolve, 0);
        return;
      }
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }

  // Resolves in the task right after the next rendered frame, when style and layout are clean, so
  // the first reads do not force the page's pending layout inside a capture task. Hidden tabs render
  // no frames: a timer stands in.
  function afterNextFrame(win) {
    return new Promise((resolve) => {
      let settled = false;
      const go = () => {
        if (settled) return;
        settled = true;
        nextTask().then(resolve);
      };
      if (typeof win.requestAnimationFrame === 'function') win.requestAnimationFrame(go);
      setTimeout(go, 100);
    });
  }

  // The capture spread over tasks of about sliceMs each (a step is never cut, so a slice may run over
  // by one step). timing.max_slice_ms is the longest main-thread task the capture caused.
  // options.frameWaited: the caller already waited for a rendered frame (captureOnce, before its
  // cheap check), so only a new task is needed.
  async function captureSliced(win, sliceMs, options) {
    const startedAt = now();
    if (options && options.frameWaited) await nextTask();
    else await afterNextFrame(win);
    const task = newTask(win);
    if (options && options.trace) task.trace = [];
    for (;;) {
      task.sliceStart = now();
      const r = runSlice(task, sliceMs === undefined ? LIMITS.sliceMs : sliceMs);
      if (r.done) {
        const result = r.value;
        if (result.snapshot) result.snapshot.document_cookie_names = await pageCookieNames(result.frameWin);
        delete result.frameWin;
        return finishTiming(task, result, startedAt);
      }
      await nextTask();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // IAB TCF, through the __tcfapiLocator postMessage protocol (the isolated world cannot call
  // the page's __tcfapi function directly)
  // ---------------------------------------------------------------------------------------------

  function tcfLocatorWindow(win) {
    let w = win;
    for (let i = 0; i < 10; i++) {
      try {
        if (w.frames.__tcfapiLocator) return w;
      } catch (e) {
        /* cross-origin parent: postMessage still works, the name lookup does not */
      }
      if (w === w.top) return null;
      w = w.parent;
    }
    return null;
  }

  function tcfCall(win, target, command, timeoutMs) {
    return new Promise((resolve) => {
      const callId = 'cw-' + command + '-' + Math.random().toString(36).slice(2);
      let timer = null;
      const onMessage = (event) => {
        let data = event.data;
        if (typeof data === 'string') {
          try {
            data = JSON.parse(data);
          } catch (e) {
            return;
          }
        }
        const ret = data && data.__tcfapiReturn;
        if (!ret || ret.callId !== callId) return;
        win.removeEventListener('message', onMessage);
        clearTimeout(timer);
        resolve({ returnValue: ret.returnValue, success: ret.success });
      };
      win.addEventListener('message', onMessage);
      timer = setTimeout(() => {
        win.removeEventListener('message', onMessage);
        resolve(null);
      }, timeoutMs);
      target.postMessage({ __tcfapiCall: { command, version: 2, callId, parameter: undefined } }, '*');
    });
  }

  function pickTcData(data) {
    if (!data || typeof data !== 'object') return null;
    const pick = (o) => (o && typeof o === 'object' ? { consents: o.consents || {}, legitimateInterests: o.legitimateInterests || {} } : undefined);
    return {
      tcString: typeof data.tcString === 'string' ? data.tcString.slice(0, 60000) : undefined,
      eventStatus: data.eventStatus,
      cmpStatus: data.cmpStatus,
      cmpId: data.cmpId,
      gdprApplies: data.gdprApplies,
      tcfPolicyVersion: data.tcfPolicyVersion,
      purposeOneTreatment: data.purposeOneTreatment,
      purpose: pick(data.purpose),
      vendor: pick(data.vendor),
      specialFeatureOptins: data.specialFeatureOptins,
    };
  }

  async function readTcf(win, timeoutMs) {
    const target = tcfLocatorWindow(win);
    if (!target) return { present: false };
    const ping = await tcfCall(win, target, 'ping', timeoutMs);
    let tcdata = await tcfCall(win, target, 'addEventListener', timeoutMs);
    if (!tcdata || !tcdata.returnValue) tcdata = await tcfCall(win, target, 'getTCData', timeoutMs);
    return {
      present: true,
      ping: ping && ping.returnValue && typeof ping.returnValue === 'object' ? ping.returnValue : null,
      tcdata: tcdata ? pickTcData(tcdata.returnValue) : null,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Running: cheap check, bounded wait for late banners, one snapshot per frame
  // ---------------------------------------------------------------------------------------------

  // Captures once (no waiting). Resolves to {snapshot|null, hidden, timing}.
  async function captureOnce(options) {
    const win = (options && options.win) || global;
    // Even the cheap check reads computed styles: after a rendered frame they are clean, so it does
    // not force the page's pending style and layout work into this task.
    await afterNextFrame(win);
    const cheapStart = now();
    const worth = cheapCheck(win);
    const cheapMs = now() - cheapStart;
    if (!worth) return { snapshot: null, hidden: null, timing: { cheap_ms: cheapMs, detect_ms: 0 } };
    const sliceMs = options && options.sliceMs !== undefined ? options.sliceMs : LIMITS.sliceMs;
    const result = await captureSliced(win, sliceMs, { frameWaited: true });
    result.timing.cheap_ms = cheapMs;
    if (result.snapshot) {
      result.snapshot.tcf = await readTcf(win, (options && options.tcfTimeoutMs) || LIMITS.tcfTimeoutMs);
      result.snapshot.timing.cheap_ms = cheapMs;
    }
    return result;
  }

  // Resolves once the page has loaded (or loadWaitMs passed) and then its main thread is idle (or
  // idleWaitMs passed). A first capture started at document_idle ran while the page was still
  // parsing, running its scripts and laying out; on a 2-core machine those compete for the same
  // CPU. The user does not see a capture that starts a few hundred ms later.
  function whenSettled(win) {
    return new Promise((resolve) => {
      let waited = false;
      const idle = () => {
        if (waited) return;
        waited = true;
        if (typeof win.requestIdleCallback === 'function') win.requestIdleCallback(() => resolve(), { timeout: LIMITS.idleWaitMs });
        else setTimeout(resolve, 0);
      };
      if (win.document.readyState === 'complete') {
        idle();
        return;
      }
      win.addEventListener('load', idle, { once: true });
      setTimeout(idle, LIMITS.loadWaitMs); // pages that stream or hang on a resource still get a capture
    });
  }

  // Waits up to waitMs for a banner (re-checking after DOM mutations), then sends one snapshot.
  // The first look and the waiting start once the page has settled (whenSettled).
  // Resolves to the snapshot sent, or null when no banner appeared in time.
  function run(options) {
    const win = options.win || global;
    const send = options.send;
    const waitMs = options.waitMs === undefined ? LIMITS.lateBannerWaitMs : options.waitMs;
    if (reachableFromParent(win)) return Promise.resolve(null);
    return whenSettled(win).then(() => watch(win, send, waitMs, options));
  }

  function watch(win, send, waitMs, options) {
    return new Promise((resolve) => {
      let done = false;
      let timer = null;
      let observer = null;
      let deadline = null;
      const finish = (snapshot) => {
        if (done) return;
        done = true;
        if (observer) observer.disconnect();
        clearTimeout(timer);
        clearTimeout(deadline);
        if (snapshot) send(snapshot);
        resolve(snapshot);
      };
      let running = false;
      let attempts = 0;
      // Pages that keep mutating without a banner get fewer and fewer searches (250 ms, 500 ms, ... 2 s).
      const schedule = () => {
        if (!done && timer === null) timer = setTimeout(attempt, Math.min(2000, LIMITS.mutationDebounceMs * 2 ** Math.min(attempts, 3)));
      };
      const attempt = async () => {
        timer = null;
        if (done) return;
        if (running) return schedule(); // a capture is in flight: look again after it
        running = true;
        attempts++;
        try {
          const result = await captureOnce({ win, tcfTimeoutMs: options.tcfTimeoutMs, sliceMs: options.sliceMs });
          if (result.snapshot) finish(result.snapshot);
        } finally {
          running = false;
        }
      };
      attempt();
      if (waitMs > 0 && typeof MutationObserver !== 'undefined') {
        observer = new MutationObserver(schedule);
        observer.observe(win.document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ['class', 'style', 'hidden', 'open'] });
        deadline = setTimeout(() => finish(null), waitMs);
      } else {
        setTimeout(() => finish(null), 0);
      }
    });
  }

  global.ClauseWatchBanner = { run, captureOnce, captureSync, captureSliced, cheapCheck, LIMITS };

  // In the extension: send the snapshot to the service worker, which forwards it to the host.
  const api = typeof chrome !== 'undefined' && chrome.runtime && chrome.runtime.id ? chrome : typeof browser !== 'undefined' && browser.runtime && browser.runtime.id ? browser : null;
  if (api && !global.__clausewatchBannerStarted) {
    global.__clausewatchBannerStarted = true;
    run({
      send: (snapshot) => {
        try {
          const sent = api.runtime.sendMessage({ kind: 'banner.snapshot', snapshot });
          if (sent && sent.catch) sent.catch(() => {});
        } catch (e) {
          /* the extension was reloaded; nothing to do */
        }
      },
    });
  }
})(typeof globalThis !== 'undefined' ? globalThis : this);
