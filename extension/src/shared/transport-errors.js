// Errors raised by the extension itself, before or instead of a host reply. They use the host's
// shape ({code, name, message, params}); where the host has the same condition in errors.def the
// code comes from errors.gen.js, otherwise code is null (the host never sends these).
import { ErrorCode } from './errors.gen.js';

export const TransportError = Object.freeze({
  // The message would exceed what the browser lets an extension send to a host.
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  // No host manifest for org.clausewatch.host, or it is invalid (Chromium says "not found" for both).
  HOST_NOT_FOUND: 'HOST_NOT_FOUND',
  // The host is installed but refused this extension (wrong allowed_origins / allowed_extensions).
  HOST_FORBIDDEN: 'HOST_FORBIDDEN',
  // The host exited or the port closed while the request was in flight.
  HOST_DISCONNECTED: 'HOST_DISCONNECTED',
  // No reply within the request's timeout.
  HOST_TIMEOUT: 'HOST_TIMEOUT',
});

export function transportError(name, message, params = {}) {
  return { code: ErrorCode[name] ?? null, name, message, params };
}

// Chromium: "Specified native messaging host not found."; Firefox: "No such native application …".
const kNotFoundPatterns = [/native messaging host not found/i, /no such native application/i];
const kForbiddenPatterns = [/access to the specified native messaging host is forbidden/i];

// Maps a browser's disconnect message to a transport error.
export function classifyDisconnect(message) {
  const text = String(message || 'The native host closed the connection.');
  if (kNotFoundPatterns.some((re) => re.test(text))) {
    return transportError(TransportError.HOST_NOT_FOUND, text);
  }
  if (kForbiddenPatterns.some((re) => re.test(text))) {
    return transportError(TransportError.HOST_FORBIDDEN, text);
  }
  return transportError(TransportError.HOST_DISCONNECTED, text);
}

export class HostError extends Error {
  constructor(error) {
    super(error.message);
    this.name = 'HostError';
    this.error = error;
  }
}
