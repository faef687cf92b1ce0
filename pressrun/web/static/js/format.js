// How numbers, credits, times and statuses read on every page.

import { h } from './dom.js';

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

export const count = (n) => integer.format(Number(n ?? 0));

export const credits = (n) => decimal.format(Number(n ?? 0));

export function percent(n) {
  return `${integer.format(Number(n ?? 0))}%`;
}

/** A `<time>` element for an ISO date-time from the API; a dash for none. */
export function when(iso, { timeOnly = false } = {}) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const text = (timeOnly ? timeFormat : dateTimeFormat).format(date);
  return h('time', { datetime: date.toISOString(), title: date.toISOString() }, text);
}

/** A date-time in a named time zone (a site's), as text. */
export function inZone(iso, timeZone) {
  if (!iso) return '—';
  const date = new Date(iso);
  try {
    return new Intl.DateTimeFormat(undefined, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone,
    }).format(date);
  } catch {
    return dateTimeFormat.format(date);
  }
}

export function duration(seconds) {
  const total = Math.max(0, Math.round(Number(seconds ?? 0)));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours) return `${hours} h ${minutes} min`;
  if (minutes) return `${minutes} min ${secs} s`;
  return `${secs} s`;
}

export function statusLabel(status) {
  if (!status) return '—';
  const text = String(status).replaceAll('_', ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A status as a coloured badge that still reads as a word. */
export function badge(status) {
  return h('span', { class: 'badge', 'data-status': String(status ?? 'none') }, statusLabel(status));
}

export const shortId = (id) => String(id ?? '').slice(0, 8);
