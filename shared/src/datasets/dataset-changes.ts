import { inTransaction, type Pool, type PoolClient } from '../db/pool.ts';
import { quoteIdent, quoteQualified } from '../db/quote.ts';
import { retiredTableName, shadowTableName } from '../engine/targets/blue-green-target.ts';
import { flowError, notFound } from '../errors/catalog.ts';
import { isUuid } from '../db/is-uuid.ts';
import { getDataset, type Dataset } from './dataset-store.ts';
import { sqlType, type DatasetField } from './field-schema.ts';

/** Locks a dataset's metadata row for the rest of the transaction, so changes to one dataset run one at a time. */
async function lockDataset(client: PoolClient, tenantId: string, id: string): Promise<{ name: string; fields: DatasetField[] }> {
  const locked = await client.query<{ name: string; fields: DatasetField[] }>(
    'SELECT name, fields FROM flow.datasets WHERE tenant_id = $1 AND id = $2 FOR UPDATE',
    [tenantId, id],
  );
  const row = locked.rows[0];
  if (!row) throw notFound('Dataset', id);
  return row;
}

/**
 * Adds a nullable column to a dataset's table and to its field list, in one transaction.
 * Throws CONFLICT when the dataset already has a field (or the generated `id`) of that name.
 */
export async function addDatasetField(pool: Pool, tenantId: string, id: string, field: DatasetField): Promise<Dataset> {
  if (!isUuid(id)) throw notFound('Dataset', id);
  const dataset = await getDataset(pool, tenantId, id);
  if (!dataset) throw notFound('Dataset', id);

  await inTransaction(pool, async (client) => {
    const { name, fields } = await lockDataset(client, tenantId, id);
    const existingNames = new Set([...fields.map((existing) => existing.name), ...dataset.primaryKey]);
    if (existingNames.has(field.name)) {
      throw flowError('CONFLICT', `Dataset "${name}" already has a column "${field.name}". Choose another name.`, {
        details: { field: 'name', name: field.name },
      });
    }
    const table = quoteQualified(dataset.schemaName, dataset.tableName);
    await client.query(`ALTER TABLE ${table} ADD COLUMN ${quoteIdent(field.name)} ${sqlType(field)}`);
    await client.query('UPDATE flow.datasets SET fields = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, id, JSON.stringify([...fields, field])]);
  });
  return (await getDataset(pool, tenantId, id))!;
}

/** Pipelines whose current IR version loads into the dataset. */
export async function pipelinesTargetingDataset(
  pool: Pool | PoolClient,
  tenantId: string,
  datasetId: string,
): Promise<Array<{ id: string; name: string }>> {
  const result = await pool.query<{ id: string; name: string }>(
    `SELECT p.id, p.name
       FROM flow.pipelines p
       JOIN flow.pipeline_ir_versions v ON v.pipeline_id = p.id AND v.version = p.current_ir_version
      WHERE p.tenant_id = $1 AND v.ir -> 'nodes' @> jsonb_build_array(jsonb_build_object('type', 'target', 'datasetId', $2::text))
      ORDER BY p.name`,
    [tenantId, datasetId],
  );
  return result.rows;
}

/**
 * Deletes a dataset and drops its table, with the blue_green work tables if a run left any.
 * Throws CONFLICT naming the pipelines whose current IR loads into it.
 */
export async function deleteDataset(pool: Pool, tenantId: string, id: string): Promise<Dataset> {
  const dataset = await getDataset(pool, tenantId, id);
  if (!dataset) throw notFound('Dataset', id);

  await inTransaction(pool, async (client) => {
    await lockDataset(client, tenantId, id);
    const users = await pipelinesTargetingDataset(client, tenantId, id);
    if (users.length > 0) {
      const names = users.map((pipeline) => `"${pipeline.name}"`).join(', ');
      throw flowError(
        'CONFLICT',
        `Dataset "${dataset.name}" is the target of pipeline${users.length > 1 ? 's' : ''} ${names}. Delete ${users.length > 1 ? 'them' : 'it'} or point ${users.length > 1 ? 'them' : 'it'} at another dataset first.`,
        { details: { pipelines: users } },
      );
    }
    await client.query('DELETE FROM flow.datasets WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    for (const table of [dataset.tableName, shadowTableName(dataset.tableName), retiredTableName(dataset.tableName)]) {
      await client.query(`DROP TABLE IF EXISTS ${quoteQualified(dataset.schemaName, table)}`);
    }
  });
  return dataset;
}
