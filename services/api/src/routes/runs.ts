import type { FastifyInstance } from 'fastify';
import { notFound } from '@flow/shared/errors/catalog';
import { getRun } from '@flow/shared/runs/run-store';
import type { ApiDependencies } from '../api-dependencies.ts';
import { requireTenant } from '../http/authenticate.ts';
import { idParamsSchema } from '../http/id-params.ts';
import { paginationQuerySchema } from '../http/pagination.ts';
import { parseInput } from '../http/parse-input.ts';
import { listDeadLetterRows } from '../runs/dead-letter-rows.ts';
import { toRunView } from '../runs/run-view.ts';

/** Run details and the rows a run quarantined. */
export function registerRunRoutes(app: FastifyInstance, { context }: ApiDependencies): void {
  const { pool } = context;

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
}
