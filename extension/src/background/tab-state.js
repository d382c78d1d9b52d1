// What ClauseWatch knows about each tab: the page.analyze reply for its legal page, the banner.analyze
// replies of its frames, and the badge derived from them. Kept in memory and mirrored to
// storage.session so a restarted service worker still answers the popup.

export const PageStatus = Object.freeze({
  NONE: 'none',  // no legal page captured in this tab
  PENDING: 'pending',  // captured, waiting for the host
  DONE: 'done',
  ERROR: 'error',
});

export function emptyTabState(url = '') {
  return { url, page: { status: PageStatus.NONE }, banners: [] };
}

// Risks are warnings; protections are good news and are not counted.
export function countRisks(findings) {
  if (!Array.isArray(findings)) return 0;
  return findings.filter((f) => f && f.polarity !== 'protection').length;
}

export function badgeCount(state) {
  let count = 0;
  if (state.page.status === PageStatus.DONE) count += countRisks(state.page.result?.findings);
  for (const banner of state.banners) count += countRisks(banner.result?.findings);
  return count;
}

// Two URLs that differ only in the fragment are the same document (pitfall 9: the content script
// does not run again for them, so their state must survive).
export function sameDocument(a, b) {
  if (!a || !b) return false;
  return a.split('#')[0] === b.split('#')[0];
}

export class TabStates {
  // storage: a StorageArea (storage.session) or null; action: the browser's action API or null.
  constructor({ storage = null, action = null } = {}) {
    this.storage_ = storage;
    this.action_ = action;
    this.tabs_ = new Map();
  }

  key_(tabId) {
    return `tab:${tabId}`;
  }

  async get(tabId) {
    if (this.tabs_.has(tabId)) return this.tabs_.get(tabId);
    if (this.storage_) {
      const key = this.key_(tabId);
      const stored = await this.storage_.get(key);
      if (stored && stored[key]) {
        this.tabs_.set(tabId, stored[key]);
        return stored[key];
      }
    }
    return emptyTabState();
  }

  async update(tabId, mutate) {
    const state = structuredClone(await this.get(tabId));
    mutate(state);
    this.tabs_.set(tabId, state);
    if (this.storage_) await this.storage_.set({ [this.key_(tabId)]: state });
    await this.paintBadge(tabId, state);
    return state;
  }

  async clear(tabId, url = '') {
    this.tabs_.set(tabId, emptyTabState(url));
    if (this.storage_) await this.storage_.remove(this.key_(tabId));
    await this.paintBadge(tabId, this.tabs_.get(tabId));
  }

  async forget(tabId) {
    this.tabs_.delete(tabId);
    if (this.storage_) await this.storage_.remove(this.key_(tabId));
  }

  async paintBadge(tabId, state) {
    if (!this.action_) return;
    const count = badgeCount(state);
    const hostMissing = state.page.status === PageStatus.ERROR;
    const text = count > 0 ? String(count) : hostMissing ? '!' : '';
    try {
      await this.action_.setBadgeText({ tabId, text });
      if (text) {
        await this.action_.setBadgeBackgroundColor({ tabId, color: count > 0 ? '#b3261e' : '#7a5d00' });
      }
      const title =
        count > 0
          ? `ClauseWatch: ${count} finding${count === 1 ? '' : 's'} on this page`
          : hostMissing
            ? `ClauseWatch: ${state.page.error?.message || 'the host could not check this page'}`
            : 'ClauseWatch';
      await this.action_.setTitle({ tabId, title });
    } catch {
      // The tab closed while the host was working; there is no badge left to paint.
    }
  }
}
