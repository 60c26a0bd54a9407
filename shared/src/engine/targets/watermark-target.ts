import { quoteIdent } from '../../db/quote.ts';
import type { PoolClient } from '../../db/pool.ts';
import { STAGE_TABLE } from './upsert-target.ts';

/**
 * Reads the high-water mark of a pipeline, as text in the column's canonical form. Returns null
 * before the first load, and when the stored mark belongs to another column than the IR names.
 */
export async function readWatermark(client: PoolClient, pipelineId: string, column: string): Promise<string | null> {
  // FOR UPDATE locks the mark until commit, so a second writer cannot advance it meanwhile.
  const result = await client.query<{ value: string | null; column: string }>(
    'SELECT value, column_name AS column FROM flow.pipeline_watermarks WHERE pipeline_id = $1 FOR UPDATE',
    [pipelineId],
  );
  const row = result.rows[0];
  return row && row.column === column ? row.value : null;
}

/**
 * Removes staged rows that the mark excludes, compared in the column's own type: rows below
 * the mark, rows at the mark when `includeEqual` is false, and rows with no watermark value.
 * Returns how many were removed, so the run can report them.
 */
export async function dropRowsPastWatermark(
  client: PoolClient,
  column: string,
  sqlType: string,
  mark: string | null,
  includeEqual: boolean,
): Promise<number> {
  const stage = quoteIdent(STAGE_TABLE);
  const value = quoteIdent(column);
  if (mark === null) {
    const result = await client.query(`DELETE FROM ${stage} WHERE ${value} IS NULL`);
    return result.rowCount ?? 0;
  }
  const keep = includeEqual ? '>=' : '>';
  const result = await client.query(`DELETE FROM ${stage} WHERE ${value} IS NULL OR NOT (${value} ${keep} $1::${sqlType})`, [mark]);
  return result.rowCount ?? 0;
}

/**
 * Moves the mark to the largest staged value when that is past it. Runs in the load's
 * transaction, so a load that fails leaves the mark where it was.
 */
export async function advanceWatermark(
  client: PoolClient,
  pipelineId: string,
  runId: string,
  column: string,
  sqlType: string,
): Promise<string | null> {
  const stage = quoteIdent(STAGE_TABLE);
  const value = quoteIdent(column);
  // ISO output in UTC keeps timestamps comparable as text across sessions.
  await client.query("SET LOCAL TimeZone = 'UTC'");
  await client.query("SET LOCAL DateStyle = 'ISO, YMD'");
  const result = await client.query<{ value: string | null }>(
    `INSERT INTO flow.pipeline_watermarks (pipeline_id, column_name, value, run_id, updated_at)
     SELECT $1, $2, max(${value})::text, $3, now() FROM ${stage} HAVING max(${value}) IS NOT NULL
     ON CONFLICT (pipeline_id) DO UPDATE
        SET value = CASE WHEN flow.pipeline_watermarks.value IS NULL
                           OR EXCLUDED.value::${sqlType} > flow.pipeline_watermarks.value::${sqlType}
                         THEN EXCLUDED.value ELSE flow.pipeline_watermarks.value END,
            column_name = EXCLUDED.column_name, run_id = EXCLUDED.run_id, updated_at = now()
     RETURNING value`,
    [pipelineId, column, runId],
  );
  return result.rows[0]?.value ?? null;
}
