// Legal-page capture: recognises Terms of Service, privacy, acceptable-use and cookie pages and
// captures their visible structured text for page.analyze. A classic script (content scripts cannot
// be modules); it defines globalThis.ClauseWatchLegal. The core takes the document, the URL and a
// send callback, so the same code runs in the extension and in tests.
(function defineClauseWatchLegal(global) {
  'use strict';

  // Mirrors of native-host/src/common/limits.h (a unit test checks they agree).
  const limits = Object.freeze({
    maxPageBlocks: 200000,
    maxPageTextBytes: 16 * 1024 * 1024,
    maxUrlBytes: 8 * 1024,
    maxTitleBytes: 4 * 1024,
  });

  // OTA terms types (shared/corpus/ota/terms-types.json), in the order they are tested: a URL that
  // names a cookie policy is a Trackers Policy even if it also says "privacy".
  const kDocTypes = [
    { type: 'Trackers Policy', re: /\bcookie|\btracker|\btracking[-_ ]?(policy|technolog)/i },
    { type: 'Acceptable Use Policy', re: /acceptable[-_ ]?use|usage[-_ ]?polic|\baup\b|use[-_ ]?policy|prohibited[-_ ]?use/i },
    { type: 'Privacy Policy', re: /privacy|data[-_ ]?(protection|policy)|datenschutz|confidentialit/i },
    { type: 'Terms of Service', re: /terms|\btos\b|conditions|\beula\b|user[-_ ]?agreement|nutzungsbedingungen|\bagb\b|\bcgu\b/i },
  ];

  // Path words that mark a legal page.
  const kUrlPattern =
    /(^|[\/._\s-])(terms|tos|terms[-_]of[-_](service|use)|privacy|privacy[-_]policy|legal|policies|policy|acceptable[-_]use|usage[-_]policies|cookies?|cookie[-_]policy|eula|conditions|user[-_]agreement|data[-_]protection|datenschutz|agb|cgu)([\/._\s-]|$)/i;

  // Heading text that names a legal document.
  const kHeadingPattern =
    /\b(terms (of (service|use)|and conditions)|conditions of use|privacy (policy|notice|statement)|acceptable use|usage polic(y|ies)|cookies? (policy|notice|statement)|user agreement|end[- ]user licen[cs]e agreement|data protection (policy|notice))\b/i;

  const kSkipTags = new Set([
    'SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'CANVAS', 'IFRAME', 'OBJECT', 'EMBED', 'VIDEO',
    'AUDIO', 'NAV', 'FOOTER', 'ASIDE', 'BUTTON', 'SELECT', 'TEXTAREA', 'INPUT', 'FORM', 'DIALOG', 'MENU',
  ]);
  const kSkipRoles = new Set(['navigation', 'contentinfo', 'banner', 'dialog', 'alertdialog', 'menu', 'menubar', 'search']);
  const kHeadingTags = { H1: 1, H2: 2, H3: 3, H4: 4, H5: 5, H6: 6 };
  // Elements whose content starts a new block. Anything else is inline and joins the current run.
  const kBlockTags = new Set([
    'ADDRESS', 'ARTICLE', 'BLOCKQUOTE', 'BODY', 'DD', 'DETAILS', 'DIV', 'DL', 'DT', 'FIELDSET',
    'FIGCAPTION', 'FIGURE', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HEADER', 'HGROUP', 'HR', 'LI', 'MAIN',
    'OL', 'P', 'PRE', 'SECTION', 'SUMMARY', 'TABLE', 'TBODY', 'TD', 'TFOOT', 'TH', 'THEAD', 'TR', 'UL',
    'CAPTION',
  ]);

  // UTF-8 length without allocating an encoded copy (capture counts every block).
  function byteLength(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        n += 4;  // a surrogate pair is one 4-byte character
        i++;
      } else n += 3;
    }
    return n;
  }

  // Cuts a string to at most maxBytes of UTF-8 without splitting a character.
  function truncateUtf8(text, maxBytes) {
    if (byteLength(text) <= maxBytes) return text;
    let out = '';
    let used = 0;
    for (const ch of text) {
      const n = byteLength(ch);
      if (used + n > maxBytes) break;
      out += ch;
      used += n;
    }
    return out;
  }

  function normaliseSpace(text) {
    return text.replace(/[\s\u00a0]+/g, ' ').trim();
  }

  function docTypeFrom(text) {
    for (const { type, re } of kDocTypes) if (re.test(text)) return type;
    return null;
  }

  function headingTexts(doc) {
    const out = [];
    for (const h of doc.querySelectorAll('h1, h2')) {
      out.push(normaliseSpace(h.textContent || ''));
      if (out.length >= 8) break;
    }
    return out;
  }

  // Decides whether the document is a legal page, and which kind. Signals, strongest first:
  // rel links naming this very page, the URL path, the title and top headings.
  function recognise(doc, url) {
    const signals = [];
    let docType = null;
    const here = String(url).split('#')[0];
    for (const link of doc.querySelectorAll('link[rel~="terms-of-service"], link[rel~="privacy-policy"]')) {
      const rel = (link.getAttribute('rel') || '').toLowerCase();
      let target = '';
      try {
        target = new URL(link.getAttribute('href') || '', here).href.split('#')[0];
      } catch {
        continue;
      }
      if (target === here) {
        signals.push(`rel:${rel.includes('privacy-policy') ? 'privacy-policy' : 'terms-of-service'}`);
        docType = docType || (rel.includes('privacy-policy') ? 'Privacy Policy' : 'Terms of Service');
      }
    }
    let path = '';
    try {
      const u = new URL(url);
      path = decodeURIComponent(u.pathname + ' ' + u.search);
    } catch {
      path = String(url);
    }
    if (kUrlPattern.test(path)) {
      signals.push('url');
      docType = docType || docTypeFrom(path);
    }
    const headings = headingTexts(doc);
    const title = normaliseSpace(doc.title || '');
    for (const text of [title, ...headings]) {
      if (kHeadingPattern.test(text)) {
        signals.push(text === title && text !== headings[0] ? 'title' : 'heading');
        docType = docTypeFrom(text) || docType;
        break;
      }
    }
    return { isLegal: signals.length > 0, docType: docType || 'Terms of Service', signals };
  }

  function isHidden(el, view) {
    if (el.hidden || el.getAttribute('aria-hidden') === 'true') return true;
    if (typeof el.checkVisibility === 'function') {
      return !el.checkVisibility({ checkOpacity: false, checkVisibilityCSS: true });
    }
    const style = view.getComputedStyle(el);
    return style.display === 'none' || style.visibility === 'hidden';
  }

  // Bold headings: see emit() in captureBlocks.
  const kBoldHeadingLevel = 6;
  const kMaxBoldHeadingWords = 12;
  const kMaxNumberedHeadingWords = 8;

  function isBold(el, view) {
    const weight = view.getComputedStyle(el).fontWeight;
    return weight === 'bold' || weight === 'bolder' || Number(weight) >= 600;
  }

  // A numbered one may end in a dot ("4.3 Output."); a short sentence would not be numbered.
  function isBoldHeadingText(text) {
    const words = text.split(' ').length;
    if (words > kMaxBoldHeadingWords || /[!?;,]$/.test(text)) return false;
    return !text.endsWith('.') || (/^\d/.test(text) && words <= kMaxNumberedHeadingWords);
  }

  function isSkipped(el, view) {
    if (kSkipTags.has(el.tagName.toUpperCase())) return true;
    const role = (el.getAttribute('role') || '').toLowerCase();
    if (kSkipRoles.has(role)) return true;
    // A page-level header is site chrome; a header inside the document body text is kept.
    if (el.tagName === 'HEADER' && !el.closest('main, article, [role="main"]')) return true;
    return isHidden(el, view);
  }

  // Walks the visible DOM in document order and returns blocks {kind, level?, text}. Inline content
  // is gathered into runs; a run ends at each block-level element.
  function captureBlocks(root, view) {
    const blocks = [];
    let textBytes = 0;
    let truncated = false;

    function emit(kind, level, parts, allBold) {
      if (truncated) return;
      const text = normaliseSpace(parts.join(''));
      if (!text) return;
      // A short paragraph that is bold throughout ("<p><strong>California residents</strong></p>") is
      // how many pages write a sub-heading: it becomes one, at the lowest level, as the host does for
      // a bold Markdown line. A bold sentence ("Please read these terms.") stays a paragraph.
      if (kind === 'paragraph' && allBold && isBoldHeadingText(text)) {
        kind = 'heading';
        level = kBoldHeadingLevel;
      }
      const bytes = byteLength(text) + 1;
      if (blocks.length >= limits.maxPageBlocks || textBytes + bytes > limits.maxPageTextBytes) {
        truncated = true;
        return;
      }
      textBytes += bytes;
      const block = { kind, text };
      if (kind === 'heading') block.level = level;
      blocks.push(block);
    }

    // Collects an element's inline text into `parts` and calls walk() on its block children.
    function walk(el) {
      if (truncated || isSkipped(el, view)) return;
      const tag = el.tagName.toUpperCase();
      const level = kHeadingTags[tag];
      const kind = level ? 'heading' : tag === 'LI' ? 'list_item' : 'paragraph';
      let parts = [];
      let allBold = true; // every piece of text in `parts` is drawn bold
      const flush = () => {
        emit(kind, level, parts, allBold);
        parts = [];
        allBold = true;
      };
      const inline = (node) => {
        let bold = null; // whether `node` is drawn bold, read once and only for a text child
        for (const child of node.childNodes) {
          if (child.nodeType === 3) {
            parts.push(child.nodeValue);
            if (allBold && child.nodeValue.trim()) {
              if (bold === null) bold = isBold(node, view);
              allBold = bold;
            }
          } else if (child.nodeType === 1) {
            const childTag = child.tagName.toUpperCase();
            if (kBlockTags.has(childTag) && !level) {
              flush();
              walk(child);
            } else if (childTag === 'BR') {
              parts.push(' ');
            } else if (!isSkipped(child, view)) {
              inline(child);
            }
          }
        }
      };
      inline(el);
      flush();
    }

    walk(root);
    return { blocks, truncated };
  }

  // The element holding the document text: <main> when it holds most of it, else <body>.
  function contentRoot(doc) {
    const main = doc.querySelector('main, [role="main"]');
    const bodyText = (doc.body && doc.body.textContent) || '';
    if (main && (main.textContent || '').length >= bodyText.length * 0.5) return main;
    return doc.body;
  }

  // Builds the page.analyze payload for the document.
  function capture(doc, url, recognition = recognise(doc, url)) {
    const view = doc.defaultView;
    const root = contentRoot(doc);
    const { blocks, truncated } = root ? captureBlocks(root, view) : { blocks: [], truncated: false };
    const page = {
      url: truncateUtf8(String(url), limits.maxUrlBytes),
      title: truncateUtf8(normaliseSpace(doc.title || ''), limits.maxTitleBytes),
      lang: (doc.documentElement.getAttribute('lang') || '').trim(),
      doc_type: recognition.docType,
      blocks,
    };
    if (truncated) page.truncated = true;
    return page;
  }

  // Recognises and captures, then calls send({kind: 'page.captured', page}). Returns send's result,
  // or null for a page that is not a legal document.
  async function run({ document: doc, url, send }) {
    const recognition = recognise(doc, url);
    if (!recognition.isLegal) return null;
    const page = capture(doc, url, recognition);
    if (page.blocks.length === 0) return null;
    return send({ kind: 'page.captured', page });
  }

  // Pages that render their text client-side may hold almost nothing at document_idle. When the
  // page is a legal page but has fewer than minBlocks blocks, wait for the DOM to change and then be
  // quiet for settleMs (at most maxWaitMs in all), then capture once.
  function whenSettled(doc, { settleMs, maxWaitMs, firstChangeMs }) {
    return new Promise((resolve) => {
      const view = doc.defaultView;
      let quiet = null;
      const done = () => {
        observer.disconnect();
        view.clearTimeout(quiet);
        view.clearTimeout(deadline);
        resolve();
      };
      const observer = new view.MutationObserver(() => {
        view.clearTimeout(quiet);
        quiet = view.setTimeout(done, settleMs);
      });
      // A page still fetching its text is silent first: give it firstChangeMs to start changing.
      observer.observe(doc.documentElement, { childList: true, subtree: true, characterData: true });
      quiet = view.setTimeout(done, firstChangeMs);
      const deadline = view.setTimeout(done, maxWaitMs);
    });
  }

  // firstChangeMs: how long to wait for the first change (a single-page site may already have
  // swapped its view when the URL changes; a page loading its text may take seconds to start).
  async function runWhenReady({ document: doc, url, send, minBlocks = 3, settleMs = 500, maxWaitMs = 8000, firstChangeMs = maxWaitMs }) {
    const recognition = recognise(doc, url);
    if (!recognition.isLegal) return null;
    if (capture(doc, url, recognition).blocks.length < minBlocks) await whenSettled(doc, { settleMs, maxWaitMs, firstChangeMs });
    return run({ document: doc, url, send });
  }

  global.ClauseWatchLegal = Object.freeze({ limits, recognise, capture, captureBlocks, run, runWhenReady, truncateUtf8 });
})(globalThis);
