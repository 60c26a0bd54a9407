import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiDependencies } from '../api-dependencies.ts';
import { requireTenant } from '../http/authenticate.ts';
import { idParamsSchema } from '../http/id-params.ts';
import { paginationShape } from '../http/pagination.ts';
import { parseInput } from '../http/parse-input.ts';
import { readDatasetLineage, readRunLineage } from '../lineage/read-lineage.ts';

/** `GET /lineage` query: the dataset whose lineage to read, and the page of runs. */
export const lineageQuerySchema = z
  .object({
    /** Dataset (schema) id. */
    dataset: z.string().min(1).max(200),
    ...paginationShape,
  })
  .strict();

/** Lineage: which source objects and columns produced a dataset's rows, by run. */
export function registerLineageRoutes(app: FastifyInstance, { context }: ApiDependencies): void {
  const { pool } = context;

  app.get('/lineage', async (request) => {
    const tenant = requireTenant(request);
    const query = parseInput(lineageQuerySchema, request.query, 'query');
    return readDatasetLineage(pool, tenant.id, query.dataset, { limit: query.limit, offset: query.offset });
  });

  app.get('/runs/:id/lineage', async (request) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    return { lineage: await readRunLineage(pool, tenant.id, id) };
  });
}
