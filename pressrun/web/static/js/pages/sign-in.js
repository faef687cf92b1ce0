// Sign-in: an account's API key, checked against the API before it is kept; on the embedded
// default (`pressrun dev`) the demo account's key is offered.

import { ApiError, api } from '../api.js';
import { signIn } from '../credentials.js';
import { field, h, say, setFieldError, statusRegion } from '../dom.js';

async function offeredDemoKey(signal) {
  try {
    return await api.get('/api/v1/dashboard/demo-key', { signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    return null;
  }
}

export async function signInPage({ signal, done, reason }) {
  const demo = await offeredDemoKey(signal);
  const input = h('input', {
    type: 'password',
    name: 'api-key',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
  });
  const verdict = statusRegion();
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');

  async function tryKey(key) {
    setFieldError(input, null);
    submit.disabled = true;
    say(verdict, 'Checking the key…');
    try {
      // The key is used for this one request before it is kept.
      const response = await fetch('/api/v1/account', {
        headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' },
        cache: 'no-store',
      });
      const body = await response.json().catch(() => null);
      if (!response.ok) throw new ApiError(response.status, body);
      signIn(key, { id: body.id, name: body.name });
      say(verdict, `Signed in to ${body.name}.`, 'ok');
      done();
    } catch (err) {
      let message = err.message;
      if (err.status === 401) message = 'This key was refused: it is unknown or revoked.';
      else if (err.status === 403) {
        message = 'This is the admin key. The dashboard works for one account: use an account’s key.';
      } else if (!(err instanceof ApiError)) message = 'The pressrun API cannot be reached.';
      setFieldError(input, message);
      say(verdict, '');
      input.focus();
    } finally {
      submit.disabled = false;
    }
  }

  const form = h(
    'form',
    {
      class: 'stack',
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        const key = input.value.trim();
        if (!key) {
          setFieldError(input, 'Enter an API key.');
          input.focus();
          return;
        }
        tryKey(key);
      },
    },
    field('API key', input, {
      hint: 'An account’s key (Authorization: Bearer …). It is kept in this browser until you sign out.',
    }),
    h('div', { class: 'actions' }, submit),
    verdict,
  );

  const offer = demo
    ? h(
        'div',
        { class: 'card offer' },
        h('h2', null, 'Demo account'),
        h('p', null, `This server runs on the embedded defaults and offers the key of the ${demo.account}.`),
        h(
          'button',
          { type: 'button', onclick: () => tryKey(demo.key) },
          'Use the demo account’s key',
        ),
      )
    : null;

  return h(
    'div',
    { class: 'page narrow' },
    h('h1', null, 'Sign in to pressrun'),
    reason ? h('p', { class: 'error-text' }, reason) : null,
    h('div', { class: 'card' }, form),
    offer,
  );
}
