import type { S3Client } from '@aws-sdk/client-s3';
import type { Dataset } from '../datasets/dataset-store.ts';
import { sqlType } from '../datasets/field-schema.ts';
import type { PoolClient } from '../db/pool.ts';
import { quoteIdent, quoteQualified } from '../db/quote.ts';
import { flowError } from '../errors/catalog.ts';
import type { FlowError } from '../errors/flow-error.ts';
import type { PipelineIr } from '../ir/parse-ir.ts';
import type { S3CsvSourceNode } from '../ir/schema.ts';
import { directCopyPlan, peekHeader, stageObjectDirect } from './load-object-direct.ts';
import type { RejectedRow } from './load-object-encoded.ts';
import { countProgress, type LoadProgress } from './load-progress.ts';
import { openObject, type SourceObject } from './sources/s3-csv-source.ts';
import { asLoadError, stageObject } from './stage-objects.ts';
import { createShadowTable, swapShadowTable } from './targets/blue-green-target.ts';
import { createStageTable, STAGE_TABLE, upsertFromStage, type MergeResult } from './targets/upsert-target.ts';
import { advanceWatermark, dropRowsPastWatermark, readWatermark } from './targets/watermark-target.ts';

export type { RejectedRow } from './load-object-encoded.ts';

export interface BatchLoadInput {
  /** A client inside an open transaction; the caller commits or rolls back. */
  client: PoolClient;
  s3: S3Client;
  objects: readonly SourceObject[];
  ir: PipelineIr;
  dataset: Dataset;
  pipelineId: string;
  runId: string;
  /** Characters of COPY text gathered before each write to PostgreSQL on the encoded path. */
  chunkBytes: number;
  /** Stores quarantined rows; called with batches, outside the load transaction. */
  quarantine: (rows: RejectedRow[]) => Promise<void>;
  /** Builds the error that aborts a guarded run with nothing to load, with `detail` as the reason. */
  emptySource: (detail: string) => FlowError;
  /** Counts updated while the load runs, for progress reports. */
  progress: LoadProgress;
}

export interface ObjectLoadResult {
  object: SourceObject;
  rowsRead: number;
  /** Rows of this object quarantined or skipped. */
  rejectedRows?: number;
  /** "direct" when PostgreSQL parsed the file itself, "encoded" when Flow's row program did. */
  path: 'direct' | 'encoded';
}

export interface BatchLoadResult extends MergeResult {
  rowsRead: number;
  rowsQuarantined: number;
  rowsSkipped: number;
  /** Rows a filter step dropped on purpose. */
  rowsFiltered: number;
  /** incremental_watermark: rows the stored mark excluded (below it, or without a value). */
  rowsBelowWatermark: number;
  /** incremental_watermark: the mark after this load. */
  watermark?: string | null;
  objects: ObjectLoadResult[];
  timings: { stageMs: number; mergeMs: number };
}

const noMerge: MergeResult = { rowsWritten: 0, rowsUnchanged: 0, rowsSuperseded: 0 };

/**
 * Loads the objects into the target by the IR's load mode, all on the caller's transaction.
 * Each object is read once as a stream with backpressure from COPY, so memory stays bounded
 * whatever the file size. A run of one plain file goes straight into its table. Every other
 * run stages its rows in a temporary table first, then applies the mode in SQL.
 */
