import type { Pool, PoolClient } from '../db/pool.ts';
import { isUuid } from '../db/is-uuid.ts';
import type { RunRequest } from './run-request.ts';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped';

export interface Run {
  id: string;
  tenantId: string;
  pipelineId: string;
  requestId: string;
  trigger: RunRequest['trigger'];
  triggerDetail: unknown;
  replayOf: string | null;
  irVersion: number | null;
  status: RunStatus;
  errorCode: string | null;
  errorMessage: string | null;
  rowsRead: string;
  rowsWritten: string;
  rowsQuarantined: string;
  rowsSkipped: string;
  rowsSuperseded: string;
  rowsUnchanged: string;
  rowsBelowWatermark: string;
  rowsFiltered: string;
  objectsRead: number;
  bytesRead: string;
  bytesTotal: string;
  stageTimings: Record<string, number>;
  attempt: number;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export const runColumns = `id, tenant_id AS "tenantId", pipeline_id AS "pipelineId", request_id AS "requestId", trigger,
  trigger_detail AS "triggerDetail", replay_of AS "replayOf", ir_version AS "irVersion", status,
  error_code AS "errorCode", error_message AS "errorMessage", rows_read AS "rowsRead", rows_written AS "rowsWritten",
  rows_quarantined AS "rowsQuarantined", rows_skipped AS "rowsSkipped", rows_superseded AS "rowsSuperseded", rows_unchanged AS "rowsUnchanged", rows_below_watermark AS "rowsBelowWatermark",
  rows_filtered AS "rowsFiltered",
  objects_read AS "objectsRead", bytes_read AS "bytesRead", bytes_total AS "bytesTotal", stage_timings AS "stageTimings", attempt,
  requested_at AS "requestedAt", started_at AS "startedAt", finished_at AS "finishedAt"`;

/** Records a run request as a queued run; a request id seen before returns the existing run. */
export async function recordRunRequest(pool: Pool | PoolClient, request: RunRequest): Promise<Run> {
  const result = await pool.query<Run>(
    `INSERT INTO flow.runs (tenant_id, pipeline_id, request_id, trigger, trigger_detail, replay_of, status, requested_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7)
     ON CONFLICT (request_id) DO UPDATE SET request_id = EXCLUDED.request_id
     RETURNING ${runColumns}`,
    [
      request.tenantId,
      request.pipelineId,
      request.requestId,
      request.trigger,
      request.s3Object ? JSON.stringify({ s3Object: request.s3Object }) : null,
      request.replayOf ?? null,
      request.requestedAt,
    ],
  );
  return result.rows[0]!;
}

export async function getRun(pool: Pool, tenantId: string, id: string): Promise<Run | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await pool.query<Run>(`SELECT ${runColumns} FROM flow.runs WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return result.rows[0];
}

export async function listRuns(pool: Pool, tenantId: string, pipelineId: string, limit = 50, offset = 0): Promise<Run[]> {
  const result = await pool.query<Run>(
    `SELECT ${runColumns} FROM flow.runs WHERE tenant_id = $1 AND pipeline_id = $2
      ORDER BY requested_at DESC, id DESC LIMIT $3 OFFSET $4`,
    [tenantId, pipelineId, limit, offset],
  );
  return result.rows;
}

/** Marks a queued run failed when its request could not be published. */
export async function failQueuedRun(pool: Pool, runId: string, code: string, message: string): Promise<void> {
  await pool.query(
    `UPDATE flow.runs SET status = 'failed', error_code = $2, error_message = $3, finished_at = clock_timestamp()
      WHERE id = $1 AND status = 'queued'`,
    [runId, code, message],
  );
}
