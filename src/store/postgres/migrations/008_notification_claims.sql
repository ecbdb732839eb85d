-- Which replica processes a stored notification (docs/ha.md): the claimant and the end of its
-- claim in epoch milliseconds. A claim that ended is taken over by another replica (its claimant
-- died or stalled); each processing transaction renews it. PostgreSQL only: SQLite has one
-- process, whose claims live in its store.
ALTER TABLE notifications ADD COLUMN claimed_by text;
ALTER TABLE notifications ADD COLUMN claim_until_ms bigint;
