import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createDataset, listDatasets, requireDataset } from '@flow/shared/datasets/dataset-store';
import { datasetFieldsSchema } from '@flow/shared/datasets/field-schema';
import { identifierSchema } from '@flow/shared/ir/schema';
import { readDatasetRows, rowsQuerySchema } from '../datasets/read-dataset-rows.ts';
import type { ApiDependencies } from '../api-dependencies.ts';
import { requireTenant } from '../http/authenticate.ts';
import { idParamsSchema } from '../http/id-params.ts';
import { paginationQuerySchema } from '../http/pagination.ts';
import { parseInput } from '../http/parse-input.ts';

/** `POST /schemas` body: the dataset name (its table is `ds_<name>`) and its fields. */
export const createSchemaBodySchema = z
  .object({
    name: identifierSchema,
    fields: datasetFieldsSchema,
  })
  .strict();

/** Datasets ("schemas" in the API) and the rows of their tables. */
export function registerSchemaRoutes(app: FastifyInstance, { context }: ApiDependencies): void {
  const { pool } = context;

  app.post('/schemas', async (request, reply) => {
    const tenant = requireTenant(request);
    const body = parseInput(createSchemaBodySchema, request.body, 'body');
    const schema = await createDataset(pool, tenant, body.name, body.fields);
    request.log.info({ dataset_id: schema.id, table: schema.tableName }, 'dataset created');
    return reply.status(201).send({ schema });
  });

  app.get('/schemas', async (request) => {
    const tenant = requireTenant(request);
    const page = parseInput(paginationQuerySchema, request.query, 'query');
    const schemas = await listDatasets(pool, tenant.id, page);
    return { schemas, limit: page.limit, offset: page.offset };
  });

  app.get('/schemas/:id', async (request) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    return { schema: await requireDataset(pool, tenant.id, id) };
  });

  app.get('/schemas/:id/rows', async (request) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const query = parseInput(rowsQuerySchema, request.query, 'query');
    const dataset = await requireDataset(pool, tenant.id, id);
    return readDatasetRows(pool, dataset, query);
  });
}
