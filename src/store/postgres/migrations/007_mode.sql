-- The mode shared by every replica, as sqlite/migrations/007_mode.sql: dry-run or enforce, who set
-- it, when and why, and the configured mode that last set it.
ALTER TABLE engine_automation ADD COLUMN mode text;
ALTER TABLE engine_automation ADD COLUMN mode_changed_by text;
ALTER TABLE engine_automation ADD COLUMN mode_changed_at text;
ALTER TABLE engine_automation ADD COLUMN mode_reason text;
ALTER TABLE engine_automation ADD COLUMN mode_configured text;
