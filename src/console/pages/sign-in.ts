/** The sign-in page and the error page shown without a session. */
import { html, type Html } from '../html.ts';
import { barePage } from './layout.ts';

export function signInPage(input: { challenge: string; next: string; error: string | null; signedOut: boolean }): Html {
  return barePage(
    'Sign in',
    html`<h1>firebreak: sign in</h1>
${input.signedOut ? html`<p class="notice" role="status">You are signed out.</p>` : ''}
${input.error === null ? '' : html`<p class="error" role="alert">${input.error}</p>`}
<form method="post" action="/sign-in" class="stack">
<input type="hidden" name="_challenge" value="${input.challenge}">
<input type="hidden" name="next" value="${input.next}">
<label for="token">Operator token</label>
<input id="token" type="password" name="token" autocomplete="current-password" required>
<button type="submit" class="primary">Sign in</button>
</form>
<p class="muted">Use an operator token from <code>apiTokens</code> (or the admin token in <code>credentials.json</code> in the data directory). Its role decides what you can do here, as on the API.</p>`,
  );
}

export function errorPage(status: number, code: string, message: string): Html {
  return barePage(
    `Error ${status}`,
    html`<h1>${status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Something went wrong'}</h1>
<p class="error" role="alert">${code}: ${message}</p>
<p><a href="/">Back to the incidents</a></p>`,
  );
}
