-- Up Migration

CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE flow.tenants (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text NOT NULL UNIQUE,
  -- PostgreSQL schema that holds this tenant's dataset tables.
  schema_name  text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE flow.api_keys (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id    uuid NOT NULL REFERENCES flow.tenants (id) ON DELETE CASCADE,
  name         text NOT NULL DEFAULT 'default',
  -- SHA-256 of the whole key; the key itself is shown once and never stored.
  key_hash     text NOT NULL UNIQUE,
  -- First characters of the key, so an operator can tell keys apart.
  key_prefix   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz
);

CREATE TABLE flow.connectors (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id          uuid NOT NULL REFERENCES flow.tenants (id) ON DELETE CASCADE,
  name               text NOT NULL,
  type               text NOT NULL CHECK (type IN ('s3', 'postgres')),
  -- Settings that are not secret (bucket, region, role ARN, auth method).
  config             jsonb NOT NULL,
  -- Secret settings (external id, access keys, passwords), AES-256-GCM encrypted.
  secret_ciphertext  text,
  verified_at        timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, name)
);

CREATE TABLE flow.datasets (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id    uuid NOT NULL REFERENCES flow.tenants (id) ON DELETE CASCADE,
  name         text NOT NULL,
  table_name   text NOT NULL,
  fields       jsonb NOT NULL,
  primary_key  text[] NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, name)
);

CREATE TABLE flow.pipelines (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id           uuid NOT NULL REFERENCES flow.tenants (id) ON DELETE CASCADE,
  name                text NOT NULL,
  description         text,
  current_ir_version  integer NOT NULL DEFAULT 0,
  -- Binding copied from the current IR's source node, for routing S3 events.
  source_bucket       text,
  source_prefix       text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, name)
);
CREATE INDEX pipelines_binding_idx ON flow.pipelines (source_bucket, source_prefix);

CREATE TABLE flow.pipeline_ir_versions (
  pipeline_id  uuid NOT NULL REFERENCES flow.pipelines (id) ON DELETE CASCADE,
  version      integer NOT NULL,
  ir           jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pipeline_id, version)
);

CREATE TABLE flow.runs (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id         uuid NOT NULL REFERENCES flow.tenants (id) ON DELETE CASCADE,
  pipeline_id       uuid NOT NULL REFERENCES flow.pipelines (id) ON DELETE CASCADE,
  -- Id of the run request on flow.run-requests; a redelivered request finds its run here.
  request_id        text NOT NULL UNIQUE,
  trigger           text NOT NULL CHECK (trigger IN ('s3_event', 'manual', 'replay', 'mcp')),
  trigger_detail    jsonb,
  replay_of         uuid REFERENCES flow.runs (id) ON DELETE SET NULL,
  ir_version        integer,
  status            text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'skipped')),
  error_code        text,
  error_message     text,
  rows_read         bigint NOT NULL DEFAULT 0,
  rows_written      bigint NOT NULL DEFAULT 0,
  rows_quarantined  bigint NOT NULL DEFAULT 0,
  rows_superseded   bigint NOT NULL DEFAULT 0,
  rows_filtered     bigint NOT NULL DEFAULT 0,
  objects_read      integer NOT NULL DEFAULT 0,
  bytes_read        bigint NOT NULL DEFAULT 0,
  -- Milliseconds per stage: read, load, commit, archive.
  stage_timings     jsonb NOT NULL DEFAULT '{}'::jsonb,
  attempt           integer NOT NULL DEFAULT 0,
  requested_at      timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz,
  finished_at       timestamptz
);
CREATE INDEX runs_pipeline_idx ON flow.runs (pipeline_id, requested_at DESC);
CREATE INDEX runs_tenant_idx ON flow.runs (tenant_id, requested_at DESC);

-- Source objects each run loaded. A successful load is committed together with the rows,
-- so an object found here with the same ETag is never loaded twice.
CREATE TABLE flow.source_objects (
  id            bigserial PRIMARY KEY,
  tenant_id     uuid NOT NULL REFERENCES flow.tenants (id) ON DELETE CASCADE,
  pipeline_id   uuid NOT NULL REFERENCES flow.pipelines (id) ON DELETE CASCADE,
  run_id        uuid NOT NULL REFERENCES flow.runs (id) ON DELETE CASCADE,
  bucket        text NOT NULL,
  key           text NOT NULL,
  etag          text NOT NULL,
  version_id    text,
  size_bytes    bigint NOT NULL,
  rows_read     bigint NOT NULL DEFAULT 0,
  archived_key  text,
  loaded_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (pipeline_id, bucket, key, etag)
);
CREATE INDEX source_objects_run_idx ON flow.source_objects (run_id);

CREATE TABLE flow.dead_letter_rows (
  id           bigserial PRIMARY KEY,
  tenant_id    uuid NOT NULL REFERENCES flow.tenants (id) ON DELETE CASCADE,
  pipeline_id  uuid NOT NULL REFERENCES flow.pipelines (id) ON DELETE CASCADE,
  run_id       uuid NOT NULL REFERENCES flow.runs (id) ON DELETE CASCADE,
  source_key   text,
  line_number  bigint,
  raw_row      jsonb NOT NULL,
  errors       jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dead_letter_rows_run_idx ON flow.dead_letter_rows (run_id, id);

CREATE TABLE flow.pipeline_watermarks (
  pipeline_id  uuid PRIMARY KEY REFERENCES flow.pipelines (id) ON DELETE CASCADE,
  column_name  text NOT NULL,
  value        text,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  run_id       uuid REFERENCES flow.runs (id) ON DELETE SET NULL
);

CREATE TABLE flow.cdc_offsets (
  group_id    text NOT NULL,
  topic       text NOT NULL,
  partition   integer NOT NULL,
  next_offset bigint NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, topic, partition)
);

CREATE TABLE flow.alerts (
  id           bigserial PRIMARY KEY,
  tenant_id    uuid REFERENCES flow.tenants (id) ON DELETE CASCADE,
  severity     text NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
  source       text NOT NULL,
  message      text NOT NULL,
  pipeline_id  uuid REFERENCES flow.pipelines (id) ON DELETE CASCADE,
  run_id       uuid REFERENCES flow.runs (id) ON DELETE CASCADE,
  group_id     text,
  topic        text,
  details      jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  resolved_at  timestamptz
);
CREATE INDEX alerts_tenant_idx ON flow.alerts (tenant_id, created_at DESC);

-- Down Migration

DROP TABLE IF EXISTS flow.alerts, flow.cdc_offsets, flow.pipeline_watermarks, flow.dead_letter_rows,
  flow.source_objects, flow.runs, flow.pipeline_ir_versions, flow.pipelines, flow.datasets,
  flow.connectors, flow.api_keys, flow.tenants;
