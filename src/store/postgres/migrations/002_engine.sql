-- firebreak schema for PostgreSQL, version 2: the runbook engine (src/engine/, docs/engine.md),
-- the same records as sqlite/migrations/002_engine.sql.

-- Run requests and their progress, written in the transaction that processes the notification
-- asking for them (an outbox).
CREATE TABLE engine_runs (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id     text NOT NULL REFERENCES incidents (id),
  runbook         text NOT NULL,
  group_key       text NOT NULL,
  trigger         text NOT NULL CHECK (trigger IN ('firing', 'resolved')),
  alert           text NOT NULL,
  episode         text NOT NULL,
  notification_id bigint NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'running', 'waiting-approval', 'succeeded', 'failed', 'aborted', 'blocked', 'interrupted')),
  requested_at    text NOT NULL,
  started_at      text,
  finished_at     text,
  steps           text NOT NULL,
  acted           boolean NOT NULL DEFAULT false,
  detail          text
);
CREATE INDEX engine_runs_status ON engine_runs (status, id);
CREATE INDEX engine_runs_incident ON engine_runs (incident_id, id);
CREATE INDEX engine_runs_group ON engine_runs (runbook, group_key, id);

-- One row per step that started: the claim. The UNIQUE constraint makes a step run at most once
-- per incident, runbook, trigger and alert episode, whichever replica gets there first.
CREATE TABLE engine_step_claims (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id   text NOT NULL REFERENCES incidents (id),
  runbook       text NOT NULL,
  step_id       text NOT NULL,
  trigger       text NOT NULL CHECK (trigger IN ('firing', 'resolved')),
  episode       text NOT NULL,
  run_id        bigint NOT NULL REFERENCES engine_runs (id),
  action        text NOT NULL,
  mutating      boolean NOT NULL,
  revert        text NOT NULL CHECK (revert IN ('on-resolve', 'manual', 'never')),
  params        text NOT NULL,
  plan          text NOT NULL,
  claimed_at    text NOT NULL,
  status        text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
  finished_at   text,
  output        text NOT NULL DEFAULT 'null',
  prior         text NOT NULL DEFAULT 'null',
  applied       text NOT NULL DEFAULT 'null',
  error         text,
  revert_status text CHECK (revert_status IN ('reverting', 'reverted', 'conflict', 'failed')),
  reverted_at   text,
  reverted_by   text,
  revert_detail text NOT NULL DEFAULT 'null',
  UNIQUE (incident_id, runbook, step_id, trigger, episode)
);
CREATE INDEX engine_step_claims_run ON engine_step_claims (run_id, id);
CREATE INDEX engine_step_claims_status ON engine_step_claims (status, id);

CREATE TABLE engine_approvals (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id  text NOT NULL REFERENCES incidents (id),
  run_id       bigint NOT NULL REFERENCES engine_runs (id),
  runbook      text NOT NULL,
  step_id      text NOT NULL,
  action       text NOT NULL,
  params       text NOT NULL,
  plan         text NOT NULL,
  state        text NOT NULL CHECK (state IN ('pending', 'granted', 'rejected', 'expired')),
  requested_at text NOT NULL,
  expires_at   text NOT NULL,
  expires_ms   bigint NOT NULL,
  decided_at   text,
  decided_by   text,
  reason       text,
  UNIQUE (run_id, step_id)
);
CREATE INDEX engine_approvals_incident ON engine_approvals (incident_id, id);
CREATE INDEX engine_approvals_pending ON engine_approvals (expires_ms, id) WHERE state = 'pending';

-- The kill switch: one row, shared by every replica.
CREATE TABLE engine_automation (
  id         integer PRIMARY KEY CHECK (id = 1),
  paused     boolean NOT NULL,
  changed_by text,
  changed_at text,
  reason     text
);
INSERT INTO engine_automation (id, paused) VALUES (1, false);

CREATE TABLE engine_follow_ups (
  incident_id text NOT NULL REFERENCES incidents (id),
  runbook     text NOT NULL,
  PRIMARY KEY (incident_id, runbook)
);