export async function runBatchLoad(input: BatchLoadInput): Promise<BatchLoadResult> {
  const { client, ir, dataset } = input;
  const { errorHandling, target } = ir;
  const started = performance.now();
  // Year-month-day order makes PostgreSQL reject ambiguous dates such as 03/04/2026 instead of
  // reading them month first, on both load paths.
  await client.query("SET LOCAL DateStyle = 'ISO, YMD'");

  const direct = await loadWithoutStage(input);
  if (direct) {
    return {
      ...direct,
      rowsRead: direct.rowsWritten,
      rowsQuarantined: 0,
      rowsSkipped: 0,
      rowsFiltered: 0,
      rowsBelowWatermark: 0,
      timings: { stageMs: 0, mergeMs: Math.round(performance.now() - started) },
    };
  }

  // Phase 1: stage every object.
  await client.query("SET LOCAL work_mem = '256MB'");
  await createStageTable(client, dataset.schemaName, dataset.tableName);
  let columns: string[] | undefined;
  const totals = { rowsRead: 0, rowsQuarantined: 0, rowsSkipped: 0, rowsFiltered: 0 };
  const objects: ObjectLoadResult[] = [];
  for (const object of input.objects) {
    const staged = await stageObject(input, object);
    if (staged.columns.length > 0) {
      if (columns && [...columns].sort().join() !== [...staged.columns].sort().join()) {
        throw flowError(
          'CSV_MALFORMED',
          `s3://${object.bucket}/${object.key} fills columns [${staged.columns.join(', ')}], unlike the run's earlier files [${columns.join(', ')}]; load files with different columns in separate runs.`,
        );
      }
      columns = staged.columns;
    }
    totals.rowsRead += staged.rowsRead;
    totals.rowsQuarantined += staged.rowsQuarantined;
    totals.rowsSkipped += staged.rowsSkipped;
    totals.rowsFiltered += staged.rowsFiltered;
    objects.push({ object, rowsRead: staged.rowsRead, path: staged.path, rejectedRows: staged.rowsQuarantined + staged.rowsSkipped });
  }
  const stageMs = performance.now() - started;

  // Phase 2: the share of rejected rows decides whether the run may go on.
  const rejectedRows = totals.rowsQuarantined + totals.rowsSkipped;
  if (totals.rowsRead > 0 && rejectedRows / totals.rowsRead > errorHandling.maxErrorRatio) {
    throw flowError(
      'QUARANTINE_LIMIT_EXCEEDED',
      `${rejectedRows} of ${totals.rowsRead} rows were rejected (${((100 * rejectedRows) / totals.rowsRead).toFixed(1)}%), more than errorHandling.maxErrorRatio ${errorHandling.maxErrorRatio}; nothing was loaded. Read the dead-letter rows of this run. The files stay under the prefix: either change the IR and run again, or upload a fixed file under the same key, which replaces the bad one.`,
      { details: { rejectedRows, rowsRead: totals.rowsRead, keys: objects.filter((item) => (item.rejectedRows ?? 0) > 0).map((item) => item.object.key) } },
    );
  }

  // Phase 3: the empty-source guard, before any statement that changes the target.
  const staged = totals.rowsRead - rejectedRows - totals.rowsFiltered;
  if (staged === 0 && target.emptySourceGuard) {
    const detail =
      totals.rowsRead === 0
        ? 'only empty files or files with a header and no rows'
        : totals.rowsFiltered > 0 && rejectedRows === 0
          ? 'no row left after the filter steps'
          : 'no row that passed validation';
    throw input.emptySource(detail);
  }

  // Phase 4: apply the load mode.
  const mergeStarted = performance.now();
  const merged = await mergeStage(input, columns ?? [], staged);
  return {
    ...totals,
    ...merged,
    objects,
    timings: { stageMs: Math.round(stageMs), mergeMs: Math.round(performance.now() - mergeStarted) },
  };
}

async function mergeStage(
  input: BatchLoadInput,
  columns: string[],
  staged: number,
): Promise<MergeResult & { rowsBelowWatermark: number; watermark?: string | null }> {
  const { client, dataset, ir } = input;
  const { schemaName: schema, tableName: table } = dataset;
  const keyFields = ir.target.keyFields.length > 0 ? ir.target.keyFields : dataset.primaryKey;
  const upsertInto = async (into: string, rows: number) =>
    columns.length > 0 && rows > 0 ? upsertFromStage(client, schema, into, columns, keyFields, rows) : noMerge;

  switch (ir.target.loadMode) {
    case 'upsert':
      return { ...(await upsertInto(table, staged)), rowsBelowWatermark: 0 };
    case 'truncate': {
      await client.query(`TRUNCATE ${quoteQualified(schema, table)}`);
      return { ...(await upsertInto(table, staged)), rowsBelowWatermark: 0 };
    }
    case 'blue_green': {
      const shadow = await createShadowTable(client, schema, table);
      const merged = await upsertInto(shadow, staged);
      await swapShadowTable(client, schema, table);
      return { ...merged, rowsBelowWatermark: 0 };
    }
    case 'incremental_watermark':
      return mergeAboveWatermark(input, columns, staged);
    case 'cdc_mirror':
      throw flowError('TARGET_INVALID', 'loadMode "cdc_mirror" runs continuously in the CDC service, not as a batch run.');
  }
}

