import { isUuid } from '../db/is-uuid.ts';
import { inTransaction, type Pool } from '../db/pool.ts';
import { MAX_IDENTIFIER_BYTES } from '../db/quote.ts';
import { flowError, notFound } from '../errors/catalog.ts';
import type { Tenant } from '../tenants/tenant-store.ts';
import { createTableSql, datasetTableName } from './dataset-table.ts';
import { primaryKeyOf, type DatasetField } from './field-schema.ts';

export interface Dataset {
  id: string;
  tenantId: string;
  name: string;
  /** PostgreSQL schema of the tenant that owns the table. */
  schemaName: string;
  tableName: string;
  fields: DatasetField[];
  primaryKey: string[];
  createdAt: string;
}

const selectDataset = `
  SELECT d.id, d.tenant_id AS "tenantId", d.name, t.schema_name AS "schemaName", d.table_name AS "tableName",
         d.fields, d.primary_key AS "primaryKey", d.created_at AS "createdAt"
    FROM flow.datasets d JOIN flow.tenants t ON t.id = d.tenant_id`;

/** Creates a dataset and its table in the tenant's schema, in one transaction. */
export async function createDataset(pool: Pool, tenant: Tenant, name: string, fields: DatasetField[]): Promise<Dataset> {
  const tableName = datasetTableName(name);
  // Leave room for the "_new" and "_old" suffixes blue_green adds to the table name.
  if (Buffer.byteLength(tableName, 'utf8') + 4 > MAX_IDENTIFIER_BYTES) {
    throw flowError(
      'VALIDATION_FAILED',
      `Dataset name "${name}" is too long: its table "${tableName}" plus the 4-byte "_new"/"_old" suffix must fit PostgreSQL's ${MAX_IDENTIFIER_BYTES}-byte limit.`,
      { details: { field: 'name' } },
    );
  }
  try {
    return await inTransaction(pool, async (client) => {
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO flow.datasets (tenant_id, name, table_name, fields, primary_key)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, name) DO NOTHING RETURNING id`,
        [tenant.id, name, tableName, JSON.stringify(fields), primaryKeyOf(fields)],
      );
      if (!inserted.rows[0]) throw flowError('CONFLICT', `Dataset "${name}" already exists.`, { details: { field: 'name' } });
      await client.query(createTableSql(tenant.schemaName, tableName, fields));
      // Read back on the same client: asking the pool for a second one while holding this one
      // deadlocks once every pooled client is held by a request doing the same.
      const created = await client.query<Dataset>(`${selectDataset} WHERE d.tenant_id = $1 AND d.id = $2`, [tenant.id, inserted.rows[0].id]);
      return created.rows[0]!;
    });
  } catch (error) {
    if ((error as { code?: string }).code === '42P07') {
      throw flowError('CONFLICT', `Table "${tenant.schemaName}.${tableName}" already exists.`, { cause: error });
    }
    throw error;
  }
}

export async function getDataset(pool: Pool, tenantId: string, id: string): Promise<Dataset | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await pool.query<Dataset>(`${selectDataset} WHERE d.tenant_id = $1 AND d.id = $2`, [tenantId, id]);
  return result.rows[0];
}

export async function requireDataset(pool: Pool, tenantId: string, id: string): Promise<Dataset> {
  const dataset = await getDataset(pool, tenantId, id);
  if (!dataset) throw notFound('Dataset', id);
  return dataset;
}

/** Lists the datasets of a tenant, oldest first. Without `page` it returns them all. */
export async function listDatasets(pool: Pool, tenantId: string, page?: { limit: number; offset: number }): Promise<Dataset[]> {
  const result = await pool.query<Dataset>(`${selectDataset} WHERE d.tenant_id = $1 ORDER BY d.created_at, d.id LIMIT $2 OFFSET $3`, [
    tenantId,
    page?.limit ?? null,
    page?.offset ?? 0,
  ]);
  return result.rows;
}
