// One lazily opened native-messaging port to clausewatch-host, shared by every request.
//
// - The port opens on the first request and is dropped (set to null) on disconnect, so the next
//   request reconnects after the host or the service worker died.
// - Each request carries an id; replies are matched by id. The host answers in order, so a reply
//   whose id it could not read (id null) belongs to the oldest request in flight.
// - Each request has its own timeout.
// - Messages whose JSON exceeds 64 MiB are refused before postMessage, which would throw
//   synchronously (NATIVE-MESSAGING.md pitfall 4).
import { kMaxInboundFrameBytes } from '../shared/limits.js';
import {
  HostError,
  TransportError,
  classifyDisconnect,
  transportError,
} from '../shared/transport-errors.js';

const kDefaultTimeoutMs = 30000;
const utf8 = new TextEncoder();

export class NativePort {
  // connect(): returns a Port (runtime.connectNative(name)).
  // lastError(port): the browser's reason for a disconnect (Chromium: runtime.lastError, Firefox: port.error).
  constructor({ connect, lastError, timeoutMs = kDefaultTimeoutMs, maxBytes = kMaxInboundFrameBytes }) {
    this.connect_ = connect;
    this.lastError_ = lastError;
    this.timeoutMs_ = timeoutMs;
    this.maxBytes_ = maxBytes;
    this.port_ = null;
    this.nextId_ = 1;
    this.pending_ = new Map();  // id -> {resolve, reject, timer}; Map keeps insertion order
    this.connections_ = 0;
  }

  get connected() {
    return this.port_ !== null;
  }

  // How many times a port was opened (for diagnostics and tests of reconnection).
  get connections() {
    return this.connections_;
  }

  // Sends {id, type, payload}; resolves with the result or rejects with a HostError.
  request(type, payload = {}, { timeoutMs = this.timeoutMs_ } = {}) {
    // Promise.resolve().then: a synchronous throw anywhere below becomes a rejection.
    return Promise.resolve().then(() => this.send_(type, payload, timeoutMs));
  }

  send_(type, payload, timeoutMs) {
    const id = this.nextId_++;
    const envelope = { id, type, payload };
    const bytes = utf8.encode(JSON.stringify(envelope)).length;
    if (bytes > this.maxBytes_) {
      throw new HostError(
        transportError(
          TransportError.FRAME_TOO_LARGE,
          `Message of ${bytes} bytes exceeds the limit of ${this.maxBytes_} bytes`,
          { length: bytes, limit: this.maxBytes_ },
        ),
      );
    }
    const port = this.ensurePort_();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending_.delete(id);
        reject(
          new HostError(
            transportError(TransportError.HOST_TIMEOUT, `No reply to ${type} within ${timeoutMs} ms`, {
              type,
              timeout_ms: timeoutMs,
            }),
          ),
        );
      }, timeoutMs);
      this.pending_.set(id, { resolve, reject, timer });
      try {
        port.postMessage(envelope);
      } catch (e) {
        clearTimeout(timer);
        this.pending_.delete(id);
        reject(new HostError(classifyDisconnect(e && e.message)));
      }
    });
  }

  ensurePort_() {
    if (this.port_) return this.port_;
    const port = this.connect_();
    this.connections_++;
    this.port_ = port;
    port.onMessage.addListener((reply) => this.onReply_(reply));
    port.onDisconnect.addListener(() => this.onDisconnect_(port));
    return port;
  }

  onReply_(reply) {
    if (!reply || typeof reply !== 'object') return;
    let id = reply.id;
    if (id === null || id === undefined) {
      const oldest = this.pending_.keys().next();
      if (oldest.done) return;
      id = oldest.value;
    }
    const entry = this.pending_.get(id);
    if (!entry) return;  // a reply after its timeout
    this.pending_.delete(id);
    clearTimeout(entry.timer);
    if (reply.ok === true) {
      entry.resolve(reply.result);
    } else {
      const error = reply.error || {};
      entry.reject(
        new HostError({
          code: error.code ?? null,
          name: error.name || 'INTERNAL',
          message: error.message || 'The host reported an error',
          params: error.params || {},
        }),
      );
    }
  }

  onDisconnect_(port) {
    const error = classifyDisconnect(this.lastError_(port));
    if (this.port_ === port) this.port_ = null;
    for (const [id, entry] of this.pending_) {
      clearTimeout(entry.timer);
      entry.reject(new HostError(error));
      this.pending_.delete(id);
    }
    this.lastDisconnect = error;
  }

  disconnect() {
    if (!this.port_) return;
    const port = this.port_;
    this.port_ = null;
    port.disconnect();
  }
}
