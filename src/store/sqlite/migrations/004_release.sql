-- firebreak schema, version 4: releasing containment (src/engine/, docs/engine.md).
--
-- Runs get two statuses (`waiting-release`: parked until the incident's containments are
-- released; `partial`: something failed, something else was done). SQLite cannot change a CHECK
-- constraint in place, so the three engine tables that reference each other are rebuilt: each
-- new table is created under a temporary name, filled, the old ones dropped (children first, so
-- no foreign key ever points at a dropped row), and the new ones renamed, which also rewrites the
-- references between them to the final names.
--
-- Step claims gain the incident group (`group_key`: episodes and the loop breaker look at a
-- group across incidents), the release the step asked for (`release`, JSON, null for steps that
-- changed nothing) and the release's progress (`release_state`, JSON).
--
-- Durable timers (`engine_timers`): every delayed thing the engine must not forget (a release
-- check, the next level of a gradual release, a revert retry, a maximum containment duration,
-- the Alertmanager reconciliation) is a row with a due time. A process claims a due row with a
-- compare-and-set that also sets an owner and a lease, runs it, and finishes it with the fencing
-- token its claim got; a row whose lease ran out (its process died) can be claimed again.

CREATE TABLE engine_runs_v3 (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id     TEXT NOT NULL REFERENCES incidents (id),
  runbook         TEXT NOT NULL,
  group_key       TEXT NOT NULL,
  trigger         TEXT NOT NULL CHECK (trigger IN ('firing', 'resolved')),
  alert           TEXT NOT NULL,
  episode         TEXT NOT NULL,
  notification_id INTEGER NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'running', 'waiting-approval', 'waiting-release', 'succeeded', 'partial', 'failed', 'aborted', 'blocked', 'interrupted')),
  requested_at    TEXT NOT NULL,
  started_at      TEXT,
  finished_at     TEXT,
  steps           TEXT NOT NULL,
  acted           INTEGER NOT NULL DEFAULT 0,
  detail          TEXT
);
INSERT INTO engine_runs_v3 (id, incident_id, runbook, group_key, trigger, alert, episode, notification_id, status, requested_at, started_at, finished_at, steps, acted, detail)
  SELECT id, incident_id, runbook, group_key, trigger, alert, episode, notification_id, status, requested_at, started_at, finished_at, steps, acted, detail FROM engine_runs;

CREATE TABLE engine_step_claims_v3 (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id   TEXT NOT NULL REFERENCES incidents (id),
  runbook       TEXT NOT NULL,
  group_key     TEXT NOT NULL,
  step_id       TEXT NOT NULL,
  trigger       TEXT NOT NULL CHECK (trigger IN ('firing', 'resolved')),
  episode       TEXT NOT NULL,
  run_id        INTEGER NOT NULL REFERENCES engine_runs_v3 (id),
  action        TEXT NOT NULL,
  mutating      INTEGER NOT NULL,
  revert        TEXT NOT NULL CHECK (revert IN ('on-resolve', 'manual', 'never')),
  release       TEXT NOT NULL DEFAULT 'null',
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
  release_state TEXT NOT NULL DEFAULT 'null',
  UNIQUE (incident_id, runbook, step_id, trigger, episode)
);
INSERT INTO engine_step_claims_v3 (id, incident_id, runbook, group_key, step_id, trigger, episode, run_id, action, mutating, revert, params, plan, claimed_at, status, finished_at, output, prior, applied, error, revert_status, reverted_at, reverted_by, revert_detail)
  SELECT c.id, c.incident_id, c.runbook, r.group_key, c.step_id, c.trigger, c.episode, c.run_id, c.action, c.mutating, c.revert, c.params, c.plan, c.claimed_at, c.status, c.finished_at, c.output, c.prior, c.applied, c.error, c.revert_status, c.reverted_at, c.reverted_by, c.revert_detail
  FROM engine_step_claims c JOIN engine_runs r ON r.id = c.run_id;

CREATE TABLE engine_approvals_v3 (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id  TEXT NOT NULL REFERENCES incidents (id),
  run_id       INTEGER NOT NULL REFERENCES engine_runs_v3 (id),
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
INSERT INTO engine_approvals_v3 SELECT * FROM engine_approvals;

DROP TABLE engine_approvals;
DROP TABLE engine_step_claims;
DROP TABLE engine_runs;
ALTER TABLE engine_runs_v3 RENAME TO engine_runs;
ALTER TABLE engine_step_claims_v3 RENAME TO engine_step_claims;
ALTER TABLE engine_approvals_v3 RENAME TO engine_approvals;

CREATE INDEX engine_runs_status ON engine_runs (status, id);
CREATE INDEX engine_runs_incident ON engine_runs (incident_id, id);
CREATE INDEX engine_runs_group ON engine_runs (runbook, group_key, id);
CREATE INDEX engine_step_claims_run ON engine_step_claims (run_id, id);
CREATE INDEX engine_step_claims_status ON engine_step_claims (status, id);
CREATE INDEX engine_step_claims_incident ON engine_step_claims (incident_id, id);
-- Episodes and the loop breaker read the changes of one runbook and incident group.
CREATE INDEX engine_step_claims_group ON engine_step_claims (runbook, group_key, id);
CREATE INDEX engine_approvals_incident ON engine_approvals (incident_id, id);
CREATE INDEX engine_approvals_pending ON engine_approvals (expires_ms, id) WHERE state = 'pending';

CREATE TABLE engine_timers (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  kind        TEXT NOT NULL CHECK (kind IN ('release', 'max-duration', 'reconcile')),
  key         TEXT NOT NULL,
  incident_id TEXT REFERENCES incidents (id),
  claim_id    INTEGER REFERENCES engine_step_claims (id),
  status      TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'cancelled')),
  due_at      TEXT NOT NULL,
  due_ms      INTEGER NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  state       TEXT NOT NULL DEFAULT 'null',
  owner       TEXT,
  lease_until TEXT,
  lease_ms    INTEGER,
  token       INTEGER NOT NULL DEFAULT 0,
  last_error  TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
-- One live timer per key: scheduling it again while it is pending or running changes nothing.
CREATE UNIQUE INDEX engine_timers_live_key ON engine_timers (key) WHERE status IN ('pending', 'running');
CREATE INDEX engine_timers_due ON engine_timers (due_ms, id) WHERE status = 'pending';
CREATE INDEX engine_timers_lease ON engine_timers (lease_ms, id) WHERE status = 'running';
CREATE INDEX engine_timers_incident ON engine_timers (incident_id, id);
CREATE INDEX engine_timers_claim ON engine_timers (claim_id, id);
