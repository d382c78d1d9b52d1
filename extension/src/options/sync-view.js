// Sync (PROTOCOL.md "sync.init", "sync.join", "sync.status", "sync.run"). Before sync is set up this
// section offers to create a sync folder or join one; afterwards it shows the folder, the last sync,
// the devices and any problems, and runs a sync on request.
//
// Secrets: the passphrase and recovery code typed here go to the host once, in the request, and the
// fields are cleared as soon as it is sent. The recovery code returned by sync.init is shown once and
// never stored by this page.

function el(doc, tag, text = '', attrs = {}) {
  const node = doc.createElement(tag);
  if (text) node.textContent = text;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function field(doc, id, label, attrs = {}) {
  const wrap = el(doc, 'p');
  const input = el(doc, 'input', '', { id, name: id, ...attrs });
  const lab = el(doc, 'label', label, { for: id });
  wrap.append(lab, ' ', input);
  return { wrap, input };
}

function when(ms) {
  if (!ms) return 'never';
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? 'unknown' : date.toLocaleString();
}

// Problems worth the user's attention, from the status and the last run, as plain sentences.
export function syncProblems(status) {
  const out = [];
  if (status.folder_available === false && status.folder_error) out.push(status.folder_error.message);
  for (const p of status.problems ?? []) out.push(p);
  const last = status.last_run;
  if (last) {
    for (const r of last.refused ?? []) out.push(r.error?.message ?? `${r.file} was refused`);
    for (const p of last.pending ?? []) out.push(`${p.file}: ${p.reason}`);
    for (const p of last.problems ?? []) if (!out.includes(p)) out.push(p);
  }
  for (const s of status.skipped ?? []) out.push(`${s.file}: ${s.reason}`);
  return out;
}

function describeLastRun(last) {
  if (!last) return 'Last sync: never.';
  const imported = (last.imported ?? []).reduce((n, i) => n + (i.added ?? 0), 0);
  const published = (last.published ?? []).reduce((n, p) => n + (p.records ?? 0), 0);
  const verdict = last.ok ? 'completed' : 'completed with refused bundles';
  return `Last sync ${when(last.finished_ms)}: ${verdict}; ${imported} records received, ${published} sent.`;
}

function renderConfigured(doc, status) {
  const box = el(doc, 'div', '', { id: 'sync-summary' });
  box.append(el(doc, 'p', `Folder: ${status.folder}${status.folder_available === false ? ' (not available)' : ''}`, { id: 'sync-folder' }));
  box.append(el(doc, 'p', `This device: ${status.device_name}`, { id: 'sync-this-device' }));
  box.append(el(doc, 'p', describeLastRun(status.last_run), { id: 'sync-last' }));
  const table = el(doc, 'table', '', { id: 'sync-devices' });
  const head = el(doc, 'tr');
  for (const h of ['Device', 'Enrolled', 'Bundles', 'State']) head.append(el(doc, 'th', h));
  table.append(head);
  for (const d of status.devices ?? []) {
    const row = el(doc, 'tr', '', { 'data-device': d.device });
    const state = d.revoked ? 'revoked: its new bundles are refused' : d.this_device ? 'this device' : d.behind > 0 ? `${d.behind} not yet imported` : 'up to date';
    for (const cell of [d.name, when(d.enrolled_ms), String(d.latest_seq), state]) row.append(el(doc, 'td', cell));
    table.append(row);
  }
  box.append(el(doc, 'h3', 'Devices'), table);
  const problems = syncProblems(status);
  const list = el(doc, 'ul', '', { id: 'sync-problems' });
  for (const p of problems) list.append(el(doc, 'li', p));
  box.append(el(doc, 'h3', problems.length ? 'Problems' : 'No problems'), list);
  return box;
}

function renderSetup(doc, { callHost, onDone, showError }) {
  const box = el(doc, 'div', '', { id: 'sync-setup' });
  box.append(el(doc, 'p', 'Sync keeps one archive across your browsers through a folder that Syncthing, Nextcloud, Dropbox or a USB stick moves between machines. Everything in it is encrypted on this computer.'));

  // Create a new sync folder.
  const init = el(doc, 'form', '', { id: 'sync-init-form' });
  init.append(el(doc, 'h3', 'Set up a new sync folder'));
  const initFolder = field(doc, 'sync-init-folder', 'Folder (absolute path)', { type: 'text', required: '', placeholder: '/home/you/Sync/clausewatch' });
  const initPass = field(doc, 'sync-init-passphrase', 'Passphrase', { type: 'password', autocomplete: 'new-password' });
  const initPass2 = field(doc, 'sync-init-passphrase2', 'Passphrase again', { type: 'password', autocomplete: 'new-password' });
  const initName = field(doc, 'sync-init-name', 'This device’s name', { type: 'text' });
  init.append(initFolder.wrap, initPass.wrap, initPass2.wrap, initName.wrap,
    el(doc, 'p', 'Leave the passphrase empty to open the folder with the recovery code alone.', { class: 'muted' }),
    el(doc, 'button', 'Create sync folder', { id: 'sync-init-submit', type: 'submit' }));
  init.addEventListener('submit', async (event) => {
    event.preventDefault();
    const passphrase = initPass.input.value;
    if (passphrase !== initPass2.input.value) {
      showError('The two passphrases differ.');
      return;
    }
    const payload = { folder: initFolder.input.value.trim() };
    if (passphrase) payload.passphrase = passphrase;
    else payload.no_passphrase = true;
    if (initName.input.value.trim()) payload.device_name = initName.input.value.trim();
    initPass.input.value = '';
    initPass2.input.value = '';
    const reply = await callHost('sync.init', payload);
    if (!reply.ok) {
      showError(reply.error.message);
      return;
    }
    const shown = el(doc, 'div', '', { id: 'sync-recovery', role: 'alert' });
    shown.append(
      el(doc, 'p', 'Sync folder created. Write down this recovery code now: it opens the folder if the passphrase is lost, and it is not shown again.'),
      el(doc, 'code', reply.result.recovery_code, { id: 'sync-recovery-code' }),
      el(doc, 'button', 'I have saved it', { id: 'sync-recovery-done', type: 'button' }));
    shown.querySelector('#sync-recovery-done').addEventListener('click', () => onDone());
    box.replaceChildren(shown);
  });

  // Join a folder another device created.
  const join = el(doc, 'form', '', { id: 'sync-join-form' });
  join.append(el(doc, 'h3', 'Join an existing sync folder'));
  const joinFolder = field(doc, 'sync-join-folder', 'Folder (absolute path)', { type: 'text', required: '' });
  const kindWrap = el(doc, 'p');
  const kind = el(doc, 'select', '', { id: 'sync-join-kind' });
  kind.append(el(doc, 'option', 'Passphrase', { value: 'passphrase' }), el(doc, 'option', 'Recovery code', { value: 'recovery_code' }));
  kindWrap.append(el(doc, 'label', 'Open with', { for: 'sync-join-kind' }), ' ', kind);
  const joinSecret = field(doc, 'sync-join-secret', 'Passphrase or recovery code', { type: 'password', autocomplete: 'off', required: '' });
  const joinName = field(doc, 'sync-join-name', 'This device’s name', { type: 'text' });
  join.append(joinFolder.wrap, kindWrap, joinSecret.wrap, joinName.wrap, el(doc, 'button', 'Join', { id: 'sync-join-submit', type: 'submit' }));
  join.addEventListener('submit', async (event) => {
    event.preventDefault();
    const payload = { folder: joinFolder.input.value.trim(), [kind.value]: joinSecret.input.value };
    if (joinName.input.value.trim()) payload.device_name = joinName.input.value.trim();
    joinSecret.input.value = '';
    const reply = await callHost('sync.join', payload);
    if (!reply.ok) {
      showError(reply.error.message);
      return;
    }
    await onDone();
  });

  box.append(init, join);
  return box;
}

export async function setUpSync(doc, { callHost, types }) {
  const section = doc.getElementById('sync');
  const statusBox = doc.getElementById('sync-status');
  const button = doc.getElementById('sync-run');
  const message = el(doc, 'p', '', { id: 'sync-message', 'aria-live': 'polite' });
  section.hidden = false;
  const canSetUp = types.includes('sync.init') && types.includes('sync.join');
  const showError = (text) => {
    message.textContent = text;
    message.className = 'error';
  };

  const refresh = async () => {
    const reply = await callHost('sync.status', {});
    message.textContent = '';
    message.className = '';
    if (!reply.ok) {
      button.hidden = true;
      statusBox.replaceChildren(el(doc, 'p', `Sync is not available: ${reply.error.message}`), message);
      return;
    }
    const status = reply.result;
    if (!status.configured) {
      button.hidden = true;
      statusBox.replaceChildren(
        canSetUp ? renderSetup(doc, { callHost, onDone: refresh, showError }) : el(doc, 'p', 'Sync is not set up; run: clausewatch sync init --folder DIR'),
        message);
      return;
    }
    button.hidden = !types.includes('sync.run');
    statusBox.replaceChildren(renderConfigured(doc, status), message);
  };

  button.addEventListener('click', async () => {
    button.disabled = true;
    const reply = await callHost('sync.run', {});
    button.disabled = false;
    await refresh();
    if (reply.ok) {
      message.textContent = reply.result.ok ? 'Sync finished.' : 'Sync finished, but some bundles were refused (see Problems).';
    } else {
      showError(`Sync failed: ${reply.error.message}`);
    }
  });
  await refresh();
}
