/**
 * Console sessions. Signing in exchanges an operator token (the same tokens and roles as the
 * API) for a random session id in a cookie: `HttpOnly` (scripts cannot read it),
 * `SameSite=Strict` (other sites' pages never send it), `Secure` when served over TLS, `Path=/`.
 *
 * The store keeps sessions (console_sessions), keyed by the SHA-256 of the id, so any replica
 * sharing the store recognises a session and sign-out ends it everywhere at once. Each request
 * checks the session against the operator tokens in force: a token removed from the
 * configuration ends its sessions, and a changed role applies at once. A session lasts
 * `console.sessionTtlMs` from sign-in (12 hours by default), then a new sign-in is needed.
 *
 * Every form carries a CSRF token derived from the session id (HMAC-SHA256): a page of another
 * site can neither read it nor compute it. The sign-in form, before any session, uses a
 * double-submitted random value instead.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { AuthSettings } from '../config/credentials.ts';
import type { Role } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Principal } from '../http/request-context.ts';
import type { Store } from '../store/types.ts';

export const SESSION_COOKIE = 'firebreak_session';
export const SIGN_IN_COOKIE = 'firebreak_sign_in';

/** Who is signed in, with the CSRF token their forms carry. */
export interface ConsoleUser {
  principal: Principal & { kind: 'operator' | 'anonymous' };
  /** The role used for checks; anonymous (auth disabled) has every right. */
  role: Role;
  csrf: string;
  expiresAt: string | null;
}

export interface SessionManagerDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  auth: AuthSettings;
  ttlMs: number;
  /** Whether cookies get `Secure`: served over TLS (a `https` publicUrl or an https request). */
  secure: (req: Request) => boolean;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

function same(a: string, b: string): boolean {
  const x = Buffer.from(sha256(a));
  const y = Buffer.from(sha256(b));
  return timingSafeEqual(x, y);
}

/** Cookie values of the request (no parser dependency: two cookies, one simple format). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export class SessionManager {
  readonly #deps: SessionManagerDeps;
  readonly #tokens: Array<{ hash: string; name: string; role: Role }>;

  constructor(deps: SessionManagerDeps) {
    this.#deps = deps;
    this.#tokens = deps.auth.apiTokens.map((t) => ({ hash: sha256(t.token), name: t.name, role: t.role }));
  }

  get disabled(): boolean {
    return this.#deps.auth.disabled;
  }

  #cookie(req: Request, name: string, value: string, maxAgeSeconds: number): string {
    const attributes = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
    if (this.#deps.secure(req)) attributes.push('Secure');
    return attributes.join('; ');
  }

  #now(): string {
    return new Date(this.#deps.clock.now()).toISOString();
  }

  /** The signed-in user, or null (no cookie, unknown or expired session, token withdrawn). */
  async user(req: Request): Promise<ConsoleUser | null> {
    if (this.disabled) return { principal: { kind: 'anonymous', name: 'anonymous' }, role: 'admin', csrf: csrfFor('auth-disabled'), expiresAt: null };
    const id = readCookie(req, SESSION_COOKIE);
    if (id === undefined || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const session = await this.#deps.store.session(sha256(id), this.#now());
    if (session === null) return null;
    const token = this.#tokens.find((t) => t.hash === session.tokenHash && t.name === session.operator);
    if (token === undefined) {
      await this.#deps.store.deleteSession(session.idHash);
      this.#deps.logger.info({ operator: session.operator }, 'console session ended: its operator token is no longer configured');
      return null;
    }
    return { principal: { kind: 'operator', name: token.name, role: token.role }, role: token.role, csrf: csrfFor(id), expiresAt: session.expiresAt };
  }

  /**
   * Exchanges an operator token for a session; sets the cookie and returns the operator's name,
   * or null when the token is not an operator token (the webhook credentials included).
   */
  async signIn(req: Request, res: Response, token: string): Promise<string | null> {
    const hash = sha256(token.trim());
    let found: { hash: string; name: string; role: Role } | undefined;
    for (const candidate of this.#tokens) if (same(candidate.hash, hash) && found === undefined) found = candidate;
    if (found === undefined) return null;
    const id = randomBytes(32).toString('base64url');
    const now = this.#deps.clock.now();
    await this.#deps.store.createSession({
      idHash: sha256(id),
      operator: found.name,
      role: found.role,
      tokenHash: found.hash,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.#deps.ttlMs).toISOString(),
    });
    // Expired sessions are removed now and then, by whoever signs in.
    this.#deps.store.deleteExpiredSessions(new Date(now).toISOString()).catch((err: unknown) => this.#deps.logger.warn({ err }, 'cannot remove expired console sessions'));
    res.append('Set-Cookie', this.#cookie(req, SESSION_COOKIE, id, Math.floor(this.#deps.ttlMs / 1000)));
    res.append('Set-Cookie', this.#cookie(req, SIGN_IN_COOKIE, '', 0));
    this.#deps.logger.info({ operator: found.name, role: found.role }, 'console sign-in');
    return found.name;
  }

  async signOut(req: Request, res: Response): Promise<void> {
    const id = readCookie(req, SESSION_COOKIE);
    if (id !== undefined) await this.#deps.store.deleteSession(sha256(id));
    res.append('Set-Cookie', this.#cookie(req, SESSION_COOKIE, '', 0));
  }

  /** The value the sign-in form carries, also set as a short-lived cookie (double submit). */
  signInChallenge(req: Request, res: Response): string {
    const existing = readCookie(req, SIGN_IN_COOKIE);
    if (existing !== undefined && /^[A-Za-z0-9_-]{22}$/.test(existing)) return existing;
    const value = randomBytes(16).toString('base64url');
    res.append('Set-Cookie', this.#cookie(req, SIGN_IN_COOKIE, value, 3600));
    return value;
  }

  /** True when the sign-in form's value matches its cookie. */
  signInChallengeOk(req: Request, submitted: unknown): boolean {
    const cookie = readCookie(req, SIGN_IN_COOKIE);
    return typeof submitted === 'string' && cookie !== undefined && cookie !== '' && same(cookie, submitted);
  }
}

/** The CSRF token of a session (HMAC of a fixed label, keyed by the session id). */
export function csrfFor(sessionId: string): string {
  return createHmac('sha256', sessionId).update('firebreak console form').digest('base64url');
}

/** True when `submitted` is the user's CSRF token. */
export function csrfOk(user: ConsoleUser, submitted: unknown): boolean {
  return typeof submitted === 'string' && same(user.csrf, submitted);
}
