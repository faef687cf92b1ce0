// Run history (/automation/overview): the site's runs, filtered by status and start date, a page
// at a time; each run opens its detail page. Filters live in the address, so they survive a
// reload and can be shared.

import { ApiError, api } from '../api.js';
import { connection } from '../connection.js';
import { field, fill, h, setFieldError } from '../dom.js';
import { badge, credits, duration, shortId, statusLabel, when } from '../format.js';
import { navigate } from '../router.js';
import { runHref } from '../run-views.js';

const STATUSES = ['running', 'paused', 'completed', 'cancelled', 'failed', 'skipped'];
const PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

function runDuration(run) {
  if (!run.started_at) return '—';
  const end = run.completed_at ? new Date(run.completed_at) : new Date();
  return duration((end - new Date(run.started_at)) / 1000);
}

export async function overviewPage({ site, query, signal, onDispose }) {
  const filters = {
    status: STATUSES.includes(query.get('status')) ? query.get('status') : '',
    date_from: query.get('from') ?? '',
    date_to: query.get('to') ?? '',
    offset: Math.max(0, Number.parseInt(query.get('offset') ?? '0', 10) || 0),
    limit: Math.min(MAX_PAGE_SIZE, Math.max(1, Number.parseInt(query.get('limit') ?? '', 10) || PAGE_SIZE)),
  };

  const status = h(
    'select',
    { name: 'status' },
    h('option', { value: '' }, 'Any status'),
    STATUSES.map((s) => h('option', { value: s, selected: s === filters.status }, statusLabel(s))),
  );
  const from = h('input', { type: 'date', name: 'from', value: filters.date_from });
  const to = h('input', { type: 'date', name: 'to', value: filters.date_to });
  const results = h('div', { class: 'results', 'aria-live': 'polite' });

  function address(changes) {
    const next = { ...filters, ...changes };
    const params = new URLSearchParams({ site: site.id });
    if (next.status) params.set('status', next.status);
    if (next.date_from) params.set('from', next.date_from);
    if (next.date_to) params.set('to', next.date_to);
    if (next.offset) params.set('offset', next.offset);
    if (next.limit !== PAGE_SIZE) params.set('limit', next.limit);
    return `/automation/overview?${params}`;
  }

  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      'aria-label': 'Filter runs',
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        setFieldError(from, null);
        setFieldError(to, null);
        if (from.value && to.value && from.value > to.value) {
          setFieldError(to, 'The end date is before the start date.');
          to.focus();
          return;
        }
        navigate(address({ status: status.value, date_from: from.value, date_to: to.value, offset: 0 }));
      },
    },
    field('Status', status),
    field('Started from', from),
    field('Started to', to, { hint: 'Dates are UTC days.' }),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
      h('a', { class: 'button', href: `/automation/overview?site=${site.id}` }, 'Clear'),
    ),
  );

  async function load() {
    let body;
    try {
      body = await api.get('/api/v1/automation/history/', {
        query: {
          site_id: site.id,
          status: filters.status,
          // Whole UTC days, spelled out: the API reads a bare date as that day's midnight.
          date_from: filters.date_from ? `${filters.date_from}T00:00:00Z` : '',
          date_to: filters.date_to ? `${filters.date_to}T23:59:59.999999Z` : '',
          limit: filters.limit,
          offset: filters.offset,
        },
        signal,
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        for (const e of err.fieldErrors) {
          const name = e.loc?.[e.loc.length - 1];
          if (name === 'date_from') setFieldError(from, e.msg);
          if (name === 'date_to') setFieldError(to, e.msg);
        }
        return h('p', { class: 'error-text' }, err.message);
      }
      throw err;
    }
    return drawResults(body);
  }

  function drawResults(body) {
    if (!body.items.length) {
      return h('p', { class: 'empty' }, body.total ? 'No runs on this page.' : 'No runs match these filters.');
    }
    const first = body.offset + 1;
    const last = body.offset + body.items.length;
    const table = h(
      'table',
      { class: 'runs' },
      h('caption', null, `Runs ${first}–${last} of ${body.total}, newest first`),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Run', 'Status', 'Started', 'Trigger', 'Stage', 'Credits', 'Duration'].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      h(
        'tbody',
        null,
        body.items.map((run) =>
          h(
            'tr',
            { 'data-status': run.status },
            h(
              'th',
              { scope: 'row' },
              h('a', { href: runHref(site.id, run.run_id) }, `Run ${shortId(run.run_id)}`),
            ),
            h('td', null, badge(run.status)),
            h('td', null, when(run.started_at)),
            h('td', null, statusLabel(run.trigger_type)),
            h('td', null, String(run.current_stage)),
            h('td', { class: 'num' }, credits(run.total_credits_used)),
            h('td', { class: 'num' }, runDuration(run)),
          ),
        ),
      ),
    );
    const pager = h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages of runs' },
      body.offset > 0
        ? h('a', { class: 'button', href: address({ offset: Math.max(0, body.offset - filters.limit) }), rel: 'prev' }, 'Newer runs')
        : null,
      last < body.total
        ? h('a', { class: 'button', href: address({ offset: body.offset + filters.limit }), rel: 'next' }, 'Older runs')
        : null,
    );
    // Whole rows open their run, for pointer users; the link in each row serves the keyboard.
    table.addEventListener('click', (event) => {
      const row = event.target.closest('tbody tr');
      if (!row || event.target.closest('a')) return;
      row.querySelector('a')?.click();
    });
    return h('div', null, h('div', { class: 'table-scroll' }, table), pager);
  }

  fill(results, await load());
  onDispose(
    connection.onBack(async () => {
      try {
        fill(results, await load());
      } catch {
        // Still failing: the banner says so, and the next recovery tries again.
      }
    }),
  );

  return h(
    'div',
    { class: 'page', 'data-title': `Run history · ${site.name}` },
    h('h1', null, 'Run history'),
    h('p', { class: 'subtitle' }, site.name),
    h('section', { class: 'card', 'aria-label': 'Filters' }, form),
    results,
  );
}
