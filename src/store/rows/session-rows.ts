/** Rows of console_sessions to domain objects (see incident-rows.ts for the conventions). */
import type { ConsoleSession } from '../types.ts';
import { type Row, text } from './columns.ts';

export function toSession(row: Row): ConsoleSession {
  return {
    idHash: text(row, 'id_hash'),
    operator: text(row, 'operator'),
    role: text(row, 'role') as ConsoleSession['role'],
    tokenHash: text(row, 'token_hash'),
    createdAt: text(row, 'created_at'),
    expiresAt: text(row, 'expires_at'),
  };
}
