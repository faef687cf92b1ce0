// The REST API as the dashboard calls it: the key in the Authorization header, JSON both ways,
// the API's own error bodies ({detail, code, …}) kept for the pages to show.

import { connection } from './connection.js';
import { apiKey, signOut } from './credentials.js';

/** The API answered with an error; `body` is its JSON (`detail`, `code`, …). */
export class ApiError extends Error {
  constructor(status, body) {
    super(describe(status, body));
    this.status = status;
    this.body = body ?? {};
    this.code = this.body.code ?? null;
  }

  /** The 422 body's field errors: [{loc: [...], msg}]. */
  get fieldErrors() {
    return Array.isArray(this.body.detail) ? this.body.detail : [];
  }
}

/** The API could not be reached at all. */
export class UnreachableError extends Error {
  constructor() {
    super('The pressrun API cannot be reached.');
    this.status = 0;
  }
}

function describe(status, body) {
  const detail = body?.detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => `${(d.loc ?? []).join('.')}: ${d.msg}`).join('; ');
  }
  return `The API answered ${status}.`;
}

// Statuses a proxy in front of the API answers while the API itself is down.
const GATEWAY = new Set([502, 504]);

export function authHeaders() {
  const key = apiKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

export function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

/** Send a request and return the response itself, once it is known to be a success. */
export async function fetchOk(path, { method = 'GET', body, query, signal, accept } = {}) {
  const headers = { Accept: accept ?? 'application/json', ...authHeaders() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(withQuery(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: 'no-store',
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    connection.lost();
    throw new UnreachableError();
  }
  if (GATEWAY.has(response.status)) {
    connection.lost();
    throw new UnreachableError();
  }
  connection.ok();
  if (response.ok) return response;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.status === 401) signOut('The API refused the stored key: sign in again.');
  throw new ApiError(response.status, data);
}

export async function request(method, path, options = {}) {
  const response = await fetchOk(path, { ...options, method });
  if (response.status === 204) return null;
  const data = await response.json();
  return data;
}

export const api = {
  get: (path, options) => request('GET', path, options),
  post: (path, body, options) => request('POST', path, { ...options, body }),
  put: (path, body, options) => request('PUT', path, { ...options, body }),
  patch: (path, body, options) => request('PATCH', path, { ...options, body }),
};

/** An image the API serves behind the key, as an object URL an <img> can show. */
export async function imageUrl(path, signal) {
  const response = await fetchOk(path, { signal, accept: 'image/*' });
  return URL.createObjectURL(await response.blob());
}
