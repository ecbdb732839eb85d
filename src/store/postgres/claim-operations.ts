/**
 * Claims on stored notifications on PostgreSQL (migration 008): which replica processes each
 * one. Claiming is one statement that locks its candidates with `FOR UPDATE SKIP LOCKED`, so two
 * replicas claiming at the same moment take different notifications and neither waits for the
 * other; holding is an UPDATE on the claimant's own rows, which keeps every other claimant off
 * them until the processing transaction ends. Neither takes the store's transaction lock.
 */
import { checkClaim, checkOwner } from '../notification-claims.ts';
import { checkPositiveLimit, valueTime } from '../query.ts';
import { toNotification } from '../rows/incident-rows.ts';
import type { ClaimedNotifications, NotificationClaim } from '../types.ts';
import type { Sql } from './sql.ts';

/**
 * Candidates in id order (locked, skipping rows another transaction holds), cut to the byte
 * budget (the first always fits), claimed; and the earliest end of another owner's live claim.
 */
const CLAIM = `
WITH candidates AS (
  SELECT id, length(payload) AS bytes FROM notifications
  WHERE processed_at IS NULL AND id > $1 AND NOT (id = ANY($2::bigint[]))
    AND (claimed_by IS NULL OR claimed_by = $3 OR claim_until_ms <= $4)
  ORDER BY id LIMIT $5
  FOR UPDATE SKIP LOCKED
), within AS (
  SELECT id FROM (SELECT id, sum(bytes) OVER (ORDER BY id) AS total, row_number() OVER (ORDER BY id) AS n FROM candidates) c
  WHERE total <= $6 OR n = 1
), claimed AS (
  UPDATE notifications SET claimed_by = $3, claim_until_ms = $7
  FROM within WHERE notifications.id = within.id
  RETURNING notifications.id, notifications.received_at, notifications.processed_at, notifications.error, notifications.payload
)
SELECT claimed.*, expiry.next_expiry_ms FROM
  (SELECT min(claim_until_ms) AS next_expiry_ms FROM notifications
   WHERE processed_at IS NULL AND claimed_by <> $3 AND claim_until_ms > $4 AND NOT (id = ANY($2::bigint[]))) expiry
  LEFT JOIN claimed ON true
ORDER BY claimed.id`;

export class ClaimOperations {
  async claimNotifications(sql: Sql, limit: number, claim: NotificationClaim): Promise<ClaimedNotifications> {
    const c = checkClaim(claim);
    const { rows } = await sql.query('claimNotifications', CLAIM, [c.afterId, c.skip, c.owner, c.nowMs, checkPositiveLimit(limit), c.maxBytes, c.untilMs]);
    const next = rows[0]?.next_expiry_ms;
    return {
      notifications: rows.filter((row) => row.id !== null && row.id !== undefined).map(toNotification),
      nextExpiry: next === null || next === undefined ? null : new Date(Number(next)).toISOString(),
    };
  }

  async releaseNotifications(sql: Sql, ids: readonly number[], owner: string): Promise<void> {
    await sql.query(
      'releaseNotifications',
      'UPDATE notifications SET claimed_by = NULL, claim_until_ms = NULL WHERE id = ANY($1::bigint[]) AND claimed_by = $2 AND processed_at IS NULL',
      [[...ids], checkOwner(owner)],
    );
  }

  /** Locks the owner's rows in id order (two holders never wait on each other in a cycle). */
  async holdNotifications(sql: Sql, ids: readonly number[], owner: string, until: string): Promise<number[]> {
    const untilMs = valueTime(until, 'until');
    const { rows } = await sql.query(
      'holdNotifications',
      `UPDATE notifications SET claim_until_ms = GREATEST(claim_until_ms, $3) WHERE id IN (
         SELECT id FROM notifications WHERE id = ANY($1::bigint[]) AND claimed_by = $2 AND processed_at IS NULL ORDER BY id FOR UPDATE
       ) AND claimed_by = $2 AND processed_at IS NULL RETURNING id`,
      [[...ids], checkOwner(owner), untilMs],
    );
    return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
  }
}
