import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { CsvError } from 'csv-parse';
import type { Dataset } from '../datasets/dataset-store.ts';
import type { PoolClient } from '../db/pool.ts';
import { flowError } from '../errors/catalog.ts';
import { FlowError, isFlowError } from '../errors/flow-error.ts';
import type { PipelineIr } from '../ir/parse-ir.ts';
import type { S3CsvSourceNode } from '../ir/schema.ts';
import { directCopyPlan, isDataError, peekHeader, stageObjectDirect } from './load-object-direct.ts';
import { stageObjectEncoded, type ObjectStageResult, type RejectedRow } from './load-object-encoded.ts';
import { countProgress, type LoadProgress } from './load-progress.ts';
import { openObject, type SourceObject } from './sources/s3-csv-source.ts';

export interface StageInput {
  client: PoolClient;
  progress: LoadProgress;
  s3: S3Client;
  ir: PipelineIr;
  dataset: Dataset;
  chunkBytes: number;
  quarantine: (rows: RejectedRow[]) => Promise<void>;
}

export type StagedObject = ObjectStageResult & { path: 'direct' | 'encoded' };

/**
 * Stages one object into the stage table. Plain files go to COPY (FORMAT csv) as they are.
 * When PostgreSQL rejects a row, or the IR needs Flow's row program, the object is read row by
 * row instead. That path names the line of each bad row and applies errorHandling.onRowError.
 */
export async function stageObject(input: StageInput, object: SourceObject): Promise<StagedObject> {
  const source = input.ir.source as S3CsvSourceNode;
  const body = await openObject(input.s3, object);
  const before = { ...input.progress };
  // A fallback reads the object a second time, so its progress starts again from the counts before it.
  const restart = () => Object.assign(input.progress, before);
  try {
    const peeked = await peekHeader(body, source.csv);
    const plan = directCopyPlan(input.ir, input.dataset, peeked.header ?? []);
    const bytes = countProgress(peeked.bytes, input.progress);
    if (plan) {
      const rowsRead = await stageObjectDirect(input.client, bytes, plan).catch((error: unknown) => {
        throw asLoadError(error, object, 0);
      });
      if (rowsRead !== undefined) {
        input.progress.rowsRead = before.rowsRead + rowsRead;
        return { columns: plan.columns, rowsRead, rowsQuarantined: 0, rowsSkipped: 0, rowsFiltered: 0, path: 'direct' };
      }
      body.destroy();
      restart();
      const again = await openObject(input.s3, object);
      try {
        const staged = await stageEncoded(input, object, Readable.from(countProgress(again, input.progress)));
        input.progress.rowsRead = before.rowsRead + staged.rowsRead;
        return { ...staged, path: 'encoded' };
      } finally {
        again.destroy();
      }
    }
    const staged = await stageEncoded(input, object, Readable.from(bytes));
    input.progress.rowsRead = before.rowsRead + staged.rowsRead;
    return { ...staged, path: 'encoded' };
  } finally {
    body.destroy();
  }
}

async function stageEncoded(input: StageInput, object: SourceObject, body: Readable): Promise<ObjectStageResult> {
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

/** Turns parser and PostgreSQL data errors into FlowErrors that name the object and line. */
export function asLoadError(error: unknown, object: SourceObject, lastRecordLine: number): unknown {
  if (isFlowError(error)) {
    const details = (error.details ?? {}) as Record<string, unknown>;
    if (details.key !== undefined) return error;
    // Errors about the file's header carry no key yet; name the file, so the run can set it aside.
    return new FlowError(error.code, `s3://${object.bucket}/${object.key}: ${error.message}`, {
      status: error.status,
      retriable: error.retriable,
      details: { ...details, key: object.key },
      context: error.context,
      cause: error.cause,
    });
  }
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
