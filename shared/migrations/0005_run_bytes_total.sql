-- Up Migration

-- Bytes of the objects a run is loading, known when loading starts; with bytes_read it gives progress.
ALTER TABLE flow.runs ADD COLUMN bytes_total bigint NOT NULL DEFAULT 0;

-- Down Migration

ALTER TABLE flow.runs DROP COLUMN bytes_total;
