// Site settings → Automation (/sites/{id}/settings): the spec's cards over the unified settings
// endpoint. The API is the one validator: the form sends what was entered and shows each
// refusal beside its field.

import { ApiError, api } from '../api.js';
import { field, fill, h, say, section, setFieldError, statusRegion, uid } from '../dom.js';
import { count, inZone, when } from '../format.js';

const DAYS = [
  ['mon', 'Monday'],
  ['tue', 'Tuesday'],
  ['wed', 'Wednesday'],
  ['thu', 'Thursday'],
  ['fri', 'Friday'],
  ['sat', 'Saturday'],
  ['sun', 'Sunday'],
];
const POINTS_OF_VIEW = [
  ['first_person_singular', 'First person singular (I)'],
  ['first_person_plural', 'First person plural (we)'],
  ['second_person', 'Second person (you)'],
  ['third_person', 'Third person'],
];
const STAGE_FIELDS = ['enabled', 'batch_size', 'per_run_limit', 'budget_pct', 'use_testing'];

/** A number as typed: a number when it reads as one, else the text itself for the API to refuse. */
function typedNumber(input) {
  const text = input.value.trim();
  if (text === '') return null;
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

function numberInput(props = {}) {
  return h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off', class: 'num-input', ...props });
}

/** A fieldset of checkboxes (days), with a slot for its error. */
function dayPicker(legend, name) {
  const id = uid(name);
  const boxes = DAYS.map(([value, label]) =>
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value }), ` ${label.slice(0, 3)}`),
  );
  const group = h(
    'fieldset',
    { id, class: 'field days', 'aria-describedby': `${id}-error` },
    h('legend', null, legend),
    h('div', { class: 'checks' }, boxes),
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
  );
  const inputs = boxes.map((label) => label.querySelector('input'));
  return {
    el: group,
    get: () => inputs.filter((i) => i.checked).map((i) => i.value),
    set: (days) => {
      for (const input of inputs) input.checked = days.includes(input.value);
    },
  };
}

