import type { Producer } from 'kafkajs';
import { z } from 'zod';

export const runTriggers = ['s3_event', 'manual', 'replay', 'mcp'] as const;
export type RunTrigger = (typeof runTriggers)[number];

export const s3ObjectRefSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  etag: z.string().optional(),
  versionId: z.string().optional(),
  size: z.number().int().min(0).optional(),
  sequencer: z.string().optional(),
  eventTime: z.string().optional(),
});
export type S3ObjectRef = z.infer<typeof s3ObjectRefSchema>;

/** A message on flow.run-requests, keyed by pipeline id. Every run starts from one. */
export const runRequestSchema = z.object({
  requestId: z.string().min(1).max(200),
  tenantId: z.string().uuid(),
  pipelineId: z.string().uuid(),
  trigger: z.enum(runTriggers),
  requestedAt: z.string(),
  /** The object whose S3 event triggered the run. */
  s3Object: s3ObjectRefSchema.optional(),
  /** Run whose archived source objects a replay loads again. */
  replayOf: z.string().uuid().optional(),
});
export type RunRequest = z.infer<typeof runRequestSchema>;

/** Sends a run request to the run-requests topic of the process's namespace, keyed by pipeline id. */
export async function publishRunRequest(producer: Producer, topic: string, request: RunRequest): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: [{ key: request.pipelineId, value: JSON.stringify(request), headers: { 'flow-request-id': request.requestId } }],
  });
}
