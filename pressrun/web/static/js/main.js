// The dashboard's frame: sign-in gate, the header (pages, site picker, account) and each page's
// life from loading to leaving.

import { UnreachableError } from './api.js';
import { connection } from './connection.js';
import { account, apiKey, onSignOut, signOut } from './credentials.js';
import { fill, h } from './dom.js';
import { automationPage } from './pages/automation.js';
import { contentPage } from './pages/content.js';
import { overviewPage } from './pages/overview.js';
import { runDetailPage } from './pages/run-detail.js';
import { settingsPage } from './pages/settings.js';
import { signInPage } from './pages/sign-in.js';
import { match, navigate, route, startRouter } from './router.js';
import { chooseSite, forgetSites, loadSites } from './sites.js';

// Each page: where the site comes from (the query's `site`, or the path), and its address for
// another site (what the site picker opens).
const PAGES = {
  automation: {
    page: automationPage,
    title: 'Automation',
    href: (site) => `/automation?site=${site}`,
  },
  overview: {
    page: overviewPage,
    title: 'Run history',
    href: (site) => `/automation/overview?site=${site}`,
  },
  run: {
    page: runDetailPage,
    title: 'Run',
    href: (site) => `/automation/overview?site=${site}`,
    nav: 'overview',
  },
  settings: {
    page: settingsPage,
    title: 'Settings',
    href: (site) => `/sites/${site}/settings`,
    sitePath: true,
  },
  content: {
    page: contentPage,
    title: 'Content',
    href: (site) => `/sites/${site}/content`,
    sitePath: true,
  },
};

route(/^\/$/, 'home');
route(/^\/automation\/?$/, 'automation');
route(/^\/automation\/overview\/?$/, 'overview');
route(/^\/automation\/runs\/([^/]+)\/?$/, 'run');
route(/^\/sites\/(\d+)\/settings\/?$/, 'settings');
route(/^\/sites\/(\d+)\/content\/?$/, 'content');

const main = document.getElementById('main');
let current = null;
let signOutReason = null;

function leavePage() {
  if (!current) return;
  current.controller.abort();
  for (const fn of current.disposers.splice(0)) {
    try {
      fn();
    } catch {
      // A page's clean-up must not stop the next page from drawing.
    }
  }
  current = null;
}

function showLoading() {
  main.setAttribute('aria-busy', 'true');
  fill(main, h('p', { class: 'loading' }, 'Loading…'));
}

function show(node, { title, initial }) {
  document.title = title ? `${title} · pressrun` : 'pressrun';
  fill(main, node);
  main.setAttribute('aria-busy', 'false');
  if (!initial) {
    // A page change moves focus to the new page's heading, as a full load would.
    const heading = main.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  }
}

function drawHeader(kind, site, sites) {
  const nav = document.getElementById('nav');
  const picker = document.getElementById('site-picker');
  const accountBox = document.getElementById('account');
  if (!site) {
    nav.hidden = true;
    picker.hidden = true;
  } else {
    const here = PAGES[kind]?.nav ?? kind;
    fill(
      nav,
      h(
        'ul',
        null,
        ['automation', 'overview', 'settings', 'content'].map((name) =>
          h(
            'li',
            null,
            h(
              'a',
              { href: PAGES[name].href(site.id), 'aria-current': name === here ? 'page' : null },
              PAGES[name].title,
            ),
          ),
        ),
      ),
    );
    nav.hidden = false;
    const select = h(
      'select',
      {
        id: 'site-select',
        onchange: (event) => navigate(PAGES[kind].href(event.target.value)),
      },
      sites.map((s) => h('option', { value: s.id, selected: s.id === site.id }, s.name)),
    );
    fill(picker, h('label', { for: 'site-select' }, 'Site'), select);
    picker.hidden = false;
  }
  const who = account();
  fill(
    accountBox,
    h('span', { class: 'account-name' }, who?.name ?? 'Signed in'),
    h('button', { type: 'button', class: 'link-button', onclick: () => signOut() }, 'Sign out'),
  );
  accountBox.hidden = false;
}

function hideHeader() {
  for (const id of ['nav', 'site-picker', 'account']) document.getElementById(id).hidden = true;
}

function failure(err, retry) {
  const unreachable = err instanceof UnreachableError;
  return h(
    'div',
    { class: 'page' },
    h('h1', null, unreachable ? 'Waiting for the API' : 'Something went wrong'),
    h('p', { class: 'error-text' }, err.message),
    unreachable ? h('p', null, 'This page loads by itself when the API answers again.') : null,
    h('button', { type: 'button', onclick: retry }, 'Try again'),
  );
}

function noSites() {
  return h(
    'div',
    { class: 'page' },
    h('h1', null, 'No sites yet'),
    h(
      'p',
      null,
      'This account has no sites. Create one with the API (',
      h('code', null, 'POST /api/v1/sites'),
      ', then import keywords), or run ',
      h('code', null, 'python3 run.py demo'),
      ' for a demo site, and reload this page.',
    ),
  );
}

async function render({ initial }) {
  leavePage();
  const here = new URL(window.location.href);
  const found = match(here.pathname);
  if (!found || found.page === 'home') {
    navigate('/automation', { replace: true });
    return;
  }
  const controller = new AbortController();
  const page = { controller, disposers: [] };
  current = page;
  const onDispose = (fn) => page.disposers.push(fn);
  const retry = () => {
    if (current === page) render({ initial: false });
  };

  if (!apiKey()) {
    hideHeader();
    showLoading();
    const reason = signOutReason;
    signOutReason = null;
    const node = await signInPage({
      signal: controller.signal,
      onDispose,
      reason,
      done: () => {
        forgetSites();
        render({ initial: false });
      },
    });
    if (current === page) show(node, { title: 'Sign in', initial });
    return;
  }

  const spec = PAGES[found.page];
  showLoading();
  try {
    const sites = await loadSites({ signal: controller.signal });
    const requested = spec.sitePath ? found.params[0] : here.searchParams.get('site');
    const site = spec.sitePath
      ? (sites.find((s) => String(s.id) === requested) ?? null)
      : chooseSite(sites, requested);
    if (current !== page) return;
    if (!site) {
      drawHeader(found.page, null, sites);
      const missing = sites.length && spec.sitePath;
      show(
        missing
          ? h('div', { class: 'page' }, h('h1', null, 'Site not found'), h('p', null, `This account has no site ${requested}.`))
          : noSites(),
        { title: 'No site', initial },
      );
      return;
    }
    if (spec.sitePath) chooseSite(sites, site.id);
    else if (here.searchParams.get('site') !== String(site.id)) {
      here.searchParams.set('site', site.id);
      window.history.replaceState(null, '', here);
    }
    drawHeader(found.page, site, sites);
    const node = await spec.page({
      site,
      sites,
      params: found.params,
      query: here.searchParams,
      signal: controller.signal,
      onDispose,
    });
    if (current !== page) return;
    show(node, { title: node.dataset?.title ?? spec.title, initial });
  } catch (err) {
    if (err.name === 'AbortError' || current !== page) return;
    show(failure(err, retry), { title: 'Error', initial });
    if (err instanceof UnreachableError) onDispose(connection.onBack(retry));
  }
}

onSignOut((reason) => {
  signOutReason = reason;
  forgetSites();
  render({ initial: false });
});

startRouter(render);
