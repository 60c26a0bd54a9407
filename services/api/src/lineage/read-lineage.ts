import { getDataset, type Dataset } from '@flow/shared/datasets/dataset-store';
import { isUuid } from '@flow/shared/db/is-uuid';
import type { Pool } from '@flow/shared/db/pool';
import { notFound } from '@flow/shared/errors/catalog';
import { parseIr } from '@flow/shared/ir/parse-ir';
import { columnLineage, type ColumnLineage } from '@flow/shared/lineage/column-lineage';
import { getIrVersion } from '@flow/shared/pipelines/pipeline-store';
import type { Page } from '../http/pagination.ts';

/** A source object a run loaded. */
export interface LineageObject {
  bucket: string;
  key: string;
  etag: string;
  /** bigint, as a string. */
  sizeBytes: string;
  /** Rows read from this object, as a string. */
  rowsRead: string;
  archivedKey: string | null;
  loadedAt: string;
}

/** Lineage of one run: the objects it read and the dataset it wrote. */
export interface RunLineage {
  runId: string;
  pipelineId: string;
  pipelineName: string;
  irVersion: number | null;
  status: string;
  trigger: string;
  /** For a replay, the run whose archived objects it loaded again; `objects` are that run's. */
  replayOf: string | null;
  finishedAt: string | null;
  rowsRead: string;
  rowsWritten: string;
  dataset: { id: string; name: string; tableName: string } | null;
  objects: LineageObject[];
  /** Source columns of each dataset column, derived from the run's IR version. */
  columns: ColumnLineage[];
}

/** A run as `runSelect` reads it: the lineage without what other queries add. */
type RunRow = Omit<RunLineage, 'dataset' | 'objects' | 'columns'>;

const runSelect = `SELECT r.id AS "runId", r.pipeline_id AS "pipelineId", p.name AS "pipelineName", r.ir_version AS "irVersion",
         r.status, r.trigger, r.replay_of AS "replayOf", r.finished_at AS "finishedAt",
         r.rows_read AS "rowsRead", r.rows_written AS "rowsWritten"
    FROM flow.runs r JOIN flow.pipelines p ON p.id = r.pipeline_id`;

/** Resolves the dataset and column mapping of one IR version, caching both per pipeline and version. */
class IrLineageCache {
  private readonly entries = new Map<string, Promise<{ dataset: Dataset | undefined; columns: ColumnLineage[] }>>();

  private readonly pool: Pool;
  private readonly tenantId: string;

  constructor(pool: Pool, tenantId: string) {
    this.pool = pool;
    this.tenantId = tenantId;
  }

  get(pipelineId: string, version: number | null): Promise<{ dataset: Dataset | undefined; columns: ColumnLineage[] }> {
    if (version === null) return Promise.resolve({ dataset: undefined, columns: [] });
    const key = `${pipelineId}@${version}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.resolve(pipelineId, version);
      this.entries.set(key, entry);
    }
    return entry;
  }

  private async resolve(pipelineId: string, version: number): Promise<{ dataset: Dataset | undefined; columns: ColumnLineage[] }> {
    const stored = await getIrVersion(this.pool, pipelineId, version);
    if (!stored) return { dataset: undefined, columns: [] };
    const ir = parseIr(stored.ir);
    const dataset = await getDataset(this.pool, this.tenantId, ir.target.datasetId);
    return { dataset, columns: dataset ? columnLineage(ir, dataset.fields) : [] };
  }
}

async function objectsOf(pool: Pool, tenantId: string, runIds: string[]): Promise<Map<string, LineageObject[]>> {
  const result = await pool.query<LineageObject & { runId: string }>(
    `SELECT run_id AS "runId", bucket, key, etag, size_bytes AS "sizeBytes", rows_read AS "rowsRead",
            archived_key AS "archivedKey", loaded_at AS "loadedAt"
       FROM flow.source_objects WHERE tenant_id = $1 AND run_id = ANY($2::uuid[]) ORDER BY id`,
    [tenantId, runIds],
  );
  const byRun = new Map<string, LineageObject[]>();
  for (const { runId, ...object } of result.rows) byRun.set(runId, [...(byRun.get(runId) ?? []), object]);
  return byRun;
}

async function assemble(pool: Pool, tenantId: string, runs: RunRow[]): Promise<RunLineage[]> {
  // A replay records no source objects of its own: it loads the archived copies of the run it replays.
  const objectRun = (run: RunRow) => run.replayOf ?? run.runId;
  const objects = await objectsOf(pool, tenantId, [...new Set(runs.map(objectRun))]);
  const cache = new IrLineageCache(pool, tenantId);

  return Promise.all(
    runs.map(async (run) => {
      const { dataset, columns } = await cache.get(run.pipelineId, run.irVersion);
      return {
        ...run,
        dataset: dataset ? { id: dataset.id, name: dataset.name, tableName: dataset.tableName } : null,
        objects: objects.get(objectRun(run)) ?? [],
        columns,
      };
    }),
  );
}

/** Lineage of one run of the tenant. Throws NOT_FOUND for an unknown run or another tenant's. */
export async function readRunLineage(pool: Pool, tenantId: string, runId: string): Promise<RunLineage> {
  if (!isUuid(runId)) throw notFound('Run', runId);
  const result = await pool.query<RunRow>(`${runSelect} WHERE r.tenant_id = $1 AND r.id = $2`, [tenantId, runId]);
  const run = result.rows[0];
  if (!run) throw notFound('Run', runId);
  const [lineage] = await assemble(pool, tenantId, [run]);
  return lineage!;
}

/**
 * Lineage of a dataset: the succeeded runs whose IR version loads into it, newest first, each
 * with its source objects and column mapping. Throws NOT_FOUND for another tenant's dataset.
 */
export async function readDatasetLineage(
  pool: Pool,
  tenantId: string,
  datasetId: string,
  page: Page,
): Promise<{ dataset: { id: string; name: string; tableName: string }; runs: RunLineage[]; limit: number; offset: number }> {
  const dataset = await getDataset(pool, tenantId, datasetId);
  if (!dataset) throw notFound('Dataset', datasetId);

  const result = await pool.query<RunRow>(
    `${runSelect}
       JOIN flow.pipeline_ir_versions v ON v.pipeline_id = r.pipeline_id AND v.version = r.ir_version
      WHERE r.tenant_id = $1 AND r.status = 'succeeded'
        AND v.ir -> 'nodes' @> jsonb_build_array(jsonb_build_object('type', 'target', 'datasetId', $2::text))
      ORDER BY r.finished_at DESC NULLS LAST, r.id DESC
      LIMIT $3 OFFSET $4`,
    [tenantId, dataset.id, page.limit, page.offset],
  );
  return {
    dataset: { id: dataset.id, name: dataset.name, tableName: dataset.tableName },
    runs: await assemble(pool, tenantId, result.rows),
    limit: page.limit,
    offset: page.offset,
  };
}
