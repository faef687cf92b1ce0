// The run-progress event stream read with fetch(), not EventSource, so the API key travels in
// the Authorization header as on every other request. It reconnects by itself: the server
// sends the current state to a client that (re)connects, so nothing is missed.

import { authHeaders } from './api.js';
import { connection } from './connection.js';
import { signOut } from './credentials.js';

// The server sends a heartbeat every 15 s while idle: this much silence means a dead link.
const SILENCE_MS = 40_000;
const MAX_BACKOFF_MS = 8_000;

/**
 * Follow `url` until `stop()`. `onEvent(name, data)` gets each event; `onState(state)` gets
 * 'connecting', 'live', 'reconnecting' or 'failed' (with the reason).
 */
export function openStream(url, { onEvent, onState }) {
  let stopped = false;
  let attempt = 0;
  let controller = null;
  let retryTimer = null;

  const stopBackOff = connection.onBack(() => {
    // The API is back: do not wait out the back-off.
    if (retryTimer !== null) {
      clearTimeout(retryTimer);
      retryTimer = null;
      connect();
    }
  });

  function schedule(delay, state) {
    if (stopped) return;
    if (state) onState(state);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, delay);
  }

  async function connect() {
    if (stopped) return;
    controller = new AbortController();
    const current = controller;
    let silence = null;
    const arm = () => {
      clearTimeout(silence);
      silence = setTimeout(() => current.abort(), SILENCE_MS);
    };
    let failed = false;
    try {
      onState(attempt === 0 ? 'connecting' : 'reconnecting');
      arm();
      const response = await fetch(url, {
        headers: { Accept: 'text/event-stream', ...authHeaders() },
        signal: current.signal,
        cache: 'no-store',
      });
      if (response.status === 401) {
        signOut('The API refused the stored key: sign in again.');
        return;
      }
      if (response.status === 404 || response.status === 403 || response.status === 422) {
        onState('failed', `The event stream was refused (${response.status}).`);
        return;
      }
      if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
      connection.ok();
      attempt = 0;
      onState('live');
      await readEvents(response.body, arm, (name, data) => {
        if (!stopped) onEvent(name, data);
      });
    } catch (err) {
      if (stopped) return;
      failed = true;
      if (err instanceof TypeError) connection.lost();
    } finally {
      clearTimeout(silence);
    }
    if (stopped) return;
    if (failed) {
      attempt += 1;
      const delay = Math.min(500 * 2 ** (attempt - 1), MAX_BACKOFF_MS);
      schedule(delay, 'reconnecting');
    } else {
      // The server ends the stream after a run's `end` event: follow the next one at once.
      schedule(200, null);
    }
  }

  connect();

  return {
    stop() {
      stopped = true;
      stopBackOff();
      clearTimeout(retryTimer);
      controller?.abort();
    },
    /** Reconnect now (after the page learnt something changed elsewhere). */
    restart() {
      if (stopped) return;
      clearTimeout(retryTimer);
      retryTimer = null;
      controller?.abort();
      attempt = 0;
      connect();
    },
  };
}

async function readEvents(body, onBytes, dispatch) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onBytes();
    buffer += value.replaceAll('\r\n', '\n');
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = parseBlock(block);
      if (event) dispatch(event.name, event.data);
      end = buffer.indexOf('\n\n');
    }
  }
}

function parseBlock(block) {
  let name = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const fieldName = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (fieldName === 'event') name = value;
    else if (fieldName === 'data') data.push(value);
  }
  if (!data.length) return null;
  try {
    return { name, data: JSON.parse(data.join('\n')) };
  } catch {
    return null;
  }
}
