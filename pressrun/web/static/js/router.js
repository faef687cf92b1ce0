// Moving between pages without reloading: addresses stay real (each one loads the same shell
// from the server), so reload, back, forward and shared links all work.

const routes = [];
let render = () => {};

export function route(pattern, page) {
  routes.push({ pattern, page });
}

export function match(pathname) {
  for (const { pattern, page } of routes) {
    const found = pattern.exec(pathname);
    if (found) return { page, params: found.slice(1).map(decodeURIComponent) };
  }
  return null;
}

export function navigate(url, { replace = false } = {}) {
  const target = new URL(url, window.location.origin);
  const same = target.pathname === window.location.pathname && target.search === window.location.search;
  if (replace || same) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  render({ initial: false });
}

/** Change the address's query without drawing the page again (filters, selections). */
export function setQuery(values) {
  const url = new URL(window.location.href);
  for (const [name, value] of Object.entries(values)) {
    if (value === null || value === undefined || value === '') url.searchParams.delete(name);
    else url.searchParams.set(name, String(value));
  }
  window.history.replaceState(null, '', url);
}

export function startRouter(onRender) {
  render = onRender;
  window.addEventListener('popstate', () => render({ initial: false }));
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest('a[href]');
    if (!link || link.target || link.hasAttribute('download')) return;
    const url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin || !match(url.pathname)) return;
    event.preventDefault();
    navigate(url);
  });
  render({ initial: true });
}
