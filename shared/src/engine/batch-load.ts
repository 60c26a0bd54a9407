import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { CsvError } from 'csv-parse';
import type { Dataset } from '../datasets/dataset-store.ts';
import type { PoolClient } from '../db/pool.ts';
import { quoteQualified } from '../db/quote.ts';
import { flowError } from '../errors/catalog.ts';
import { isFlowError } from '../errors/flow-error.ts';
import type { PipelineIr } from '../ir/parse-ir.ts';
import type { S3CsvSourceNode } from '../ir/schema.ts';
import { directCopyPlan, isDataError, peekHeader, stageObjectDirect } from './load-object-direct.ts';
import { stageObjectEncoded, type ObjectStageResult, type RejectedRow } from './load-object-encoded.ts';
import { openObject, type SourceObject } from './sources/s3-csv-source.ts';
import { createStageTable, upsertFromStage } from './targets/upsert-target.ts';

export type { RejectedRow } from './load-object-encoded.ts';

export interface BatchLoadInput {
  /** A client inside an open transaction; the caller commits or rolls back. */
  client: PoolClient;
  s3: S3Client;
  objects: readonly SourceObject[];
  ir: PipelineIr;
  dataset: Dataset;
  /** Characters of COPY text gathered before each write to PostgreSQL on the encoded path. */
  chunkBytes: number;
  /** Stores quarantined rows; called with batches, outside the load transaction. */
  quarantine: (rows: RejectedRow[]) => Promise<void>;
}

export interface ObjectLoadResult {
  object: SourceObject;
  rowsRead: number;
  /** "direct" when PostgreSQL parsed the file itself, "encoded" when Flow's row program did. */
  path: 'direct' | 'encoded';
}

export interface BatchLoadResult {
  rowsRead: number;
  rowsWritten: number;
  rowsQuarantined: number;
  rowsSkipped: number;
  rowsSuperseded: number;
  /** Rows whose key existed with identical values, so nothing was written for them. */
  rowsUnchanged: number;
  objects: ObjectLoadResult[];
  timings: { stageMs: number; mergeMs: number };
}

/**
 * Stages every object, then merges the stage into the target by the IR's load mode, all on
 * the caller's transaction. Each object is read once as a stream with backpressure from
 * COPY, so memory stays bounded whatever the file size.
 *
 * An object takes the direct path when the IR needs no row program (see directCopyPlan):
 * its bytes go to COPY ... (FORMAT csv) unchanged. When PostgreSQL rejects a row there, the
 * object is staged again on the encoded path, which names the line and quarantines the row.
 */
