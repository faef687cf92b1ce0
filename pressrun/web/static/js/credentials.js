// The API key the dashboard acts with, kept in this browser until the user signs out.

const KEY = 'pressrun.apiKey';
const ACCOUNT = 'pressrun.account';
const listeners = new Set();

export function apiKey() {
  return localStorage.getItem(KEY);
}

export function account() {
  try {
    return JSON.parse(localStorage.getItem(ACCOUNT) ?? 'null');
  } catch {
    return null;
  }
}

export function signIn(key, accountInfo) {
  localStorage.setItem(KEY, key);
  localStorage.setItem(ACCOUNT, JSON.stringify(accountInfo));
}

/** Forget the key; `reason` tells the sign-in page why (a refused key, say). */
export function signOut(reason = null) {
  const had = apiKey() !== null;
  localStorage.removeItem(KEY);
  localStorage.removeItem(ACCOUNT);
  if (had) for (const fn of [...listeners]) fn(reason);
}

export function onSignOut(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// Another tab signing out (or in with another key) applies here too.
window.addEventListener('storage', (event) => {
  if (event.key === KEY && event.newValue === null) {
    for (const fn of [...listeners]) fn(null);
  } else if (event.key === KEY) {
    window.location.reload();
  }
});
