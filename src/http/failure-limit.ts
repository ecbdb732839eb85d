/**
 * A limit on failed attempts with an operator token (the console's sign-in and the API's
 * `Authorization: Bearer`), so a weak token cannot be guessed by trying: per client address and
 * in total, over a sliding window, in this process's memory.
 *
 * - A client with `perClient` failures in the window is refused (429 `AUTH_RATE_LIMITED`, with
 *   `Retry-After`) whatever it sends, until its oldest failure leaves the window.
 * - Once `total` failures from all clients are in the window, every client that has failed at
 *   least once in it is refused too: guessing from many addresses slows to one try per address
 *   and window. A person who has not failed is never refused by the total, so someone guessing
 *   cannot lock the responders out of their console during an incident.
 * - A success does not clear a client's failures (they leave with the window): someone holding a
 *   viewer token cannot reset the count while guessing an admin one. The webhook's credentials
 *   are neither counted nor refused: Alertmanager must never be locked out.
 *
 * Each replica counts on its own (nothing is shared through the store): behind a load balancer
 * spreading requests over N replicas, a client gets up to N times the limits. Client addresses
 * come from `req.ip`: set `trustedProxies` so that it is the client's, not the proxy's.
 */
import type { Clock } from '../core/clock.ts';
import { FirebreakError } from '../errors.ts';
import { formatDuration } from '../core/duration.ts';
import { DEFAULT_FAILURE_LIMIT, type FailureLimitSettings } from '../config/schema.ts';
import { boundaryError } from './errors.ts';

export { DEFAULT_FAILURE_LIMIT, type FailureLimitSettings };

/** Addresses remembered at most; beyond it the ones whose last failure is oldest are forgotten. */
const MAX_CLIENTS = 10_000;

export type LimitCheck = { limited: false } | { limited: true; retryAfterMs: number; scope: 'client' | 'total' };

export interface FailureLimiter {
  /** Whether `client` may try now; call before checking what it sent. */
  check(client: string): LimitCheck;
  /** Records a failed attempt of `client`; returns the check that now applies to it. */
  fail(client: string): LimitCheck;
}

export function createFailureLimiter(settings: FailureLimitSettings, clock: Pick<Clock, 'now'>): FailureLimiter {
  const clients = new Map<string, number[]>();
  /** Times of the last `total` failures of all clients, oldest first. */
  const all: number[] = [];

  /**
   * Drops what left the window: from the total, and addresses whose last failure did. The map
   * is in order of last failure (an address is re-inserted at each failure), so the expired ones
   * are at its front and pruning stops at the first that is not.
   */
  function prune(now: number): void {
    const since = now - settings.windowMs;
    while (all.length > 0 && (all[0] as number) <= since) all.shift();
    for (const [client, times] of clients) {
      if ((times.at(-1) ?? 0) > since) break;
      clients.delete(client);
    }
  }

  /** The failures of `client` still in the window, oldest first. */
  function failuresOf(client: string, now: number): number[] {
    const times = clients.get(client) ?? [];
    while (times.length > 0 && (times[0] as number) <= now - settings.windowMs) times.shift();
    return times;
  }

  function check(client: string): LimitCheck {
    const now = clock.now();
    prune(now);
    const mine = failuresOf(client, now);
    const leaves = (at: number | undefined) => (at ?? now) + settings.windowMs - now;
    if (mine.length >= settings.perClient) {
      return { limited: true, retryAfterMs: leaves(mine[mine.length - settings.perClient]), scope: 'client' };
    }
    if (mine.length > 0 && all.length >= settings.total) {
      return { limited: true, retryAfterMs: Math.min(leaves(all[all.length - settings.total]), leaves(mine[mine.length - 1])), scope: 'total' };
    }
    return { limited: false };
  }

  return {
    check,
    fail(client) {
      const now = clock.now();
      const mine = failuresOf(client, now);
      // Map order is insertion order: re-inserting keeps the most recently failing last.
      clients.delete(client);
      mine.push(now);
      if (mine.length > settings.perClient) mine.shift();
      clients.set(client, mine);
      all.push(now);
      if (all.length > settings.total) all.shift();
      if (clients.size > MAX_CLIENTS) clients.delete(clients.keys().next().value as string);
      return check(client);
    },
  };
}

/** The refusal: 429 with how long to wait (the caller sets `Retry-After` from `details.retryAfterSeconds`). */
export function rateLimited(check: Extract<LimitCheck, { limited: true }>, settings: FailureLimitSettings): FirebreakError {
  const seconds = Math.max(1, Math.ceil(check.retryAfterMs / 1000));
  const window = formatDuration(settings.windowMs, 'human');
  const why =
    check.scope === 'client'
      ? `too many failed attempts with an operator token from your address (${settings.perClient} within ${window})`
      : `too many failed attempts with an operator token from many addresses (${settings.total} within ${window}), yours among them`;
  return boundaryError('AUTH_RATE_LIMITED', `${why}: try again in ${formatDuration(seconds * 1000, 'human')}`, {
    details: { retryAfterSeconds: seconds, scope: check.scope },
  });
}