export async function settingsPage({ site, signal }) {
  const path = `/api/v1/integration/sites/${site.id}/unified-settings/`;
  let current = await api.get(path, { signal });

  // --- Schedule & frequency -------------------------------------------------------------
  const enabled = h('input', { type: 'checkbox' });
  const frequency = h(
    'select',
    null,
    ['hourly', 'daily', 'weekly'].map((f) => h('option', { value: f }, f[0].toUpperCase() + f.slice(1))),
  );
  const scheduleDays = dayPicker('Days (weekly runs)', 'schedule-days');
  const hour = h(
    'select',
    { id: uid('hour'), 'aria-label': 'Hour' },
    Array.from({ length: 12 }, (_, i) => h('option', { value: i + 1 }, String(i + 1))),
  );
  const meridiem = h(
    'select',
    { 'aria-label': 'AM or PM' },
    h('option', { value: 'AM' }, 'AM'),
    h('option', { value: 'PM' }, 'PM'),
  );
  const timeId = uid('time');
  const timeGroup = h(
    'fieldset',
    { id: timeId, class: 'field', 'aria-describedby': `${timeId}-hint ${timeId}-error` },
    h('legend', null, 'Run at'),
    h('div', { class: 'inline' }, hour, ':00 ', meridiem),
    h('p', { class: 'hint', id: `${timeId}-hint` }, 'On the hour, in the site’s time zone (daily and weekly runs).'),
    h('p', { class: 'field-error', id: `${timeId}-error`, hidden: true }),
  );
  const timezone = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
  const nextRun = h('dd');
  const lastRun = h('dd');

  const scheduleCard = section(
    'Schedule & frequency',
    h('div', { class: 'field check-field' }, h('label', { class: 'check' }, enabled, ' Run automatically on a schedule')),
    h('div', { class: 'grid' }, field('Frequency', frequency), timeGroup, field('Time zone', timezone, { hint: 'An IANA name, e.g. Europe/Paris.' })),
    scheduleDays.el,
    h('dl', { class: 'facts' }, h('dt', null, 'Next run'), nextRun, h('dt', null, 'Last run'), lastRun),
  );

  const to24 = () => {
    const twelve = Number(hour.value) % 12;
    const h24 = meridiem.value === 'PM' ? twelve + 12 : twelve;
    return `${String(h24).padStart(2, '0')}:00`;
  };
  const setHour = (hhmm) => {
    const h24 = Number(String(hhmm).split(':')[0]) || 0;
    hour.value = String(h24 % 12 === 0 ? 12 : h24 % 12);
    meridiem.value = h24 < 12 ? 'AM' : 'PM';
  };

  // --- Stage matrix, AI choices and capacity ---------------------------------------------
  const stageControls = new Map();
  const matrixBody = h('tbody');
  const aiList = h('div', { class: 'grid' });
  const capacityTotal = h('p', { class: 'capacity-total' });
  const capacityList = h('ul', { class: 'capacity' });

  function cell(control, label, errorHost = control) {
    if (!control) return h('td', { class: 'na' }, h('span', { 'aria-label': 'not applicable' }, '—'));
    control.id = control.id || uid('cell');
    control.setAttribute('aria-describedby', `${errorHost.id}-error`);
    return h(
      'td',
      null,
      h('label', { for: control.id, class: 'visually-hidden' }, label),
      control,
      h('p', { class: 'field-error', id: `${errorHost.id}-error`, hidden: true }),
    );
  }

  for (const stage of current.stages) {
    const n = stage.number;
    const controls = {
      enabled: h('input', { type: 'checkbox', oninput: drawCapacity }),
      batch_size: stage.batch_size === null ? null : numberInput(),
      per_run_limit: stage.per_run_limit === null ? null : numberInput({ oninput: drawCapacity }),
      budget_pct: stage.budget_pct === null ? null : numberInput(),
      use_testing: null,
    };
    stageControls.set(n, controls);
    matrixBody.append(
      h(
        'tr',
        { 'data-stage': n },
        h('th', { scope: 'row' }, `${n} · ${stage.name}`),
        cell(controls.enabled, `Stage ${n} enabled`),
        cell(controls.batch_size, `Stage ${n} batch size`),
        cell(controls.per_run_limit, `Stage ${n} max per run`),
        cell(controls.budget_pct, `Stage ${n} budget %`),
      ),
    );
  }
  for (const aiStage of current.ai.stages) {
    const n = aiStage.number;
    const image = n === 6;
    const live = image ? current.ai.image_model : current.ai.live_model;
    const testing = image ? current.ai.image_testing_model : current.ai.testing_model;
    const select = h(
      'select',
      null,
      h('option', { value: 'live' }, `Live model (${live})`),
      h('option', { value: 'testing' }, `Testing model (${testing})`),
    );
    stageControls.get(n).use_testing = select;
    const name = current.stages.find((s) => s.number === n)?.name ?? '';
    aiList.append(field(`Stage ${n} · ${name}`, select));
  }

  function drawCapacity() {
    let total = 0;
    let unlimited = false;
    const rows = [];
    for (const [n, controls] of stageControls) {
      if (!controls.per_run_limit) continue;
      const limit = typedNumber(controls.per_run_limit);
      const on = controls.enabled.checked;
      const name = current.stages.find((s) => s.number === n)?.name ?? '';
      const text = !on ? 'disabled' : limit === 0 ? 'unlimited' : typeof limit === 'number' ? count(limit) : '?';
      if (on && limit === 0) unlimited = true;
      else if (on && typeof limit === 'number') total += limit;
      rows.push(h('li', null, h('span', null, `${n} · ${name}`), h('strong', null, text)));
    }
    fill(capacityTotal, 'Items per run in all: ', h('strong', null, unlimited ? 'unlimited (a stage has no limit)' : count(total)));
    fill(capacityList, rows);
  }

  const capacityCard = section(
    'Capacity',
    capacityTotal,
    capacityList,
    h('p', { class: 'hint' }, 'Per-run limits are set in the stage matrix below; 0 means no limit.'),
  );
  const aiCard = section(
    'AI configuration',
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Testing model'),
      h('dd', null, current.ai.testing_model),
      h('dt', null, 'Live model'),
      h('dd', null, current.ai.live_model),
      h('dt', null, 'Image model'),
      h('dd', null, `${current.ai.image_model} (testing: ${current.ai.image_testing_model})`),
    ),
    h('p', { class: 'hint' }, 'Models are server settings; each AI stage picks its live or testing model.'),
    aiList,
  );
  const matrixCard = section(
    'Stages',
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'matrix' },
        h('caption', { class: 'visually-hidden' }, 'Stage settings'),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['Stage', 'Enabled', 'Batch size', 'Max per run', 'Budget %'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        matrixBody,
      ),
    ),
    h('p', { class: 'hint' }, 'Batch size 1–1000; max per run 0 (no limit) or more; budget: % of the run’s estimate a stage may spend.'),
  );

  // --- Delays ------------------------------------------------------------------------------
  const withinDelay = numberInput();
  const betweenDelay = numberInput();
  const delaysCard = section(
    'Delays',
    h(
      'div',
      { class: 'grid' },
      field('Between batches (seconds)', withinDelay),
      field('Between stages (seconds)', betweenDelay),
    ),
  );

  // --- Publishing --------------------------------------------------------------------------
  const autoApprove = h('input', { type: 'checkbox' });
  const autoPublish = h('input', { type: 'checkbox' });
  const dailyLimit = numberInput();
  const publishDays = dayPicker('Publishing days', 'publish-days');
  const slotsId = uid('slots');
  const slotList = h('ul', { class: 'slots' });
  let slotInputs = [];
  const slotsGroup = h(
    'fieldset',
    { id: slotsId, class: 'field', 'aria-describedby': `${slotsId}-error` },
    h('legend', null, 'Time slots'),
    slotList,
    h('button', { type: 'button', onclick: () => addSlot('', true) }, 'Add a time slot'),
    h('p', { class: 'field-error', id: `${slotsId}-error`, hidden: true }),
  );
  const publisher = h('dd');

  function drawSlots(values) {
    slotInputs = [];
    slotList.replaceChildren();
    for (const value of values) addSlot(value, false);
  }

  function addSlot(value, focus) {
    const input = h('input', { type: 'time', step: 60, value, id: uid('slot') });
    const item = h('li', { class: 'slot' });
    slotInputs.push(input);
    const number = () => slotInputs.indexOf(input) + 1;
    const label = h('label', { for: input.id }, `Slot ${number()}`);
    input.setAttribute('aria-describedby', `${input.id}-error`);
    item.append(
      label,
      input,
      h(
        'button',
        {
          type: 'button',
          class: 'link-button',
          'aria-label': `Remove slot ${number()}`,
          onclick: () => {
            slotInputs = slotInputs.filter((i) => i !== input);
            item.remove();
            renumberSlots();
            slotsGroup.querySelector('button:not(.link-button)')?.focus();
          },
        },
        'Remove',
      ),
      h('p', { class: 'field-error', id: `${input.id}-error`, hidden: true }),
    );
    slotList.append(item);
    if (focus) input.focus();
  }

  function renumberSlots() {
    slotInputs.forEach((input, i) => {
      const item = input.closest('li');
      item.querySelector('label').textContent = `Slot ${i + 1}`;
      item.querySelector('button').setAttribute('aria-label', `Remove slot ${i + 1}`);
    });
  }

  const publishingCard = section(
    'Publishing',
    h('div', { class: 'field check-field' }, h('label', { class: 'check' }, autoApprove, ' Approve new articles automatically')),
    h('div', { class: 'field check-field' }, h('label', { class: 'check' }, autoPublish, ' Publish approved articles automatically')),
    field('Daily publish limit', dailyLimit, { hint: '0–100 articles a day.' }),
    publishDays.el,
    slotsGroup,
    h('dl', { class: 'facts' }, h('dt', null, 'Publisher'), publisher),
  );

  // --- Content profile ------------------------------------------------------------------------
  const textInput = (props = {}) => h('input', { type: 'text', autocomplete: 'off', ...props });
  const language = textInput({ spellcheck: 'false' });
  const audience = textInput();
  const tone = textInput();
  const pointOfView = h(
    'select',
    null,
    POINTS_OF_VIEW.map(([value, label]) => h('option', { value }, label)),
  );
  const wordsMin = numberInput();
  const wordsMax = numberInput();
  const brandName = textInput();
  const avoid = h('textarea', { rows: 4 });
  const houseStyle = h('textarea', { rows: 4 });
  const profileCard = section(
    'Content profile',
    h('p', { class: 'hint' }, 'What every article, idea and image prompt is written to.'),
    h(
      'div',
      { class: 'grid' },
      field('Language', language, { hint: 'A BCP 47 tag, e.g. en, en-GB, pt-BR, zh-Hans.' }),
      field('Point of view', pointOfView),
      field('Shortest article (words)', wordsMin, { hint: '300–5000.' }),
      field('Longest article (words)', wordsMax, { hint: '300–5000, at least the shortest.' }),
    ),
    field('Audience', audience, { hint: 'Who the articles are for (up to 300 characters).' }),
    field('Tone and voice', tone, { hint: 'Up to 200 characters.' }),
    field('Brand name', brandName, { hint: 'Named where it fits; leave empty for none.' }),
    field('Topics and claims to avoid', avoid, { hint: 'One a line, up to 50.' }),
    field('House style', houseStyle, { hint: 'Notes for the writer (up to 2000 characters).' }),
  );

  function setProfile(p) {
    language.value = p.language;
    audience.value = p.audience;
    tone.value = p.tone;
    pointOfView.value = p.point_of_view;
    wordsMin.value = String(p.target_words_min);
    wordsMax.value = String(p.target_words_max);
    brandName.value = p.brand_name;
    avoid.value = (p.avoid ?? []).join('\n');
    houseStyle.value = p.house_style;
  }

  // --- values in and out ---------------------------------------------------------------------
  function setValues(s) {
    enabled.checked = Boolean(s.schedule.enabled);
    frequency.value = s.schedule.frequency;
    setHour(s.schedule.time);
    scheduleDays.set(s.schedule.days ?? []);
    timezone.value = s.schedule.timezone;
    const zone = s.schedule.timezone;
    fill(
      nextRun,
      s.schedule.next_run_at
        ? `${inZone(s.schedule.next_run_at, zone)} (${zone})`
        : s.schedule.enabled
          ? 'Not scheduled yet'
          : 'None: the schedule is off',
    );
    fill(lastRun, when(s.schedule.last_run_at));
    for (const stage of s.stages) setStage(stage);
    for (const aiStage of s.ai?.stages ?? []) {
      const select = stageControls.get(aiStage.number)?.use_testing;
      if (select) select.value = aiStage.use_testing ? 'testing' : 'live';
    }
    withinDelay.value = String(s.delays.within_stage);
    betweenDelay.value = String(s.delays.between_stage);
    setPublishing(s.publishing);
    fill(publisher, s.publishing.publisher ?? '—');
    setProfile(s.content_profile);
    drawCapacity();
  }

  function setStage(stage) {
    const controls = stageControls.get(stage.number);
    if (!controls) return;
    controls.enabled.checked = Boolean(stage.enabled);
    for (const name of ['batch_size', 'per_run_limit', 'budget_pct']) {
      if (controls[name] && stage[name] !== null && stage[name] !== undefined) controls[name].value = String(stage[name]);
    }
    if (controls.use_testing && stage.use_testing !== null && stage.use_testing !== undefined) {
      controls.use_testing.value = stage.use_testing ? 'testing' : 'live';
    }
  }

  function setPublishing(p) {
    autoApprove.checked = Boolean(p.auto_approval_enabled);
    autoPublish.checked = Boolean(p.auto_publish_enabled);
    dailyLimit.value = String(p.daily_publish_limit);
    publishDays.set(p.publish_days ?? []);
    drawSlots(p.time_slots ?? []);
  }

  /** The body to PATCH, and where each of its values came from (for the API's errors). */
  function collect() {
    const places = new Map();
    const at = (loc, control) => places.set(loc.join('.'), control);
    at(['schedule', 'enabled'], enabled);
    at(['schedule', 'frequency'], frequency);
    at(['schedule', 'time'], timeGroup);
    at(['schedule', 'days'], scheduleDays.el);
    at(['schedule', 'timezone'], timezone);
    const stages = [...stageControls].map(([number, controls], index) => {
      const entry = { number, enabled: controls.enabled.checked };
      for (const name of STAGE_FIELDS) {
        const control = controls[name];
        if (!control) continue;
        at(['stages', index, name], control);
        if (name === 'enabled') continue;
        entry[name] = name === 'use_testing' ? control.value === 'testing' : typedNumber(control);
      }
      return entry;
    });
    at(['delays', 'within_stage'], withinDelay);
    at(['delays', 'between_stage'], betweenDelay);
    at(['publishing', 'auto_approval_enabled'], autoApprove);
    at(['publishing', 'auto_publish_enabled'], autoPublish);
    at(['publishing', 'daily_publish_limit'], dailyLimit);
    at(['publishing', 'publish_days'], publishDays.el);
    at(['publishing', 'time_slots'], slotsGroup);
    slotInputs.forEach((input, i) => at(['publishing', 'time_slots', i], input));
    const profileControls = {
      language,
      audience,
      tone,
      point_of_view: pointOfView,
      target_words_min: wordsMin,
      target_words_max: wordsMax,
      brand_name: brandName,
      avoid,
      house_style: houseStyle,
    };
    for (const [name, control] of Object.entries(profileControls)) at(['content_profile', name], control);
    const body = {
      schedule: {
        enabled: enabled.checked,
        frequency: frequency.value,
        time: to24(),
        days: scheduleDays.get(),
        timezone: timezone.value.trim(),
      },
      stages,
      delays: { within_stage: typedNumber(withinDelay), between_stage: typedNumber(betweenDelay) },
      publishing: {
        auto_approval_enabled: autoApprove.checked,
        auto_publish_enabled: autoPublish.checked,
        daily_publish_limit: typedNumber(dailyLimit),
        publish_days: publishDays.get(),
        time_slots: slotInputs.map((i) => i.value),
      },
      content_profile: {
        language: language.value.trim(),
        audience: audience.value,
        tone: tone.value,
        point_of_view: pointOfView.value,
        target_words_min: typedNumber(wordsMin),
        target_words_max: typedNumber(wordsMax),
        brand_name: brandName.value,
        avoid: avoid.value.split('\n').map((line) => line.trim()).filter((line) => line !== ''),
        house_style: houseStyle.value,
      },
    };
    return { body, places };
  }

  // --- saving ----------------------------------------------------------------------------
  const verdict = statusRegion();
  const summary = h('div', { class: 'error-summary', hidden: true, tabindex: '-1' });
  const saveButton = h('button', { type: 'submit', class: 'primary' }, 'Save settings');
  const resetButton = h('button', { type: 'button', onclick: resetToDefaults }, 'Reset to defaults');
  const form = h(
    'form',
    { novalidate: true, class: 'settings', onsubmit: save },
    summary,
    scheduleCard,
    capacityCard,
    aiCard,
    matrixCard,
    delaysCard,
    publishingCard,
    profileCard,
    h('div', { class: 'actions sticky-actions' }, saveButton, resetButton, verdict),
  );

  function clearErrors() {
    for (const el of form.querySelectorAll('[aria-invalid="true"]')) setFieldError(el, null);
    summary.hidden = true;
    summary.replaceChildren();
  }

  function showErrors(errors, places) {
    const listed = [];
    let first = null;
    for (const error of errors) {
      const loc = error.loc ?? [];
      let control = null;
      for (let n = loc.length; n > 0 && !control; n -= 1) control = places.get(loc.slice(0, n).join('.')) ?? null;
      const text = error.msg;
      if (control) {
        const existing = document.getElementById(`${control.id}-error`)?.textContent;
        setFieldError(control, existing ? `${existing}; ${text}` : text);
        first ??= control;
      }
      const where = control ? labelOf(control) : loc.join(' › ');
      listed.push(
        h(
          'li',
          null,
          control
            ? h('a', { href: `#${control.id}`, onclick: (e) => { e.preventDefault(); focusControl(control); } }, `${where}: ${text}`)
            : `${where}: ${text}`,
        ),
      );
    }
    fill(
      summary,
      h('h2', null, `${errors.length} ${errors.length === 1 ? 'value needs' : 'values need'} attention; nothing was saved`),
      h('ul', null, listed),
    );
    summary.hidden = false;
    if (first) focusControl(first);
    else summary.focus();
  }

  function labelOf(control) {
    if (control.matches('fieldset')) return control.querySelector('legend')?.textContent ?? '';
    return document.querySelector(`label[for="${control.id}"]`)?.textContent?.trim() ?? control.id;
  }

  function focusControl(control) {
    const target = control.matches('fieldset') ? control.querySelector('input, select') : control;
    target?.focus();
  }

  async function save(event) {
    event.preventDefault();
    clearErrors();
    const { body, places } = collect();
    saveButton.disabled = true;
    resetButton.disabled = true;
    say(verdict, 'Saving…');
    try {
      current = await api.patch(path, body, { signal });
      setValues(current);
      say(verdict, 'Settings saved.', 'ok');
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (err instanceof ApiError && err.status === 422 && err.fieldErrors.length) {
        say(verdict, 'Not saved: see the fields marked below.', 'error');
        showErrors(err.fieldErrors, places);
      } else {
        say(verdict, `Not saved: ${err.message}`, 'error');
      }
    } finally {
      saveButton.disabled = false;
      resetButton.disabled = false;
    }
  }

  async function resetToDefaults() {
    clearErrors();
    try {
      const defaults = await api.get('/api/v1/integration/settings/defaults/', { signal });
      enabled.checked = Boolean(defaults.automation.enabled);
      frequency.value = defaults.automation.frequency;
      setHour(defaults.automation.time);
      for (const stage of defaults.stages) setStage(stage);
      withinDelay.value = String(defaults.delays.within_stage);
      betweenDelay.value = String(defaults.delays.between_stage);
      setPublishing(defaults.publishing);
      drawCapacity();
      say(verdict, 'Defaults filled in: Save settings to apply them.', 'warn');
    } catch (err) {
      if (err.name !== 'AbortError') say(verdict, `Could not load the defaults: ${err.message}`, 'error');
    }
  }

  setValues(current);

  return h(
    'div',
    { class: 'page', 'data-title': `Settings · ${site.name}` },
    h('h1', null, 'Automation settings'),
    h('p', { class: 'subtitle' }, site.name),
    form,
  );
}
