/**
 * Claims on stored notifications in SQLite: one process processes a file's notifications, so
 * the claims live in its store's memory (notification-claims.ts) and are read against the
 * file's unprocessed notifications. Claiming is a read: the webhook's appends and the
 * processing transactions pay no extra write for it.
 */
import type { StoredNotification } from '../../model/incident.ts';
import { checkClaim, checkOwner, ClaimsInMemory } from '../notification-claims.ts';
import { checkPositiveLimit, valueTime } from '../query.ts';
import { toNotification } from '../rows/incident-rows.ts';
import type { ClaimedNotifications, NotificationClaim } from '../types.ts';
import type { Statements } from './statements.ts';

/** Past this many claims, those of processed notifications are dropped. */
const PRUNE_ABOVE = 4_096;

export class ClaimOperations {
  readonly #sql: Statements;
  readonly #claims = new ClaimsInMemory();
  #size = 0;

  constructor(sql: Statements) {
    this.#sql = sql;
  }

  claimNotifications(limit: number, claim: NotificationClaim): ClaimedNotifications {
    const checked = checkClaim(claim);
    const max = checkPositiveLimit(limit);
    const skip = new Set(checked.skip);
    const page: StoredNotification[] = [];
    let bytes = 0;
    // Row by row, so a page bounded in bytes reads (and parses) no body it does not return.
    for (const row of this.#sql.iterate(
      'claimNotifications',
      'SELECT * FROM notifications WHERE processed_at IS NULL AND id > ? ORDER BY id',
      checked.afterId,
    )) {
      const id = Number(row.id);
      if (skip.has(id) || !this.#claims.claimable(id, checked.owner, checked.nowMs)) continue;
      bytes += String(row.payload).length;
      if (page.length > 0 && bytes > checked.maxBytes) break;
      page.push(toNotification(row));
      if (page.length >= max) break;
    }
    for (const n of page) this.#claims.claim(n.id, checked.owner, checked.untilMs);
    this.#size += page.length;
    if (this.#size > PRUNE_ABOVE) this.#prune();
    const next = this.#claims.nextExpiry(checked.owner, checked.nowMs, skip);
    return { notifications: page, nextExpiry: next === null ? null : new Date(next).toISOString() };
  }

  holdNotifications(ids: readonly number[], owner: string, until: string): number[] {
    const untilMs = valueTime(until, 'until');
    const unprocessed = this.#sql
      .all('holdNotifications', 'SELECT id FROM notifications WHERE processed_at IS NULL AND id IN (SELECT value FROM json_each(?))', JSON.stringify(ids))
      .map((row) => Number(row.id));
    return this.#claims.hold(unprocessed, checkOwner(owner), untilMs);
  }

  releaseNotifications(ids: readonly number[], owner: string): void {
    this.#claims.release(ids, checkOwner(owner));
  }

  /** Forgets the claims of notifications processed since (a claim is only looked up while unprocessed). */
  #prune(): void {
    const open = new Set(this.#sql.all('claimNotifications', 'SELECT id FROM notifications WHERE processed_at IS NULL').map((row) => Number(row.id)));
    this.#size = this.#claims.keep(open);
  }
}
