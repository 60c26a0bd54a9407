import { matchesGlob } from 'node:path/posix';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parse, type Parser } from 'csv-parse';
import { flowError } from '../../errors/catalog.ts';
import type { S3CsvSourceNode } from '../../ir/schema.ts';

/** An object the source will read, as listed. */
export interface SourceObject {
  bucket: string;
  key: string;
  etag: string;
  size: number;
  lastModified: Date;
}

/**
 * Lists the objects a run reads: every key under the prefix whose remainder matches the
 * glob, except folder markers and anything under the archive prefix. Oldest first, so
 * that in upsert the row of the newest file wins.
 */
export async function listSourceObjects(s3: S3Client, bucket: string, source: S3CsvSourceNode): Promise<SourceObject[]> {
  const objects: SourceObject[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await s3
      .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: source.keyPrefix || undefined, ContinuationToken: continuationToken }))
      .catch((error: unknown) => {
        throw listingError(error, bucket);
      });
    for (const item of page.Contents ?? []) {
      const key = item.Key;
      if (!key || key.endsWith('/') || key.startsWith(source.archivePrefix)) continue;
      if (!matchesGlob(key.slice(source.keyPrefix.length), source.glob)) continue;
      objects.push({
        bucket,
        key,
        etag: (item.ETag ?? '').replaceAll('"', ''),
        size: item.Size ?? 0,
        lastModified: item.LastModified ?? new Date(0),
      });
    }
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);

  return objects.sort((a, b) => {
    const byTime = a.lastModified.getTime() - b.lastModified.getTime();
    if (byTime !== 0) return byTime;
    return a.key.localeCompare(b.key);
  });
}

/** Missing buckets and denied access are not transient: they need a fix to the connector or the bucket. */
function listingError(error: unknown, bucket: string): unknown {
  const name = (error as Error).name;
  if (name === 'NoSuchBucket') {
    return flowError('SOURCE_ACCESS_DENIED', `Bucket "${bucket}" does not exist. Create it or point the connector at an existing bucket.`, { cause: error });
  }
  if (name === 'AccessDenied' || name === 'Forbidden' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403) {
    return flowError('SOURCE_ACCESS_DENIED', `Listing bucket "${bucket}" was denied. Allow s3:ListBucket on it for the connector's credentials.`, { cause: error });
  }
  return error;
}

/** Opens an object as a byte stream. */
export async function openObject(s3: S3Client, object: SourceObject): Promise<Readable> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key, IfMatch: object.etag ? `"${object.etag}"` : undefined }));
    return response.Body as Readable;
  } catch (error) {
    throw flowError('SOURCE_READ_FAILED', `Could not read s3://${object.bucket}/${object.key}: ${(error as Error).message}`, { cause: error });
  }
}

/** Line of the last record the parser completed; parsing runs ahead of the consumer. */
export interface ParseProgress {
  lastRecordLine: number;
}

/** Creates a CSV parser for the source's dialect; it emits `{ record, info }` with the line number. */
export function createCsvParser(source: S3CsvSourceNode, progress: ParseProgress): Parser {
  const dialect = source.csv;
  return parse({
    on_record: (record, context) => {
      progress.lastRecordLine = context.lines;
      return record;
    },
    delimiter: dialect.delimiter,
    quote: dialect.quote,
    escape: dialect.escape,
    encoding: dialect.encoding,
    bom: true,
    info: true,
    skip_empty_lines: true,
    // Keeps a quote inside an unquoted field, such as 37°36'37.8"N, as a literal character.
    // It also reads a field with text after its closing quote, such as "ab"c, verbatim instead of failing.
    relax_quotes: true,
    relax_column_count: false,
  });
}
