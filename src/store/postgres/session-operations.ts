/**
 * Console sessions in PostgreSQL (migration 003). A duplicate id hash fails the INSERT
 * (STORE_CONSTRAINT); createSession is not part of StoreTx, so no caller's transaction is lost.
 */
import { toSession } from '../rows/session-rows.ts';
import type { ConsoleSession } from '../types.ts';
import type { Sql } from './sql.ts';

export class SessionOperations {
  async createSession(sql: Sql, session: ConsoleSession): Promise<void> {
    await sql.query(
      'createSession',
      'INSERT INTO console_sessions (id_hash, operator, role, token_hash, created_at, expires_at, expires_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [session.idHash, session.operator, session.role, session.tokenHash, session.createdAt, session.expiresAt, Date.parse(session.expiresAt)],
    );
  }

  async session(sql: Sql, idHash: string, now: string): Promise<ConsoleSession | null> {
    const { rows } = await sql.query('session', 'SELECT * FROM console_sessions WHERE id_hash = $1 AND expires_ms > $2', [idHash, Date.parse(now)]);
    return rows[0] === undefined ? null : toSession(rows[0]);
  }

  async deleteSession(sql: Sql, idHash: string): Promise<boolean> {
    return (await sql.query('deleteSession', 'DELETE FROM console_sessions WHERE id_hash = $1', [idHash])).rowCount > 0;
  }

  async deleteExpiredSessions(sql: Sql, now: string): Promise<number> {
    return (await sql.query('deleteExpiredSessions', 'DELETE FROM console_sessions WHERE expires_ms <= $1', [Date.parse(now)])).rowCount;
  }
}
