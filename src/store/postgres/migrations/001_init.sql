-- firebreak schema for PostgreSQL, version 1 (the same records as sqlite/migrations/001_init.sql).
-- Times are kept as the ISO-8601 strings the domain model uses, so they read back exactly as
-- written; columns ending in _ms hold the same instant in epoch milliseconds where the store
-- sorts or filters on it. JSON columns are text: the webhook body and step outputs read back
-- exactly as serialised (jsonb would reorder keys and drop duplicates).

-- Webhook bodies as received, committed before the webhook answers 2xx.
CREATE TABLE notifications (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_at  text NOT NULL,
  payload      text NOT NULL,
  processed_at text,
  error        text
);
-- Replay reads the unprocessed ones, oldest first.
CREATE INDEX notifications_unprocessed ON notifications (id) WHERE processed_at IS NULL;

-- COLLATE "C" on the id: ids compare byte by byte (their documented sort order), as in SQLite,
-- whatever the database's default collation.
CREATE TABLE incidents (
  id           text COLLATE "C" PRIMARY KEY,
  key          text NOT NULL,
  title        text NOT NULL,
  severity     text,
  cluster      text,
  status       text NOT NULL CHECK (status IN ('open', 'contained', 'resolved', 'recovered', 'closed')),
  runbook      text,
  labels       text NOT NULL,
  started_at   text NOT NULL,
  opened_at    text NOT NULL,
  opened_ms    bigint NOT NULL,
  contained_at text,
  resolved_at  text,
  recovered_at text,
  closed_at    text,
  updated_at   text NOT NULL
);
CREATE INDEX incidents_key ON incidents (key, opened_ms, id);
-- Keyset pagination: newest opened first, id breaks ties.
CREATE INDEX incidents_opened ON incidents (opened_ms, id);
CREATE INDEX incidents_status_opened ON incidents (status, opened_ms, id);

-- One row per alert state seen. The UNIQUE constraint is the dedupe ledger for duplicate
-- deliveries (Alertmanager retries, HA peers, the same notification at two replicas at once):
-- INSERT ... ON CONFLICT DO NOTHING decides in the database, never a read-then-write.
CREATE TABLE alert_events (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id     text NOT NULL REFERENCES incidents (id),
  fingerprint     text NOT NULL,
  status          text NOT NULL CHECK (status IN ('firing', 'resolved')),
  starts_at       text NOT NULL,
  alert           text NOT NULL,
  notification_id bigint NOT NULL,
  received_at     text NOT NULL,
  UNIQUE (fingerprint, status, starts_at)
);
CREATE INDEX alert_events_incident ON alert_events (incident_id, id);
CREATE INDEX alert_events_fingerprint ON alert_events (fingerprint, id);

-- The incident timeline. Identity ids only grow; writers are serialised by the store's
-- transaction lock, so ids also commit in order and "after id N" never misses an entry.
CREATE TABLE timeline (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id),
  at          text NOT NULL,
  phase       text,
  kind        text NOT NULL,
  actor       text NOT NULL,
  summary     text NOT NULL,
  data        text NOT NULL
);
CREATE INDEX timeline_incident ON timeline (incident_id, id);

-- The timeline is the audit record of what firebreak did to a production cluster: append-only,
-- enforced by the database as well as by the absence of update/delete methods.
CREATE FUNCTION timeline_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'timeline is append-only: entries cannot be %', lower(TG_OP) || 'd'
    USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline
  FOR EACH ROW EXECUTE FUNCTION timeline_append_only();
CREATE TRIGGER timeline_no_delete BEFORE DELETE ON timeline
  FOR EACH ROW EXECUTE FUNCTION timeline_append_only();
CREATE TRIGGER timeline_no_truncate BEFORE TRUNCATE ON timeline
  FOR EACH STATEMENT EXECUTE FUNCTION timeline_append_only();

-- Current holder of each role; the history of assignments lives on the timeline.
CREATE TABLE incident_roles (
  incident_id text NOT NULL REFERENCES incidents (id),
  role        text NOT NULL CHECK (role IN ('commander', 'tech-lead', 'communications', 'scribe')),
  person      text NOT NULL,
  assigned_at text NOT NULL,
  assigned_by text NOT NULL,
  PRIMARY KEY (incident_id, role)
);

CREATE TABLE action_items (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id),
  title       text NOT NULL,
  owner       text,
  due_date    text,
  created_at  text NOT NULL,
  created_by  text NOT NULL
);
CREATE INDEX action_items_incident ON action_items (incident_id, id);
