/**
 * Console sessions in SQLite (migration 003). Like the other operation classes, these never open
 * or close a transaction: the store decides.
 */
import { toSession } from '../rows/session-rows.ts';
import type { ConsoleSession } from '../types.ts';
import type { Statements } from './statements.ts';

export class SessionOperations {
  readonly #sql: Statements;

  constructor(sql: Statements) {
    this.#sql = sql;
  }

  createSession(session: ConsoleSession): void {
    this.#sql.run(
      'createSession',
      'INSERT INTO console_sessions (id_hash, operator, role, token_hash, created_at, expires_at, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [session.idHash, session.operator, session.role, session.tokenHash, session.createdAt, session.expiresAt, Date.parse(session.expiresAt)],
    );
  }

  session(idHash: string, now: string): ConsoleSession | null {
    const row = this.#sql.get('session', 'SELECT * FROM console_sessions WHERE id_hash = ? AND expires_ms > ?', idHash, Date.parse(now));
    return row === undefined ? null : toSession(row);
  }

  deleteSession(idHash: string): boolean {
    return this.#sql.run('deleteSession', 'DELETE FROM console_sessions WHERE id_hash = ?', [idHash]).changes > 0;
  }

  deleteExpiredSessions(now: string): number {
    return this.#sql.run('deleteExpiredSessions', 'DELETE FROM console_sessions WHERE expires_ms <= ?', [Date.parse(now)]).changes;
  }
}
