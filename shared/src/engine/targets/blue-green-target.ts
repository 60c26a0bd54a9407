import { quoteIdent, quoteQualified } from '../../db/quote.ts';
import type { Pool, PoolClient } from '../../db/pool.ts';
import { flowError } from '../../errors/catalog.ts';

/** Name of the table a blue_green run builds before the swap. */
export function shadowTableName(table: string): string {
  return `${table}_new`;
}

/** Name the live table has for the instant between the two renames of a swap. */
export function retiredTableName(table: string): string {
  return `${table}_old`;
}

/** Views that read the table; a swap would leave them on the dropped table, so they block it. */
export async function dependentViews(client: Pool | PoolClient, schema: string, table: string): Promise<string[]> {
  const result = await client.query<{ view: string }>(
    `SELECT DISTINCT view.oid::regclass::text AS view
       FROM pg_depend dependency
       JOIN pg_rewrite rule ON rule.oid = dependency.objid
       JOIN pg_class view ON view.oid = rule.ev_class
      WHERE dependency.refobjid = to_regclass($1) AND view.oid <> dependency.refobjid
      ORDER BY 1`,
    [quoteQualified(schema, table)],
  );
  return result.rows.map((row) => row.view);
}

/** Creates the empty shadow table with the live table's columns, defaults, constraints and indexes. */
export async function createShadowTable(client: PoolClient, schema: string, table: string): Promise<string> {
  const views = await dependentViews(client, schema, table);
  if (views.length > 0) throw viewsBlockSwap(schema, table, views);
  const shadow = shadowTableName(table);
  await client.query(`CREATE TABLE ${quoteQualified(schema, shadow)} (LIKE ${quoteQualified(schema, table)} INCLUDING ALL)`);
  return shadow;
}

export function viewsBlockSwap(schema: string, table: string, views: string[]) {
  return flowError(
    'TARGET_INVALID',
    `blue_green cannot replace table ${schema}.${table}: view${views.length > 1 ? 's' : ''} ${views.join(', ')} ${views.length > 1 ? 'depend' : 'depends'} on it and would keep reading the old table. Drop the view${views.length > 1 ? 's' : ''}, or use loadMode "truncate" or "upsert", which keep the table.`,
    { details: { views } },
  );
}

/**
 * Puts the shadow table in place of the live one inside the caller's transaction: two
 * renames and a drop, then sequences and index names are moved over. Readers that query the
 * table meanwhile wait for the commit and then read the new table, so no query finds it missing.
 */
export async function swapShadowTable(client: PoolClient, schema: string, table: string): Promise<void> {
  const shadow = shadowTableName(table);
  const retired = retiredTableName(table);
  const views = await dependentViews(client, schema, table);
  if (views.length > 0) throw viewsBlockSwap(schema, table, views);

  // Sequences owned by the live table's columns (bigserial id) would be dropped with it.
  const owned = await client.query<{ sequence: string; column: string }>(
    `SELECT sequence.oid::regclass::text AS sequence, attribute.attname AS column
       FROM pg_depend dependency
       JOIN pg_class sequence ON sequence.oid = dependency.objid AND sequence.relkind = 'S'
       JOIN pg_attribute attribute ON attribute.attrelid = dependency.refobjid AND attribute.attnum = dependency.refobjsubid
      WHERE dependency.refobjid = to_regclass($1) AND dependency.deptype = 'a'`,
    [quoteQualified(schema, table)],
  );

  await client.query(`ALTER TABLE ${quoteQualified(schema, table)} RENAME TO ${quoteIdent(retired)}`);
  await client.query(`ALTER TABLE ${quoteQualified(schema, shadow)} RENAME TO ${quoteIdent(table)}`);
  for (const { sequence, column } of owned.rows) {
    await client.query(`ALTER SEQUENCE ${sequence} OWNED BY ${quoteQualified(schema, table)}.${quoteIdent(column)}`);
  }
  await client.query(`DROP TABLE ${quoteQualified(schema, retired)}`);

  // LIKE named the new indexes after the shadow table; give them the live table's names back.
  const indexes = await client.query<{ name: string }>(
    `SELECT index.relname AS name FROM pg_index entry JOIN pg_class index ON index.oid = entry.indexrelid
      WHERE entry.indrelid = to_regclass($1) AND starts_with(index.relname, $2)`,
    [quoteQualified(schema, table), shadow],
  );
  for (const { name } of indexes.rows) {
    await client.query(`ALTER INDEX ${quoteQualified(schema, name)} RENAME TO ${quoteIdent(table + name.slice(shadow.length))}`);
  }
}
