import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { flowError, streamingDisabled } from '@flow/shared/errors/catalog';
import { parseIr } from '@flow/shared/ir/parse-ir';
import { getIrVersion, requirePipeline } from '@flow/shared/pipelines/pipeline-store';
import { publishRunRequest, type RunRequest } from '@flow/shared/runs/run-request';
import { failQueuedRun, recordRunRequest, type Run } from '@flow/shared/runs/run-store';
import type { ApiDependencies } from '../api-dependencies.ts';

/**
 * Records a manual run request as a queued run and publishes it on flow.run-requests.
 * When publishing fails the run is marked failed and the caller gets 503 KAFKA_UNAVAILABLE.
 */
export async function startManualRun(
  { context, producer }: ApiDependencies,
  tenantId: string,
  pipelineId: string,
  logger: FastifyBaseLogger,
): Promise<Run> {
  const { pool, config } = context;
  const pipeline = await requirePipeline(pool, tenantId, pipelineId);

  // A cdc_mirror pipeline cannot run while streaming is off, so reject it before queueing anything.
  const current = await getIrVersion(pool, pipeline.id, pipeline.currentIrVersion);
  if (current && parseIr(current.ir).target.loadMode === 'cdc_mirror' && !config.FLOW_STREAMING_ENABLED) {
    throw streamingDisabled(pipeline.name);
  }

  const request: RunRequest = {
    requestId: randomUUID(),
    tenantId,
    pipelineId: pipeline.id,
    trigger: 'manual',
    requestedAt: new Date().toISOString(),
  };
  const run = await recordRunRequest(pool, request);
  const fields = { pipeline_id: pipeline.id, run_id: run.id, request_id: request.requestId };

  try {
    await publishRunRequest(producer, request);
  } catch (error) {
    const message = `Publishing the run request to Kafka failed: ${error instanceof Error ? error.message : String(error)}`;
    logger.error({ ...fields, err: error }, 'run request publish failed');
    await failQueuedRun(pool, run.id, 'KAFKA_UNAVAILABLE', message);
    throw flowError('KAFKA_UNAVAILABLE', `${message}. The run ${run.id} was marked failed. Retry when Kafka is reachable.`, {
      details: { runId: run.id, requestId: request.requestId },
      cause: error,
    });
  }

  logger.info(fields, 'run requested');
  return run;
}
