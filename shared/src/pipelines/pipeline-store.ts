import type { FlowConfig } from '../config/env.ts';
import { getConnector } from '../connectors/connector-store.ts';
import { getDataset } from '../datasets/dataset-store.ts';
import { isUuid } from '../db/is-uuid.ts';
import { MAX_IDENTIFIER_BYTES } from '../db/quote.ts';
import { dependentViews, retiredTableName, shadowTableName } from '../engine/targets/blue-green-target.ts';
import { inTransaction, type Pool, type PoolClient } from '../db/pool.ts';
import { flowError, notFound, streamingDisabled } from '../errors/catalog.ts';
import { irInvalid, parseIr, type IrIssue, type PipelineIr } from '../ir/parse-ir.ts';

export interface Pipeline {
  id: string;
  tenantId: string;
  name: string;
  description: string | null;
  currentIrVersion: number;
  sourceBucket: string | null;
  sourcePrefix: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface IrVersion {
  version: number;
  ir: unknown;
  createdAt: string;
}

const pipelineColumns = `id, tenant_id AS "tenantId", name, description, current_ir_version AS "currentIrVersion",
  source_bucket AS "sourceBucket", source_prefix AS "sourcePrefix", created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * Parses an IR and checks it against the tenant's objects: the dataset and connector exist,
 * key and watermark columns are fields of the dataset, and cdc_mirror is enabled.
 */
export async function checkIrForTenant(
  pool: Pool,
  config: Pick<FlowConfig, 'FLOW_STREAMING_ENABLED'>,
  tenantId: string,
  pipelineName: string,
  document: unknown,
): Promise<{ ir: PipelineIr; bucket: string | null; prefix: string | null }> {
  const ir = parseIr(document);
  const issues: IrIssue[] = [];
  const { target, source } = ir;

  if (target.loadMode === 'cdc_mirror' && !config.FLOW_STREAMING_ENABLED) throw streamingDisabled(pipelineName);

  const dataset = await getDataset(pool, tenantId, target.datasetId);
  if (!dataset) {
    issues.push({ path: 'target.datasetId', nodeId: target.id, message: `dataset "${target.datasetId}" does not exist` });
  } else {
    const fieldNames = new Set(dataset.fields.map((field) => field.name));
    for (const key of target.keyFields) {
      if (!fieldNames.has(key)) {
        issues.push({ path: 'target.keyFields', nodeId: target.id, message: `key field "${key}" is not a field of dataset "${dataset.name}"` });
      }
    }
    const sameKey =
      target.keyFields.length === dataset.primaryKey.length && target.keyFields.every((key) => dataset.primaryKey.includes(key));
    const keyed = target.loadMode === 'upsert' || (target.loadMode === 'incremental_watermark' && target.keyFields.length > 0);
    if (keyed && !sameKey) {
      issues.push({
        path: 'target.keyFields',
        nodeId: target.id,
        message: `${target.loadMode} keyFields [${target.keyFields.join(', ')}] must be the primary key of dataset "${dataset.name}": [${dataset.primaryKey.join(', ')}]`,
      });
    }
    if (target.loadMode === 'blue_green') {
      const shadow = shadowTableName(dataset.tableName);
      const retired = retiredTableName(dataset.tableName);
      const tooLong = [shadow, retired].find((name) => Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES);
      if (tooLong) {
        issues.push({
          path: 'target.loadMode',
          nodeId: target.id,
          message: `blue_green needs table "${tooLong}", longer than PostgreSQL's ${MAX_IDENTIFIER_BYTES}-byte limit; use a dataset with a shorter name`,
        });
      }
      const views = await dependentViews(pool, dataset.schemaName, dataset.tableName);
      if (views.length > 0) {
        issues.push({
          path: 'target.loadMode',
          nodeId: target.id,
          message: `blue_green would drop table ${dataset.schemaName}.${dataset.tableName}, which view${views.length > 1 ? 's' : ''} ${views.join(', ')} ${views.length > 1 ? 'read' : 'reads'}; drop the views first, or use "truncate" or "upsert", which keep the table`,
        });
      }
    }
    if (target.watermarkColumn && !fieldNames.has(target.watermarkColumn)) {
      issues.push({
        path: 'target.watermarkColumn',
        nodeId: target.id,
        message: `watermark column "${target.watermarkColumn}" is not a field of dataset "${dataset.name}"`,
      });
    }
  }

  let bucket: string | null = null;
  let prefix: string | null = null;
  if (source.kind === 's3_csv') {
    const connector = await getConnector(pool, tenantId, source.connectorId);
    if (!connector || connector.type !== 's3') {
      issues.push({ path: 'source.connectorId', nodeId: source.id, message: `S3 connector "${source.connectorId}" does not exist` });
    } else {
      bucket = connector.config.bucket;
      prefix = source.keyPrefix;
    }
    if (source.keyPrefix !== '' && source.archivePrefix.startsWith(source.keyPrefix)) {
      issues.push({
        path: 'source.archivePrefix',
        nodeId: source.id,
        message: `archivePrefix "${source.archivePrefix}" lies under keyPrefix "${source.keyPrefix}", so archived files would be loaded again; choose a prefix outside it`,
      });
    }
  }

  if (issues.length > 0) throw irInvalid(issues);
  return { ir, bucket, prefix };
}

