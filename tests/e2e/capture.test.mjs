// Content-script units: the legal-capture core (extension/src/content/legal-capture-core.js) on
// pages written here, in headless Chromium without the extension. The core takes the document, the
// URL and a send callback, so the test drives it directly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { kRoot } from './lib/env.mjs';

const kCore = path.join(kRoot, 'extension', 'src', 'content', 'legal-capture-core.js');
const kChromiumBinary = fs.existsSync('/usr/lib/chromium/chromium') ? '/usr/lib/chromium/chromium' : '/usr/bin/chromium';

let browser;
let page;
before(async () => {
  browser = await chromium.launch({ executablePath: kChromiumBinary, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  page = await browser.newPage();
});
after(async () => {
  await browser?.close();
});

async function load(html) {
  await page.setContent(html);
  await page.addScriptTag({ path: kCore });
}

const recognise = (url) => page.evaluate((u) => globalThis.ClauseWatchLegal.recognise(document, u), url);
const capture = (url) => page.evaluate((u) => globalThis.ClauseWatchLegal.capture(document, u), url);

test('URL patterns mark legal pages and guess the OTA terms type', async () => {
  await load('<h1>Hello</h1><p>Text.</p>');
  const cases = [
    ['https://chat.example/terms', 'Terms of Service'],
    ['https://chat.example/legal/terms-of-use', 'Terms of Service'],
    ['https://chat.example/tos', 'Terms of Service'],
    ['https://chat.example/policies/privacy-policy', 'Privacy Policy'],
    ['https://chat.example/legal/privacy', 'Privacy Policy'],
    ['https://chat.example/policies/usage-policies', 'Acceptable Use Policy'],
    ['https://chat.example/acceptable-use', 'Acceptable Use Policy'],
    ['https://chat.example/legal/cookie-policy', 'Trackers Policy'],
    ['https://chat.example/cookies', 'Trackers Policy'],
  ];
  for (const [url, docType] of cases) {
    const r = await recognise(url);
    assert.ok(r.isLegal, url);
    assert.equal(r.docType, docType, url);
  }
  for (const url of ['https://chat.example/', 'https://chat.example/blog/attorneys-love-ai', 'https://chat.example/pricing', 'https://chat.example/contest-terminal']) {
    assert.equal((await recognise(url)).isLegal, false, url);
  }
});

test('headings and rel links mark legal pages at any URL', async () => {
  await load('<h1>Privacy Notice</h1><p>We collect what you type.</p>');
  let r = await recognise('https://chat.example/p/8812');
  assert.deepEqual([r.isLegal, r.docType], [true, 'Privacy Policy']);

  await load('<title>Chat</title><h2>Acceptable Use Policy</h2><p>Do not misuse.</p>');
  r = await recognise('https://chat.example/p/8813');
  assert.deepEqual([r.isLegal, r.docType], [true, 'Acceptable Use Policy']);

  // rel="terms-of-service" names a legal page only when it points at this page.
  const withRel = '<link rel="terms-of-service" href="/doc/42"><h1>Welcome</h1><p>Read this.</p>';
  await load(withRel);
  r = await recognise('https://chat.example/doc/42#top');
  assert.ok(r.isLegal);
  assert.ok(r.signals.includes('rel:terms-of-service'));
  r = await recognise('https://chat.example/home');
  assert.equal(r.isLegal, false, 'a footer link to the terms does not make the home page legal');

  await load('<link rel="privacy-policy" href="https://chat.example/doc/7"><h1>Welcome</h1>');
  r = await recognise('https://chat.example/doc/7');
  assert.deepEqual([r.isLegal, r.docType], [true, 'Privacy Policy']);
});

test('capture: visible blocks in document order, chrome and hidden text skipped', async () => {
  await load(`
    <html lang="en-GB"><head><title> Terms  of Service </title><style>.x{color:red}</style></head><body>
    <header><nav><a href="/">Home</a> <a href="/login">Log in</a></nav></header>
    <main>
      <h1>Terms of <em>Service</em></h1>
      <p>By using the <a href="/app">app</a> you <strong>agree</strong>
         to these terms.</p>
      <div>Loose text in a div.<p>A paragraph inside it.</p>Tail text.</div>
      <h3>Lists</h3>
      <ul>
        <li>First item</li>
        <li>Second item<ul><li>Nested item</li></ul></li>
      </ul>
      <p style="display:none">display none</p>
      <p hidden>hidden attribute</p>
      <p style="visibility:hidden">visibility hidden</p>
      <p aria-hidden="true">aria hidden</p>
      <button>Accept</button>
      <script>var notText = 1;</script>
      <p>Line one<br>line two</p>
    </main>
    <footer>Copyright footer</footer>
    </body></html>`);
  const pageData = await capture('https://chat.example/terms');
  assert.equal(pageData.title, 'Terms of Service');
  assert.equal(pageData.lang, 'en-GB');
  assert.equal(pageData.doc_type, 'Terms of Service');
  assert.equal(pageData.url, 'https://chat.example/terms');
  assert.deepEqual(pageData.blocks, [
    { kind: 'heading', level: 1, text: 'Terms of Service' },
    { kind: 'paragraph', text: 'By using the app you agree to these terms.' },
    { kind: 'paragraph', text: 'Loose text in a div.' },
    { kind: 'paragraph', text: 'A paragraph inside it.' },
    { kind: 'paragraph', text: 'Tail text.' },
    { kind: 'heading', level: 3, text: 'Lists' },
    { kind: 'list_item', text: 'First item' },
    { kind: 'list_item', text: 'Second item' },
    { kind: 'list_item', text: 'Nested item' },
    { kind: 'paragraph', text: 'Line one line two' },
  ]);
});

test('capture: a short paragraph drawn bold throughout is a sub-heading', async () => {
  await load(`<main><h2>Your privacy rights</h2>
    <p><strong>California residents</strong></p>
    <p>You can opt out of the sale of your data.</p>
    <p style="font-weight: 700">Residents of the EEA:</p>
    <p><b>Please read these terms carefully.</b></p>
    <p><b>4.3 Output.</b></p>
    <p><strong>Bold lead-in</strong> followed by plain words</p>
    <div><b>Your <i>choices</i></b> </div>
    </main>`);
  const pageData = await capture('https://chat.example/privacy');
  assert.deepEqual(pageData.blocks, [
    { kind: 'heading', level: 2, text: 'Your privacy rights' },
    { kind: 'heading', level: 6, text: 'California residents' },
    { kind: 'paragraph', text: 'You can opt out of the sale of your data.' },
    { kind: 'heading', level: 6, text: 'Residents of the EEA:' },
    { kind: 'paragraph', text: 'Please read these terms carefully.' },
    { kind: 'heading', level: 6, text: '4.3 Output.' },
    { kind: 'paragraph', text: 'Bold lead-in followed by plain words' },
    { kind: 'heading', level: 6, text: 'Your choices' },
  ]);
});

test('capture: without <main>, the body minus nav, footer and dialogs', async () => {
  await load(`<body><nav>Menu</nav><h2>Privacy Policy</h2><p>We keep chats for 30 days.</p>
    <div role="dialog">We use cookies <button>OK</button></div><div role="contentinfo">Footer</div></body>`);
  const pageData = await capture('https://chat.example/privacy');
  assert.deepEqual(pageData.blocks.map((b) => b.text), ['Privacy Policy', 'We keep chats for 30 days.']);
});

test('capture respects the block and text limits of limits.h', async () => {
  await load('<main id="m"></main>');
  const result = await page.evaluate(() => {
    const main = document.getElementById('m');
    const { maxPageBlocks } = globalThis.ClauseWatchLegal.limits;
    const frag = document.createDocumentFragment();
    for (let i = 0; i < maxPageBlocks + 10; i++) {
      const p = document.createElement('p');
      p.textContent = `Clause ${i}.`;
      frag.append(p);
    }
    main.append(frag);
    const captured = globalThis.ClauseWatchLegal.capture(document, 'https://chat.example/terms');
    return { count: captured.blocks.length, truncated: captured.truncated, last: captured.blocks.at(-1).text, max: maxPageBlocks };
  });
  assert.equal(result.count, result.max);
  assert.equal(result.truncated, true);
  assert.equal(result.last, `Clause ${result.max - 1}.`);

  const bytes = await page.evaluate(() => {
    const { maxPageTextBytes, maxUrlBytes, maxTitleBytes } = globalThis.ClauseWatchLegal.limits;
    document.body.replaceChildren();
    const big = 'é'.repeat(1024 * 1024);  // 2 MiB of UTF-8 per paragraph
    for (let i = 0; i < 10; i++) {
      const p = document.createElement('p');
      p.textContent = big;
      document.body.append(p);
    }
    document.title = 'T'.repeat(maxTitleBytes + 100);
    const captured = globalThis.ClauseWatchLegal.capture(document, 'https://chat.example/terms?x=' + 'a'.repeat(maxUrlBytes));
    const enc = new TextEncoder();
    return {
      text: captured.blocks.reduce((n, b) => n + enc.encode(b.text).length, 0),
      blocks: captured.blocks.length,
      truncated: captured.truncated,
      url: enc.encode(captured.url).length,
      title: enc.encode(captured.title).length,
      maxPageTextBytes, maxUrlBytes, maxTitleBytes,
    };
  });
  assert.ok(bytes.text <= bytes.maxPageTextBytes);
  assert.equal(bytes.blocks, 7);  // 8 × 2 MiB would pass 16 MiB
  assert.equal(bytes.truncated, true);
  assert.ok(bytes.url <= bytes.maxUrlBytes);
  assert.ok(bytes.title <= bytes.maxTitleBytes);
});

test('run() sends one page.captured for a legal page and nothing for others', async (t) => {
  await load(fs.readFileSync(path.join(kRoot, 'tests', 'e2e', 'fixtures', 'legal', 'terms.html'), 'utf8'));
  const sent = await page.evaluate(async () => {
    const messages = [];
    const started = performance.now();
    const reply = await globalThis.ClauseWatchLegal.run({
      document,
      url: 'http://127.0.0.1:1/legal/terms.html',
      send: async (m) => {
        messages.push(m);
        return 'sent';
      },
    });
    return { messages, reply, ms: performance.now() - started };
  });
  t.diagnostic(`capture of the terms fixture took ${sent.ms.toFixed(2)} ms on the page's main thread`);
  assert.equal(sent.reply, 'sent');
  assert.equal(sent.messages.length, 1);
  assert.equal(sent.messages[0].kind, 'page.captured');
  const captured = sent.messages[0].page;
  assert.equal(captured.doc_type, 'Terms of Service');
  assert.equal(captured.blocks[0].text, 'Murmur AI Terms of Service');
  assert.ok(captured.blocks.some((b) => b.kind === 'list_item' && b.text.startsWith('You agree to indemnify')));
  assert.ok(!captured.blocks.some((b) => /hidden note|Pricing|Copyright|©/.test(b.text)));

  await load(fs.readFileSync(path.join(kRoot, 'tests', 'e2e', 'fixtures', 'blog', 'prompts.html'), 'utf8'));
  const none = await page.evaluate(async () => {
    let calls = 0;
    const reply = await globalThis.ClauseWatchLegal.run({ document, url: 'http://127.0.0.1:1/blog/prompts.html', send: async () => calls++ });
    return { reply, calls };
  });
  assert.deepEqual(none, { reply: null, calls: 0 });
});

test('a legal page that renders its text late is captured once the DOM settles', async () => {
  await load('<h1>Privacy Policy</h1><div id="app"></div>');
  const result = await page.evaluate(async () => {
    const messages = [];
    setTimeout(() => {
      const app = document.getElementById('app');
      for (let i = 1; i <= 5; i++) {
        const p = document.createElement('p');
        p.textContent = `Late clause ${i}.`;
        app.append(p);
      }
    }, 300);
    const started = performance.now();
    await globalThis.ClauseWatchLegal.runWhenReady({
      document,
      url: 'https://chat.example/p/1',
      send: async (m) => messages.push(m),
      settleMs: 200,
      maxWaitMs: 3000,
    });
    return { messages, waited: performance.now() - started };
  });
  assert.equal(result.messages.length, 1);
  assert.deepEqual(result.messages[0].page.blocks.map((b) => b.text), [
    'Privacy Policy', 'Late clause 1.', 'Late clause 2.', 'Late clause 3.', 'Late clause 4.', 'Late clause 5.',
  ]);
  assert.ok(result.waited >= 300 && result.waited < 3000);
});
