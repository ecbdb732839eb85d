/**
 * Claims on stored notifications (Store.claimNotifications, StoreTx.holdNotifications): the
 * checks both backends share, and the claims of a store that one process owns (SQLite), kept in
 * memory because no other process processes its notifications. PostgreSQL keeps them in the
 * `notifications` rows (postgres/claim-operations.ts), shared by the replicas.
 */
import { invalidValue } from './errors.ts';
import { checkAfterId, checkPositiveLimit, valueTime } from './query.ts';
import type { NotificationClaim } from './types.ts';

/** A claim checked and in milliseconds. */
export interface CheckedClaim {
  owner: string;
  nowMs: number;
  untilMs: number;
  afterId: number;
  maxBytes: number;
  skip: number[];
}

export function checkOwner(owner: unknown): string {
  if (typeof owner !== 'string' || owner === '') throw invalidValue('a claim needs an owner', { field: 'owner' });
  return owner;
}

/** STORE_INVALID_QUERY / STORE_INVALID_VALUE for a claim that makes no sense. */
export function checkClaim(claim: NotificationClaim): CheckedClaim {
  const nowMs = valueTime(claim.now, 'now');
  const untilMs = valueTime(claim.until, 'until');
  if (untilMs <= nowMs) throw invalidValue('a claim must end after now', { field: 'until', value: claim.until });
  const skip = [...(claim.skip ?? [])];
  for (const id of skip) checkAfterId(id);
  return {
    owner: checkOwner(claim.owner),
    nowMs,
    untilMs,
    afterId: claim.afterId === undefined ? 0 : checkAfterId(claim.afterId),
    maxBytes: claim.maxBytes === undefined ? Number.MAX_SAFE_INTEGER : checkPositiveLimit(claim.maxBytes, 'maxBytes'),
    skip,
  };
}

/** Notification id -> who holds it, until when (epoch ms). */
export class ClaimsInMemory {
  readonly #claims = new Map<number, { owner: string; untilMs: number }>();

  /** Whether `owner` may claim `id` at `nowMs`: no one holds it, its claim ended, or it is the owner's. */
  claimable(id: number, owner: string, nowMs: number): boolean {
    const held = this.#claims.get(id);
    return held === undefined || held.owner === owner || held.untilMs <= nowMs;
  }

  claim(id: number, owner: string, untilMs: number): void {
    this.#claims.set(id, { owner, untilMs });
  }

  /** Renews `owner`'s claims among `ids` (unprocessed ones); returns the ids it holds. */
  hold(ids: readonly number[], owner: string, untilMs: number): number[] {
    const held: number[] = [];
    for (const id of ids) {
      const claim = this.#claims.get(id);
      if (claim?.owner !== owner) continue;
      claim.untilMs = Math.max(claim.untilMs, untilMs);
      held.push(id);
    }
    return held;
  }

  /** Drops `owner`'s claims among `ids`. */
  release(ids: readonly number[], owner: string): void {
    for (const id of ids) if (this.#claims.get(id)?.owner === owner) this.#claims.delete(id);
  }

  /** The earliest end after `nowMs` of a claim another owner holds, or null. */
  nextExpiry(owner: string, nowMs: number, skip: ReadonlySet<number>): number | null {
    let next: number | null = null;
    for (const [id, claim] of this.#claims) {
      if (claim.owner === owner || claim.untilMs <= nowMs || skip.has(id)) continue;
      if (next === null || claim.untilMs < next) next = claim.untilMs;
    }
    return next;
  }

  /** Keeps only the claims on `open` notifications (the unprocessed ones); returns how many are left. */
  keep(open: ReadonlySet<number>): number {
    for (const id of this.#claims.keys()) if (!open.has(id)) this.#claims.delete(id);
    return this.#claims.size;
  }
}
