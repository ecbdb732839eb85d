/**
 * The console's routes: HTML pages at `/`, `/incidents/:id`, `/runbooks` (and, for admins, the
 * mode switch with its confirmation, `/automation/mode`), form posts that call
 * the same domain operations as the API (src/incidents/operations.ts, the engine), the page's
 * event stream (timeline entries, and the automation switch: automation-watch.ts) and its static
 * files. Thin: read the form, check the session's role exactly as
 * the API checks a token's, call the domain, redirect back (303) with a notice.
 *
 * Every form post must come from this origin (Origin/Referer) and carry the session's CSRF
 * token; a viewer's post to a responder's action is refused with 403, as on the API.
 */
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { AuthSettings } from '../config/credentials.ts';
import type { Role } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Engine } from '../engine/engine.ts';
import { FirebreakError, toFirebreakError } from '../errors.ts';
import { clientOf, type AuthLimit } from '../http/auth.ts';
import { errorBody, httpError } from '../http/errors.ts';
import { rateLimited } from '../http/failure-limit.ts';
import { DEFAULT_HEARTBEAT_MS, streamTimeline, lastEventId } from '../http/event-stream.ts';
import { requestContext } from '../http/request-context.ts';
import { incidentNotFound } from '../incidents/errors.ts';
import { closeIncident } from '../incidents/lifecycle.ts';
import { INCIDENT_STATUSES, type IncidentStatus, type Phase, ROLE_NAMES, type RoleName } from '../model/incident.ts';
import { addActionItem, addNote, assignRole, postStatusUpdate } from '../incidents/operations.ts';
import { incidentDetail, listIncidentSummaries, waitingApprovals, wholeTimeline } from '../incidents/overview.ts';
import { buildPostmortem, renderPostmortemMarkdown } from '../incidents/postmortem.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { DEFAULT_LIVE_POLL_MS, type LiveFeed } from '../record/live-feed.ts';
import { MODES, type EngineRun, type Mode } from '../model/engine.ts';
import { isIssuedCursor } from '../store/query.ts';
import type { Store } from '../store/types.ts';
import { loadAssets } from './assets.ts';
import { automationWatch, sendAutomation, streamAutomation } from './automation-watch.ts';
import type { Html } from './html.ts';
import { incidentPage } from './pages/incident.ts';
import { incidentsPage, type IncidentFilters } from './pages/incidents.ts';
import { modeSwitchPage } from './pages/mode.ts';
import type { PageContext } from './pages/layout.ts';
import { runbooksPage } from './pages/runbooks.ts';
import { errorPage, signInPage } from './pages/sign-in.ts';
import { sameOrigin, securityHeaders } from './security.ts';
import { csrfOk, SessionManager, type ConsoleUser } from './sessions.ts';
import { isOneOf } from '../core/vocabulary.ts';

export interface ConsoleDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  engine: Engine | null;
  auth: AuthSettings;
  live: LiveFeed;
  sessionTtlMs: number;
  publicUrl: string | null;
  bodyLimit: number;
  /** Failed sign-ins counted per client address, shared with the API's operator tokens. */
  authLimit?: AuthLimit;
  /** How often open pages' automation switch is read from the store (default: the live feed's period). */
  livePollMs?: number;
}

/** Success notices by key: fixed texts, so a crafted link cannot make the page say anything else. */
const NOTICES: Record<string, string> = {
  approve: 'Approved: the step runs now, through the guards again.',
  reject: 'Rejected: the step does not run.',
  revert: 'Revert done: see the containments and the timeline.',
  'hand-back': 'Handed back to automation: the loop breaker no longer holds it; it is released as its step says.',
  clear: 'Hold cleared: the held changes were reverted; see the containments and the timeline.',
  pause: 'Automation paused: no runbook step changes anything until it is resumed.',
  resume: 'Automation resumed.',
  'mode-enforce': 'Mode enforce: runbook steps change the cluster, on every replica.',
  'mode-dry-run': 'Mode dry-run: runbook steps are planned and recorded, not executed, on every replica.',
  note: 'Note added.',
  role: 'Role assigned.',
  item: 'Action item added.',
  update: 'Status update posted to the timeline and the subscribed targets.',
  close: 'Incident closed.',
};

