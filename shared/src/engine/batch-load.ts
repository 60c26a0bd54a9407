import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { CsvError } from 'csv-parse';
import { from as copyFrom } from 'pg-copy-streams';
import type { Dataset } from '../datasets/dataset-store.ts';
import type { PoolClient } from '../db/pool.ts';
import { flowError } from '../errors/catalog.ts';
import { isFlowError } from '../errors/flow-error.ts';
import type { PipelineIr } from '../ir/parse-ir.ts';
import type { S3CsvSourceNode } from '../ir/schema.ts';
import { compileRow, type RowError } from './row-compiler.ts';
import { createCsvParser, openObject, type SourceObject } from './sources/s3-csv-source.ts';
import { createStageTable, stageCopySql, upsertFromStage } from './targets/upsert-target.ts';

/** A row that failed casting or validation, as stored in the dead-letter table. */
export interface RejectedRow {
  sourceKey: string;
  lineNumber: number;
  rawRow: Record<string, string>;
  errors: RowError[];
}

export interface BatchLoadInput {
  /** A client inside an open transaction; the caller commits or rolls back. */
  client: PoolClient;
  s3: S3Client;
  objects: readonly SourceObject[];
  ir: PipelineIr;
  dataset: Dataset;
  /** Bytes of COPY text gathered before each write to PostgreSQL. */
  chunkBytes: number;
  /** Stores quarantined rows; called with batches, outside the load transaction. */
  quarantine: (rows: RejectedRow[]) => Promise<void>;
}

export interface ObjectLoadResult {
  object: SourceObject;
  rowsRead: number;
}

export interface BatchLoadResult {
  rowsRead: number;
  rowsWritten: number;
  rowsQuarantined: number;
  rowsSkipped: number;
  rowsSuperseded: number;
  objects: ObjectLoadResult[];
  timings: { stageMs: number; mergeMs: number };
}

const QUARANTINE_BATCH_ROWS = 500;

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

/**
 * Streams every object through parsing, transforms, validation and casting into a staging
 * table with COPY, then merges the stage into the target by the IR's load mode. Memory
 * stays bounded: each object is read once, in chunks, with backpressure from COPY.
 */
