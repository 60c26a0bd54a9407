import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { NotificationRecord } from '@flow/shared/s3/s3-event';

async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (error as Error).name === 'NotFound') return false;
    throw error;
  }
}

/**
 * Picks the stored key of a notification record. AWS URL-encodes keys in notifications,
 * while some emulators send them as stored: when nothing exists under the decoded key
 * but an object exists under the key as received, the received key is the real one.
 */
export async function resolveRecordKey(s3: S3Client, record: NotificationRecord): Promise<string> {
  if (record.key === record.rawKey) return record.key;
  if (await objectExists(s3, record.bucket, record.key)) return record.key;
  if (await objectExists(s3, record.bucket, record.rawKey)) return record.rawKey;
  return record.key;
}