const STATUSES: ReadonlySet<string> = new Set(INCIDENT_STATUSES);
const BACK = /^\/(incidents\/[A-Za-z0-9_-]{1,64}|runbooks)?$/;
/** Incidents per page of the list (filters apply in the store, before the page is cut). */
const LIST_LIMIT = 100;
const RUNS_SHOWN = 5;

type Handler = (req: Request, res: Response, user: ConsoleUser) => Promise<void>;

function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

function required(body: unknown, name: string, max: number): string {
  const value = field(body, name).trim();
  if (value === '' || value.length > max) throw httpError(400, 'CONSOLE_INVALID_FORM', `${name} is required, at most ${max} characters`, { field: name });
  return value;
}

/** A comma-separated filter field: its values, trimmed, empty ones dropped. */
function listOf(value: unknown): string[] {
  return typeof value === 'string' ? [...new Set(value.split(',').map((v) => v.trim()).filter((v) => v !== '' && v.length <= 200))].slice(0, 50) : [];
}

/** The incident list's filters from the query string; unknown statuses are ignored. */
function listFilters(query: Request['query']): IncidentFilters {
  return {
    status: listOf(query.status).filter((s): s is IncidentStatus => STATUSES.has(s as IncidentStatus)),
    cluster: listOf(query.cluster),
    severity: listOf(query.severity),
  };
}

/** The cursor as given when this server issued it; a clear 400 otherwise. */
function issuedCursor(cursor: string): string {
  if (!isIssuedCursor(cursor)) throw httpError(400, 'CONSOLE_INVALID_FORM', 'the page link is not one this server made: start again from the newest incidents', { field: 'cursor' });
  return cursor;
}

function backOf(body: unknown): string {
  const back = field(body, 'back');
  return BACK.test(back) ? back : '/';
}

function modeOf(body: unknown): Mode {
  const mode = field(body, 'mode');
  if (!isOneOf(MODES, mode)) throw httpError(400, 'CONSOLE_INVALID_FORM', `mode must be ${MODES.join(' or ')}`, { field: 'mode' });
  return mode;
}

