import { quoteIdent, quoteQualified } from '../../db/quote.ts';
import type { PoolClient } from '../../db/pool.ts';

export const STAGE_TABLE = 'flow_stage';
/** Stage column filled by a sequence in insertion order, which is file order. */
export const SEQUENCE_COLUMN = '_flow_seq';

/** SQLSTATE of "ON CONFLICT DO UPDATE command cannot affect row a second time". */
const CARDINALITY_VIOLATION = '21000';

/**
 * Creates the temporary staging table with the target's column types, without its constraints
 * or defaults (a generated `id` is left to the target), plus a file-order column.
 */
export async function createStageTable(client: PoolClient, schema: string, table: string): Promise<void> {
  await client.query(`CREATE TEMP TABLE ${quoteIdent(STAGE_TABLE)} ON COMMIT DROP AS SELECT * FROM ${quoteQualified(schema, table)} WITH NO DATA`);
  await client.query(`ALTER TABLE ${quoteIdent(STAGE_TABLE)} ADD COLUMN ${quoteIdent(SEQUENCE_COLUMN)} bigserial`);
}

/** COPY statement that fills the staging table from COPY text lines. */
export function stageCopySql(columns: readonly string[]): string {
  return `COPY ${quoteIdent(STAGE_TABLE)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`;
}

/** Outcome of a merge: rows inserted or changed, identical rows left alone, and rows replaced by a later one of the same key. */
export interface MergeResult {
  rowsWritten: number;
  rowsUnchanged: number;
  rowsSuperseded: number;
}

/**
 * Moves the staged rows into the target with one INSERT ... ON CONFLICT. A row whose key exists
 * with identical values is left alone, so reloading a mostly unchanged file writes little.
 * Most files repeat no key, so the plain statement runs first. When it meets a key twice,
 * PostgreSQL raises a cardinality violation. The statement is then undone and rerun with
 * DISTINCT ON, which keeps the last row of each key in file order.
 */
export async function upsertFromStage(
  client: PoolClient,
  schema: string,
  table: string,
  columns: readonly string[],
  keyFields: readonly string[],
  stagedRows: number,
): Promise<MergeResult> {
  const columnList = columns.map(quoteIdent).join(', ');
  const keyList = keyFields.map(quoteIdent).join(', ');
  const updated = columns.filter((column) => !keyFields.includes(column));
  const stage = quoteIdent(STAGE_TABLE);
  const insert = `INSERT INTO ${quoteQualified(schema, table)} AS target (${columnList})`;
  // With nothing but key columns there is nothing to update: an existing key is unchanged.
  const onConflict =
    updated.length === 0
      ? `ON CONFLICT (${keyList}) DO NOTHING`
      : `ON CONFLICT (${keyList}) DO UPDATE SET ${updated.map((column) => `${quoteIdent(column)} = EXCLUDED.${quoteIdent(column)}`).join(', ')}
         WHERE (${updated.map((column) => `target.${quoteIdent(column)}`).join(', ')}) IS DISTINCT FROM (${updated.map((column) => `EXCLUDED.${quoteIdent(column)}`).join(', ')})`;

  await client.query('SAVEPOINT flow_merge');
  try {
    const result = await client.query(`${insert} SELECT ${columnList} FROM ${stage} ${onConflict}`);
    await client.query('RELEASE SAVEPOINT flow_merge');
    const rowsWritten = result.rowCount ?? 0;
    return { rowsWritten, rowsUnchanged: stagedRows - rowsWritten, rowsSuperseded: 0 };
  } catch (error) {
    if ((error as { code?: string }).code !== CARDINALITY_VIOLATION) throw error;
    await client.query('ROLLBACK TO SAVEPOINT flow_merge');
  }

  const distinct = await client.query<{ keys: string }>(`SELECT count(*) AS keys FROM (SELECT DISTINCT ${keyList} FROM ${stage}) AS staged_keys`);
  const distinctKeys = Number(distinct.rows[0]!.keys);
  const result = await client.query(
    `${insert} SELECT DISTINCT ON (${keyList}) ${columnList} FROM ${stage}
      ORDER BY ${keyList}, ${quoteIdent(SEQUENCE_COLUMN)} DESC ${onConflict}`,
  );
  const rowsWritten = result.rowCount ?? 0;
  return { rowsWritten, rowsUnchanged: distinctKeys - rowsWritten, rowsSuperseded: stagedRows - distinctKeys };
}
