-- firebreak schema for PostgreSQL, version 6: the current state of every alert of every incident
-- (the same records as sqlite/migrations/006_alert_current.sql). src/incidents/alert-state.ts
-- defines it: per fingerprint, the state with the latest startsAt, a resolved state beating a
-- firing one with the same startsAt. recordAlertEvent keeps it up to date (an upsert that only
-- moves forward), so "does any alert of this incident still fire?" is an index lookup.
CREATE TABLE alert_current (
  incident_id text NOT NULL REFERENCES incidents (id),
  fingerprint text NOT NULL,
  status      text NOT NULL CHECK (status IN ('firing', 'resolved')),
  starts_ms   bigint NOT NULL,
  ends_at     text,
  ends_ms     bigint,
  PRIMARY KEY (incident_id, fingerprint)
);
CREATE INDEX alert_current_status ON alert_current (incident_id, status, ends_ms);

INSERT INTO alert_current (incident_id, fingerprint, status, starts_ms, ends_at, ends_ms)
SELECT DISTINCT ON (incident_id, fingerprint)
       incident_id, fingerprint, status,
       round(extract(epoch FROM starts_at::timestamptz) * 1000)::bigint,
       alert::jsonb ->> 'endsAt',
       round(extract(epoch FROM (alert::jsonb ->> 'endsAt')::timestamptz) * 1000)::bigint
FROM alert_events
ORDER BY incident_id, fingerprint, starts_at::timestamptz DESC, (status = 'resolved') DESC, id DESC;

-- A new alert of an incident joins the incident's firing run that has not ended (src/engine/
-- enqueue.ts): a look at the incident's unfinished runs, not at all its runs, for every alert.
CREATE INDEX engine_runs_incident_status ON engine_runs (incident_id, status);
