import { z } from 'zod';
import { datasetFieldSchema } from '@flow/shared/datasets/field-schema';

/**
 * Shapes of the API's success responses, used only to describe them in the OpenAPI document.
 * Counts that PostgreSQL stores as bigint are strings of digits.
 */

const uuid = z.string().uuid();
const timestamp = z.string().min(1);
const bigintString = z.string().regex(/^-?\d+$/);
const pageShape = { limit: z.number().int(), offset: z.number().int() };

const s3Settings = z
  .object({
    authMethod: z.enum(['iam_role', 'access_key', 'default']),
    bucket: z.string(),
    region: z.string().optional(),
    roleArn: z.string().optional(),
    accessKeyId: z.string().optional(),
  })
  .strict();
const postgresSettings = z
  .object({
    host: z.string(),
    port: z.number().int(),
    database: z.string(),
    user: z.string(),
    sslmode: z.enum(['disable', 'prefer', 'require', 'verify-ca', 'verify-full']),
  })
  .strict();

/** A connector: clear settings only. Secret fields are absent by construction (no additional properties). */
export const connectorResponse = z
  .object({
    id: uuid,
    tenantId: uuid,
    name: z.string(),
    type: z.enum(['s3', 'postgres']),
    config: z.union([s3Settings, postgresSettings]),
    verifiedAt: timestamp.nullable(),
    createdAt: timestamp,
  })
  .strict();

export const datasetResponse = z
  .object({
    id: uuid,
    tenantId: uuid,
    name: z.string(),
    schemaName: z.string(),
    tableName: z.string(),
    fields: z.array(datasetFieldSchema),
    primaryKey: z.array(z.string()),
    createdAt: timestamp,
  })
  .strict();