export async function runBatchLoad(input: BatchLoadInput): Promise<BatchLoadResult> {
  const { client, ir, dataset } = input;
  const source = ir.source as S3CsvSourceNode;
  const { target, errorHandling } = ir;
  if (target.loadMode !== 'upsert') {
    throw flowError('TARGET_INVALID', `loadMode "${target.loadMode}" is not supported by this runner version; use "upsert".`);
  }

  const started = performance.now();
  await client.query("SET LOCAL work_mem = '256MB'");
  await createStageTable(client, dataset.schemaName, dataset.tableName);

  let sequence = 0;
  let columns: string[] | undefined;
  const totals = { rowsRead: 0, rowsQuarantined: 0, rowsSkipped: 0 };
  const objects: ObjectLoadResult[] = [];

  for (const object of input.objects) {
    // Where parsing got to, so an error found at end of file can point back to its start.
    const progress = { lastRecordLine: 0 };
    const body = await openObject(input.s3, object);
    const parser = createCsvParser(source, progress);
    body.on('error', (error) => parser.destroy(error));
    const records = body.pipe(parser)[Symbol.asyncIterator]() as AsyncIterator<ParsedRecord>;

    try {
      // Phase 1: the header decides which dataset columns this file fills.
      let header = source.csv.columns;
      if (source.csv.header) {
        const first = await records.next();
        if (first.done) {
          objects.push({ object, rowsRead: 0 });
          continue;
        }
        header = first.value.record;
      }
      const row = compileRow({
        header: header ?? [],
        fields: dataset.fields,
        transforms: ir.transforms,
        validates: ir.validates,
        nullMarkers: source.csv.nullMarkers,
      });
      if (columns && columns.join() !== row.columns.join()) {
        throw flowError(
          'CSV_MALFORMED',
          `s3://${object.bucket}/${object.key} fills columns [${row.columns.join(', ')}], unlike the run's earlier files [${columns.join(', ')}]; load files with different columns in separate runs.`,
        );
      }
      columns = row.columns;

      // Phase 2: encode every record and stream it into the stage with COPY.
      let rowsRead = 0;
      let rejected: RejectedRow[] = [];
      const encode = async function* (): AsyncGenerator<string> {
        let chunk = '';
        for (let next = await records.next(); !next.done; next = await records.next()) {
          const { record, info } = next.value;
          rowsRead += 1;
          const encoded = row.encode(record);
          if (encoded.line !== undefined) {
            sequence += 1;
            chunk += `${encoded.line}\t${sequence}\n`;
            if (chunk.length >= input.chunkBytes) {
              yield chunk;
              chunk = '';
            }
            continue;
          }
          if (errorHandling.onRowError === 'fail') {
            throw flowError(
              'ROW_INVALID',
              `s3://${object.bucket}/${object.key} line ${info.lines}: ${encoded.errors.map((error) => error.message).join('; ')}.`,
              { details: { key: object.key, line: info.lines, errors: encoded.errors } },
            );
          }
          if (errorHandling.onRowError === 'skip') {
            totals.rowsSkipped += 1;
            continue;
          }
          totals.rowsQuarantined += 1;
          rejected.push({ sourceKey: object.key, lineNumber: info.lines, rawRow: rawRowOf(header ?? [], record), errors: encoded.errors });
          if (rejected.length >= QUARANTINE_BATCH_ROWS) {
            await input.quarantine(rejected);
            rejected = [];
          }
        }
        if (chunk.length > 0) yield chunk;
      };

      await pipeline(Readable.from(encode(), { objectMode: false }), client.query(copyFrom(stageCopySql(row.columns))));
      if (rejected.length > 0) await input.quarantine(rejected);
      totals.rowsRead += rowsRead;
      objects.push({ object, rowsRead });
    } catch (error) {
      throw asLoadError(error, object, progress.lastRecordLine);
    } finally {
      body.destroy();
    }
  }
  const stageMs = performance.now() - started;

  // Phase 3: the share of rejected rows decides whether the run may commit.
  const rejectedRows = totals.rowsQuarantined + totals.rowsSkipped;
  if (totals.rowsRead > 0 && rejectedRows / totals.rowsRead > errorHandling.maxErrorRatio) {
    throw flowError(
      'QUARANTINE_LIMIT_EXCEEDED',
      `${rejectedRows} of ${totals.rowsRead} rows were rejected (${((100 * rejectedRows) / totals.rowsRead).toFixed(1)}%), more than errorHandling.maxErrorRatio ${errorHandling.maxErrorRatio}; nothing was loaded. Read the dead-letter rows of this run, fix the file and upload it again.`,
      { details: { rejectedRows, rowsRead: totals.rowsRead } },
    );
  }

  const mergeStarted = performance.now();
  const staged = sequence;
  const rowsWritten = columns && staged > 0 ? await upsertFromStage(client, dataset.schemaName, dataset.tableName, columns, target.keyFields) : 0;
  return {
    ...totals,
    rowsWritten,
    rowsSuperseded: staged - rowsWritten,
    objects,
    timings: { stageMs: Math.round(stageMs), mergeMs: Math.round(performance.now() - mergeStarted) },
  };
}

function rawRowOf(header: readonly string[], record: readonly string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  record.forEach((value, index) => {
    raw[header[index] ?? `column_${index + 1}`] = value;
  });
  return raw;
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
  const code = (error as { code?: string }).code;
  if (typeof code === 'string' && /^(22|23)/.test(code)) {
    // Data exceptions and constraint violations come from the data, so no retry helps.
    return flowError('ROW_INVALID', `s3://${object.bucket}/${object.key}: PostgreSQL rejected a row: ${(error as Error).message}`, {
      details: { key: object.key, sqlState: code },
      cause: error,
    });
  }
  return error;
}
