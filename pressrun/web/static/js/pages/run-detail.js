// Run detail (/automation/runs/{run_id}): the run's progress stage by stage, what each stage
// took in and made, its errors, its full log, its credits and its workflow in Temporal's Web UI.
// A run still in progress keeps updating from the site's event stream.

import { ApiError, api } from '../api.js';
import { connection } from '../connection.js';
import { fill, h, section } from '../dom.js';
import { badge, count, credits, duration, shortId, statusLabel, when } from '../format.js';
import { ACTIVE, activityLog, coalesce, fetchLogs, progressBar } from '../run-views.js';
import { openStream } from '../stream.js';

// Stage result fields the table's columns already show; the rest are details.
const SHOWN = new Set([
  'batches_run', 'credits_used', 'time_elapsed', 'items_failed', 'status', 'skipped', 'partial',
  'outcome', 'reason', 'keywords_processed', 'clusters_created', 'clusters_processed', 'ideas_created',
  'ideas_processed', 'tasks_created', 'tasks_processed', 'content_created', 'content_processed',
  'prompts_created', 'images_processed', 'images_generated', 'ready_for_review',
]);

export async function runDetailPage({ site, params, signal, onDispose }) {
  const runId = params[0];
  const query = { site_id: site.id, run_id: runId };
  let progress;
  try {
    progress = await api.get('/api/v1/automation/run_progress/', { query, signal });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      return h(
        'div',
        { class: 'page' },
        h('h1', null, 'Run not found'),
        h('p', null, `Site ${site.name} has no run ${runId}. `, h('a', { href: `/automation/overview?site=${site.id}` }, 'See its runs'), '.'),
      );
    }
    throw err;
  }
  const [[logItems, afterId], workflow, failed] = await Promise.all([
    fetchLogs(site.id, runId, 0, signal),
    api.get(`/api/v1/dashboard/runs/${encodeURIComponent(runId)}/workflow`, { query: { site_id: site.id }, signal }),
    api.get('/api/v1/automation/failed_items/', { query, signal }),
  ]);
  const state = { progress, afterId, results: stageResults(logItems), failed };

  const summary = h('dl', { class: 'facts' });
  const errorBox = h('div');
  const bar = progressBar('Pipeline progress');
  const stagesBody = h('tbody');
  const problems = h('ul', { class: 'problems' });
  const failedItems = h('ul', { class: 'problems failed-items' });
  const log = activityLog({ max: 5000 });
  log.add(logItems);
  const heading = h('h1', null, `Run ${shortId(runId)}`);

  function draw() {
    const run = state.progress.run;
    const metrics = state.progress.metrics ?? {};
    fill(
      summary,
      h('dt', null, 'Status'),
      h('dd', null, badge(run.status)),
      h('dt', null, 'Run ID'),
      h('dd', null, h('code', null, run.run_id)),
      h('dt', null, 'Trigger'),
      h('dd', null, statusLabel(run.trigger_type)),
      h('dt', null, 'Started'),
      h('dd', null, when(run.started_at)),
      h('dt', null, 'Ended'),
      h('dd', null, when(run.completed_at)),
      h('dt', null, 'Duration'),
      h('dd', null, duration(metrics.duration_seconds)),
      h('dt', null, 'Credits'),
      h('dd', null, `${credits(metrics.credits_used)} used of ${credits(metrics.estimated_credits)} estimated (with buffer)`),
      h('dt', null, 'Workflow'),
      h(
        'dd',
        null,
        h('code', null, workflow.workflow_id),
        ' ',
        workflow.url
          ? h('a', { href: workflow.url, target: '_blank', rel: 'noopener noreferrer' }, 'Open in the Temporal Web UI')
          : h('span', { class: 'muted' }, '(no Temporal Web UI address is configured)'),
      ),
    );
    fill(errorBox, run.error_message ? h('p', { class: 'error-text', role: 'alert' }, run.error_message) : null);
    bar.update(state.progress);
    fill(
      stagesBody,
      state.progress.stages.map((stage) => {
        const result = state.results.get(stage.number) ?? {};
        const extra = Object.entries(result)
          .filter(([key]) => !SHOWN.has(key))
          .map(([key, value]) => `${statusLabel(key)}: ${typeof value === 'number' ? count(value) : value}`);
        if (result.outcome) extra.unshift(result.outcome);
        return h(
          'tr',
          { 'data-stage': stage.number, 'data-status': stage.status },
          h('th', { scope: 'row' }, `${stage.number} · ${stage.name}`),
          h('td', null, badge(stage.status)),
          h('td', { class: 'num' }, `${count(stage.processed_count)} / ${count(stage.input_count)}`),
          h('td', { class: 'num' }, count(stage.created_count)),
          h('td', { class: 'num' }, count(stage.batches_run)),
          h('td', { class: 'num' }, credits(stage.credits_used)),
          h('td', { class: 'num' }, result.time_elapsed === undefined ? '—' : duration(result.time_elapsed)),
          h('td', { class: 'num' }, count(result.items_failed ?? 0)),
          h('td', null, extra.join(' · ') || '—'),
        );
      }),
    );
    const issues = [];
    if (run.error_message) issues.push(run.error_message);
    for (const [number, result] of state.results) {
      if (result.items_failed) issues.push(`Stage ${number}: ${count(result.items_failed)} item(s) failed.`);
    }
    for (const item of state.problemLogs ?? []) issues.push(`${statusLabel(item.level)}: ${item.message}`);
    fill(problems, issues.length ? issues.map((text) => h('li', null, text)) : h('li', { class: 'muted' }, 'No errors.'));
    const left = state.failed.items;
    fill(
      failedItems,
      left.length
        ? left.map((item) =>
            h(
              'li',
              { 'data-stage': item.stage, 'data-item': item.item_id },
              h('strong', null, `${item.stage} · ${item.stage_name}: `),
              item.label,
              h('span', { class: 'error-text' }, ` — ${item.error}`),
              h(
                'span',
                { class: 'muted' },
                item.attempts >= state.failed.max_attempts
                  ? ` (failed ${count(item.attempts)}×; no run tries it again)`
                  : ` (failed ${count(item.attempts)}× of ${count(state.failed.max_attempts)}; the next run tries again)`,
              ),
            ),
          )
        : h('li', { class: 'muted' }, 'None: no failed item had its last failure in this run.'),
    );
  }

  state.problemLogs = logItems.filter((item) => item.level !== 'info');

  const refresh = coalesce(async () => {
    state.progress = await api.get('/api/v1/automation/run_progress/', { query, signal });
    state.failed = await api.get('/api/v1/automation/failed_items/', { query, signal });
    const [items, after] = await fetchLogs(site.id, runId, state.afterId, signal);
    state.afterId = after;
    log.add(items);
    for (const [number, result] of stageResults(items)) state.results.set(number, result);
    state.problemLogs.push(...items.filter((item) => item.level !== 'info'));
    draw();
  }, 500);

  draw();
  if (ACTIVE.has(progress.run.status)) {
    const stream = openStream(`/api/v1/automation/events/?site_id=${site.id}`, {
      onEvent(name, data) {
        if (name === 'end' || data?.run?.run_id === runId) refresh();
        if (name === 'end' && data?.run_id === runId) stream.stop();
      },
      onState() {},
    });
    onDispose(() => stream.stop());
  }
  onDispose(connection.onBack(refresh));

  return h(
    'div',
    { class: 'page', 'data-title': `Run ${shortId(runId)} · ${site.name}` },
    h('p', { class: 'breadcrumb' }, h('a', { href: `/automation/overview?site=${site.id}` }, 'Run history'), ' › ', site.name),
    heading,
    section('Summary', summary, errorBox, bar.el),
    section(
      'Stages',
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'stages' },
          h('caption', { class: 'visually-hidden' }, 'Results stage by stage'),
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['Stage', 'Status', 'Processed / input', 'Created', 'Batches', 'Credits', 'Time', 'Failed', 'Details'].map((t) =>
                h('th', { scope: 'col' }, t),
              ),
            ),
          ),
          stagesBody,
        ),
      ),
    ),
    section('Errors', problems),
    section('Failed items', failedItems),
    section('Log', log.el),
  );
}

/** Each stage's final result, from the log entry that ended it (it carries the result). */
function stageResults(items) {
  const results = new Map();
  for (const item of items) {
    const data = item.data;
    if (item.stage && data && typeof data === 'object' && 'status' in data && 'batches_run' in data) {
      const colon = item.message.indexOf(': ');
      results.set(item.stage, { ...data, outcome: colon >= 0 ? item.message.slice(colon + 2) : '' });
    }
  }
  return results;
}
