// Test servers, all on 127.0.0.1 with a random port:
// - a static server for tests/e2e/fixtures (the only web pages the browsers may load);
// - a recording proxy the browsers are pointed at, so any request to anywhere but loopback lands
//   here, is recorded (host, and body for plain HTTP) and is refused. Together with the browsers'
//   own request events this is the privacy check (lib/privacy.mjs).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const kFixtures = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'fixtures');
const kTypes = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

export async function startFixtureServer(root = kFixtures) {
  const kFixtures = root;  // eslint-disable-line no-shadow
  const requests = [];
  const aliases = new Map();  // served path -> fixture path, to publish a new version at the same URL
  const server = http.createServer((req, res) => {
    requests.push(req.url);
    const url = new URL(req.url, 'http://127.0.0.1');
    const served = aliases.get(url.pathname) ?? decodeURIComponent(url.pathname);
    const file = path.normalize(path.join(kFixtures, served));
    if (!file.startsWith(kFixtures + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': kTypes[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  const port = await listen(server);
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    // Serve fixture `fixturePath` at `servedPath` from now on (a site publishing new terms).
    publish: (servedPath, fixturePath) => aliases.set(servedPath, fixturePath),
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

export async function startRecordingProxy() {
  const attempts = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { if (body.length < 1e6) body += chunk; });
    req.on('end', () => {
      attempts.push({ method: req.method, url: req.url, host: new URL(req.url, 'http://invalid').hostname, body });
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('ClauseWatch tests allow no outside requests');
    });
  });
  server.on('connect', (req, socket) => {
    attempts.push({ method: 'CONNECT', url: req.url, host: req.url.replace(/:\d+$/, ''), body: '' });
    // A browser that is shutting down may reset the tunnel before reading the refusal; the attempt is
    // recorded already, and with no listener the reset would be an uncaught error in the test run.
    socket.on('error', () => {});
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  const port = await listen(server);
  return {
    port,
    attempts,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}
