-- Up Migration

-- incremental_watermark: rows the stored high-water mark excluded, reported instead of lost silently.
ALTER TABLE flow.runs ADD COLUMN rows_below_watermark bigint NOT NULL DEFAULT 0;

-- Down Migration

ALTER TABLE flow.runs DROP COLUMN rows_below_watermark;
