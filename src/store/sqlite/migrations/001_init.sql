-- firebreak schema, version 1.
-- Times are kept as the ISO-8601 strings the domain model uses; columns ending in _ms hold the
-- same instant in epoch milliseconds where the store sorts or filters on it (ISO strings of
-- differing precision do not sort correctly as text).
-- JSON columns hold objects serialised by the store.

-- Webhook bodies as received, durably written before the webhook answers 2xx.
CREATE TABLE notifications (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  received_at  TEXT NOT NULL,
  payload      TEXT NOT NULL,
  processed_at TEXT,
  error        TEXT
);
-- Start-up replay reads the unprocessed ones, oldest first.
CREATE INDEX notifications_unprocessed ON notifications (id) WHERE processed_at IS NULL;

CREATE TABLE incidents (
  id           TEXT PRIMARY KEY,
  key          TEXT NOT NULL,
  title        TEXT NOT NULL,
  severity     TEXT,
  cluster      TEXT,
  status       TEXT NOT NULL CHECK (status IN ('open', 'contained', 'resolved', 'recovered', 'closed')),
  runbook      TEXT,
  labels       TEXT NOT NULL,
  started_at   TEXT NOT NULL,
  opened_at    TEXT NOT NULL,
  opened_ms    INTEGER NOT NULL,
  contained_at TEXT,
  resolved_at  TEXT,
  recovered_at TEXT,
  closed_at    TEXT,
  updated_at   TEXT NOT NULL
);
CREATE INDEX incidents_key ON incidents (key, opened_ms, id);
-- Keyset pagination: newest opened first, id breaks ties.
CREATE INDEX incidents_opened ON incidents (opened_ms, id);
CREATE INDEX incidents_status_opened ON incidents (status, opened_ms, id);

-- One row per alert state seen. The UNIQUE constraint is the dedupe ledger for duplicate
-- deliveries (Alertmanager retries, HA peers). notification_id is provenance only, not a
-- foreign key, so old notifications can be pruned without touching incidents.
CREATE TABLE alert_events (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id     TEXT NOT NULL REFERENCES incidents (id),
  fingerprint     TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
  starts_at       TEXT NOT NULL,
  alert           TEXT NOT NULL,
  notification_id INTEGER NOT NULL,
  received_at     TEXT NOT NULL,
  UNIQUE (fingerprint, status, starts_at)
);
CREATE INDEX alert_events_incident ON alert_events (incident_id, id);
CREATE INDEX alert_events_fingerprint ON alert_events (fingerprint, id);

-- The incident timeline. AUTOINCREMENT: ids only grow and are never reused, so readers can
-- page with "after id N" and never miss or repeat an entry.
CREATE TABLE timeline (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id TEXT NOT NULL REFERENCES incidents (id),
  at          TEXT NOT NULL,
  phase       TEXT,
  kind        TEXT NOT NULL,
  actor       TEXT NOT NULL,
  summary     TEXT NOT NULL,
  data        TEXT NOT NULL
);
CREATE INDEX timeline_incident ON timeline (incident_id, id);

-- The timeline is the audit record of what firebreak did to a production cluster: append-only,
-- enforced by the database as well as by the absence of update/delete methods.
CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline
BEGIN
  SELECT RAISE(ABORT, 'timeline is append-only: entries cannot be updated');
END;
CREATE TRIGGER timeline_no_delete BEFORE DELETE ON timeline
BEGIN
  SELECT RAISE(ABORT, 'timeline is append-only: entries cannot be deleted');
END;

-- Current holder of each role; the history of assignments lives on the timeline.
CREATE TABLE incident_roles (
  incident_id TEXT NOT NULL REFERENCES incidents (id),
  role        TEXT NOT NULL CHECK (role IN ('commander', 'tech-lead', 'communications', 'scribe')),
  person      TEXT NOT NULL,
  assigned_at TEXT NOT NULL,
  assigned_by TEXT NOT NULL,
  PRIMARY KEY (incident_id, role)
);

CREATE TABLE action_items (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id TEXT NOT NULL REFERENCES incidents (id),
  title       TEXT NOT NULL,
  owner       TEXT,
  due_date    TEXT,
  created_at  TEXT NOT NULL,
  created_by  TEXT NOT NULL
);
CREATE INDEX action_items_incident ON action_items (incident_id, id);
