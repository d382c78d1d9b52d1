// Shared pieces of the banner snapshot test and benchmark: local servers, the browser, the capture
// script injected into a page, and a real clausewatch-host spoken to over native-messaging frames.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const kRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const kCorpus = process.env.CW_CORPUS_DIR || path.resolve(kRoot, '..', 'shared', 'corpus');
export const kBannerDir = path.join(kCorpus, 'banners');
export const kOwnPages = path.join(kRoot, 'tests', 'data', 'banner');
const kScripts = [
  path.join(kRoot, 'extension', 'src', 'content', 'banner', 'cmp-markers.gen.js'),
  path.join(kRoot, 'extension', 'src', 'content', 'banner', 'banner-capture.js'),
];
const require = createRequire(path.join(kRoot, 'package.json'));

export function chromiumApi() {
  return require('playwright-core').chromium;
}

// Two servers on 127.0.0.1 (two ports = two origins). /corpus/<id> serves a shared fixture read in
// place; /own/<file> serves a page from tests/data/banner with PORT_B filled in.
export async function startServers() {
  const servers = [];
  const ports = [];
  const handler = (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    // /slow/<ms>.gif: a 1x1 image sent after <ms> ms, to hold a page's load event back.
    const slow = /^\/slow\/(\d+)\.gif$/.exec(url.pathname);
    if (slow) {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'image/gif', 'cache-control': 'no-store' });
        res.end(Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'));
      }, Math.min(10000, Number(slow[1])));
      return;
    }
    let file = null;
    if (url.pathname.startsWith('/corpus/')) {
      const id = path.basename(url.pathname.slice('/corpus/'.length));
      file = path.join(kBannerDir, `${id}.html`);
    } else if (url.pathname.startsWith('/own/')) {
      file = path.join(kOwnPages, path.basename(url.pathname));
    }
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    let body = fs.readFileSync(file, 'utf8');
    if (url.pathname.startsWith('/own/')) body = body.replaceAll('PORT_B', String(ports[1]));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
  };
  for (let i = 0; i < 2; i++) {
    const server = http.createServer(handler);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    ports.push(server.address().port);
  }
  return { ports, close: () => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))) };
}

export async function launchBrowser() {
  return chromiumApi().launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

// One interface over the two browsers the snapshot tests run in: Chromium through playwright-core,
// Firefox ESR through puppeteer-core over WebDriver BiDi (NATIVE-MESSAGING.md, Firefox recipe).
// open(url) loads a page in a fresh context (own cookie jar) and returns
// {frames(), mainFrame(), cookies(url), close()}; frames have url(), addScriptTag() and evaluate().
export async function openBrowser(kind) {
  if (kind === 'chromium') {
    const browser = await launchBrowser();
    return {
      kind,
      async open(url, { viewport = { width: 1280, height: 800 } } = {}) {
        const context = await browser.newContext({ viewport });
        const page = await context.newPage();
        await page.goto(url, { waitUntil: 'load' });
        return {
          frames: () => page.frames(),
          mainFrame: () => page.mainFrame(),
          cookies: async (u) => (await context.cookies(u)).map((c) => ({ name: c.name, domain: c.domain })),
          close: () => context.close(),
        };
      },
      close: () => browser.close(),
    };
  }
  if (kind === 'firefox') {
    const puppeteer = require('puppeteer-core');
    // Firefox reads its profile defaults from HOME: keep it away from the user's.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-banner-ff-home-'));
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: process.env.CW_FIREFOX || '/usr/bin/firefox-esr',
      headless: true,
      env: { ...process.env, HOME: home },
      extraPrefsFirefox: { 'network.proxy.type': 0, 'network.dns.disablePrefetch': true, 'network.prefetch-next': false },
    });
    return {
      kind,
      async open(url, { viewport = { width: 1280, height: 800 } } = {}) {
        const context = await browser.createBrowserContext();
        const page = await context.newPage();
        await page.setViewport(viewport);
        await page.goto(url, { waitUntil: 'load' });
        return {
          frames: () => page.frames(),
          mainFrame: () => page.mainFrame(),
          cookies: async (u) => (await page.cookies(u)).map((c) => ({ name: c.name, domain: c.domain })),
          close: () => context.close(),
        };
      },
      close: async () => {
        await browser.close();
        fs.rmSync(home, { recursive: true, force: true });
      },
    };
  }
  throw new Error(`unknown browser ${kind}`);
}

