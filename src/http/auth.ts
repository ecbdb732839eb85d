/**
 * Authentication and authorisation at the HTTP boundary.
 *
 * - The webhook accepts only the webhook credentials (bearer token or basic auth, as
 *   Alertmanager's `http_config` sends them); operator tokens are refused there, and the webhook
 *   credentials are refused on the API, so each secret does one job.
 * - The API accepts operator tokens (`Authorization: Bearer`); roles are ordered
 *   viewer < responder < admin, and a route names the least role it needs.
 * - Secrets are compared in constant time: SHA-256 digests of equal length through
 *   `crypto.timingSafeEqual`, against every known secret without stopping at a match, so timing
 *   reveals neither the secret nor which one matched.
 * - A webhook header that passed that check is remembered (at most
 *   {@link ACCEPTED_HEADERS_CACHED}), so the same header again (Alertmanager sends one header with
 *   every notification) costs a map lookup instead of hashes. Operator tokens are not remembered:
 *   the API is not on the hot path, and the spellings of one operator token (the scheme in any
 *   case, any spacing) must not fill the table and leave the webhook's header out. Only a header equal to one that passed is found; any other takes
 *   the constant-time path. The lookup hashes the presented string (with V8's per-process seed)
 *   and compares it in full only with a remembered header of the same hash, so its time says
 *   nothing usable about a secret. Failures are never remembered: each wrong header is checked
 *   in full.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthSettings } from '../config/credentials.ts';
import type { Role } from '../config/schema.ts';
import { httpError } from './errors.ts';
import { rateLimited, type FailureLimiter, type FailureLimitSettings } from './failure-limit.ts';
import { requestContext, type Principal } from './request-context.ts';

const ROLE_RANK: Record<Role, number> = { viewer: 1, responder: 2, admin: 3 };

/** Name recorded for requests when authentication is disabled. */
export const ANONYMOUS = 'anonymous';

type Credential = { kind: 'bearer'; token: string } | { kind: 'basic'; username: string; password: string };

export interface Authenticator {
  /** Identifies the caller, or throws AUTH_MISSING / AUTH_INVALID (401). */
  identify(authorization: string | undefined): Principal;
  /** Middleware for the webhook: webhook credentials only. */
  webhook(): RequestHandler;
  /** Middleware for API routes: an operator token with at least `role`. */
  operator(role: Role): RequestHandler;
  /** How many accepted webhook headers are remembered (see the module comment). */
  readonly rememberedHeaders: number;
}

interface DigestEntry {
  digest: Buffer;
  principal: Principal;
}

