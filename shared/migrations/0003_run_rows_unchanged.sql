-- Up Migration

-- Upserted rows whose key existed with identical values, so no new row version was written.
ALTER TABLE flow.runs ADD COLUMN rows_unchanged bigint NOT NULL DEFAULT 0;

-- Down Migration

ALTER TABLE flow.runs DROP COLUMN rows_unchanged;
