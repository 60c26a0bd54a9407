import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseSync } from 'csv-parse/sync';
import { from as copyFrom } from 'pg-copy-streams';
import type { Dataset } from '../datasets/dataset-store.ts';
import type { PoolClient } from '../db/pool.ts';
import { quoteIdent } from '../db/quote.ts';
import type { PipelineIr } from '../ir/parse-ir.ts';
import type { CsvDialect, S3CsvSourceNode } from '../ir/schema.ts';
import { STAGE_TABLE } from './targets/upsert-target.ts';

/** Largest header line looked for before giving up on the direct path. */
const MAX_HEADER_BYTES = 1_048_576;

/** The first line of an object, read ahead, and the stream of all its bytes from the start. */
export interface PeekedObject {
  header: string[] | undefined;
  /** Whether anything but white space follows the header line (or starts the file, without a header). */
  hasData: boolean;
  bytes: AsyncIterable<Buffer>;
}

const isBlankByte = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

function hasContentAfter(buffer: Buffer, start: number): boolean {
  for (let index = start; index < buffer.length; index += 1) {
    if (!isBlankByte(buffer[index]!)) return true;
  }
  return false;
}

/**
 * Reads an object up to the end of its first line and parses that line as the header,
 * without consuming the stream: `bytes` yields the whole object again from byte 0.
 */
export async function peekHeader(body: Readable, dialect: CsvDialect): Promise<PeekedObject> {
  const iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let size = 0;
  let newline = -1;
  let ended = false;
  let hasData = false;
  // Read until the header line is complete and some data follows it, or the file ends.
  while (!hasData && size < MAX_HEADER_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    chunks.push(next.value);
    size += next.value.length;
    const head = Buffer.concat(chunks);
    if (dialect.header && newline < 0) newline = head.indexOf(0x0a);
    let dataStart = 0;
    if (dialect.header) dataStart = newline < 0 ? -1 : newline + 1;
    hasData = dataStart >= 0 && hasContentAfter(head, dataStart);
  }
  const head = Buffer.concat(chunks);
  if (!dialect.header) newline = head.indexOf(0x0a);
  // A file larger than the look-ahead that shows no data yet is treated as having data; COPY decides.
  if (!ended && !hasData) hasData = true;
  const bytes = (async function* () {
    if (head.length > 0) yield head;
    if (ended) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  })();

  if (!dialect.header) return { header: undefined, hasData, bytes };
  let end = newline;
  if (end < 0 && ended) end = head.length;
  if (end <= 0) return { header: undefined, hasData, bytes };
  const line = head.subarray(0, end).toString(dialect.encoding).replace(/^\uFEFF/, '').replace(/\r$/, '');
  try {
    const [header] = parseSync(line, { delimiter: dialect.delimiter, quote: dialect.quote, escape: dialect.escape }) as string[][];
    return { header: header?.map((name) => name.trim()), hasData, bytes };
  } catch {
    return { header: undefined, hasData, bytes };
  }
}

function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

const isSingleByte = (value: string) => Buffer.byteLength(value, 'utf8') === 1;

/**
 * Returns the COPY statement that loads the object's bytes as they are, when nothing in the IR
 * needs Flow's own row program. That takes no transform but casts and no validation rule. It also
 * takes a one-byte delimiter, quote and escape, empty fields as the only NULL marker, and a header
 * whose every column is a dataset field. Otherwise it returns undefined and the encoded path runs.
 */
export function directCopyPlan(
  ir: PipelineIr,
  dataset: Dataset,
  header: readonly string[],
  table = quoteIdent(STAGE_TABLE),
): { columns: string[]; sql: string; table: string; specialValueCheck: string | undefined } | undefined {
  const source = ir.source as S3CsvSourceNode;
  const dialect = source.csv;
  const onlyCasts = ir.transforms.every((node) => node.steps.every((step) => step.op === 'cast'));
  const noRules = ir.validates.every((node) => Object.values(node.fields).every((rules) => rules.length === 0));
  const plainDialect =
    isSingleByte(dialect.delimiter) &&
    isSingleByte(dialect.quote) &&
    isSingleByte(dialect.escape) &&
    dialect.nullMarkers.length === 1 &&
    dialect.nullMarkers[0] === '';
  if (!onlyCasts || !noRules || !plainDialect) return undefined;

  const fieldNames = new Set(dataset.fields.map((field) => field.name));
  const columns = dialect.header ? header : (dialect.columns ?? []);
  if (columns.length === 0 || new Set(columns).size !== columns.length) return undefined;
  if (!columns.every((name) => fieldNames.has(name))) return undefined;
  const missingRequired = dataset.fields.some((field) => (field.isPrimaryKey || !field.nullable) && !columns.includes(field.name));
  if (missingRequired) return undefined;

  const options = [
    'FORMAT csv',
    `HEADER ${dialect.header ? 'true' : 'false'}`,
    `DELIMITER ${sqlLiteral(dialect.delimiter)}`,
    `QUOTE ${sqlLiteral(dialect.quote)}`,
    `ESCAPE ${sqlLiteral(dialect.escape)}`,
    `ENCODING ${sqlLiteral(dialect.encoding === 'latin1' ? 'LATIN1' : 'UTF8')}`,
  ];
  return {
    columns: [...columns],
    table,
    specialValueCheck: specialValueCondition(dataset, columns),
    sql: `COPY ${table} (${columns.map(quoteIdent).join(', ')}) FROM STDIN WITH (${options.join(', ')})`,
  };
}

/** SQLSTATE classes of errors caused by the file's contents: data exceptions and integrity violations. */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/**
 * Streams the object's bytes into the stage with PostgreSQL's own CSV parser, inside a
 * savepoint. Returns the rows copied, or undefined after rolling back to the savepoint when
 * the file contains a row PostgreSQL rejects. The caller then stages the object row by row.
 */
export async function stageObjectDirect(
  client: PoolClient,
  bytes: AsyncIterable<Buffer>,
  plan: { sql: string; table: string; specialValueCheck: string | undefined },
): Promise<number | undefined> {
  await client.query('SAVEPOINT flow_object');
  const copy = client.query(copyFrom(plan.sql));
  try {
    await pipeline(bytes, copy);
  } catch (error) {
    if (!isDataError(error)) throw error;
    await client.query('ROLLBACK TO SAVEPOINT flow_object');
    return undefined;
  }
  if (plan.specialValueCheck) {
    const found = await client.query(`SELECT 1 FROM ${plan.table} WHERE ${plan.specialValueCheck} LIMIT 1`);
    if ((found.rowCount ?? 0) > 0) {
      await client.query('ROLLBACK TO SAVEPOINT flow_object');
      return undefined;
    }
  }
  await client.query('RELEASE SAVEPOINT flow_object');
  return copy.rowCount;
}

/**
 * SQL condition true for a row holding a value PostgreSQL accepts but Flow's casts reject:
 * NaN and infinities in numeric columns, infinite dates and timestamps. Undefined when the
 * columns cannot hold such values.
 */
function specialValueCondition(dataset: Dataset, columns: readonly string[]): string | undefined {
  const conditions = dataset.fields
    .filter((field) => columns.includes(field.name))
    .flatMap((field) => {
      const column = quoteIdent(field.name);
      if (field.type === 'numeric') return [`${column} IN ('NaN', 'Infinity', '-Infinity')`];
      if (field.type === 'date' || field.type === 'timestamptz') return [`NOT isfinite(${column})`];
      return [];
    });
  return conditions.length > 0 ? conditions.join(' OR ') : undefined;
}