async function mergeAboveWatermark(
  input: BatchLoadInput,
  columns: string[],
  staged: number,
): Promise<MergeResult & { rowsBelowWatermark: number; watermark: string | null }> {
  const { client, dataset, ir } = input;
  const column = ir.target.watermarkColumn!;
  const field = dataset.fields.find((candidate) => candidate.name === column);
  if (!field) throw flowError('TARGET_INVALID', `Watermark column "${column}" is not a field of dataset "${dataset.name}".`);
  const type = sqlType(field);
  // With a key, rows at the mark load again idempotently; without one they are skipped and counted.
  const byKey = ir.target.keyFields.length > 0;

  const mark = await readWatermark(client, input.pipelineId, column);
  const rowsBelowWatermark = await dropRowsPastWatermark(client, column, type, mark, byKey);
  const remaining = staged - rowsBelowWatermark;
  let merged = noMerge;
  if (remaining > 0 && columns.length > 0) {
    if (byKey) {
      merged = await upsertFromStage(client, dataset.schemaName, dataset.tableName, columns, ir.target.keyFields, remaining);
    } else {
      const list = columns.map(quoteIdent).join(', ');
      const inserted = await client.query(
        `INSERT INTO ${quoteQualified(dataset.schemaName, dataset.tableName)} (${list}) SELECT ${list} FROM ${quoteIdent(STAGE_TABLE)}`,
      );
      merged = { rowsWritten: inserted.rowCount ?? 0, rowsUnchanged: 0, rowsSuperseded: 0 };
    }
  }
  const watermark = remaining > 0 ? await advanceWatermark(client, input.pipelineId, input.runId, column, type) : mark;
  return { ...merged, rowsBelowWatermark, watermark };
}

/**
 * Loads a run of one plain file (see directCopyPlan) without the stage: into an empty table an
 * upsert is an insert, truncate empties the table and copies, and blue_green copies into the
 * shadow table. Each runs inside a savepoint. When PostgreSQL rejects a row or a key repeats,
 * the savepoint is rolled back, and the undefined result sends the run down the staged path.
 */
async function loadWithoutStage(input: BatchLoadInput): Promise<(MergeResult & { objects: ObjectLoadResult[] }) | undefined> {
  const [object] = input.objects;
  const mode = input.ir.target.loadMode;
  if (input.objects.length !== 1 || !object || (mode !== 'upsert' && mode !== 'truncate' && mode !== 'blue_green')) return undefined;
  const { client, dataset } = input;
  const { schemaName: schema, tableName: table } = dataset;
  const live = quoteQualified(schema, table);
  if (mode === 'upsert') {
    const occupied = await client.query(`SELECT 1 FROM ${live} LIMIT 1`);
    if ((occupied.rowCount ?? 0) > 0) return undefined;
  }

  const body = await openObject(input.s3, object);
  try {
    const peeked = await peekHeader(body, (input.ir.source as S3CsvSourceNode).csv);
    // An empty file takes the staged path, where the guard explains what was missing.
    if (!peeked.hasData || !directCopyPlan(input.ir, dataset, peeked.header ?? [])) return undefined;

    await client.query('SAVEPOINT flow_direct');
    let into = live;
    if (mode === 'truncate') await client.query(`TRUNCATE ${live}`);
    if (mode === 'blue_green') into = quoteQualified(schema, await createShadowTable(client, schema, table));
    const plan = directCopyPlan(input.ir, dataset, peeked.header ?? [], into)!;
    const rowsWritten = await stageObjectDirect(client, countProgress(peeked.bytes, input.progress), plan).catch((error: unknown) => {
      throw asLoadError(error, object, 0);
    });
    if (rowsWritten === undefined || rowsWritten === 0) {
      await client.query('ROLLBACK TO SAVEPOINT flow_direct');
      Object.assign(input.progress, { rowsRead: 0, bytesRead: 0 });
      return undefined;
    }
    input.progress.rowsRead = rowsWritten;
    if (mode === 'blue_green') await swapShadowTable(client, schema, table);
    await client.query('RELEASE SAVEPOINT flow_direct');
    return { rowsWritten, rowsUnchanged: 0, rowsSuperseded: 0, objects: [{ object, rowsRead: rowsWritten, path: 'direct' }] };
  } finally {
    body.destroy();
  }
}
