// Browses the archive (PROTOCOL.md "archive.history", "archive.diff"): documents -> versions -> the
// diff of a version against the one before it, with the provision changes of its change record on
// top and the blocks that hold their quotes highlighted. Built with DOM nodes only.
import { changeItems, severityRank, summaryOf } from '../shared/changes.js';

function el(doc, tag, attrs = {}, ...children) {
  const node = doc.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('data-') || key.startsWith('aria-')) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? doc.createTextNode(child) : child);
  }
  return node;
}

function select(list, item) {
  for (const li of list.children) li.setAttribute('aria-selected', String(li === item));
}

function errorLine(doc, reply) {
  return el(doc, 'p', { class: 'error' }, `The host answered: ${reply.error?.message ?? 'no result'}`);
}

// The quotes a change record is about; a diff block holding one of them is a provision change.
function changeQuotes(record) {
  return changeItems(record)
    .flatMap((item) => [item.before, item.after, item.before_quote, item.after_quote])
    .filter((q) => typeof q === 'string' && q.length >= 12)
    .map((q) => q.replace(/\s+/g, ' ').trim());
}

export function renderWords(doc, words) {
  return words.map((w) =>
    w.op === 'added' ? el(doc, 'ins', {}, w.text) : w.op === 'removed' ? el(doc, 'del', {}, w.text) : doc.createTextNode(w.text),
  );
}

export function renderChangeRecord(doc, record) {
  if (!record) return el(doc, 'p', { class: 'muted', id: 'no-change-record' }, 'No change in provisions was recorded for this version.');
  const items = [...changeItems(record)].sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
  return el(
    doc,
    'div',
    { id: 'change-record' },
    el(doc, 'p', { class: 'summary' }, record.source?.changed ? record.source.summary || record.summary : record.summary || ''),
    el(
      doc,
      'ul',
      {},
      ...items.map((item) =>
        el(
          doc,
          'li',
          { class: 'change', 'data-severity': item.severity || 'info', 'data-kind': item.kind || '' },
          el(doc, 'strong', {}, `${item.severity || 'info'}: `),
          summaryOf(item),
          item.before ? el(doc, 'div', {}, el(doc, 'del', {}, item.before)) : null,
          item.after ? el(doc, 'div', {}, el(doc, 'ins', {}, item.after)) : null,
        ),
      ),
    ),
  );
}

export function renderDiff(doc, diff) {
  const quotes = changeQuotes(diff.change);
  const holdsQuote = (text) => {
    const flat = (text || '').replace(/\s+/g, ' ').trim();
    if (flat.length < 12) return false;
    return quotes.some((q) => flat.includes(q) || q.includes(flat));
  };
  const blocks = diff.blocks.map((block) => {
    const provision = holdsQuote(block.before) || holdsQuote(block.after) || holdsQuote(block.text);
    const attrs = { class: 'diff-block', 'data-op': block.kind, 'data-provision': String(provision) };
    if (block.kind === 'changed' && Array.isArray(block.words)) return el(doc, 'div', attrs, ...renderWords(doc, block.words));
    if (block.kind === 'added') return el(doc, 'div', attrs, el(doc, 'ins', {}, block.after));
    if (block.kind === 'removed') return el(doc, 'div', attrs, el(doc, 'del', {}, block.before));
    return el(doc, 'div', attrs, block.text ?? block.after ?? '');
  });
  const stats = diff.stats || {};
  return el(
    doc,
    'div',
    {},
    el(doc, 'h3', {}, `Version ${diff.from?.id} → ${diff.to?.id}`),
    renderChangeRecord(doc, diff.change),
    el(doc, 'p', { class: 'muted' }, `${stats.added ?? 0} added, ${stats.removed ?? 0} removed, ${stats.changed ?? 0} changed blocks`),
    ...blocks,
    diff.next_offset !== null && diff.next_offset !== undefined ? el(doc, 'p', { class: 'muted' }, 'More changes follow; use the CLI: clausewatch diff') : null,
  );
}

export async function setUpArchive(doc, { callHost }) {
  const section = doc.getElementById('archive');
  const documents = doc.getElementById('documents');
  const versions = doc.getElementById('versions');
  const diffBox = doc.getElementById('diff');
  section.hidden = false;

  async function showDiff(from, to) {
    diffBox.replaceChildren(el(doc, 'p', { class: 'muted' }, 'Comparing…'));
    const reply = await callHost('archive.diff', { from, to });
    diffBox.replaceChildren(reply.ok ? renderDiff(doc, reply.result) : errorLine(doc, reply));
    diffBox.dataset.ready = '1';
  }

  async function showVersions(documentId) {
    versions.replaceChildren();
    const reply = await callHost('archive.history', { document_id: documentId });
    if (!reply.ok) return versions.append(errorLine(doc, reply));
    const list = reply.result.versions;  // newest first
    list.forEach((version, i) => {
      const previous = list[i + 1];
      const li = el(
        doc,
        'li',
        { 'data-version-id': String(version.id), 'data-meaningful': String(Boolean(version.meaningful)) },
        `${version.first_seen} · ${version.findings ?? 0} findings${version.verdict ? ` · ${version.verdict}` : ''}`,
      );
      if (previous) {
        li.addEventListener('click', () => {
          select(versions, li);
          showDiff(previous.id, version.id);
        });
      }
      versions.append(li);
    });
  }

  // Opened from the popup's "See the full diff": show that diff straight away.
  const params = new URLSearchParams(doc.defaultView.location.search);
  if (params.get('from') && params.get('to')) await showDiff(Number(params.get('from')), Number(params.get('to')));

  const reply = await callHost('archive.history', {});
  if (!reply.ok) return documents.append(errorLine(doc, reply));
  if (reply.result.documents.length === 0) {
    documents.append(el(doc, 'li', { class: 'muted' }, 'Nothing archived yet: open a terms or privacy page.'));
  }
  for (const d of reply.result.documents) {
    const li = el(doc, 'li', { 'data-document-id': String(d.id) }, `${d.service} · ${d.terms_type} (${d.versions})`);
    li.addEventListener('click', () => {
      select(documents, li);
      showVersions(d.id);
    });
    documents.append(li);
  }
}
