// For the service worker (owned by the extension helper): fills a banner snapshot's cookies_before
// from the cookies API before it is forwarded to the host as banner.analyze. The content script can
// only see document.cookie (no HttpOnly, no third-party cookies); the cookies API sees the whole jar
// for the page's URL, which is what "set before any choice" needs (criterion CB-12).
//
//   import { addCookiesBefore } from '../content/banner/sw-cookies.js';
//   const snapshot = await addCookiesBefore(api, message.snapshot, sender.tab);
//
// Needs the "cookies" permission and host permissions for the pages (already required for capture).
// Only names and domains leave this function; cookie values never do.

const MAX_COOKIES = 2000; // the host refuses more than limits::kMaxBannerCookies (5,000)

function registrableSuffix(hostname) {
  const parts = String(hostname || '').split('.');
  return parts.slice(-2).join('.');
}

export async function addCookiesBefore(api, snapshot, tab) {
  if (!snapshot || !api || !api.cookies || !api.cookies.getAll) return snapshot;
  const pageUrl = (tab && tab.url) || snapshot.url;
  let pageHost = '';
  try {
    pageHost = new URL(pageUrl).hostname;
  } catch (e) {
    return snapshot;
  }
  const query = { url: pageUrl };
  if (tab && tab.cookieStoreId) query.storeId = tab.cookieStoreId; // Firefox containers
  let cookies = [];
  try {
    cookies = await api.cookies.getAll(query);
  } catch (e) {
    return snapshot; // no permission for this site: judge without the jar
  }
  const site = registrableSuffix(pageHost);
  snapshot.cookies_before = cookies.slice(0, MAX_COOKIES).map((c) => ({
    name: c.name,
    domain: c.domain,
    third_party: registrableSuffix(c.domain.replace(/^\./, '')) !== site,
  }));
  return snapshot;
}
