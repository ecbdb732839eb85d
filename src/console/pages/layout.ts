/** The page around every console view: header with navigation, automation switch and who is signed in. */
import type { AutomationStatus } from '../../engine/engine.ts';
import type { Mode } from '../../model/engine.ts';
import { automationKey } from '../automation-watch.ts';
import { html, type Html, type Renderable } from '../html.ts';
import type { ConsoleUser } from '../sessions.ts';

export interface PageContext {
  user: ConsoleUser;
  /** Null when the engine does not run in this process. */
  automation: AutomationStatus | null;
  /** The path of this page, for forms that come back here. */
  path: string;
  notice?: string | null;
  error?: string | null;
}

const RANK = { viewer: 1, responder: 2, admin: 3 } as const;

/** True when the user may do what needs `role` (the same order as the API's). */
export function can(user: ConsoleUser, role: 'viewer' | 'responder' | 'admin'): boolean {
  return RANK[user.role] >= RANK[role];
}

/** Hidden fields every form carries: the CSRF token and where to come back to. */
export function formFields(ctx: PageContext): Html {
  return html`<input type="hidden" name="_csrf" value="${ctx.user.csrf}"><input type="hidden" name="back" value="${ctx.path}">`;
}

function automationBar(ctx: PageContext): Html {
  const a = ctx.automation;
  if (a === null) return html`<div class="automation" id="automation" data-live><span>Runbook engine: not running in this process</span></div>`;
  const state = a.paused
    ? html`<span class="paused">Automation PAUSED${a.changedBy === null ? '' : ` by ${a.changedBy}`}${a.reason === null ? '' : `: ${a.reason}`}</span>`
    : html`<span>Automation running</span>`;
  const toggle = !can(ctx.user, 'responder')
    ? ''
    : a.paused
      ? html`<form method="post" action="/automation/resume" class="inline">${formFields(ctx)}<label for="resume-reason">Reason</label><input id="resume-reason" type="text" name="reason" maxlength="2000"><button type="submit">Resume automation</button></form>`
      : html`<form method="post" action="/automation/pause" class="inline">${formFields(ctx)}<label for="pause-reason">Reason</label><input id="pause-reason" type="text" name="reason" maxlength="2000" required><button type="submit" class="danger">Pause all automation</button></form>`;
  const mode = a.modeChangedBy === null || a.modeChangedBy === 'configuration' ? '' : ` (set by ${a.modeChangedBy}${a.modeReason === null ? '' : `: ${a.modeReason}`})`;
  return html`<div class="automation" id="automation" data-live data-automation="${automationKey(a)}"><span>Mode: <strong>${a.mode}</strong>${mode}</span>${modeSwitch(ctx, a.mode)}${state}${toggle}</div>`;
}

/**
 * The mode switch, for admins only (as `POST /api/v1/automation/mode`): a button to the page that
 * says what the other mode does and asks for the reason (mode.ts), a confirmation before enforce.
 */
function modeSwitch(ctx: PageContext, mode: Mode): Html | '' {
  if (!can(ctx.user, 'admin')) return '';
  const to = mode === 'enforce' ? 'dry-run' : 'enforce';
  return html`<form method="get" action="/automation/mode" class="inline"><input type="hidden" name="to" value="${to}"><input type="hidden" name="back" value="${ctx.path}"><button type="submit">Switch to ${to}…</button></form>`;
}

export function page(ctx: PageContext, options: { title: string; events?: string; body: Renderable }): Html {
  const who =
    ctx.user.principal.kind === 'anonymous'
      ? html`<span class="paused">Authentication is disabled</span>`
      : html`<span>${ctx.user.principal.name} (${ctx.user.role})</span><form method="post" action="/sign-out" class="inline">${formFields(ctx)}<button type="submit">Sign out</button></form>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · firebreak</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script type="module" src="/console/assets/live.js"></script>
</head>
<body data-events="${options.events ?? (ctx.automation === null ? '' : '/console/events?only=automation')}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<nav aria-label="Main"><a href="/">Incidents</a><a href="/runbooks">Runbooks</a></nav>
${automationBar(ctx)}
<div class="who">${who}</div>
</header>
<main id="main">
${ctx.notice === undefined || ctx.notice === null ? '' : html`<p class="notice" role="status">${ctx.notice}</p>`}
${ctx.error === undefined || ctx.error === null ? '' : html`<p class="error" role="alert">${ctx.error}</p>`}
${options.body}
</main>
<footer><span id="live-status" aria-live="polite">${options.events === undefined ? '' : 'Live updates need JavaScript; reload to see changes.'}</span></footer>
</body>
</html>`;
}

/** A bare page (sign-in, errors without a session). */
export function barePage(title: string, body: Renderable): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · firebreak</title>
<link rel="stylesheet" href="/console/assets/console.css">
</head>
<body>
<main id="main" class="sign-in">
${body}
</main>
</body>
</html>`;
}

/** An ISO time as a `<time>` element (UTC, seconds). */
export function time(iso: string | null): Html | string {
  if (iso === null) return '—';
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>`;
}