export async function runBatchLoad(input: BatchLoadInput): Promise<BatchLoadResult> {
  const { client, ir, dataset } = input;
  const source = ir.source as S3CsvSourceNode;
  const { target, errorHandling } = ir;
  if (target.loadMode !== 'upsert') {
    throw flowError('TARGET_INVALID', `loadMode "${target.loadMode}" is not supported by this runner version; use "upsert".`);
  }

  const started = performance.now();
  const loadedDirectly = await loadIntoEmptyTarget(input);
  if (loadedDirectly) return { ...loadedDirectly, timings: { stageMs: 0, mergeMs: Math.round(performance.now() - started) } };

  // Phase 1: stage every object.
  await client.query("SET LOCAL work_mem = '256MB'");
  await createStageTable(client, dataset.schemaName, dataset.tableName);
  let columns: string[] | undefined;
  const totals = { rowsRead: 0, rowsQuarantined: 0, rowsSkipped: 0 };
  const objects: ObjectLoadResult[] = [];

  for (const object of input.objects) {
    const staged = await stageObject(input, object);
    if (staged.columns.length > 0) {
      if (columns && columns.join() !== staged.columns.join()) {
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
    objects.push({ object, rowsRead: staged.rowsRead, path: staged.path });
  }
  const stageMs = performance.now() - started;

  // Phase 2: the share of rejected rows decides whether the run may commit.
  const rejectedRows = totals.rowsQuarantined + totals.rowsSkipped;
  if (totals.rowsRead > 0 && rejectedRows / totals.rowsRead > errorHandling.maxErrorRatio) {
    throw flowError(
      'QUARANTINE_LIMIT_EXCEEDED',
      `${rejectedRows} of ${totals.rowsRead} rows were rejected (${((100 * rejectedRows) / totals.rowsRead).toFixed(1)}%), more than errorHandling.maxErrorRatio ${errorHandling.maxErrorRatio}; nothing was loaded. Read the dead-letter rows of this run, fix the file and upload it again.`,
      { details: { rejectedRows, rowsRead: totals.rowsRead } },
    );
  }

  // Phase 3: merge.
  const mergeStarted = performance.now();
  const staged = totals.rowsRead - rejectedRows;
  const merged =
    columns && staged > 0
      ? await upsertFromStage(client, dataset.schemaName, dataset.tableName, columns, target.keyFields, staged)
      : { rowsWritten: 0, rowsUnchanged: 0, rowsSuperseded: 0 };
  return {
    ...totals,
    ...merged,
    objects,
    timings: { stageMs: Math.round(stageMs), mergeMs: Math.round(performance.now() - mergeStarted) },
  };
}

/**
 * Loads a run of one plain CSV object straight into an empty target with COPY. Into an empty
 * table an upsert is an insert, unless the file repeats a key: then the unique violation rolls
 * the COPY back to its savepoint and undefined sends the object down the staged path.
 */
async function loadIntoEmptyTarget(input: BatchLoadInput): Promise<Omit<BatchLoadResult, 'timings'> | undefined> {
  const [object] = input.objects;
  if (input.objects.length !== 1 || !object) return undefined;
  const { client, dataset } = input;
  const table = quoteQualified(dataset.schemaName, dataset.tableName);
  const occupied = await client.query(`SELECT 1 FROM ${table} LIMIT 1`);
  if ((occupied.rowCount ?? 0) > 0) return undefined;

  const body = await openObject(input.s3, object);
  try {
    const peeked = await peekHeader(body, (input.ir.source as S3CsvSourceNode).csv);
    const plan = directCopyPlan(input.ir, dataset, peeked.header ?? [], table);
    if (!plan) return undefined;
    const rowsWritten = await stageObjectDirect(client, peeked.bytes, plan.sql);
    if (rowsWritten === undefined) return undefined;
    return {
      rowsRead: rowsWritten,
      rowsWritten,
      rowsQuarantined: 0,
      rowsSkipped: 0,
      rowsSuperseded: 0,
      rowsUnchanged: 0,
      objects: [{ object, rowsRead: rowsWritten, path: 'direct' }],
    };
  } finally {
    body.destroy();
  }
}

async function stageObject(input: BatchLoadInput, object: SourceObject): Promise<ObjectStageResult & { path: 'direct' | 'encoded' }> {
  const source = input.ir.source as S3CsvSourceNode;
  const body = await openObject(input.s3, object);
  try {
    const peeked = await peekHeader(body, source.csv);
    const plan = directCopyPlan(input.ir, input.dataset, peeked.header ?? []);
    if (plan) {
      const rowsRead = await stageObjectDirect(input.client, peeked.bytes, plan.sql).catch((error: unknown) => {
        throw asLoadError(error, object, 0);
      });
      if (rowsRead !== undefined) return { columns: plan.columns, rowsRead, rowsQuarantined: 0, rowsSkipped: 0, path: 'direct' };
      // PostgreSQL rejected a row: read the object again, row by row, to find and handle it.
      body.destroy();
      const again = await openObject(input.s3, object);
      try {
        return { ...(await stageEncoded(input, object, again)), path: 'encoded' };
      } finally {
        again.destroy();
      }
    }
    return { ...(await stageEncoded(input, object, Readable.from(peeked.bytes))), path: 'encoded' };
  } finally {
    body.destroy();
  }
}

async function stageEncoded(input: BatchLoadInput, object: SourceObject, body: Readable): Promise<ObjectStageResult> {
  // Where parsing got to, so an error found at end of file can point back to its start.
  const progress = { lastRecordLine: 0 };
  try {
    return await stageObjectEncoded({
      client: input.client,
      body,
      object,
      ir: input.ir,
      dataset: input.dataset,
      chunkBytes: input.chunkBytes,
      progress,
      quarantine: input.quarantine,
    });
  } catch (error) {
    throw asLoadError(error, object, progress.lastRecordLine);
  }
}

function asLoadError(error: unknown, object: SourceObject, lastRecordLine: number): unknown {
  if (isFlowError(error)) return error;
  if (error instanceof CsvError) {
    // An unclosed quote is only noticed at the end of the file; the bad record starts after the last good one.
    const unclosed = error.code === 'CSV_QUOTE_NOT_CLOSED';
    const line = unclosed ? lastRecordLine + 1 : (error as CsvError & { lines?: number }).lines;
    const where = unclosed ? ` The quoted field that is never closed starts on line ${line}.` : '';
    return flowError('CSV_MALFORMED', `s3://${object.bucket}/${object.key}: ${error.message}.${where} Fix the file and upload it again.`, {
      details: { key: object.key, line, csvCode: error.code },
      cause: error,
    });
  }
  if (isDataError(error)) {
    // Data exceptions and constraint violations come from the data, so no retry helps.
    return flowError('ROW_INVALID', `s3://${object.bucket}/${object.key}: PostgreSQL rejected a row: ${(error as Error).message}`, {
      details: { key: object.key, sqlState: (error as { code?: string }).code },
      cause: error,
    });
  }
  return error;
}
