import { createHash } from 'node:crypto';
import { z } from 'zod';

/** An S3 object event as Flow carries it on flow.s3-events, with the key decoded. */
export const s3EventSchema = z.object({
  eventName: z.string(),
  eventTime: z.string(),
  bucket: z.string().min(1),
  /** Object key as stored in S3. */
  key: z.string().min(1),
  size: z.number().int().min(0).optional(),
  etag: z.string().optional(),
  versionId: z.string().optional(),
  sequencer: z.string().optional(),
});
export type S3Event = z.infer<typeof s3EventSchema>;

const notificationRecordSchema = z.object({
  eventName: z.string(),
  eventTime: z.string().default(''),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().min(0).optional(),
      eTag: z.string().optional(),
      versionId: z.string().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});

const notificationSchema = z.union([
  z.object({ Records: z.array(notificationRecordSchema) }),
  z.object({ Event: z.literal('s3:TestEvent') }).passthrough(),
]);

/** A record of an S3 notification, before the key is resolved against the bucket. */
export interface NotificationRecord extends S3Event {
  /** The key exactly as the notification carried it. */
  rawKey: string;
}

export type ParsedNotification = { kind: 'test' } | { kind: 'records'; records: NotificationRecord[] };

/**
 * Decodes an S3 notification key by AWS's rules: URL-encoded, with `+` for a space.
 * Returns undefined when the text is not valid URL encoding.
 */
export function decodeS3Key(rawKey: string): string | undefined {
  try {
    return decodeURIComponent(rawKey.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/** Parses the JSON body of an S3 event notification; throws on anything else. */
export function parseS3Notification(body: string): ParsedNotification {
  const parsed = notificationSchema.parse(JSON.parse(body));
  if ('Event' in parsed) return { kind: 'test' };
  return {
    kind: 'records',
    records: parsed.Records.filter((record) => record.eventName.startsWith('ObjectCreated')).map((record) => {
      const rawKey = record.s3.object.key;
      const eTag = record.s3.object.eTag?.replaceAll('"', '');
      return {
        eventName: record.eventName,
        eventTime: record.eventTime,
        bucket: record.s3.bucket.name,
        key: decodeS3Key(rawKey) ?? rawKey,
        rawKey,
        ...(record.s3.object.size !== undefined ? { size: record.s3.object.size } : {}),
        ...(eTag ? { etag: eTag } : {}),
        ...(record.s3.object.versionId ? { versionId: record.s3.object.versionId } : {}),
        ...(record.s3.object.sequencer ? { sequencer: record.s3.object.sequencer } : {}),
      };
    }),
  };
}

/**
 * Identity of one object version's arrival: bucket, key, version id or ETag, and the
 * sequencer. Emulators that send no sequencer get the event time in its place, so two
 * uploads of identical content still count as two arrivals.
 */
export function s3EventIdentity(event: S3Event): string {
  const version = event.versionId ?? event.etag ?? '';
  const order = event.sequencer ?? event.eventTime;
  return [event.bucket, event.key, version, order].join('\u0000');
}

/** Deterministic run request id for a pipeline and an S3 event: redeliveries map to one run. */
export function s3RunRequestId(pipelineId: string, event: S3Event): string {
  return `s3-${createHash('sha256').update(`${pipelineId}\u0000${s3EventIdentity(event)}`).digest('hex').slice(0, 40)}`;
}
