import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from '../db/pool.ts';
import { flowError } from '../errors/catalog.ts';
import type { Dataset } from '../datasets/dataset-store.ts';
import type { PipelineIr } from '../ir/parse-ir.ts';
import type { S3CsvSourceNode } from '../ir/schema.ts';
import { from as copyFrom } from 'pg-copy-streams';
import { compileRow, type RowError } from './row-compiler.ts';
import { createCsvParser, type ParseProgress, type SourceObject } from './sources/s3-csv-source.ts';
import { stageCopySql } from './targets/upsert-target.ts';

/** A row that failed casting or validation, as stored in the dead-letter table. */
export interface RejectedRow {
  sourceKey: string;
  lineNumber: number;
  rawRow: Record<string, string>;
  errors: RowError[];
}

export interface ObjectStageResult {
  /** Dataset columns the object filled, in COPY order; empty for a file with no header row. */
  columns: string[];
  rowsRead: number;
  rowsQuarantined: number;
  rowsSkipped: number;
  /** Rows a filter step dropped on purpose; counted apart from rejected rows. */
  rowsFiltered: number;
}

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

const QUARANTINE_BATCH_ROWS = 500;

/** U+FFFD, which Node's UTF-8 decoder puts in place of every byte sequence that is not UTF-8. */
const REPLACEMENT_CHARACTER = '\uFFFD';

const notUtf8: RowError = {
  field: '',
  rule: 'encoding',
  message: 'the row contains bytes that are not UTF-8; if the file is Latin-1, set csv.encoding to "latin1" in the source node',
};

function hasReplacementCharacter(record: readonly string[]): boolean {
  for (const value of record) if (value.includes(REPLACEMENT_CHARACTER)) return true;
  return false;
}

/**
 * Stages one object through Flow's own row program: csv-parse, transforms, validation
 * rules and casts in JavaScript, then COPY text into the stage. Each bad row is handled by
 * errorHandling.onRowError with its line number. This path serves every IR.
 */
export async function stageObjectEncoded(options: {
  client: PoolClient;
  body: Readable;
  object: SourceObject;
  ir: PipelineIr;
  dataset: Dataset;
  chunkBytes: number;
  progress: ParseProgress;
  quarantine: (rows: RejectedRow[]) => Promise<void>;
}): Promise<ObjectStageResult> {
  const { object, ir, body } = options;
  const source = ir.source as S3CsvSourceNode;
  const parser = createCsvParser(source, options.progress);
  body.on('error', (error) => parser.destroy(error));
  const records = body.pipe(parser)[Symbol.asyncIterator]() as AsyncIterator<ParsedRecord>;

  // Phase 1: the header decides which dataset columns this file fills.
  let header = source.csv.columns ?? [];
  if (source.csv.header) {
    const first = await records.next();
    if (first.done) return { columns: [], rowsRead: 0, rowsQuarantined: 0, rowsSkipped: 0, rowsFiltered: 0 };
    header = first.value.record;
  }
  const row = compileRow({
    header,
    fields: options.dataset.fields,
    transforms: ir.transforms,
    validates: ir.validates,
    nullMarkers: source.csv.nullMarkers,
  });

  // Phase 2: encode every record and stream it into the stage with COPY.
  const result: ObjectStageResult = { columns: row.columns, rowsRead: 0, rowsQuarantined: 0, rowsSkipped: 0, rowsFiltered: 0 };
  const onRowError = ir.errorHandling.onRowError;
  // NOTE: a UTF-8 file that really contains U+FFFD is rejected too; the decoder output cannot tell the two apart.
  const checkUtf8 = source.csv.encoding === 'utf8';
  let rejected: RejectedRow[] = [];
  const encode = async function* (): AsyncGenerator<string> {
    let chunk = '';
    for (let next = await records.next(); !next.done; next = await records.next()) {
      const { record, info } = next.value;
      result.rowsRead += 1;
      const encoded = checkUtf8 && hasReplacementCharacter(record) ? { errors: [notUtf8] } : row.encode(record);
      if (encoded.line !== undefined) {
        chunk += `${encoded.line}\n`;
        if (chunk.length >= options.chunkBytes) {
          yield chunk;
          chunk = '';
        }
        continue;
      }
      if (encoded.filtered) {
        result.rowsFiltered += 1;
        continue;
      }
      if (onRowError === 'fail') {
        throw flowError(
          'ROW_INVALID',
          `s3://${object.bucket}/${object.key} line ${info.lines}: ${encoded.errors.map((error) => error.message).join('; ')}. errorHandling.onRowError is "fail", so nothing was loaded; fix the row and upload the file again under the same key, or change onRowError to "quarantine".`,
          { details: { key: object.key, line: info.lines, errors: encoded.errors } },
        );
      }
      if (onRowError === 'skip') {
        result.rowsSkipped += 1;
        continue;
      }
      result.rowsQuarantined += 1;
      rejected.push({ sourceKey: object.key, lineNumber: info.lines, rawRow: rawRowOf(header, record), errors: encoded.errors });
      if (rejected.length >= QUARANTINE_BATCH_ROWS) {
        await options.quarantine(rejected);
        rejected = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  };

  await pipeline(Readable.from(encode(), { objectMode: false }), options.client.query(copyFrom(stageCopySql(row.columns))));
  if (rejected.length > 0) await options.quarantine(rejected);
  return result;
}

function rawRowOf(header: readonly string[], record: readonly string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  record.forEach((value, index) => {
    // jsonb cannot store a NUL character, so the dead-letter copy spells it out as the text \u0000.
    raw[header[index] ?? `column_${index + 1}`] = value.replaceAll('\u0000', '\\u0000');
  });
  return raw;
}
