import type { Pool } from '@flow/shared/db/pool';
import type { Page } from '../http/pagination.ts';

/** A row a run quarantined: the raw row as read, its line in the source file and every rule it broke. */
export interface DeadLetterRow {
  /** bigserial, as a string. */
  id: string;
  sourceKey: string | null;
  /** Line number in the source file, as a string (bigint). */
  lineNumber: string | null;
  rawRow: unknown;
  errors: unknown;
  createdAt: string;
}

/** Reads one page of a run's dead-letter rows in the order they were written, with the run's total. */
export async function listDeadLetterRows(
  pool: Pool,
  tenantId: string,
  runId: string,
  page: Page,
): Promise<{ rows: DeadLetterRow[]; total: number; limit: number; offset: number }> {
  const rows = await pool.query<DeadLetterRow>(
    `SELECT id, source_key AS "sourceKey", line_number AS "lineNumber", raw_row AS "rawRow", errors, created_at AS "createdAt"
       FROM flow.dead_letter_rows WHERE tenant_id = $1 AND run_id = $2
      ORDER BY id LIMIT $3 OFFSET $4`,
    [tenantId, runId, page.limit, page.offset],
  );
  const count = await pool.query<{ total: string }>(
    'SELECT count(*) AS total FROM flow.dead_letter_rows WHERE tenant_id = $1 AND run_id = $2',
    [tenantId, runId],
  );
  return { rows: rows.rows, total: Number(count.rows[0]?.total ?? 0), limit: page.limit, offset: page.offset };
}
