// Reading a change record (page.analyze `changes`, archive.changes) for display. The archive module
// defines the record; this reads only the fields the popup and the notification show.

export const kSeverityOrder = Object.freeze(['critical', 'warning', 'caution', 'info']);

export function severityRank(severity) {
  const rank = kSeverityOrder.indexOf(severity);
  return rank < 0 ? kSeverityOrder.length : rank;
}

// The change record in a page.analyze result: the archive puts it at result.archive.changes (null
// when the version is not new or nothing meaningful changed).
export function changeRecordOf(result) {
  if (!result) return null;
  return result.changes ?? result.archive?.changes ?? null;
}

// The items of a change record, whichever container it uses.
export function changeItems(changes) {
  if (!changes) return [];
  if (Array.isArray(changes)) return changes;
  if (Array.isArray(changes.items)) return changes.items;
  if (Array.isArray(changes.changes)) return changes.changes;
  return [];
}

export function summaryOf(item) {
  return item.summary || item.title || item.kind || 'Changed';
}

// The most severe change, for the notification.
export function topChange(changes) {
  const items = changeItems(changes);
  if (items.length === 0) return null;
  const sorted = [...items].sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
  return { ...sorted[0], summary: summaryOf(sorted[0]) };
}
