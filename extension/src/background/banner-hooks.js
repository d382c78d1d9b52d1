// Service-worker hooks of the cookie-banner module. This is the fallback used when the module has
// no service-worker part; tools/build.mjs replaces this file in the build with a re-export of
// content/banner/sw-cookies.js when that file exists.

// Fills snapshot.cookies_before from the cookies API (criterion CB-12); without the module, the
// snapshot goes to the host as the content script made it.
export async function addCookiesBefore(api, snapshot) {
  return snapshot;
}
