/**
 * The console's one script (progressive enhancement: every page and form works without it).
 * It listens to the server's event stream and, when timeline entries arrive or the automation
 * switch shown differs from the one the server sends, fetches the page again and swaps in the
 * fresh version of each live region (`[data-live]` with an id), except a
 * region the person is typing in, which is refreshed once they leave it. Bursts of entries cause
 * one fetch (debounced); nothing polls. Served type-stripped as /console/assets/live.js.
 */
const DEBOUNCE_MS = 300;

let timer: number | null = null;
let deferred = false;

function status(text: string): void {
  const element = document.getElementById('live-status');
  if (element !== null) element.textContent = text;
}

function editing(region: Element): boolean {
  const active = document.activeElement;
  return active !== null && active !== document.body && region.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
}

async function refresh(): Promise<void> {
  timer = null;
  const response = await fetch(window.location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
  if (!response.ok) {
    status(response.status === 401 ? 'Signed out: reload the page to sign in again.' : `Live update failed (${response.status}).`);
    return;
  }
  const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
  deferred = false;
  for (const region of Array.from(document.querySelectorAll('[data-live]'))) {
    const replacement = region.id === '' ? null : fresh.getElementById(region.id);
    if (replacement === null) continue;
    if (editing(region)) {
      deferred = true;
      continue;
    }
    region.replaceWith(document.importNode(replacement, true));
  }
}

function schedule(): void {
  if (timer !== null) return;
  timer = window.setTimeout(() => {
    refresh().catch(() => status('Live update failed; the page may be out of date.'));
  }, DEBOUNCE_MS);
}

function start(): void {
  const url = document.body.dataset.events;
  if (url === undefined || url === '' || typeof EventSource === 'undefined') return;
  const source = new EventSource(url);
  source.addEventListener('open', () => status('Live: updates appear as they happen.'));
  source.addEventListener('error', () => status('Live updates interrupted; reconnecting…'));
  source.addEventListener('timeline', schedule);
  // Entries another replica committed (the server noticed them in the store).
  source.addEventListener('changed', schedule);
  // The automation switch (mode, pause), changed anywhere: refreshed when it differs from the one shown.
  source.addEventListener('automation', (event) => {
    const shown = document.getElementById('automation')?.dataset.automation;
    let key: unknown;
    try {
      key = (JSON.parse((event as MessageEvent<string>).data) as { key?: unknown }).key;
    } catch {
      return;
    }
    if (typeof key === 'string' && shown !== undefined && key !== shown) schedule();
  });
  document.addEventListener('focusout', () => {
    if (deferred) schedule();
  });
}

start();
