import { quoteIdent, quoteQualified } from '../../db/quote.ts';
import type { PoolClient } from '../../db/pool.ts';

export const STAGE_TABLE = 'flow_stage';
/** Stage column filled by a sequence in insertion order, which is file order. */
export const SEQUENCE_COLUMN = '_flow_seq';

/** SQLSTATE of "ON CONFLICT DO UPDATE command cannot affect row a second time". */
const CARDINALITY_VIOLATION = '21000';

/** Creates the temporary staging table, shaped like the target plus a file-order column. */
export async function createStageTable(client: PoolClient, schema: string, table: string): Promise<void> {
  await client.query(`CREATE TEMP TABLE ${quoteIdent(STAGE_TABLE)} (LIKE ${quoteQualified(schema, table)}) ON COMMIT DROP`);
  await client.query(`ALTER TABLE ${quoteIdent(STAGE_TABLE)} ADD COLUMN ${quoteIdent(SEQUENCE_COLUMN)} bigserial`);
}

/** COPY statement that fills the staging table from COPY text lines. */
export function stageCopySql(columns: readonly string[]): string {
  return `COPY ${quoteIdent(STAGE_TABLE)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`;
}

/**
 * Moves the staged rows into the target with one INSERT ... ON CONFLICT and returns the rows
 * written. Most files repeat no key, so the plain statement runs first. When it meets a key
 * twice, PostgreSQL raises a cardinality violation; the statement is then undone and rerun with
 * DISTINCT ON, which keeps the last row of each key in file order.
 */
export async function upsertFromStage(
  client: PoolClient,
  schema: string,
  table: string,
  columns: readonly string[],
  keyFields: readonly string[],
): Promise<number> {
  const columnList = columns.map(quoteIdent).join(', ');
  const keyList = keyFields.map(quoteIdent).join(', ');
  const updated = columns.filter((column) => !keyFields.includes(column));
  // With nothing but key columns, a no-op update still counts the row as written.
  const assignments = (updated.length > 0 ? updated : [keyFields[0]!])
    .map((column) => `${quoteIdent(column)} = EXCLUDED.${quoteIdent(column)}`)
    .join(', ');
  const insert = `INSERT INTO ${quoteQualified(schema, table)} AS target (${columnList})`;
  const onConflict = `ON CONFLICT (${keyList}) DO UPDATE SET ${assignments}`;

  await client.query('SAVEPOINT flow_merge');
  try {
    const result = await client.query(`${insert} SELECT ${columnList} FROM ${quoteIdent(STAGE_TABLE)} ${onConflict}`);
    await client.query('RELEASE SAVEPOINT flow_merge');
    return result.rowCount ?? 0;
  } catch (error) {
    if ((error as { code?: string }).code !== CARDINALITY_VIOLATION) throw error;
    await client.query('ROLLBACK TO SAVEPOINT flow_merge');
  }
  const result = await client.query(
    `${insert} SELECT DISTINCT ON (${keyList}) ${columnList} FROM ${quoteIdent(STAGE_TABLE)}
      ORDER BY ${keyList}, ${quoteIdent(SEQUENCE_COLUMN)} DESC ${onConflict}`,
  );
  return result.rowCount ?? 0;
}