export const pipelineResponse = z
  .object({
    id: uuid,
    tenantId: uuid,
    name: z.string(),
    description: z.string().nullable(),
    currentIrVersion: z.number().int(),
    sourceBucket: z.string().nullable(),
    sourcePrefix: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .strict();

export const runResponse = z
  .object({
    id: uuid,
    pipelineId: uuid,
    requestId: z.string(),
    trigger: z.enum(['s3_event', 'manual', 'replay', 'mcp']),
    triggerDetail: z.unknown(),
    replayOf: uuid.nullable(),
    irVersion: z.number().int().nullable(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'skipped']),
    rowsRead: bigintString,
    rowsWritten: bigintString,
    rowsQuarantined: bigintString,
    rowsSkipped: bigintString,
    rowsSuperseded: bigintString,
    rowsUnchanged: bigintString,
    rowsBelowWatermark: bigintString,
    rowsFiltered: bigintString,
    objectsRead: z.number().int(),
    bytesRead: bigintString,
    /** Bytes of the objects the run loads; with bytesRead, the progress of a running run. */
    bytesTotal: bigintString,
    /** Milliseconds per stage. */
    stageTimings: z.record(z.string(), z.number()),
    attempt: z.number().int(),
    requestedAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    error: z.object({ code: z.string(), message: z.string() }).strict().nullable(),
  })
  .strict();

export const apiKeyResponse = z
  .object({ id: uuid, name: z.string(), keyPrefix: z.string(), createdAt: timestamp, revokedAt: timestamp.nullable() })
  .strict();

const runLineageResponse = z
  .object({
    runId: uuid,
    pipelineId: uuid,
    pipelineName: z.string(),
    irVersion: z.number().int().nullable(),
    status: z.string(),
    trigger: z.string(),
    replayOf: uuid.nullable(),
    finishedAt: timestamp.nullable(),
    rowsRead: bigintString,
    rowsWritten: bigintString,
    dataset: z.object({ id: uuid, name: z.string(), tableName: z.string() }).strict().nullable(),
    objects: z.array(
      z
        .object({
          bucket: z.string(),
          key: z.string(),
          etag: z.string(),
          sizeBytes: bigintString,
          rowsRead: bigintString,
          archivedKey: z.string().nullable(),
          loadedAt: timestamp,
        })
        .strict(),
    ),
    columns: z.array(z.object({ target: z.string(), sources: z.array(z.string()), steps: z.array(z.string()) }).strict()),
  })
  .strict();

const runStarted = z.object({ runId: uuid, requestId: z.string(), status: z.enum(['queued', 'running', 'succeeded', 'failed', 'skipped']) }).strict();
const irVersionResponse = z.object({ version: z.number().int(), ir: z.record(z.string(), z.unknown()), createdAt: timestamp }).strict();
const deleted = z.object({ deleted: z.literal(true), id: uuid }).strict();

/** Success response body of each operation, by `METHOD path` with the path relative to the API prefix. */
export const responseSchemas: Record<string, z.ZodType> = {
  'POST /connectors': z.object({ connector: connectorResponse }).strict(),
  'GET /connectors': z.object({ connectors: z.array(connectorResponse), ...pageShape }).strict(),
  'GET /connectors/{id}': z.object({ connector: connectorResponse }).strict(),
  'POST /connectors/{id}/test': z.object({ ok: z.literal(true), steps: z.array(z.string()), connector: connectorResponse }).strict(),
  'POST /schemas': z.object({ schema: datasetResponse }).strict(),
  'GET /schemas': z.object({ schemas: z.array(datasetResponse), ...pageShape }).strict(),
  'GET /schemas/{id}': z.object({ schema: datasetResponse }).strict(),
  'DELETE /schemas/{id}': deleted,
  'POST /schemas/{id}/fields': z.object({ schema: datasetResponse }).strict(),
  'GET /schemas/{id}/rows': z.object({ rows: z.array(z.record(z.string(), z.unknown())), total: z.number().int(), ...pageShape }).strict(),
  'POST /pipelines': z.object({ pipeline: pipelineResponse, irVersion: z.number().int() }).strict(),
  'GET /pipelines': z.object({ pipelines: z.array(pipelineResponse), ...pageShape }).strict(),
  'GET /pipelines/{id}': z.object({ pipeline: pipelineResponse }).strict(),
  'PATCH /pipelines/{id}': z.object({ pipeline: pipelineResponse, irVersion: z.number().int() }).strict(),
  'DELETE /pipelines/{id}': deleted,
  'GET /pipelines/{id}/ir': irVersionResponse,
  'POST /pipelines/{id}/ir': irVersionResponse,
  'GET /pipelines/{id}/ir/versions': z.object({ versions: z.array(irVersionResponse), ...pageShape }).strict(),
  'POST /pipelines/{id}/run': runStarted,
  'GET /pipelines/{id}/runs': z.object({ runs: z.array(runResponse), ...pageShape }).strict(),
  'GET /runs/{id}': z.object({ run: runResponse }).strict(),
  'GET /runs/{id}/dead-letter': z
    .object({
      rows: z.array(
        z
          .object({
            id: bigintString,
            sourceKey: z.string().nullable(),
            lineNumber: bigintString.nullable(),
            rawRow: z.unknown(),
            errors: z.unknown(),
            createdAt: timestamp,
          })
          .strict(),
      ),
      total: z.number().int(),
      ...pageShape,
    })
    .strict(),
  'POST /runs/{id}/replay': runStarted,
  'GET /runs/{id}/lineage': z.object({ lineage: runLineageResponse }).strict(),
  'GET /lineage': z
    .object({ dataset: z.object({ id: uuid, name: z.string(), tableName: z.string() }).strict(), runs: z.array(runLineageResponse), ...pageShape })
    .strict(),
  'POST /api-keys': z.object({ apiKey: apiKeyResponse, key: z.string().regex(/^krn_/) }).strict(),
  'GET /api-keys': z.object({ apiKeys: z.array(apiKeyResponse), ...pageShape }).strict(),
  'DELETE /api-keys/{id}': z.object({ apiKey: apiKeyResponse }).strict(),
  'GET /whoami': z.object({ tenantId: uuid, tenantName: z.string() }).strict(),
};
