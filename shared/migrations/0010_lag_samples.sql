-- Up Migration

-- One row per consumer group per lag-monitor refresh, kept for one hour. The API reads the
-- newest refresh and the history from here, so it need not run in the monitor's process.
CREATE TABLE flow.lag_samples (
  id                  bigserial PRIMARY KEY,
  sampled_at          timestamptz NOT NULL,
  group_id            text NOT NULL,
  state               text NOT NULL,
  status              text NOT NULL CHECK (status IN ('OK', 'WARN', 'STALL', 'STOP')),
  total_lag_messages  bigint NOT NULL,
  max_lag_seconds     double precision,
  -- The whole GroupLag: broker state, members with assignments and per-partition lag.
  snapshot            jsonb NOT NULL
);
CREATE INDEX lag_samples_sampled_at_idx ON flow.lag_samples (sampled_at);
CREATE INDEX lag_samples_group_idx ON flow.lag_samples (group_id, sampled_at DESC);

-- At most one open lag alert per consumer group, even with two monitors running.
CREATE UNIQUE INDEX alerts_open_lag_alert_idx ON flow.alerts (group_id)
  WHERE source = 'lag-monitor' AND resolved_at IS NULL;

-- Down Migration

DROP INDEX IF EXISTS flow.alerts_open_lag_alert_idx;
DROP TABLE IF EXISTS flow.lag_samples;
