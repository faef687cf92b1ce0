// Whether the API answers. While it does not, a banner says so and a probe waits for it to come
// back; then every page that asked is told, and refreshes what it shows.

const listeners = new Set();
let down = false;
let probing = false;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function banner() {
  return document.getElementById('connection');
}

async function probe() {
  if (probing) return;
  probing = true;
  let delay = 750;
  try {
    while (down) {
      await sleep(delay);
      try {
        const response = await fetch('/healthz', { cache: 'no-store' });
        if (response.ok) {
          connection.ok();
          return;
        }
      } catch {
        // Still unreachable: try again a little later.
      }
      delay = Math.min(delay * 1.5, 3000);
    }
  } finally {
    probing = false;
  }
}

export const connection = {
  get down() {
    return down;
  },

  /** A request could not reach the API. */
  lost() {
    if (down) return;
    down = true;
    const el = banner();
    if (el) {
      el.textContent = 'The pressrun API cannot be reached. Retrying…';
      el.hidden = false;
    }
    probe();
  },

  /** The API answered. */
  ok() {
    if (!down) return;
    down = false;
    const el = banner();
    if (el) {
      el.textContent = '';
      el.hidden = true;
    }
    for (const fn of [...listeners]) fn();
  },

  /** Call `fn` each time the API comes back; returns the unsubscribe function. */
  onBack(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
};

window.addEventListener('online', () => {
  if (down) probe();
});
window.addEventListener('offline', () => connection.lost());
