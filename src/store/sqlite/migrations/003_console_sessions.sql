-- Console sessions (src/console/sessions.ts): one row per signed-in browser, shared by every
-- replica using this database, so a session works whichever replica a request reaches. The
-- session id itself is never stored: only its SHA-256, so a copy of the database signs nobody in.
CREATE TABLE console_sessions (
  id_hash    TEXT PRIMARY KEY,
  operator   TEXT NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('viewer', 'responder', 'admin')),
  -- SHA-256 of the operator token it was signed in with: removing the token ends its sessions.
  token_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  expires_ms INTEGER NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_ms);
