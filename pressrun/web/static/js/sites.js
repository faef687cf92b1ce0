// The account's sites, and which one the pages are about: the one in the address, else the one
// last picked in this browser, else the first.

import { api } from './api.js';

const LAST = 'pressrun.site';
let cached = null;

export async function loadSites({ fresh = false, signal } = {}) {
  if (!cached || fresh) cached = await api.get('/api/v1/sites', { signal });
  return cached;
}

export function forgetSites() {
  cached = null;
}

export function rememberSite(id) {
  localStorage.setItem(LAST, String(id));
}

/** The site to show for a requested ID (possibly none or stale), or null when there is none. */
export function chooseSite(sites, requested) {
  const byId = (id) => sites.find((s) => String(s.id) === String(id));
  const site = (requested && byId(requested)) || byId(localStorage.getItem(LAST)) || sites[0];
  if (site) rememberSite(site.id);
  return site ?? null;
}
