-- firebreak schema, version 5: run leases and fencing tokens (docs/engine.md, docs/ha.md).
-- Which engine holds a running run, until when, and a token raised at every take-over.
ALTER TABLE engine_runs ADD COLUMN owner TEXT;
ALTER TABLE engine_runs ADD COLUMN lease_until TEXT;
ALTER TABLE engine_runs ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;
