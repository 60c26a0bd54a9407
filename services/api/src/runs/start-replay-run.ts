import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { flowError, notFound } from '@flow/shared/errors/catalog';
import type { RunRequest } from '@flow/shared/runs/run-request';
import { getRun, type Run } from '@flow/shared/runs/run-store';
import type { ApiDependencies } from '../api-dependencies.ts';
import { queueRunRequest } from './queue-run-request.ts';

/**
 * Queues a replay of an earlier run: the runner reads that run's archived source objects
 * again with the pipeline's current IR. A replay of a replay reads the objects of the run
 * that was replayed first, because only that run's objects have archived copies. Throws
 * NOT_FOUND for a run of another tenant and CONFLICT when there is no archived object to read.
 */
export async function startReplayRun(
  dependencies: ApiDependencies,
  tenantId: string,
  runId: string,
  logger: FastifyBaseLogger,
): Promise<Run> {
  const { pool } = dependencies.context;
  const requested = await getRun(pool, tenantId, runId);
  if (!requested) throw notFound('Run', runId);
  const original = requested.replayOf ? await getRun(pool, tenantId, requested.replayOf) : requested;
  if (!original) throw notFound('Run', requested.replayOf ?? runId);

  // The runner replays archived copies only, so every object the run loaded must have one.
  const objects = await pool.query<{ total: string; archived: string }>(
    `SELECT count(*) AS total, count(archived_key) AS archived
       FROM flow.source_objects WHERE tenant_id = $1 AND run_id = $2`,
    [tenantId, original.id],
  );
  const total = Number(objects.rows[0]?.total ?? 0);
  const archived = Number(objects.rows[0]?.archived ?? 0);
  if (total === 0) {
    throw flowError(
      'CONFLICT',
      `Run "${original.id}" (status ${original.status}) loaded no source object, so there is nothing archived to replay. ` +
        'A failed run leaves its files under the source prefix: fix the cause and start a new run of the pipeline instead.',
      { details: { runId: original.id, status: original.status, objects: 0 } },
    );
  }
  if (archived < total) {
    throw flowError(
      'CONFLICT',
      `Run "${original.id}" has ${total - archived} of ${total} source objects not archived yet, so it cannot be replayed. ` +
        'The next run of the pipeline archives them; replay after it.',
      { details: { runId: original.id, status: original.status, objects: total, archived } },
    );
  }

  const request: RunRequest = {
    requestId: randomUUID(),
    tenantId,
    pipelineId: original.pipelineId,
    trigger: 'replay',
    replayOf: original.id,
    requestedAt: new Date().toISOString(),
  };
  return queueRunRequest(dependencies, request, logger.child({ replay_of: original.id }));
}
