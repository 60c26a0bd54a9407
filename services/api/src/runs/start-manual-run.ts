import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { streamingDisabled } from '@flow/shared/errors/catalog';
import { parseIr } from '@flow/shared/ir/parse-ir';
import { getIrVersion, requirePipeline } from '@flow/shared/pipelines/pipeline-store';
import type { RunRequest } from '@flow/shared/runs/run-request';
import type { Run } from '@flow/shared/runs/run-store';
import type { ApiDependencies } from '../api-dependencies.ts';
import { queueRunRequest } from './queue-run-request.ts';

/**
 * Records a manual run request as a queued run and publishes it on flow.run-requests.
 * When publishing fails the run is marked failed and the caller gets 503 KAFKA_UNAVAILABLE.
 */
export async function startManualRun(
  dependencies: ApiDependencies,
  tenantId: string,
  pipelineId: string,
  logger: FastifyBaseLogger,
): Promise<Run> {
  const { pool, config } = dependencies.context;
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
  return queueRunRequest(dependencies, request, logger);
}
