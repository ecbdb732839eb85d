-- firebreak schema for PostgreSQL, version 4: releasing containment (src/engine/, docs/engine.md),
-- the same records as sqlite/migrations/004_release.sql.

-- Runs: `waiting-release` (parked until the incident's containments are released) and `partial`.
ALTER TABLE engine_runs DROP CONSTRAINT engine_runs_status_check;
ALTER TABLE engine_runs ADD CONSTRAINT engine_runs_status_check
  CHECK (status IN ('pending', 'running', 'waiting-approval', 'waiting-release', 'succeeded', 'partial', 'failed', 'aborted', 'blocked', 'interrupted'));

-- Claims: the incident group (from their run), the release the step asked for and its progress.
ALTER TABLE engine_step_claims ADD COLUMN group_key text;
UPDATE engine_step_claims c SET group_key = r.group_key FROM engine_runs r WHERE r.id = c.run_id;
ALTER TABLE engine_step_claims ALTER COLUMN group_key SET NOT NULL;
ALTER TABLE engine_step_claims ADD COLUMN release text NOT NULL DEFAULT 'null';
ALTER TABLE engine_step_claims ADD COLUMN release_state text NOT NULL DEFAULT 'null';
CREATE INDEX engine_step_claims_incident ON engine_step_claims (incident_id, id);
CREATE INDEX engine_step_claims_group ON engine_step_claims (runbook, group_key, id);

-- Durable timers: claimed by one replica at a time with a compare-and-set that sets an owner,
-- a lease and a new fencing token; a lease that ran out lets another replica take the timer over.
CREATE TABLE engine_timers (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('release', 'max-duration', 'reconcile')),
  key         text NOT NULL,
  incident_id text REFERENCES incidents (id),
  claim_id    bigint REFERENCES engine_step_claims (id),
  status      text NOT NULL CHECK (status IN ('pending', 'running', 'done', 'cancelled')),
  due_at      text NOT NULL,
  due_ms      bigint NOT NULL,
  attempts    integer NOT NULL DEFAULT 0,
  state       text NOT NULL DEFAULT 'null',
  owner       text,
  lease_until text,
  lease_ms    bigint,
  token       integer NOT NULL DEFAULT 0,
  last_error  text,
  created_at  text NOT NULL,
  updated_at  text NOT NULL
);
CREATE UNIQUE INDEX engine_timers_live_key ON engine_timers (key) WHERE status IN ('pending', 'running');
CREATE INDEX engine_timers_due ON engine_timers (due_ms, id) WHERE status = 'pending';
CREATE INDEX engine_timers_lease ON engine_timers (lease_ms, id) WHERE status = 'running';
CREATE INDEX engine_timers_incident ON engine_timers (incident_id, id);
CREATE INDEX engine_timers_claim ON engine_timers (claim_id, id);
