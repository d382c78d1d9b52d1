// The service worker's router: one row per runtime message kind (shared/messages.js). Each handler
// takes (message, sender) and returns the reply, or throws; the router turns a throw into
// {ok: false, error} so a caller always gets an answer.
import { HostError } from '../shared/transport-errors.js';

export function makeRouter(table) {
  return async function route(message, sender) {
    const kind = message && typeof message === 'object' ? message.kind : undefined;
    const handler = Object.prototype.hasOwnProperty.call(table, kind) ? table[kind] : null;
    if (!handler) {
      return {
        ok: false,
        error: { code: null, name: 'UNKNOWN_KIND', message: `Unknown message kind '${kind}'`, params: { kind } },
      };
    }
    try {
      return await handler(message, sender);
    } catch (e) {
      return { ok: false, error: errorOf(e) };
    }
  };
}

export function errorOf(e) {
  if (e instanceof HostError) return e.error;
  return { code: null, name: 'INTERNAL', message: String(e && e.message ? e.message : e), params: {} };
}
