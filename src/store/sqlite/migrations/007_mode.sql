-- firebreak schema, version 7: the mode (dry-run or enforce) shared by every replica, with who
-- set it, when and why, and the configured mode that last set it (docs/engine.md "Mode").
ALTER TABLE engine_automation ADD COLUMN mode TEXT;
ALTER TABLE engine_automation ADD COLUMN mode_changed_by TEXT;
ALTER TABLE engine_automation ADD COLUMN mode_changed_at TEXT;
ALTER TABLE engine_automation ADD COLUMN mode_reason TEXT;
ALTER TABLE engine_automation ADD COLUMN mode_configured TEXT;
