-- Console sessions (src/console/sessions.ts), the same records as
-- sqlite/migrations/003_console_sessions.sql: shared by every replica, so a session works
-- whichever replica a request reaches. Only the SHA-256 of the session id is stored.
CREATE TABLE console_sessions (
  id_hash    text PRIMARY KEY,
  operator   text NOT NULL,
  role       text NOT NULL CHECK (role IN ('viewer', 'responder', 'admin')),
  -- SHA-256 of the operator token it was signed in with: removing the token ends its sessions.
  token_hash text NOT NULL,
  created_at text NOT NULL,
  expires_at text NOT NULL,
  expires_ms bigint NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_ms);
