-- firebreak schema, version 2: the runbook engine (src/engine/, docs/engine.md).
-- JSON columns hold values serialised by the store; booleans are 0/1.

-- Run requests and their progress. A row is written in the same transaction that processes the
-- notification asking for it (an outbox): a crash after the commit never loses the run.
CREATE TABLE engine_runs (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id     TEXT NOT NULL REFERENCES incidents (id),
  runbook         TEXT NOT NULL,
  group_key       TEXT NOT NULL,
  trigger         TEXT NOT NULL CHECK (trigger IN ('firing', 'resolved')),
  alert           TEXT NOT NULL,
  episode         TEXT NOT NULL,
  notification_id INTEGER NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'running', 'waiting-approval', 'succeeded', 'failed', 'aborted', 'blocked', 'interrupted')),
  requested_at    TEXT NOT NULL,
  started_at      TEXT,
  finished_at     TEXT,
  steps           TEXT NOT NULL,
  acted           INTEGER NOT NULL DEFAULT 0,
  detail          TEXT
);
CREATE INDEX engine_runs_status ON engine_runs (status, id);
CREATE INDEX engine_runs_incident ON engine_runs (incident_id, id);
-- Cooldowns and rate limits look at the runs of one runbook for one incident key.
CREATE INDEX engine_runs_group ON engine_runs (runbook, group_key, id);

-- One row per step that started: the claim. The UNIQUE constraint makes a step run at most once
-- per incident, runbook, trigger and alert episode, whichever replica or replay gets there
-- first. The row keeps what a revert needs (params, prior, applied) and the revert's progress.
CREATE TABLE engine_step_claims (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id   TEXT NOT NULL REFERENCES incidents (id),
  runbook       TEXT NOT NULL,
  step_id       TEXT NOT NULL,
  trigger       TEXT NOT NULL CHECK (trigger IN ('firing', 'resolved')),
  episode       TEXT NOT NULL,
  run_id        INTEGER NOT NULL REFERENCES engine_runs (id),
  action        TEXT NOT NULL,
  mutating      INTEGER NOT NULL,
  revert        TEXT NOT NULL CHECK (revert IN ('on-resolve', 'manual', 'never')),
  params        TEXT NOT NULL,
  plan          TEXT NOT NULL,
  claimed_at    TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
  finished_at   TEXT,
  output        TEXT NOT NULL DEFAULT 'null',
  prior         TEXT NOT NULL DEFAULT 'null',
  applied       TEXT NOT NULL DEFAULT 'null',
  error         TEXT,
  revert_status TEXT CHECK (revert_status IN ('reverting', 'reverted', 'conflict', 'failed')),
  reverted_at   TEXT,
  reverted_by   TEXT,
  revert_detail TEXT NOT NULL DEFAULT 'null',
  UNIQUE (incident_id, runbook, step_id, trigger, episode)
);
CREATE INDEX engine_step_claims_run ON engine_step_claims (run_id, id);
CREATE INDEX engine_step_claims_status ON engine_step_claims (status, id);

CREATE TABLE engine_approvals (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id  TEXT NOT NULL REFERENCES incidents (id),
  run_id       INTEGER NOT NULL REFERENCES engine_runs (id),
  runbook      TEXT NOT NULL,
  step_id      TEXT NOT NULL,
  action       TEXT NOT NULL,
  params       TEXT NOT NULL,
  plan         TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('pending', 'granted', 'rejected', 'expired')),
  requested_at TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  expires_ms   INTEGER NOT NULL,
  decided_at   TEXT,
  decided_by   TEXT,
  reason       TEXT,
  UNIQUE (run_id, step_id)
);
CREATE INDEX engine_approvals_incident ON engine_approvals (incident_id, id);
CREATE INDEX engine_approvals_pending ON engine_approvals (expires_ms, id) WHERE state = 'pending';

-- The kill switch: one row, shared by every process using this database.
CREATE TABLE engine_automation (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  paused     INTEGER NOT NULL,
  changed_by TEXT,
  changed_at TEXT,
  reason     TEXT
);
INSERT INTO engine_automation (id, paused) VALUES (1, 0);

-- Incidents whose runbook follow-ups were added as action items (once per incident and runbook).
CREATE TABLE engine_follow_ups (
  incident_id TEXT NOT NULL REFERENCES incidents (id),
  runbook     TEXT NOT NULL,
  PRIMARY KEY (incident_id, runbook)
);
