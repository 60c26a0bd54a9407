import type { Pool, PoolClient } from '../db/pool.ts';

export type AlertSeverity = 'info' | 'warning' | 'error';

export interface AlertInput {
  tenantId?: string | null;
  severity: AlertSeverity;
  source: string;
  message: string;
  pipelineId?: string | null;
  runId?: string | null;
  groupId?: string | null;
  topic?: string | null;
  details?: unknown;
}

export interface Alert {
  id: string;
  tenantId: string | null;
  severity: AlertSeverity;
  source: string;
  message: string;
  pipelineId: string | null;
  runId: string | null;
  groupId: string | null;
  topic: string | null;
  details: unknown;
  createdAt: string;
  resolvedAt: string | null;
}

/** Adds an entry to the health feed. */
export async function raiseAlert(pool: Pool | PoolClient, alert: AlertInput): Promise<void> {
  await pool.query(
    `INSERT INTO flow.alerts (tenant_id, severity, source, message, pipeline_id, run_id, group_id, topic, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      alert.tenantId ?? null,
      alert.severity,
      alert.source,
      alert.message,
      alert.pipelineId ?? null,
      alert.runId ?? null,
      alert.groupId ?? null,
      alert.topic ?? null,
      alert.details === undefined ? null : JSON.stringify(alert.details),
    ],
  );
}

/** Recent alerts of a tenant, newest first, with system-wide alerts (no tenant) included. */
export async function listRecentAlerts(pool: Pool, tenantId: string, limit = 50): Promise<Alert[]> {
  const result = await pool.query<Alert>(
    `SELECT id, tenant_id AS "tenantId", severity, source, message, pipeline_id AS "pipelineId", run_id AS "runId",
            group_id AS "groupId", topic, details, created_at AS "createdAt", resolved_at AS "resolvedAt"
       FROM flow.alerts WHERE tenant_id = $1 OR tenant_id IS NULL
      ORDER BY created_at DESC, id DESC LIMIT $2`,
    [tenantId, limit],
  );
  return result.rows;
}