function digest(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/**
 * Distinct webhook Authorization headers remembered as accepted. Alertmanager sends the same
 * header with every notification, so one entry per webhook credential in use is what fills it; it
 * stops growing when full (only webhook headers that passed the full check are ever added).
 */
export const ACCEPTED_HEADERS_CACHED = 16;

/** True when `a` equals any of `candidates`; always looks at all of them. */
function matchAll(value: Buffer, candidates: DigestEntry[]): Principal | null {
  let found: Principal | null = null;
  for (const candidate of candidates) {
    if (timingSafeEqual(value, candidate.digest) && found === null) found = candidate.principal;
  }
  return found;
}

function parseAuthorization(header: string): Credential | null {
  const space = header.indexOf(' ');
  if (space < 0) return null;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (value === '') return null;
  if (scheme === 'bearer') return { kind: 'bearer', token: value };
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return null;
}

/** Failed operator tokens counted per client address (failure-limit.ts). */
export interface AuthLimit {
  limiter: FailureLimiter;
  settings: FailureLimitSettings;
}

/** The address a request came from, as express sees it (`trust proxy` decides whose). */
export function clientOf(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/** Refuses a client over the limit: 429 AUTH_RATE_LIMITED with `Retry-After` set on `res`. */
export function refuseIfLimited(limit: AuthLimit | undefined, req: Request, res: Response): void {
  if (limit === undefined) return;
  const check = limit.limiter.check(clientOf(req));
  if (!check.limited) return;
  const error = rateLimited(check, limit.settings);
  res.setHeader('Retry-After', String(error.details?.retryAfterSeconds ?? 1));
  throw error;
}

export function createAuthenticator(settings: AuthSettings, limit?: AuthLimit): Authenticator {
  const webhookPrincipal: Principal = { kind: 'webhook', name: 'alertmanager' };
  const bearer: DigestEntry[] = settings.apiTokens.map((t) => ({
    digest: digest(t.token),
    principal: { kind: 'operator', name: t.name, role: t.role },
  }));
  if (settings.webhook.token !== undefined) bearer.push({ digest: digest(settings.webhook.token), principal: webhookPrincipal });
  const basicUser = settings.webhook.basicAuth === undefined ? null : digest(settings.webhook.basicAuth.username);
  const basicPassword = settings.webhook.basicAuth === undefined ? null : digest(settings.webhook.basicAuth.password);

  const accepted = new Map<string, Principal>();

  function identify(authorization: string | undefined): Principal {
    if (settings.disabled) return { kind: 'anonymous', name: ANONYMOUS };
    const known = authorization === undefined ? undefined : accepted.get(authorization);
    if (known !== undefined) return known;
    const principal = check(authorization);
    if (authorization !== undefined && principal.kind === 'webhook' && accepted.size < ACCEPTED_HEADERS_CACHED) accepted.set(authorization, principal);
    return principal;
  }

  /** The full, constant-time check of a header. */
  function check(authorization: string | undefined): Principal {
    if (authorization === undefined || authorization.trim() === '') {
      throw httpError(401, 'AUTH_MISSING', 'authentication required: send Authorization: Bearer <token>');
    }
    const credential = parseAuthorization(authorization.trim());
    if (credential === null) throw httpError(401, 'AUTH_INVALID', 'unsupported or malformed Authorization header');
    if (credential.kind === 'bearer') {
      const principal = matchAll(digest(credential.token), bearer);
      if (principal === null) throw httpError(401, 'AUTH_INVALID', 'invalid credentials');
      return principal;
    }
    if (basicUser === null || basicPassword === null) throw httpError(401, 'AUTH_INVALID', 'invalid credentials');
    // Both comparisons always run (`&`, not `&&`).
    const userOk = timingSafeEqual(digest(credential.username), basicUser);
    const passwordOk = timingSafeEqual(digest(credential.password), basicPassword);
    if (!(Number(userOk) & Number(passwordOk))) throw httpError(401, 'AUTH_INVALID', 'invalid credentials');
    return webhookPrincipal;
  }

  function authenticated(req: Request, res: Response): Principal {
    const principal = identify(req.get('authorization'));
    requestContext(res).principal = principal;
    return principal;
  }

  /** A 401 names the schemes that would be accepted (RFC 9110); a 403 does not. */
  function challenge(res: Response, err: unknown, schemes: string): void {
    if ((err as { statusCode?: number }).statusCode === 401) res.setHeader('WWW-Authenticate', schemes);
  }

  return {
    identify,
    get rememberedHeaders() {
      return accepted.size;
    },
    webhook() {
      return (req: Request, res: Response, next: NextFunction) => {
        try {
          const principal = authenticated(req, res);
          if (principal.kind === 'operator') {
            throw httpError(403, 'AUTH_FORBIDDEN', 'operator tokens cannot post alerts; use the webhook credentials');
          }
          next();
        } catch (err) {
          challenge(res, err, 'Bearer realm="firebreak", Basic realm="firebreak"');
          next(err);
        }
      };
    },
    operator(role: Role) {
      const counted = settings.disabled ? undefined : limit;
      return (req: Request, res: Response, next: NextFunction) => {
        try {
          refuseIfLimited(counted, req, res);
          let principal: Principal;
          try {
            principal = authenticated(req, res);
          } catch (err) {
            // A wrong token is a guess; a missing header is not.
            if ((err as { code?: unknown }).code === 'AUTH_INVALID') counted?.limiter.fail(clientOf(req));
            throw err;
          }
          if (principal.kind === 'webhook') {
            throw httpError(403, 'AUTH_FORBIDDEN', 'the webhook credentials cannot use the API; use an operator token');
          }
          if (principal.kind === 'operator' && ROLE_RANK[principal.role] < ROLE_RANK[role]) {
            throw httpError(403, 'AUTH_FORBIDDEN', `role ${principal.role} cannot do this; it needs ${role}`, { required: role });
          }
          next();
        } catch (err) {
          challenge(res, err, 'Bearer realm="firebreak"');
          next(err);
        }
      };
    },
  };
}

/** The name to record as the actor of a write. */
export function actorOf(res: Response): string {
  return requestContext(res).principal?.name ?? ANONYMOUS;
}
