// Building DOM nodes from data without HTML strings, so no text from the API is ever parsed
// as markup.

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'indeterminate']);

/** An element: `props` are attributes, `on…` listeners or the form properties above. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (PROPERTIES.has(key)) {
      el[key] = value;
    } else if (value !== false) {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Swap an element's children in one step, so a reader never sees it half drawn. */
export function fill(el, ...children) {
  const fragment = document.createDocumentFragment();
  append(fragment, children);
  el.replaceChildren(fragment);
  return el;
}

let counter = 0;
/** An ID unique in the page, to tie labels and descriptions to their controls. */
export function uid(prefix = 'id') {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A labelled field: the label, the control, an optional hint and a slot for its error. */
export function field(labelText, control, { hint, className } = {}) {
  if (!control.id) control.id = uid('field');
  const errorId = `${control.id}-error`;
  const described = [];
  let hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: `${control.id}-hint` }, hint);
    described.push(hintEl.id);
  }
  described.push(errorId);
  control.setAttribute('aria-describedby', described.join(' '));
  return h(
    'div',
    { class: `field ${className ?? ''}`.trim() },
    h('label', { for: control.id }, labelText),
    control,
    hintEl,
    h('p', { class: 'field-error', id: errorId, hidden: true }),
  );
}

/** Show `message` beside the control it belongs to (or clear it with null). */
export function setFieldError(control, message) {
  const slot = document.getElementById(`${control.id}-error`);
  if (message) {
    control.setAttribute('aria-invalid', 'true');
    if (slot) {
      slot.textContent = message;
      slot.hidden = false;
    }
  } else {
    control.removeAttribute('aria-invalid');
    if (slot) {
      slot.textContent = '';
      slot.hidden = true;
    }
  }
}

/** A region that reads out what happened after an action (a verdict, a save). */
export function statusRegion(className = 'verdict') {
  return h('div', { class: className, role: 'status', 'aria-live': 'polite' });
}

export function say(region, message, tone = 'info') {
  region.dataset.tone = tone;
  fill(region, message ?? '');
}

/** A section with a heading, labelled by it for assistive technology. */
export function section(title, ...children) {
  const id = uid('section');
  return h(
    'section',
    { class: 'card', 'aria-labelledby': id },
    h('h2', { id }, title),
    ...children,
  );
}