// The browsers to run in: CW_BANNER_BROWSERS (comma-separated), else Chromium plus Firefox ESR when
// it and puppeteer-core are installed.
export function browserKinds() {
  if (process.env.CW_BANNER_BROWSERS) return process.env.CW_BANNER_BROWSERS.split(',').map((s) => s.trim()).filter(Boolean);
  const kinds = ['chromium'];
  let hasPuppeteer = true;
  try {
    require.resolve('puppeteer-core');
  } catch {
    hasPuppeteer = false;
  }
  if (hasPuppeteer && fs.existsSync(process.env.CW_FIREFOX || '/usr/bin/firefox-esr')) kinds.push('firefox');
  return kinds;
}

// Injects the real capture script (as the extension would load it) into a page or frame.
export async function injectCapture(frame) {
  for (const file of kScripts) await frame.addScriptTag({ path: file });
}

// Captures a frame once; for late banners, waits like the content script does.
export async function capture(frame, { waitMs = 0 } = {}) {
  await injectCapture(frame);
  if (waitMs > 0) {
    return frame.evaluate((ms) => ClauseWatchBanner.run({ send: () => {}, waitMs: ms }).then((snapshot) => ({ snapshot })), waitMs);
  }
  return frame.evaluate(() => ClauseWatchBanner.captureOnce({}));
}

// A real clausewatch-host process; requests go in as frames, replies come back in order.
export class Host {
  constructor() {
    const binary = process.env.CW_HOST_BINARY;
    if (!binary) throw new Error('CW_HOST_BINARY is not set');
    const ids = JSON.parse(fs.readFileSync(path.join(kRoot, 'manifests', 'extension-ids.json'), 'utf8'));
    this.home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-banner-home-'));
    this.proc = spawn(binary, [`chrome-extension://${ids.chromium_extension_id}/`], {
      env: { ...process.env, CLAUSEWATCH_HOME: this.home },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.buffer = Buffer.alloc(0);
    this.waiting = [];
    this.exited = null;
    this.proc.on('exit', (code, signal) => {
      this.exited = { code, signal };
      for (const w of this.waiting.splice(0)) w.reject(new Error(`host exited (${code ?? signal})`));
    });
    this.proc.stdout.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4) {
        const length = this.buffer.readUInt32LE(0);
        if (this.buffer.length < 4 + length) break;
        const body = this.buffer.subarray(4, 4 + length).toString('utf8');
        this.buffer = this.buffer.subarray(4 + length);
        const waiter = this.waiting.shift();
        if (waiter) waiter.resolve(JSON.parse(body));
      }
    });
    this.nextId = 1;
  }

  request(type, payload) {
    const body = Buffer.from(JSON.stringify({ id: this.nextId++, type, payload }), 'utf8');
    const header = Buffer.alloc(4);
    header.writeUInt32LE(body.length, 0);
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error('host already exited'));
      this.waiting.push({ resolve, reject });
      this.proc.stdin.write(Buffer.concat([header, body]));
    });
  }

  async close() {
    this.proc.stdin.end();
    if (!this.exited) await new Promise((resolve) => this.proc.once('exit', resolve));
    fs.rmSync(this.home, { recursive: true, force: true });
    return this.exited;
  }
}

export function listFixtures() {
  return fs
    .readdirSync(kBannerDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(fs.readFileSync(path.join(kBannerDir, f), 'utf8')))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