export function consoleRouter(deps: ConsoleDeps): Router {
  const { store, clock } = deps;
  const router = Router();
  const assets = loadAssets();
  const sessions = new SessionManager({
    store,
    clock,
    logger: deps.logger,
    auth: deps.auth,
    ttlMs: deps.sessionTtlMs,
    secure: (req) => req.secure || (deps.publicUrl?.startsWith('https://') ?? false),
  });
  const ops = { store, clock, metrics: deps.metrics };
  const engine = deps.engine;
  const watch = engine === null ? null : automationWatch({ read: () => engine.automation(), pollMs: deps.livePollMs ?? DEFAULT_LIVE_POLL_MS, logger: deps.logger });
  const form = express.urlencoded({ extended: false, limit: deps.bodyLimit, parameterLimit: 50 });

  function send(res: Response, status: number, page: Html): void {
    res.status(status).type('text/html; charset=utf-8').send(page.value);
  }

  function fail(res: Response, err: unknown): void {
    const error = toFirebreakError(err);
    const body = errorBody(error);
    requestContext(res).errorCode = body.code;
    if (body.statusCode >= 500) requestContext(res).error = error;
    if (res.headersSent) {
      res.end();
      return;
    }
    send(res, body.statusCode, errorPage(body.statusCode, body.code, body.message));
  }

  async function context(req: Request, user: ConsoleUser, path: string): Promise<PageContext> {
    const done = typeof req.query.done === 'string' ? (NOTICES[req.query.done] ?? null) : null;
    return { user, automation: deps.engine === null ? null : await deps.engine.automation(), path, notice: done };
  }

  /** A page: signed in with at least `role`, else to the sign-in page (or 403). */
  function view(role: Role, handler: Handler): RequestHandler[] {
    return [
      securityHeaders,
      async (req: Request, res: Response) => {
        try {
          const user = await sessions.user(req);
          if (user === null) {
            res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
            return;
          }
          requestContext(res).principal = user.principal;
          if (!allowed(user, role)) throw forbidden(user, role);
          await handler(req, res, user);
        } catch (err) {
          fail(res, err);
        }
      },
    ];
  }

  /** A form post: same origin, a CSRF token, signed in with at least `role`. */
  function action(role: Role, handler: Handler): RequestHandler[] {
    return [
      securityHeaders,
      (req: Request, res: Response, next: NextFunction) => {
        if (!req.is('application/x-www-form-urlencoded')) {
          fail(res, httpError(415, 'CONSOLE_UNSUPPORTED_MEDIA_TYPE', 'console forms post application/x-www-form-urlencoded'));
          return;
        }
        form(req, res, (err?: unknown) => (err === undefined || err === null ? next() : fail(res, httpError(400, 'CONSOLE_INVALID_FORM', (err as Error).message))));
      },
      async (req: Request, res: Response) => {
        try {
          const user = await sessions.user(req);
          if (user === null) throw httpError(401, 'AUTH_MISSING', 'not signed in (or the session expired): sign in again');
          requestContext(res).principal = user.principal;
          if (!sameOrigin(req) || !csrfOk(user, field(req.body, '_csrf'))) {
            throw httpError(403, 'CONSOLE_CSRF', 'this form was not sent from a console page of this server (or the page is too old): reload it and try again');
          }
          if (!allowed(user, role)) throw forbidden(user, role);
          await handler(req, res, user);
        } catch (err) {
          fail(res, err);
        }
      },
    ];
  }

  function allowed(user: ConsoleUser, role: Role): boolean {
    const rank = { viewer: 1, responder: 2, admin: 3 } as const;
    return rank[user.role] >= rank[role];
  }

  function forbidden(user: ConsoleUser, role: Role): FirebreakError {
    return httpError(403, 'AUTH_FORBIDDEN', `role ${user.role} cannot do this; it needs ${role}`, { required: role });
  }

  const done = (res: Response, back: string, key: string) => res.redirect(303, `${back}${back.includes('?') ? '&' : '?'}done=${key}`);

  // Static files and the event stream.
  router.get('/console/assets/:name', (req: Request<{ name: string }>, res: Response) => {
    const asset = assets.get(req.params.name);
    if (asset === undefined) {
      fail(res, httpError(404, 'NOT_FOUND', `no console asset ${req.params.name}`));
      return;
    }
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-cache');
    res.type(asset.contentType).send(asset.body);
  });

  // Browsers ask for it on every page; there is none.
  router.get('/favicon.ico', (_req: Request, res: Response) => {
    res.status(204).end();
  });

  router.get('/console/events', async (req: Request, res: Response) => {
    try {
      const user = await sessions.user(req);
      if (user === null) throw httpError(401, 'AUTH_MISSING', 'not signed in');
      requestContext(res).principal = user.principal;
      if (req.query.only === 'automation') {
        if (watch === null) throw httpError(503, 'ENGINE_DISABLED', 'the runbook engine is not running in this process');
        streamAutomation(req, res, watch, deps.live, DEFAULT_HEARTBEAT_MS);
        return;
      }
      const incidentId = typeof req.query.incident === 'string' ? req.query.incident : undefined;
      if (incidentId !== undefined && (await store.getIncident(incidentId)) === null) throw incidentNotFound(incidentId);
      const after = lastEventId(req);
      await streamTimeline(req, res, { store, feed: deps.live, ...(incidentId === undefined ? {} : { incidentId }), ...(after === undefined ? {} : { afterId: after }) });
      if (watch !== null) sendAutomation(req, res, watch);
    } catch (err) {
      fail(res, err);
    }
  });

  // Signing in and out.
  router.get('/sign-in', securityHeaders, async (req: Request, res: Response) => {
    const next = typeof req.query.next === 'string' && req.query.next.startsWith('/') && !req.query.next.startsWith('//') ? req.query.next : '/';
    if ((await sessions.user(req)) !== null) {
      res.redirect(303, next);
      return;
    }
    send(res, 200, signInPage({ challenge: sessions.signInChallenge(req, res), next, error: null, signedOut: req.query.signedOut === '1' }));
  });

  router.post('/sign-in', securityHeaders, form, async (req: Request, res: Response) => {
    try {
      const nextField = field(req.body, 'next');
      const next = nextField.startsWith('/') && !nextField.startsWith('//') ? nextField : '/';
      if (sessions.disabled) {
        res.redirect(303, next);
        return;
      }
      if (!sameOrigin(req) || !sessions.signInChallengeOk(req, field(req.body, '_challenge'))) {
        throw httpError(403, 'CONSOLE_CSRF', 'the sign-in form was not sent from this server\'s sign-in page: open it again');
      }
      const refused = (status: number, error: FirebreakError | null, text: string) => {
        requestContext(res).errorCode = error?.code ?? 'AUTH_INVALID';
        if (error !== null) res.setHeader('Retry-After', String(error.details?.retryAfterSeconds ?? 1));
        send(res, status, signInPage({ challenge: sessions.signInChallenge(req, res), next, error: text, signedOut: false }));
      };
      // Checked before the token is looked at: a client over the limit learns nothing, even with a right one.
      const limit = deps.authLimit;
      const before = limit?.limiter.check(clientOf(req));
      if (limit !== undefined && before?.limited === true) {
        const error = rateLimited(before, limit.settings);
        refused(429, error, `Sign-in refused: ${error.message}.`);
        return;
      }
      const name = await sessions.signIn(req, res, field(req.body, 'token'));
      if (name === null) {
        const after = limit?.limiter.fail(clientOf(req));
        const error = limit !== undefined && after?.limited === true ? rateLimited(after, limit.settings) : null;
        refused(error === null ? 401 : 429, error, `That is not an operator token of this server.${error === null ? '' : ` Sign-in refused from now on: ${error.message}.`}`);
        return;
      }
      res.redirect(303, next);
    } catch (err) {
      fail(res, err);
    }
  });

  router.post('/sign-out', ...action('viewer', async (req, res) => {
    await sessions.signOut(req, res);
    res.redirect(303, '/sign-in?signedOut=1');
  }));

  // Pages.
  router.get('/', ...view('viewer', async (req, res, user) => {
    const filters = listFilters(req.query);
    const cursor = typeof req.query.cursor === 'string' && req.query.cursor !== '' ? req.query.cursor : undefined;
    const [page, waiting] = await Promise.all([
      listIncidentSummaries(store, {
        limit: LIST_LIMIT,
        ...(filters.status.length === 0 ? {} : { status: filters.status }),
        ...(filters.cluster.length === 0 ? {} : { cluster: filters.cluster }),
        ...(filters.severity.length === 0 ? {} : { severity: filters.severity }),
        ...(cursor === undefined ? {} : { cursor: issuedCursor(cursor) }),
      }),
      waitingApprovals(store),
    ]);
    const ctx = await context(req, user, '/');
    send(res, 200, incidentsPage(ctx, { items: page.items, waiting, filters, nextCursor: page.nextCursor, paged: cursor !== undefined, now: clock.now() }));
  }));

  router.get('/incidents/:id', ...view('viewer', async (req, res, user) => {
    const id = String(req.params.id);
    const timeline = await wholeTimeline(store, id).catch((err: unknown) => {
      throw (err as FirebreakError).statusCode === 404 ? incidentNotFound(id) : err;
    });
    const [detail, postmortem] = await Promise.all([incidentDetail(store, id, timeline), buildPostmortem(store, id, clock.now())]);
    send(res, 200, incidentPage(await context(req, user, `/incidents/${id}`), { detail, timeline, postmortem }));
  }));

  router.get('/incidents/:id/postmortem.md', ...view('viewer', async (req, res) => {
    const id = String(req.params.id);
    const markdown = renderPostmortemMarkdown(await buildPostmortem(store, id, clock.now()));
    res.setHeader('Content-Disposition', `attachment; filename="${id.replace(/[^A-Za-z0-9_-]/g, '')}-postmortem.md"`);
    res.type('text/markdown; charset=utf-8').send(markdown);
  }));

  router.get('/runbooks', ...view('viewer', async (req, res, user) => {
    send(res, 200, await runbooks(await context(req, user, '/runbooks'), '', null, null));
  }));

  async function runbooks(ctx: PageContext, payload: string, simulation: Awaited<ReturnType<Engine['simulate']>> | null, simulationError: string | null): Promise<Html> {
    const engine = deps.engine;
    if (engine === null) throw httpError(503, 'ENGINE_DISABLED', 'the runbook engine is not running in this process');
    const checked = await engine.checkRunbooks();
    const runs = new Map<string, EngineRun[]>();
    for (const r of engine.runbooks.runbooks) runs.set(r.name, (await store.runs({ runbook: r.name })).slice(-RUNS_SHOWN).reverse());
    return runbooksPage(ctx, { runbooks: engine.runbooks.runbooks, diagnostics: checked.diagnostics, runs, payload, simulation, simulationError });
  }

  router.post('/runbooks/simulate', ...action('responder', async (req, res, user) => {
    const payload = field(req.body, 'payload');
    const ctx = await context(req, user, '/runbooks');
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch (err) {
      send(res, 400, await runbooks(ctx, payload, null, `The payload is not JSON: ${(err as Error).message}`));
      return;
    }
    try {
      const engine = deps.engine;
      if (engine === null) throw httpError(503, 'ENGINE_DISABLED', 'the runbook engine is not running in this process');
      send(res, 200, await runbooks(ctx, payload, await engine.simulate(parsed), null));
    } catch (err) {
      const error = toFirebreakError(err);
      if (error.statusCode >= 500) throw error;
      send(res, 400, await runbooks(ctx, payload, null, `${error.code}: ${error.message}`));
    }
  }));

  // Actions on an incident.
  const engineOf = (): Engine => {
    if (deps.engine === null) throw httpError(503, 'ENGINE_DISABLED', 'the runbook engine is not running in this process');
    return deps.engine;
  };

  router.post('/incidents/:id/steps/:step/decide', ...action('responder', async (req, res, user) => {
    const verdict = field(req.body, 'verdict');
    if (verdict !== 'approve' && verdict !== 'reject') throw httpError(400, 'CONSOLE_INVALID_FORM', 'verdict must be approve or reject', { field: 'verdict' });
    const reason = field(req.body, 'reason').trim();
    await engineOf().decide(String(req.params.id), String(req.params.step), verdict === 'approve' ? 'granted' : 'rejected', user.principal.name, reason === '' ? null : reason);
    done(res, backOf(req.body), verdict);
  }));

  router.post('/incidents/:id/revert', ...action('responder', async (req, res, user) => {
    const step = field(req.body, 'step').trim();
    await engineOf().revert(String(req.params.id), { actor: user.principal.name, ...(step === '' ? {} : { stepId: step }) });
    done(res, backOf(req.body), 'revert');
  }));

  router.post('/incidents/:id/hold', ...action('responder', async (req, res, user) => {
    const how = field(req.body, 'how');
    if (how !== 'hand-back' && how !== 'clear') throw httpError(400, 'CONSOLE_INVALID_FORM', 'how must be hand-back or clear', { field: 'how' });
    await engineOf().liftHold(String(req.params.id), { how, actor: user.principal.name, reason: required(req.body, 'reason', 2_000) });
    done(res, backOf(req.body), how);
  }));

  router.post('/incidents/:id/notes', ...action('responder', async (req, res, user) => {
    await addNote(ops, String(req.params.id), { text: required(req.body, 'text', 10_000), phase: null as Phase | null }, user.principal.name);
    done(res, backOf(req.body), 'note');
  }));

  router.post('/incidents/:id/roles', ...action('responder', async (req, res, user) => {
    const role = field(req.body, 'role') as RoleName;
    if (!isOneOf(ROLE_NAMES, role)) throw httpError(400, 'CONSOLE_INVALID_FORM', `role must be ${ROLE_NAMES.slice(0, -1).join(', ')} or ${ROLE_NAMES.at(-1)}`, { field: 'role' });
    await assignRole(ops, String(req.params.id), { role, person: required(req.body, 'person', 200) }, user.principal.name);
    done(res, backOf(req.body), 'role');
  }));

  router.post('/incidents/:id/action-items', ...action('responder', async (req, res, user) => {
    const owner = field(req.body, 'owner').trim();
    await addActionItem(ops, String(req.params.id), { title: required(req.body, 'title', 500), owner: owner === '' ? null : owner.slice(0, 200) }, user.principal.name);
    done(res, backOf(req.body), 'item');
  }));

  router.post('/incidents/:id/status-updates', ...action('responder', async (req, res, user) => {
    const minutes = field(req.body, 'nextInMinutes').trim();
    if (minutes !== '' && !/^\d{1,4}$/.test(minutes)) throw httpError(400, 'CONSOLE_INVALID_FORM', 'next update in minutes must be a whole number', { field: 'nextInMinutes' });
    const nextUpdateAt = minutes === '' ? null : new Date(clock.now() + Number(minutes) * 60_000).toISOString();
    await postStatusUpdate(ops, String(req.params.id), { known: required(req.body, 'known', 4_000), doing: required(req.body, 'doing', 4_000), nextUpdateAt }, user.principal.name);
    done(res, backOf(req.body), 'update');
  }));

  router.post('/incidents/:id/close', ...action('responder', async (req, res, user) => {
    const reason = field(req.body, 'reason').trim();
    await closeIncident(store, String(req.params.id), user.principal.name, clock.now(), reason === '' ? undefined : reason);
    done(res, backOf(req.body), 'close');
  }));

  // The automation switch.
  for (const [path, paused] of [['pause', true], ['resume', false]] as const) {
    router.post(`/automation/${path}`, ...action('responder', async (req, res, user) => {
      const reason = field(req.body, 'reason').trim();
      await engineOf().setPaused(paused, user.principal.name, reason === '' ? null : reason.slice(0, 2_000));
      watch?.nudge();
      done(res, backOf(req.body), path);
    }));
  }

  // The mode, an admin's call as on the API. Enforce only with the confirmation of its page.
  router.get('/automation/mode', ...view('admin', async (req, res, user) => {
    const to = modeOf({ mode: req.query.to });
    const ctx = await context(req, user, backOf(req.query));
    send(res, 200, modeSwitchPage(ctx, await engineOf().automation(), to));
  }));

  router.post('/automation/mode', ...action('admin', async (req, res, user) => {
    const mode = modeOf(req.body);
    const back = backOf(req.body);
    if (mode === 'enforce' && field(req.body, 'confirm') !== 'enforce') {
      res.redirect(303, `/automation/mode?to=enforce&back=${encodeURIComponent(back)}`);
      return;
    }
    const reason = field(req.body, 'reason').trim();
    await engineOf().setMode(mode, user.principal.name, reason === '' ? null : reason.slice(0, 2_000));
    watch?.nudge();
    done(res, back, `mode-${mode}`);
  }));

  return router;
}
