import { z } from 'zod';

// Shapes of the Flow API responses the tools return. Objects are loose, so fields the API
// adds later pass through to the client. Counts of rows and bytes are strings, as the API
// returns PostgreSQL bigint values.

export const runStatuses = ['queued', 'running', 'succeeded', 'failed', 'skipped'] as const;
export const finishedRunStatuses: ReadonlySet<string> = new Set(['succeeded', 'failed', 'skipped']);

export const pipelineSchema = z.looseObject({
  id: z.string().describe('Pipeline id (UUID).'),
  name: z.string(),
  description: z.string().nullable(),
  currentIrVersion: z.number().int().describe('Version number of the IR that the next run executes.'),
  sourceBucket: z.string().nullable(),
  sourcePrefix: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const runErrorSchema = z.object({ code: z.string(), message: z.string() });

export const runSchema = z.looseObject({
  id: z.string().describe('Run id (UUID).'),
  pipelineId: z.string(),
  requestId: z.string(),
  trigger: z.string().describe('What started the run: s3_event, manual, replay or mcp.'),
  replayOf: z.string().nullable().describe('Run whose archived source objects this run loaded again, for a replay.'),
  irVersion: z.number().int().nullable().describe('IR version the run executed; null until it starts.'),
  status: z.enum(runStatuses),
  error: runErrorSchema.nullable().describe('Error code and message of a failed run.'),
  rowsRead: z.string(),
  rowsWritten: z.string(),
  rowsQuarantined: z.string().describe('Rows sent to the dead-letter table.'),
  rowsSkipped: z.string(),
  objectsRead: z.number().int(),
  requestedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type RunView = z.infer<typeof runSchema>;

export const deadLetterRowSchema = z.looseObject({
  id: z.string(),
  sourceKey: z.string().nullable().describe('S3 key of the file the row came from.'),
  lineNumber: z.string().nullable().describe('Line of the row in the source file, counting the header as line 1.'),
  rawRow: z.unknown().describe('The row as read from the file: column name to raw text.'),
  errors: z.unknown().describe('Every rule the row broke: field, rule and message.'),
  createdAt: z.string(),
});

export const pipelineListResponseSchema = z.looseObject({
  pipelines: z.array(pipelineSchema),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const irResponseSchema = z.looseObject({
  version: z.number().int(),
  ir: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});

export const runStartedResponseSchema = z.looseObject({
  runId: z.string(),
  requestId: z.string(),
  status: z.enum(runStatuses),
});

export const runResponseSchema = z.looseObject({ run: runSchema });

export const runListResponseSchema = z.looseObject({ runs: z.array(runSchema) });

export const deadLetterResponseSchema = z.looseObject({
  rows: z.array(deadLetterRowSchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const systemHealthResponseSchema = z.looseObject({
  status: z.string().describe('ok when PostgreSQL and Kafka are up, degraded otherwise.'),
  components: z.record(z.string(), z.unknown()),
  alerts: z.array(z.unknown()).describe('Recent alerts of the tenant, newest first.'),
});

export const whoamiResponseSchema = z.looseObject({ tenantId: z.string(), tenantName: z.string() });
