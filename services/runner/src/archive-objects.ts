import { CopyObjectCommand, DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SourceObject } from '@flow/shared/engine/sources/s3-csv-source';

/** Archive key of a loaded object: `<archivePrefix><runId>/<original key>`. */
export function archiveKeyOf(archivePrefix: string, runId: string, key: string): string {
  return `${archivePrefix}${runId}/${key}`;
}

function copySourceOf(bucket: string, key: string): string {
  // CopySource is "<bucket>/<key>" with the key URL-encoded; "/" stays as the separator.
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** Moves an object under the archive prefix: copy, then delete the original. */
export async function archiveObject(s3: S3Client, object: SourceObject, archiveKey: string): Promise<void> {
  await s3.send(new CopyObjectCommand({ Bucket: object.bucket, Key: archiveKey, CopySource: copySourceOf(object.bucket, object.key) }));
  await s3.send(new DeleteObjectCommand({ Bucket: object.bucket, Key: object.key }));
}
