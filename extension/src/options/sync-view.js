// Sync set-up (PROTOCOL.md "sync.status", "sync.run"): shows the host's sync status and runs a sync
// on request. The sync folder and keys are configured with the CLI; this page only reports and runs.
function line(doc, text, attrs = {}) {
  const p = doc.createElement('p');
  p.textContent = text;
  for (const [k, v] of Object.entries(attrs)) p.setAttribute(k, v);
  return p;
}

function describe(doc, status) {
  const box = doc.createDocumentFragment();
  for (const [key, value] of Object.entries(status)) {
    if (value === null || typeof value === 'object') continue;
    box.append(line(doc, `${key.replace(/_/g, ' ')}: ${value}`));
  }
  return box;
}

export async function setUpSync(doc, { callHost, types }) {
  const section = doc.getElementById('sync');
  const statusBox = doc.getElementById('sync-status');
  const button = doc.getElementById('sync-run');
  section.hidden = false;
  const refresh = async () => {
    const reply = await callHost('sync.status', {});
    statusBox.replaceChildren(reply.ok ? describe(doc, reply.result) : line(doc, `Sync is not available: ${reply.error.message}`));
  };
  button.hidden = !types.includes('sync.run');
  button.addEventListener('click', async () => {
    button.disabled = true;
    const reply = await callHost('sync.run', {});
    statusBox.append(line(doc, reply.ok ? 'Sync finished.' : `Sync failed: ${reply.error.message}`, { id: 'sync-result' }));
    button.disabled = false;
    await refresh();
  });
  await refresh();
}
