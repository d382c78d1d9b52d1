// The service worker's native port: lazy connect, id matching, timeouts, reconnection and the
// 64 MiB refusal. A scripted Port stands in for runtime.connectNative (real hosts are exercised by
// tests/e2e); it behaves as the browsers do per NATIVE-MESSAGING.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NativePort } from '../src/background/native-port.js';
import { classifyDisconnect } from '../src/shared/transport-errors.js';
import { ErrorCode } from '../src/shared/errors.gen.js';

class ScriptedPort {
  constructor() {
    this.sent = [];
    this.messageListeners = [];
    this.disconnectListeners = [];
    this.error = null;
    this.onMessage = { addListener: (f) => this.messageListeners.push(f) };
    this.onDisconnect = { addListener: (f) => this.disconnectListeners.push(f) };
  }
  postMessage(message) {
    this.sent.push(message);
  }
  reply(message) {
    for (const f of this.messageListeners) f(message);
  }
  die(message) {
    this.error = { message };
    for (const f of this.disconnectListeners) f(this);
  }
  disconnect() {}
}

function makePort(options = {}) {
  const ports = [];
  const native = new NativePort({
    connect: () => {
      const port = new ScriptedPort();
      ports.push(port);
      return port;
    },
    lastError: (port) => port.error?.message,
    ...options,
  });
  return { native, ports };
}

const tick = () => new Promise((r) => setImmediate(r));

test('opens no port until the first request, then reuses one port', async () => {
  const { native, ports } = makePort();
  assert.equal(ports.length, 0);
  const a = native.request('ping');
  const b = native.request('ping');
  await tick();
  assert.equal(ports.length, 1);
  assert.equal(ports[0].sent.length, 2);
  ports[0].reply({ id: ports[0].sent[0].id, ok: true, result: { n: 1 } });
  ports[0].reply({ id: ports[0].sent[1].id, ok: true, result: { n: 2 } });
  assert.deepEqual(await a, { n: 1 });
  assert.deepEqual(await b, { n: 2 });
});

test('matches replies to requests by id, in any order', async () => {
  const { native, ports } = makePort();
  const first = native.request('page.analyze', { url: 'a' });
  const second = native.request('page.analyze', { url: 'b' });
  await tick();
  const [m1, m2] = ports[0].sent;
  assert.notEqual(m1.id, m2.id);
  assert.deepEqual(m1.payload, { url: 'a' });
  ports[0].reply({ id: m2.id, ok: true, result: 'second' });
  ports[0].reply({ id: m1.id, ok: true, result: 'first' });
  assert.equal(await first, 'first');
  assert.equal(await second, 'second');
});

test('a host error reply rejects with the host error code and name', async () => {
  const { native, ports } = makePort();
  const p = native.request('page.explode');
  await tick();
  ports[0].reply({
    id: ports[0].sent[0].id,
    ok: false,
    error: { code: 9, name: 'UNKNOWN_TYPE', message: "Unknown message type 'page.explode'", params: { type: 'page.explode' } },
  });
  await assert.rejects(p, (e) => e.error.code === ErrorCode.UNKNOWN_TYPE && e.error.params.type === 'page.explode');
});

test('a reply with a null id belongs to the oldest request in flight', async () => {
  const { native, ports } = makePort();
  const oldest = native.request('ping');
  const newer = native.request('ping');
  await tick();
  ports[0].reply({ id: null, ok: false, error: { code: 8, name: 'INVALID_ENVELOPE', message: 'bad', params: {} } });
  await assert.rejects(oldest, (e) => e.error.name === 'INVALID_ENVELOPE');
  ports[0].reply({ id: ports[0].sent[1].id, ok: true, result: 'ok' });
  assert.equal(await newer, 'ok');
});

test('each request times out on its own', async () => {
  const { native, ports } = makePort({ timeoutMs: 20 });
  const slow = native.request('ping');
  const fast = native.request('ping', {}, { timeoutMs: 1000 });
  await tick();
  await assert.rejects(slow, (e) => e.error.name === 'HOST_TIMEOUT' && e.error.params.timeout_ms === 20);
  ports[0].reply({ id: ports[0].sent[1].id, ok: true, result: 'late but in time' });
  assert.equal(await fast, 'late but in time');
  // A reply after the timeout is dropped without harm.
  ports[0].reply({ id: ports[0].sent[0].id, ok: true, result: 'too late' });
});

test('a dead host fails the requests in flight, and the next request reconnects', async () => {
  const { native, ports } = makePort();
  const inFlight = native.request('page.analyze');
  await tick();
  ports[0].die('Native host has exited.');
  await assert.rejects(inFlight, (e) => e.error.name === 'HOST_DISCONNECTED' && /exited/.test(e.error.message));
  assert.equal(native.connected, false);
  const again = native.request('ping');
  await tick();
  assert.equal(ports.length, 2);
  assert.equal(native.connections, 2);
  ports[1].reply({ id: ports[1].sent[0].id, ok: true, result: 'back' });
  assert.equal(await again, 'back');
});

test('a missing host is reported as HOST_NOT_FOUND in both browsers', async () => {
  assert.equal(classifyDisconnect('Specified native messaging host not found.').name, 'HOST_NOT_FOUND');
  assert.equal(classifyDisconnect('No such native application org.clausewatch.host').name, 'HOST_NOT_FOUND');
  assert.equal(
    classifyDisconnect('Access to the specified native messaging host is forbidden.').name,
    'HOST_FORBIDDEN',
  );
  assert.equal(classifyDisconnect(undefined).name, 'HOST_DISCONNECTED');
  const { native, ports } = makePort();
  const p = native.request('ping');
  await tick();
  ports[0].die('Specified native messaging host not found.');
  await assert.rejects(p, (e) => e.error.name === 'HOST_NOT_FOUND');
});

test('a message over the limit is refused before anything is sent', async () => {
  const { native, ports } = makePort({ maxBytes: 1000 });
  await assert.rejects(native.request('page.analyze', { text: 'é'.repeat(500) }), (e) => {
    // 500 × 'é' is 1000 bytes of UTF-8 plus the envelope: the limit counts bytes, not characters.
    assert.equal(e.error.name, 'FRAME_TOO_LARGE');
    assert.equal(e.error.code, ErrorCode.FRAME_TOO_LARGE);
    assert.ok(e.error.params.length > 1000);
    return true;
  });
  assert.equal(ports.length, 0);
  // Just under the limit goes through.
  const under = native.request('page.analyze', { text: 'x'.repeat(900) });
  await tick();
  assert.equal(ports[0].sent.length, 1);
  ports[0].reply({ id: ports[0].sent[0].id, ok: true, result: 'fits' });
  assert.equal(await under, 'fits');
});

test('the default limit is the 64 MiB Chromium accepts', async () => {
  const { native, ports } = makePort();
  const overhead = JSON.stringify({ id: 1, type: 'x', payload: { p: '' } }).length;
  await assert.rejects(native.request('x', { p: 'a'.repeat(64 * 1024 * 1024 - overhead + 1) }), (e) => e.error.name === 'FRAME_TOO_LARGE');
  assert.equal(ports.length, 0);
});

test('a synchronous throw from postMessage becomes a rejection', async () => {
  const { native, ports } = makePort();
  const first = native.request('ping');
  await tick();
  ports[0].postMessage = () => {
    throw new Error('Message exceeded maximum allowed size of 64MiB.');
  };
  await assert.rejects(native.request('ping'), (e) => e.error.name === 'HOST_DISCONNECTED');
  ports[0].reply({ id: ports[0].sent[0].id, ok: true, result: 1 });
  assert.equal(await first, 1);
});
