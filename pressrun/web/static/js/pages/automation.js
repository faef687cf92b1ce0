// Automation (/automation): run control, the global progress bar, the stage cards, what is
// being processed now and the live activity log, all fed by the site's event stream.

import { ApiError, api } from '../api.js';
import { connection } from '../connection.js';
import { fill, h, say, section, statusRegion } from '../dom.js';
import { badge, count, credits, duration, shortId, statusLabel, when } from '../format.js';
import {
  ACTIVE,
  STAGE_INPUTS,
  activityLog,
  coalesce,
  fetchLogs,
  progressBar,
  runHref,
} from '../run-views.js';
import { openStream } from '../stream.js';

// While the stream is down, progress is polled every this many seconds (the spec's cadence).
const POLL_TICKS = 5;

export async function automationPage({ site, signal, onDispose }) {
  const siteId = site.id;
  const query = { site_id: siteId };
  const get = (path) => api.get(`/api/v1/automation/${path}/`, { query, signal });

  const [overview, estimate, progress, processing] = await Promise.all([
    get('pipeline_overview'),
    get('estimate'),
    get('run_progress'),
    get('current_processing'),
  ]);
  const state = {
    overview,
    estimate,
    progress,
    processing: processing.processing,
    processingAt: Date.now(),
    busy: false,
    // Requests the workflow accepted that the run's status does not show yet.
    requested: { pause: false, resume: false, cancel: false },
    logRun: null,
    afterId: 0,
    streamState: 'connecting',
  };

  if (processing.processing?.live) {
    state.requested = requestedBy(processing.processing.live, progress.run?.status);
  }

  // --- the page's parts ------------------------------------------------------------------
  const statusBadge = h('span', { class: 'run-state' });
  const liveState = h('span', { class: 'live-state', role: 'status' });
  const verdict = statusRegion();
  const announcer = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  const buttons = {
    run: h('button', { type: 'button', class: 'primary', onclick: () => control('run_now') }, 'Run now'),
    pause: h('button', { type: 'button', onclick: () => control('pause') }, 'Pause'),
    resume: h('button', { type: 'button', onclick: () => control('resume') }, 'Resume'),
    cancel: h('button', { type: 'button', class: 'danger', onclick: () => control('cancel') }, 'Cancel'),
  };
  const estimateText = h('div', { class: 'estimate' });
  const bar = progressBar('Run progress');
  const runLine = h('p', { class: 'run-line' });
  const runError = h('p', { class: 'error-text', hidden: true });
  const processingBody = h('div', { class: 'processing' });
  const pipeline = h('ol', { class: 'stage-cards' });
  const log = activityLog();

  const node = h(
    'div',
    { class: 'page', 'data-title': `Automation · ${site.name}` },
    h('h1', null, 'Automation'),
    h('p', { class: 'subtitle' }, site.name, ' · ', h('span', { class: 'muted' }, site.url)),
    h(
      'section',
      { class: 'card controls', 'aria-label': 'Run control' },
      h('p', { class: 'status-line' }, 'Status: ', statusBadge, ' ', liveState),
      h('div', { class: 'actions' }, buttons.run, buttons.pause, buttons.resume, buttons.cancel),
      verdict,
      estimateText,
    ),
    section('Pipeline progress', runLine, bar.el, runError),
    section('Now processing', processingBody),
    section('Stages', pipeline),
    section('Activity log', log.el),
    announcer,
  );

  // --- drawing ---------------------------------------------------------------------------
  const run = () => state.progress?.run ?? null;
  const isActive = () => ACTIVE.has(run()?.status);

  function drawButtons() {
    const status = run()?.status;
    const busy = state.busy;
    buttons.run.disabled = busy || isActive();
    buttons.pause.disabled = busy || status !== 'running' || state.requested.pause || state.requested.cancel;
    buttons.resume.disabled = busy || status !== 'paused' || state.requested.resume || state.requested.cancel;
    buttons.cancel.disabled = busy || !isActive() || state.requested.cancel;
  }

  function drawStatus() {
    const current = run();
    if (!current || !ACTIVE.has(current.status)) {
      fill(statusBadge, badge('idle'));
    } else if (current.status === 'running' && state.requested.cancel) {
      fill(statusBadge, badge('cancelling'));
    } else if (current.status === 'running' && state.requested.pause) {
      fill(statusBadge, badge('pausing'));
    } else if (current.status === 'paused' && state.requested.cancel) {
      fill(statusBadge, badge('cancelling'));
    } else if (current.status === 'paused' && state.requested.resume) {
      fill(statusBadge, badge('resuming'));
    } else {
      fill(statusBadge, badge(current.status));
    }
    const labels = {
      connecting: 'Connecting to live updates…',
      live: 'Live',
      reconnecting: 'Live updates interrupted — reconnecting…',
      failed: 'Live updates unavailable',
    };
    liveState.dataset.state = state.streamState;
    liveState.textContent = labels[state.streamState] ?? '';
  }

  function drawEstimate() {
    const e = state.estimate;
    if (isActive()) {
      const metrics = state.progress.metrics ?? {};
      fill(
        estimateText,
        h(
          'p',
          null,
          'This run has used ',
          h('strong', null, `${credits(metrics.credits_used)} credits`),
          ` of the ${credits(metrics.estimated_credits)} estimated with the buffer.`,
        ),
      );
      return;
    }
    fill(
      estimateText,
      h(
        'p',
        null,
        'A run now needs about ',
        h('strong', null, `${credits(e.estimate)} credits`),
        ` (${credits(e.required)} with the ${e.buffer}× buffer); the balance is `,
        h('strong', null, credits(e.balance)),
        '.',
      ),
      e.sufficient
        ? null
        : h('p', { class: 'warn-text' }, 'Not enough credits for a run now: Run now will be refused.'),
    );
  }

  function drawProgress() {
    const current = run();
    bar.update(state.progress);
    runError.hidden = true;
    if (!current) {
      fill(runLine, 'No run yet for this site: Run now starts one.');
      return;
    }
    const metrics = state.progress.metrics ?? {};
    fill(
      runLine,
      h('a', { href: runHref(siteId, current.run_id) }, `Run ${shortId(current.run_id)}`),
      ' · ',
      badge(current.status),
      ` · ${statusLabel(current.trigger_type)} · started `,
      when(current.started_at),
      ` · ${credits(metrics.credits_used)} credits · ${duration(metrics.duration_seconds)}`,
    );
    if (current.error_message) {
      runError.textContent = current.error_message;
      runError.hidden = false;
    }
  }

  function drawPipeline() {
    const runStages = new Map((state.progress?.stages ?? []).map((s) => [s.number, s]));
    const estimates = new Map((state.estimate?.stages ?? []).map((s) => [s.number, s]));
    const label = isActive() ? 'This run' : 'Last run';
    fill(
      pipeline,
      state.overview.stages.map((stage) => {
        const inRun = runStages.get(stage.number);
        const est = estimates.get(stage.number);
        return h(
          'li',
          { class: 'stage-card', 'data-status': inRun?.status ?? 'none', 'data-stage': stage.number },
          h('h3', null, h('span', { class: 'stage-number' }, stage.number), ' ', stage.name),
          h('p', { class: 'pending' }, h('strong', null, count(stage.pending)), ' pending'),
          inRun
            ? h(
                'p',
                null,
                `${label}: `,
                badge(inRun.status),
                ` ${count(inRun.processed_count)} / ${count(inRun.input_count)}`,
              )
            : null,
          est && !est.enabled
            ? h('p', { class: 'muted' }, 'Disabled in settings')
            : h('p', { class: 'muted' }, `≈ ${credits(est?.estimate)} credits`),
        );
      }),
    );
  }

  function drawProcessing() {
    const p = state.processing;
    const current = run();
    delete processingBody.dataset.stage;
    if (!p || !current || !ACTIVE.has(current.status) || p.run_id !== current.run_id) {
      fill(processingBody, h('p', { class: 'muted' }, 'Nothing is being processed.'));
      return;
    }
    if (!(p.stage >= 1)) {
      fill(processingBody, h('p', null, 'Preparing the run: counting the queues and checking credits.'));
      return;
    }
    processingBody.dataset.stage = String(p.stage);
    const live = p.live;
    let batch;
    if (live?.batch_in_flight) batch = `Batch ${live.batch_index + 1}, in progress`;
    else if (current.status === 'paused') batch = `Paused after ${p.batches_run} batch${p.batches_run === 1 ? '' : 'es'}`;
    else batch = `${p.batches_run} batch${p.batches_run === 1 ? '' : 'es'} done; next one starting`;
    const remaining = p.remaining === null || p.remaining === undefined ? '' : `, ${count(p.remaining)} left`;
    fill(
      processingBody,
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'Stage'),
        h('dd', null, `${p.stage} · ${p.stage_name ?? ''}`),
        h('dt', null, 'Batch'),
        h('dd', null, batch),
        h('dt', null, 'Processing'),
        h('dd', null, `${STAGE_INPUTS[p.stage] ?? 'items'}: ${count(p.processed)} done${remaining}, ${count(p.created)} made`),
        h('dt', null, 'Last activity'),
        h('dd', null, p.last_activity ?? '—'),
        h('dt', null, 'Elapsed'),
        h('dd', { class: 'elapsed' }, duration(elapsedNow())),
      ),
    );
  }

  function elapsedNow() {
    const p = state.processing;
    if (!p) return 0;
    return p.elapsed_seconds + (Date.now() - state.processingAt) / 1000;
  }

  function drawAll() {
    drawStatus();
    drawButtons();
    drawEstimate();
    drawProgress();
    drawPipeline();
    drawProcessing();
  }

  // --- data ------------------------------------------------------------------------------
  const refreshLogs = coalesce(async () => {
    const current = run();
    if (!current) return;
    if (current.run_id !== state.logRun) {
      state.logRun = current.run_id;
      state.afterId = 0;
      log.clear();
    }
    const runId = state.logRun;
    const [items, after] = await fetchLogs(siteId, runId, state.afterId, signal);
    if (runId !== state.logRun) return;
    state.afterId = after;
    log.add(items);
  });

  const refreshProcessing = coalesce(async () => {
    if (!isActive()) {
      state.processing = null;
    } else {
      state.processing = (await get('current_processing')).processing;
      state.processingAt = Date.now();
      if (state.processing?.live) state.requested = requestedBy(state.processing.live, run()?.status);
    }
    drawProcessing();
    drawStatus();
    drawButtons();
  }, 500);

  const refreshOverview = coalesce(async () => {
    state.overview = await get('pipeline_overview');
    drawPipeline();
  }, 1500);

  const refreshEstimate = coalesce(async () => {
    state.estimate = await get('estimate');
    drawEstimate();
    drawPipeline();
  });

  const refreshProgress = coalesce(async () => {
    applyProgress(await get('run_progress'));
  });

  function applyProgress(payload) {
    const before = run();
    state.progress = payload;
    const now = run();
    if (now?.run_id !== before?.run_id) state.requested = { pause: false, resume: false, cancel: false };
    if (now?.status === 'paused') state.requested.pause = false;
    if (now?.status === 'running') state.requested.resume = false;
    if (before && now && before.run_id === now.run_id && ACTIVE.has(before.status) && !ACTIVE.has(now.status)) {
      state.requested = { pause: false, resume: false, cancel: false };
      announcer.textContent = `Run ${shortId(now.run_id)} ${statusLabel(now.status).toLowerCase()}.`;
      refreshEstimate();
    }
    if (!before && now) refreshEstimate();
    drawStatus();
    drawButtons();
    drawEstimate();
    drawProgress();
    drawPipeline();
    refreshLogs();
    refreshProcessing();
    refreshOverview();
  }

  function refreshAll() {
    refreshProgress();
    refreshEstimate();
    refreshOverview();
  }

  // --- control ---------------------------------------------------------------------------
  const LABELS = { run_now: 'Starting a run', pause: 'Pausing', resume: 'Resuming', cancel: 'Cancelling' };

  async function control(action) {
    const current = run();
    state.busy = true;
    drawButtons();
    say(verdict, `${LABELS[action]}…`);
    try {
      if (action === 'run_now') {
        const reply = await api.post('/api/v1/automation/run_now/', undefined, { query });
        say(
          verdict,
          `${reply.message} Run ${shortId(reply.run_id)}: about ${credits(reply.estimate)} credits ` +
            `(${credits(reply.required)} with the buffer); balance ${credits(reply.balance)}.`,
          'ok',
        );
      } else {
        const reply = await api.post(`/api/v1/automation/${action}/`, undefined, {
          query: { ...query, run_id: current.run_id },
        });
        if (reply.applied === false) {
          say(verdict, reply.message, 'warn');
        } else {
          say(verdict, reply.message, 'ok');
          state.requested = {
            pause: Boolean(reply.pause_requested) && reply.status === 'running',
            resume: !reply.pause_requested && reply.status === 'paused',
            cancel: Boolean(reply.cancel_requested),
          };
        }
      }
    } catch (err) {
      if (err.name === 'AbortError') return;
      say(verdict, verdictOf(err), 'error');
    } finally {
      state.busy = false;
      drawStatus();
      drawButtons();
    }
    refreshProgress();
  }

  function verdictOf(err) {
    if (!(err instanceof ApiError)) return err.message;
    const body = err.body;
    if (err.code === 'already_running') {
      return h(
        'span',
        null,
        'Already running: ',
        body.detail,
        ' ',
        body.run_id ? h('a', { href: runHref(siteId, body.run_id) }, 'Open the run') : null,
      );
    }
    if (err.code === 'insufficient_credits') {
      return `Not enough credits: this run needs ${credits(body.estimate)} credits (the estimate with ` +
        `its buffer) and the balance is ${credits(body.balance)}.`;
    }
    return err.message;
  }

  // --- live updates ----------------------------------------------------------------------
  drawAll();
  if (run()) {
    const current = run();
    const [items, after] = await fetchLogs(siteId, current.run_id, 0, signal);
    state.logRun = current.run_id;
    state.afterId = after;
    log.add(items);
  }

  const stream = openStream(`/api/v1/automation/events/?site_id=${siteId}`, {
    onEvent(name, data) {
      if (name === 'progress') applyProgress(data);
      else if (name === 'end') refreshAll();
    },
    onState(streamState) {
      state.streamState = streamState;
      drawStatus();
    },
  });
  onDispose(() => stream.stop());
  onDispose(connection.onBack(refreshAll));

  let ticks = 0;
  const ticker = setInterval(() => {
    ticks += 1;
    if (run()?.status === 'running' && state.processing) {
      const el = processingBody.querySelector('.elapsed');
      if (el) el.textContent = duration(elapsedNow());
    }
    if (state.streamState !== 'live' && ticks % POLL_TICKS === 0) refreshProgress();
  }, 1000);
  onDispose(() => clearInterval(ticker));

  return node;
}

/** What the workflow's own view says was asked of it, that the run's status does not show yet. */
function requestedBy(live, status) {
  return {
    pause: Boolean(live.pause_requested) && status === 'running',
    resume: !live.pause_requested && status === 'paused',
    cancel: Boolean(live.cancel_requested),
  };
}
