-- firebreak schema, version 6: the current state of every alert of every incident.
-- src/incidents/alert-state.ts defines it: per fingerprint, the state with the latest startsAt,
-- a resolved state beating a firing one with the same startsAt. recordAlertEvent keeps it up to
-- date, so "does any alert of this incident still fire?" is an index lookup instead of a scan of
-- the incident's whole history (an alert storm puts tens of thousands of alerts in one incident).
-- Times in epoch milliseconds; ends_at keeps the alert's endsAt as recorded.
CREATE TABLE alert_current (
  incident_id TEXT NOT NULL REFERENCES incidents (id),
  fingerprint TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
  starts_ms   INTEGER NOT NULL,
  ends_at     TEXT,
  ends_ms     INTEGER,
  PRIMARY KEY (incident_id, fingerprint)
);
CREATE INDEX alert_current_status ON alert_current (incident_id, status, ends_ms);

INSERT INTO alert_current (incident_id, fingerprint, status, starts_ms, ends_at, ends_ms)
SELECT incident_id, fingerprint, status, starts_ms, ends_at,
       CASE WHEN ends_at IS NULL THEN NULL ELSE CAST(ROUND(unixepoch(ends_at, 'subsec') * 1000) AS INTEGER) END
FROM (
  SELECT incident_id, fingerprint, status, json_extract(alert, '$.endsAt') AS ends_at,
         CAST(ROUND(unixepoch(starts_at, 'subsec') * 1000) AS INTEGER) AS starts_ms,
         ROW_NUMBER() OVER (
           PARTITION BY incident_id, fingerprint
           ORDER BY unixepoch(starts_at, 'subsec') DESC, status = 'resolved' DESC, id DESC
         ) AS rn
  FROM alert_events
)
WHERE rn = 1;

-- A new alert of an incident joins the incident's firing run that has not ended (src/engine/
-- enqueue.ts): a look at the incident's unfinished runs, not at all its runs, for every alert.
CREATE INDEX engine_runs_incident_status ON engine_runs (incident_id, status);
