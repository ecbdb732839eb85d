-- Run leases and fencing tokens, as sqlite/migrations/005_run_leases.sql: which engine holds a
-- running run, until when, and a token raised at every take-over.
ALTER TABLE engine_runs ADD COLUMN owner text;
ALTER TABLE engine_runs ADD COLUMN lease_until text;
ALTER TABLE engine_runs ADD COLUMN fence bigint NOT NULL DEFAULT 0;
CREATE INDEX engine_runs_owner ON engine_runs (owner) WHERE status = 'running';

-- Wakes the other replicas when a run becomes pending: NOTIFY is sent at COMMIT (never for a
-- rolled-back transaction) and sent once per transaction however many runs it queued.
CREATE FUNCTION engine_runs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('firebreak_runs', '');
  RETURN NULL;
END;
$$;
CREATE TRIGGER engine_runs_pending AFTER INSERT OR UPDATE OF status ON engine_runs
  FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION engine_runs_notify();
