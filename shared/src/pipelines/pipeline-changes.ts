import type { FlowConfig } from '../config/env.ts';
import { inTransaction, type Pool } from '../db/pool.ts';
import { flowError, notFound } from '../errors/catalog.ts';
import { checkIrForTenant, getIrVersion, requirePipeline, type Pipeline } from './pipeline-store.ts';

/** Fields `updatePipeline` may change; each is optional. */
export interface PipelinePatch {
  name?: string;
  /** null clears the description. */
  description?: string | null;
  /** New S3 binding of the source: stored as a new IR version whose source node uses it. */
  binding?: { connectorId?: string; keyPrefix?: string };
}

const uniqueViolation = '23505';

/**
 * Applies a patch to a pipeline in one transaction. A binding change stores a new IR version
 * (checked like any other) whose s3_csv source node carries the new connector and key prefix,
 * so the binding used for routing S3 events and the IR never disagree.
 */
export async function updatePipeline(
  pool: Pool,
  config: Pick<FlowConfig, 'FLOW_STREAMING_ENABLED'>,
  tenantId: string,
  id: string,
  patch: PipelinePatch,
): Promise<{ pipeline: Pipeline; irVersion: number }> {
  const pipeline = await requirePipeline(pool, tenantId, id);

  let rebound: { document: unknown; bucket: string | null; prefix: string | null } | undefined;
  if (patch.binding) {
    const current = await getIrVersion(pool, pipeline.id, pipeline.currentIrVersion);
    if (!current) throw notFound('IR version', `${pipeline.id}@${pipeline.currentIrVersion}`);
    const document = structuredClone(current.ir) as { nodes: Array<Record<string, unknown>> };
    const source = document.nodes.find((node) => node.type === 'source');
    if (!source || source.kind !== 's3_csv') {
      throw flowError('VALIDATION_FAILED', `Pipeline "${pipeline.name}" has no s3_csv source, so it has no S3 binding to change.`, {
        details: { location: 'body', issues: [{ path: 'binding', message: 'only pipelines with an s3_csv source have a binding' }] },
      });
    }
    if (patch.binding.connectorId !== undefined) source.connectorId = patch.binding.connectorId;
    if (patch.binding.keyPrefix !== undefined) source.keyPrefix = patch.binding.keyPrefix;
    const checked = await checkIrForTenant(pool, config, tenantId, patch.name ?? pipeline.name, document);
    rebound = { document: checked.ir.document, bucket: checked.bucket, prefix: checked.prefix };
  }

  let irVersion: number;
  try {
    irVersion = await inTransaction(pool, async (client) => {
      const locked = await client.query<{ version: number }>(
        'SELECT current_ir_version AS version FROM flow.pipelines WHERE tenant_id = $1 AND id = $2 FOR UPDATE',
        [tenantId, id],
      );
      let version = locked.rows[0]?.version;
      if (version === undefined) throw notFound('Pipeline', id);

      if (rebound) {
        version += 1;
        await client.query('INSERT INTO flow.pipeline_ir_versions (pipeline_id, version, ir) VALUES ($1, $2, $3)', [
          id,
          version,
          JSON.stringify(rebound.document),
        ]);
        await client.query('UPDATE flow.pipelines SET current_ir_version = $2, source_bucket = $3, source_prefix = $4 WHERE id = $1', [
          id,
          version,
          rebound.bucket,
          rebound.prefix,
        ]);
      }
      await client.query(
        `UPDATE flow.pipelines
            SET name = coalesce($2, name),
                description = CASE WHEN $3 THEN $4 ELSE description END,
                updated_at = now()
          WHERE id = $1`,
        [id, patch.name ?? null, patch.description !== undefined, patch.description ?? null],
      );
      return version;
    });
  } catch (error) {
    if ((error as { code?: string }).code === uniqueViolation) {
      throw flowError('CONFLICT', `Pipeline "${patch.name}" already exists. Choose another name.`, { details: { field: 'name' }, cause: error });
    }
    throw error;
  }
  return { pipeline: await requirePipeline(pool, tenantId, id), irVersion };
}

/**
 * Deletes a pipeline with its IR versions, runs, source-object records, dead-letter rows and
 * watermark. Throws CONFLICT while one of its runs is queued or running. The dataset and its
 * table stay.
 */
export async function deletePipeline(pool: Pool, tenantId: string, id: string): Promise<Pipeline> {
  const pipeline = await requirePipeline(pool, tenantId, id);
  await inTransaction(pool, async (client) => {
    const locked = await client.query('SELECT id FROM flow.pipelines WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenantId, id]);
    if (locked.rowCount === 0) throw notFound('Pipeline', id);
    const active = await client.query<{ id: string; status: string }>(
      `SELECT id, status FROM flow.runs WHERE pipeline_id = $1 AND status IN ('queued', 'running') ORDER BY requested_at`,
      [id],
    );
    if (active.rows.length > 0) {
      const runs = active.rows.map((run) => `${run.id} (${run.status})`).join(', ');
      throw flowError('CONFLICT', `Pipeline "${pipeline.name}" has runs that have not ended: ${runs}. Delete it after they end.`, {
        details: { runs: active.rows },
      });
    }
    await client.query('DELETE FROM flow.pipelines WHERE id = $1', [id]);
  });
  return pipeline;
}
