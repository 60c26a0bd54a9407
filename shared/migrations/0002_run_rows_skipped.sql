-- Up Migration

-- Rows dropped under errorHandling.onRowError = "skip", counted apart from quarantined rows.
ALTER TABLE flow.runs ADD COLUMN rows_skipped bigint NOT NULL DEFAULT 0;

-- Down Migration

ALTER TABLE flow.runs DROP COLUMN rows_skipped;
