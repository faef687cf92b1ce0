// Pieces the Automation and Run pages share: the global progress bar, the activity log, and
// the run data helpers behind them.

import { api } from './api.js';
import { fill, h, uid } from './dom.js';
import { count, statusLabel, when } from './format.js';

export const ACTIVE = new Set(['running', 'paused']);

// What each stage takes in, for "what is being processed".
export const STAGE_INPUTS = {
  1: 'keywords',
  2: 'clusters',
  3: 'ideas',
  4: 'writing tasks',
  5: 'articles',
  6: 'image prompts',
  7: 'articles to review',
};

export const runHref = (siteId, runId) =>
  `/automation/runs/${encodeURIComponent(runId)}?site=${siteId}`;

/** The pipeline's progress: a labelled progressbar whose value screen readers announce. */
export function progressBar(label) {
  const labelId = uid('progress');
  const fillEl = h('div', { class: 'progress-fill' });
  const bar = h(
    'div',
    {
      class: 'progress',
      role: 'progressbar',
      'aria-labelledby': labelId,
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuenow': 0,
    },
    fillEl,
  );
  const caption = h('p', { class: 'progress-caption' });
  const el = h('div', { class: 'progress-block' }, h('p', { id: labelId, class: 'progress-label' }, label), bar, caption);

  function update(progress) {
    const global = progress?.global_progress ?? { total_items: 0, completed_items: 0, percentage: 0 };
    const pct = Math.max(0, Math.min(100, Number(global.percentage ?? 0)));
    const status = progress?.run?.status ?? 'none';
    bar.setAttribute('aria-valuenow', String(pct));
    bar.setAttribute(
      'aria-valuetext',
      `${pct}% — ${count(global.completed_items)} of ${count(global.total_items)} items, ${statusLabel(status).toLowerCase()}`,
    );
    bar.dataset.status = status;
    fillEl.style.width = `${pct}%`;
    fill(
      caption,
      `${count(global.completed_items)} of ${count(global.total_items)} items · ${pct}%`,
    );
  }
  return { el, update };
}

/** The run's activity log, oldest first, newest at the bottom. */
export function activityLog({ max = 500 } = {}) {
  const list = h('ol', { class: 'log', role: 'log', 'aria-label': 'Activity log', 'aria-relevant': 'additions' });
  const empty = h('p', { class: 'muted' }, 'No activity yet.');
  const el = h('div', { class: 'log-wrap' }, empty, list);

  function add(items) {
    if (!items.length) return;
    empty.hidden = true;
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    for (const item of items) {
      list.append(
        h(
          'li',
          { class: 'log-entry', 'data-level': item.level },
          h('span', { class: 'log-time' }, when(item.created_at, { timeOnly: true })),
          h('span', { class: 'log-stage' }, item.stage ? `Stage ${item.stage}` : 'Run'),
          item.level !== 'info' ? h('span', { class: 'log-level' }, statusLabel(item.level)) : null,
          h('span', { class: 'log-message' }, item.message),
        ),
      );
    }
    while (list.children.length > max) list.firstElementChild.remove();
    if (nearBottom) list.scrollTop = list.scrollHeight;
  }

  function clear() {
    list.replaceChildren();
    empty.hidden = false;
  }
  return { el, add, clear };
}

/** Log entries of a run after `afterId`, every page of them; returns [items, last id]. */
export async function fetchLogs(siteId, runId, afterId, signal) {
  const all = [];
  let after = afterId;
  for (let page = 0; page < 20; page += 1) {
    const body = await api.get('/api/v1/automation/logs/', {
      query: { site_id: siteId, run_id: runId, after_id: after, limit: 1000 },
      signal,
    });
    all.push(...body.items);
    after = body.next_after_id;
    if (body.items.length < 1000) break;
  }
  return [all, after];
}

/** Run `fn` at most once at a time; calls made meanwhile fold into one more run after it. */
export function coalesce(fn, minGapMs = 0) {
  let running = false;
  let again = false;
  let last = 0;
  return async function trigger() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const wait = last + minGapMs - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        last = Date.now();
        try {
          await fn();
        } catch (err) {
          // A background refresh that fails is retried by the next event or reconnection.
          if (err.name !== 'AbortError') console.debug('refresh failed', err);
        }
      } while (again);
    } finally {
      running = false;
    }
  };
}
