// The options page: host status (also the welcome page after install), the archive browser and the
// sync set-up. Each part appears only when the host serves its message types.
import { ToServiceWorker, kInstallCommand } from '../shared/messages.js';
import { TransportError } from '../shared/transport-errors.js';
import { setUpArchive } from './archive-view.js';
import { setUpSync } from './sync-view.js';

const ext = globalThis.browser ?? globalThis.chrome;

export function callHost(type, payload = {}) {
  return ext.runtime.sendMessage({ kind: ToServiceWorker.HOST_CALL, type, payload });
}

function text(tag, content, attrs = {}) {
  const node = document.createElement(tag);
  node.textContent = content;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function renderHostStatus(reply) {
  const section = document.getElementById('host-status');
  section.replaceChildren();
  if (reply.ok) {
    section.append(text('p', `The ClauseWatch host ${reply.result.version} is installed and answering.`, { id: 'host-ok' }));
    return;
  }
  const error = reply.error;
  if (error.name === TransportError.HOST_NOT_FOUND) {
    const box = document.createElement('div');
    box.className = 'not-installed';
    box.id = 'host-not-installed';
    const command = text('code', kInstallCommand, { id: 'install-command' });
    const p = text('p', 'Install the host from the ClauseWatch folder with ');
    p.append(command);
    box.append(text('h2', 'The ClauseWatch host is not installed'), p, text('p', `Browser said: ${error.message}`, { class: 'muted' }));
    section.append(box);
  } else {
    section.append(text('p', `The host did not answer: ${error.message}`, { id: 'host-error' }));
  }
}

async function main() {
  const reply = await ext.runtime.sendMessage({ kind: ToServiceWorker.HOST_STATUS });
  renderHostStatus(reply);
  const types = reply.ok ? reply.result.types : [];
  const parts = [];
  if (types.includes('archive.history')) parts.push(setUpArchive(document, { callHost, types }));
  if (types.includes('sync.status')) parts.push(setUpSync(document, { callHost, types }));
  await Promise.allSettled(parts);
  document.body.dataset.ready = '1';
}

main().catch((e) => {
  document.getElementById('host-status').append(text('p', `Error: ${e.message}`));
  document.body.dataset.ready = '1';
});