export async function createPipeline(
  pool: Pool,
  config: Pick<FlowConfig, 'FLOW_STREAMING_ENABLED'>,
  tenantId: string,
  input: { name: string; description?: string; ir: unknown },
): Promise<Pipeline & { ir: unknown }> {
  const checked = await checkIrForTenant(pool, config, tenantId, input.name, input.ir);
  return inTransaction(pool, async (client) => {
    const inserted = await client.query<Pipeline>(
      `INSERT INTO flow.pipelines (tenant_id, name, description, current_ir_version, source_bucket, source_prefix)
       VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT (tenant_id, name) DO NOTHING RETURNING ${pipelineColumns}`,
      [tenantId, input.name, input.description ?? null, checked.bucket, checked.prefix],
    );
    const pipeline = inserted.rows[0];
    if (!pipeline) throw flowError('CONFLICT', `Pipeline "${input.name}" already exists.`, { details: { field: 'name' } });
    await client.query('INSERT INTO flow.pipeline_ir_versions (pipeline_id, version, ir) VALUES ($1, 1, $2)', [
      pipeline.id,
      JSON.stringify(checked.ir.document),
    ]);
    return { ...pipeline, ir: checked.ir.document };
  });
}

/**
 * Stores a new IR version and makes it current. The row lock on the pipeline serialises
 * concurrent posts, so two posts yield two versions and neither is lost.
 */
export async function storeIrVersion(
  pool: Pool,
  config: Pick<FlowConfig, 'FLOW_STREAMING_ENABLED'>,
  tenantId: string,
  pipelineId: string,
  document: unknown,
): Promise<IrVersion> {
  const pipeline = await requirePipeline(pool, tenantId, pipelineId);
  const checked = await checkIrForTenant(pool, config, tenantId, pipeline.name, document);
  return inTransaction(pool, async (client) => {
    const bumped = await client.query<{ version: number }>(
      `UPDATE flow.pipelines SET current_ir_version = current_ir_version + 1, source_bucket = $3, source_prefix = $4, updated_at = now()
        WHERE tenant_id = $1 AND id = $2 RETURNING current_ir_version AS version`,
      [tenantId, pipelineId, checked.bucket, checked.prefix],
    );
    const version = bumped.rows[0]?.version;
    if (version === undefined) throw notFound('Pipeline', pipelineId);
    const stored = await client.query<IrVersion>(
      'INSERT INTO flow.pipeline_ir_versions (pipeline_id, version, ir) VALUES ($1, $2, $3) RETURNING version, ir, created_at AS "createdAt"',
      [pipelineId, version, JSON.stringify(checked.ir.document)],
    );
    return stored.rows[0]!;
  });
}

export async function getPipeline(pool: Pool | PoolClient, tenantId: string, id: string): Promise<Pipeline | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await pool.query<Pipeline>(`SELECT ${pipelineColumns} FROM flow.pipelines WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return result.rows[0];
}

export async function requirePipeline(pool: Pool, tenantId: string, id: string): Promise<Pipeline> {
  const pipeline = await getPipeline(pool, tenantId, id);
  if (!pipeline) throw notFound('Pipeline', id);
  return pipeline;
}

/** Lists the pipelines of a tenant, oldest first. Without `page` it returns them all. */
export async function listPipelines(pool: Pool, tenantId: string, page?: { limit: number; offset: number }): Promise<Pipeline[]> {
  const result = await pool.query<Pipeline>(
    `SELECT ${pipelineColumns} FROM flow.pipelines WHERE tenant_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3`,
    [tenantId, page?.limit ?? null, page?.offset ?? 0],
  );
  return result.rows;
}

export async function getIrVersion(pool: Pool, pipelineId: string, version: number): Promise<IrVersion | undefined> {
  const result = await pool.query<IrVersion>(
    'SELECT version, ir, created_at AS "createdAt" FROM flow.pipeline_ir_versions WHERE pipeline_id = $1 AND version = $2',
    [pipelineId, version],
  );
  return result.rows[0];
}

/** Lists the IR versions of a pipeline, oldest first. Without `page` it returns them all. */
export async function listIrVersions(pool: Pool, pipelineId: string, page?: { limit: number; offset: number }): Promise<IrVersion[]> {
  const result = await pool.query<IrVersion>(
    'SELECT version, ir, created_at AS "createdAt" FROM flow.pipeline_ir_versions WHERE pipeline_id = $1 ORDER BY version LIMIT $2 OFFSET $3',
    [pipelineId, page?.limit ?? null, page?.offset ?? 0],
  );
  return result.rows;
}

/** Pipelines of any tenant bound to a bucket whose key prefix the object key starts with. */
export async function findPipelinesBoundTo(pool: Pool, bucket: string, key: string): Promise<Pipeline[]> {
  const result = await pool.query<Pipeline>(
    `SELECT ${pipelineColumns} FROM flow.pipelines
      WHERE source_bucket = $1 AND starts_with($2, source_prefix) ORDER BY id`,
    [bucket, key],
  );
  return result.rows;
}
