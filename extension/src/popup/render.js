// Renders a tab's state into the popup. Pure DOM building (no innerHTML), so page text can never
// become markup.
import { kInstallCommand } from '../shared/messages.js';
import { TransportError } from '../shared/transport-errors.js';
import { changeItems, changeRecordOf, kSeverityOrder, severityRank, summaryOf } from '../shared/changes.js';

const kSeverityTitles = Object.freeze({
  critical: 'Critical',
  warning: 'Warning',
  caution: 'Caution',
  info: 'Info',
});

function el(doc, tag, attrs = {}, ...children) {
  const node = doc.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('data-')) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? doc.createTextNode(child) : child);
  }
  return node;
}

function referenceText(ref) {
  if (typeof ref === 'string') return ref;
  return [ref.law, ref.article].filter(Boolean).join(', ');
}

// A short line naming what a banner finding rests on: control texts, toggle labels, cookie names.
export function evidenceText(evidence, limit = 5) {
  const names = [];
  const visit = (value) => {
    if (names.length >= limit || value === null || typeof value !== 'object') return;
    for (const key of ['text', 'label', 'name']) {
      if (typeof value[key] === 'string' && value[key] && !names.includes(value[key])) names.push(value[key]);
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(evidence);
  return names.length ? `Evidence: ${names.slice(0, limit).join(', ')}` : '';
}

// One list item per provision: title, reason and law once, then the quote of every place it was
// found (`quotes`: {text, times} in page order), so a clause repeated through a long document reads
// as one point.
export function renderFinding(doc, finding, quotes = finding.quote ? [{ text: finding.quote, times: 1, section: finding.section || '', scope: scopeOf(finding) }] : []) {
  const places = quotes.reduce((sum, q) => sum + q.times, 0);
  const protection = finding.polarity === 'protection';
  const refs = Array.isArray(finding.references) ? finding.references : [];
  return el(
    doc,
    'li',
    { class: 'finding', 'data-rule-id': finding.rule_id || '', 'data-criterion': finding.criterion || '', 'data-severity': finding.severity || 'info', 'data-polarity': protection ? 'protection' : 'risk', 'data-places': String(places) },
    el(
      doc,
      'div',
      {},
      protection
        ? el(doc, 'span', { class: 'severity good' }, 'Good news')
        : el(doc, 'span', { class: 'severity', 'data-severity': finding.severity || 'info' }, kSeverityTitles[finding.severity] || 'Info'),
      el(doc, 'span', { class: 'title' }, finding.title || finding.rule_id || 'Finding'),
      finding.criterion ? el(doc, 'span', { class: 'criterion muted' }, ` ${finding.criterion}`) : null,
      places > 1 ? el(doc, 'span', { class: 'places muted' }, ` · ${places} places`) : null,
    ),
    // The count of a repeated sentence is drawn by CSS from data-times, so the quote's text stays the page's words.
    // The section heading ("Business use", "For EU residents") is drawn by CSS from data-section, for the same reason.
    // Whom a clause applies to ("Applies to: People in California") is the pack's label, not the page's words, so it
    // is its own line under the quote. A scope read only from the heading is weaker: a regional part often restates
    // general practices, so it says where the quote sits ("In the part for: ...") rather than whom it binds.
    ...quotes.flatMap((q) => [
      el(doc, 'blockquote', { class: 'quote', 'data-times': String(q.times), ...(q.section ? { 'data-section': q.section } : {}) }, q.text),
      q.scope ? el(doc, 'p', { class: 'scope muted', 'data-scope-id': q.scope.id, 'data-scope-from': q.scope.from }, `${q.scope.from === 'section' ? 'In the part for' : 'Applies to'}: ${q.scope.label}`) : null,
    ]),
    finding.reason ? el(doc, 'p', { class: 'reason' }, finding.reason) : null,
    finding.evidence ? el(doc, 'p', { class: 'evidence muted' }, evidenceText(finding.evidence)) : null,
    refs.length ? el(doc, 'ul', { class: 'refs' }, ...refs.map((r) => el(doc, 'li', { class: 'ref' }, referenceText(r)))) : null,
  );
}

// Findings of one rule, in order of first appearance; a finding without a rule id stands alone.
function itemsOf(findings, groupByRule) {
  if (!groupByRule) return findings.map((f) => [f]);
  const groups = new Map();
  const items = [];
  for (const f of findings) {
    const group = f.rule_id ? groups.get(f.rule_id) : undefined;
    if (group) {
      group.push(f);
    } else {
      const fresh = [f];
      if (f.rule_id) groups.set(f.rule_id, fresh);
      items.push(fresh);
    }
  }
  return items;
}

// A finding's scope {id, label, from} when the host sent a well-formed one, else null.
function scopeOf(finding) {
  const scope = finding.scope;
  if (!scope || typeof scope.label !== 'string' || scope.label === '') return null;
  return { id: typeof scope.id === 'string' ? scope.id : '', label: scope.label, from: scope.from === 'section' ? 'section' : 'sentence' };
}

// The same sentence repeated (one per US state, say) is shown once, with its count.
function distinctQuotes(group) {
  const byText = new Map();
  for (const f of group) {
    if (!f.quote) continue;
    const seen = byText.get(f.quote);
    if (seen) seen.times += 1;
    else byText.set(f.quote, { text: f.quote, times: 1, section: typeof f.section === 'string' ? f.section : '', scope: scopeOf(f) });
  }
  return [...byText.values()];
}

function renderItems(doc, findings, groupByRule) {
  return itemsOf(findings, groupByRule).map((group) => renderFinding(doc, group[0], distinctQuotes(group)));
}

// Risks grouped by severity, most severe first; protections in their own "good news" section.
// Page findings are grouped by rule (headings count provisions); banner findings stay one per
// banner criterion, because each carries its own reason and evidence.
export function renderFindings(doc, findings, { idPrefix = 'findings', emptyText = 'No risky provisions found.', groupByRule = true } = {}) {
  const section = el(doc, 'section', { id: idPrefix });
  const risks = findings.filter((f) => f.polarity !== 'protection');
  const protections = findings.filter((f) => f.polarity === 'protection');
  if (risks.length === 0) section.append(el(doc, 'p', { class: 'muted empty' }, emptyText));
  for (const severity of kSeverityOrder) {
    const items = renderItems(doc, risks.filter((f) => (f.severity || 'info') === severity), groupByRule);
    if (items.length === 0) continue;
    section.append(
      el(doc, 'h2', { 'data-severity': severity }, `${kSeverityTitles[severity]} (${items.length})`),
      el(doc, 'ul', { class: 'findings', 'data-group': severity }, ...items),
    );
  }
  const unknown = risks.filter((f) => !kSeverityOrder.includes(f.severity || 'info'));
  if (unknown.length) section.append(el(doc, 'ul', { class: 'findings' }, ...renderItems(doc, unknown, groupByRule)));
  if (protections.length) {
    const items = renderItems(doc, protections, groupByRule);
    section.append(
      el(doc, 'h2', { class: 'good' }, `Good news (${items.length})`),
      el(doc, 'ul', { class: 'findings', 'data-group': 'protections' }, ...items),
    );
  }
  return section;
}

function renderNotInstalled(doc, error) {
  return el(
    doc,
    'section',
    { id: 'host-not-installed', class: 'not-installed' },
    el(doc, 'h2', {}, 'The ClauseWatch host is not installed'),
    el(doc, 'p', {}, 'ClauseWatch checks pages with a small program on this computer. Install it from the ClauseWatch folder with:'),
    el(doc, 'p', {}, el(doc, 'code', { id: 'install-command' }, kInstallCommand)),
    el(doc, 'p', { class: 'muted' }, `Browser said: ${error.message}`),
  );
}

function renderChanges(doc, changes) {
  const items = [...changeItems(changes)].sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
  if (changes?.source?.changed) {
    // Another URL or regional variant: say so rather than claim provisions were removed.
    return el(
      doc,
      'section',
      { id: 'changes', 'data-source-changed': 'true' },
      el(doc, 'h2', {}, 'Changed since your last visit'),
      el(doc, 'p', { class: 'source-change' }, changes.source.summary || 'This is a different version of the document (another address or region), not an edit of the one you saw.'),
    );
  }
  if (items.length === 0) return null;
  const diffLink =
    changes.from_version && changes.to_version
      ? el(doc, 'a', { id: 'diff-link', href: `../options/options.html?from=${Number(changes.from_version)}&to=${Number(changes.to_version)}`, target: '_blank' }, 'See the full diff')
      : null;
  return el(
    doc,
    'section',
    { id: 'changes' },
    el(doc, 'h2', {}, 'Changed since your last visit'),
    diffLink,
    el(
      doc,
      'ul',
      { class: 'findings' },
      ...items.map((item) =>
        el(
          doc,
          'li',
          { class: 'finding change', 'data-severity': item.severity || 'info', 'data-kind': item.kind || '' },
          el(doc, 'div', {}, el(doc, 'span', { class: 'severity', 'data-severity': item.severity || 'info' }, kSeverityTitles[item.severity] || 'Info'), el(doc, 'span', { class: 'title' }, summaryOf(item))),
          item.before_quote || item.before ? el(doc, 'blockquote', { class: 'quote before' }, `Before: ${item.before_quote || item.before}`) : null,
          item.after_quote || item.after ? el(doc, 'blockquote', { class: 'quote after' }, `Now: ${item.after_quote || item.after}`) : null,
        ),
      ),
    ),
  );
}

function renderBanners(doc, banners) {
  const judged = banners.filter((b) => b.result && b.result.banner_found !== false);
  if (judged.length === 0) return null;
  const findings = judged.flatMap((b) => (Array.isArray(b.result.findings) ? b.result.findings : []));
  const section = el(doc, 'section', { id: 'banner' }, el(doc, 'h2', {}, 'Cookie banner'));
  section.append(renderFindings(doc, findings, { idPrefix: 'banner-findings', emptyText: 'The cookie banner meets the checked criteria.', groupByRule: false }));
  return section;
}

// page.analyze sends each rule's text (title, reason, explanation, references) once, in
// result.rules keyed by rule id; each finding names its rule. A finding without an entry there
// (an older host sent the texts with every finding) is shown as it is.
export function withRuleTexts(result) {
  const findings = Array.isArray(result?.findings) ? result.findings : [];
  const rules = result?.rules && typeof result.rules === 'object' ? result.rules : {};
  return findings.map((f) => {
    const rule = Object.hasOwn(rules, f?.rule_id) ? rules[f.rule_id] : null;
    return rule ? { ...rule, ...f } : f;
  });
}

function isNotInstalled(error) {
  return error && error.name === TransportError.HOST_NOT_FOUND;
}

// state: the tab's state from the service worker; host: the reply to a ping ({ok, result|error}).
export function renderPopup(doc, { state, host }) {
  const main = doc.getElementById('content');
  const summary = doc.getElementById('page-summary');
  main.replaceChildren();
  const page = state.page || { status: 'none' };
  const hostError = host && !host.ok ? host.error : null;
  const pageError = page.status === 'error' ? page.error : null;

  if (isNotInstalled(hostError) || isNotInstalled(pageError)) {
    main.append(renderNotInstalled(doc, hostError || pageError));
    doc.body.dataset.state = 'host-not-installed';
  } else if (page.status === 'done') {
    const findings = withRuleTexts(page.result);
    summary.textContent = page.title && page.docType && page.title.includes(page.docType) ? page.title : [page.docType, page.title].filter(Boolean).join(': ');
    const changes = renderChanges(doc, changeRecordOf(page.result));
    if (changes) main.append(changes);
    main.append(renderFindings(doc, findings));
    if (page.result?.truncated) main.append(el(doc, 'p', { class: 'muted' }, 'More findings than shown; see the archive for all.'));
    doc.body.dataset.state = 'findings';
  } else if (pageError) {
    main.append(el(doc, 'p', { id: 'page-error', class: 'error' }, `The host could not check this page: ${pageError.message}`));
    doc.body.dataset.state = 'error';
  } else if (page.status === 'pending') {
    main.append(el(doc, 'p', { class: 'muted' }, 'Still checking this page…'));
    doc.body.dataset.state = 'pending';
  } else {
    main.append(el(doc, 'p', { class: 'muted', id: 'not-legal' }, 'This page is not a terms, privacy or cookie policy page.'));
    doc.body.dataset.state = 'none';
  }
  const banner = renderBanners(doc, state.banners || []);
  if (banner && !isNotInstalled(hostError)) main.append(banner);
  if (host && host.ok) {
    const rules = host.result.rule_pack?.version;
    main.append(el(doc, 'p', { class: 'muted', id: 'host-version' }, `Host ${host.result.version}${rules !== undefined ? ` · rule pack ${rules}` : ''}`));
  }
}
