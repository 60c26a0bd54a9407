import { quoteIdent, quoteQualified } from '../../db/quote.ts';
import type { PoolClient } from '../../db/pool.ts';

export const STAGE_TABLE = 'flow_stage';
export const SEQUENCE_COLUMN = '_flow_seq';

/** Creates the temporary staging table, shaped like the target plus a file-order column. */
export async function createStageTable(client: PoolClient, schema: string, table: string): Promise<void> {
  await client.query(`CREATE TEMP TABLE ${quoteIdent(STAGE_TABLE)} (LIKE ${quoteQualified(schema, table)}) ON COMMIT DROP`);
  await client.query(`ALTER TABLE ${quoteIdent(STAGE_TABLE)} ADD COLUMN ${quoteIdent(SEQUENCE_COLUMN)} bigint NOT NULL`);
}

/** COPY statement that fills the staging table. */
export function stageCopySql(columns: readonly string[]): string {
  const list = [...columns, SEQUENCE_COLUMN].map(quoteIdent).join(', ');
  return `COPY ${quoteIdent(STAGE_TABLE)} (${list}) FROM STDIN`;
}

/**
 * Moves the staged rows into the target with one INSERT ... ON CONFLICT. When several staged
 * rows share a key, DISTINCT ON keeps the last in file order, so PostgreSQL never sees
 * the same key twice in one statement. Returns the rows written.
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
  const result = await client.query(
    `INSERT INTO ${quoteQualified(schema, table)} AS target (${columnList})
     SELECT DISTINCT ON (${keyList}) ${columnList} FROM ${quoteIdent(STAGE_TABLE)}
      ORDER BY ${keyList}, ${quoteIdent(SEQUENCE_COLUMN)} DESC
     ON CONFLICT (${keyList}) DO UPDATE SET ${assignments}`,
  );
  return result.rowCount ?? 0;
}
