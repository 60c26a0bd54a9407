import type { FastifyBaseLogger } from 'fastify';
import { flowError } from '@flow/shared/errors/catalog';
import { publishRunRequest, type RunRequest } from '@flow/shared/runs/run-request';
import { failQueuedRun, recordRunRequest, type Run } from '@flow/shared/runs/run-store';
import type { ApiDependencies } from '../api-dependencies.ts';

/**
 * Records a run request as a queued run and publishes it on flow.run-requests.
 * When publishing fails the run is marked failed and the caller gets 503 KAFKA_UNAVAILABLE.
 */
export async function queueRunRequest(
  { context, producer }: ApiDependencies,
  request: RunRequest,
  logger: FastifyBaseLogger,
): Promise<Run> {
  const run = await recordRunRequest(context.pool, request);
  const fields = { pipeline_id: request.pipelineId, run_id: run.id, request_id: request.requestId, trigger: request.trigger };

  try {
    await publishRunRequest(producer, context.topics.runRequests, request);
  } catch (error) {
    const message = `Publishing the run request to Kafka failed: ${error instanceof Error ? error.message : String(error)}`;
    logger.error({ ...fields, err: error }, 'run request publish failed');
    await failQueuedRun(context.pool, run.id, 'KAFKA_UNAVAILABLE', message);
    throw flowError('KAFKA_UNAVAILABLE', `${message}. The run ${run.id} was marked failed. Retry when Kafka is reachable.`, {
      details: { runId: run.id, requestId: request.requestId },
      cause: error,
    });
  }

  logger.info(fields, 'run requested');
  return run;
}
