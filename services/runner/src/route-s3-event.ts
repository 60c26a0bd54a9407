import { matchesGlob } from 'node:path/posix';
import type { Producer } from 'kafkajs';
import { checkIr } from '@flow/shared/ir/parse-ir';
import type { Pool } from '@flow/shared/db/pool';
import { LogField, type Logger } from '@flow/shared/logging/logger';
import { findPipelinesBoundTo, getIrVersion } from '@flow/shared/pipelines/pipeline-store';
import { publishRunRequest } from '@flow/shared/runs/run-request';
import { s3RunRequestId, type S3Event } from '@flow/shared/s3/s3-event';

/**
 * Routes one S3 event to every pipeline bound to its bucket and key prefix whose glob
 * matches the key, producing one run request per pipeline. The request id is derived
 * from the event, so a redelivered event yields the same id and no second run.
 */
export async function routeS3Event(
  deps: { pool: Pool; producer: Producer; logger: Logger; runRequestsTopic: string },
  event: S3Event,
): Promise<number> {
  const pipelines = await findPipelinesBoundTo(deps.pool, event.bucket, event.key);
  let routed = 0;
  for (const pipeline of pipelines) {
    const version = await getIrVersion(deps.pool, pipeline.id, pipeline.currentIrVersion);
    const checked = checkIr(version?.ir);
    if (!checked.ok || checked.ir.source.kind !== 's3_csv') continue;
    const source = checked.ir.source;
    if (event.key.startsWith(source.archivePrefix)) continue;
    if (!matchesGlob(event.key.slice(source.keyPrefix.length), source.glob)) continue;

    await publishRunRequest(deps.producer, deps.runRequestsTopic, {
      requestId: s3RunRequestId(pipeline.id, event),
      tenantId: pipeline.tenantId,
      pipelineId: pipeline.id,
      trigger: 's3_event',
      requestedAt: new Date().toISOString(),
      s3Object: {
        bucket: event.bucket,
        key: event.key,
        ...(event.etag ? { etag: event.etag } : {}),
        ...(event.versionId ? { versionId: event.versionId } : {}),
        ...(event.size !== undefined ? { size: event.size } : {}),
        ...(event.sequencer ? { sequencer: event.sequencer } : {}),
        eventTime: event.eventTime,
      },
    });
    routed += 1;
    deps.logger.info(
      { [LogField.tenant]: pipeline.tenantId, [LogField.pipeline]: pipeline.id, [LogField.bucket]: event.bucket, [LogField.key]: event.key },
      'S3 event routed to pipeline',
    );
  }
  return routed;
}
