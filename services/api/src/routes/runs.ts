import type { FastifyInstance } from 'fastify';
import { notFound } from '@flow/shared/errors/catalog';
import { getRun } from '@flow/shared/runs/run-store';
import type { ApiDependencies } from '../api-dependencies.ts';
import { requireTenant } from '../http/authenticate.ts';
import { idParamsSchema } from '../http/id-params.ts';
import { paginationQuerySchema } from '../http/pagination.ts';
import { parseInput } from '../http/parse-input.ts';
import { listDeadLetterRows } from '../runs/dead-letter-rows.ts';
import { startReplayRun } from '../runs/start-replay-run.ts';
import { toRunView } from '../runs/run-view.ts';

/** Run details, the rows a run quarantined, and replays. */
export function registerRunRoutes(app: FastifyInstance, dependencies: ApiDependencies): void {
  const { pool } = dependencies.context;

  app.get('/runs/:id', async (request) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const run = await getRun(pool, tenant.id, id);
    if (!run) throw notFound('Run', id);
    return { run: toRunView(run) };
  });

  app.get('/runs/:id/dead-letter', async (request) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const page = parseInput(paginationQuerySchema, request.query, 'query');
    const run = await getRun(pool, tenant.id, id);
    if (!run) throw notFound('Run', id);
    return listDeadLetterRows(pool, tenant.id, run.id, page);
  });

  app.post('/runs/:id/replay', async (request, reply) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const run = await startReplayRun(dependencies, tenant.id, id, request.log);
    return reply.status(202).send({ runId: run.id, requestId: run.requestId, status: run.status });
  });
}
