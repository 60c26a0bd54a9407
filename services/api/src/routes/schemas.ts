import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createDataset, listDatasets, requireDataset } from '@flow/shared/datasets/dataset-store';
import { addDatasetField, deleteDataset } from '@flow/shared/datasets/dataset-changes';
import { datasetFieldSchema, datasetFieldsSchema } from '@flow/shared/datasets/field-schema';
import { identifierSchema } from '@flow/shared/ir/schema';
import { readDatasetRows, rowsQuerySchema } from '../datasets/read-dataset-rows.ts';
import { parseRowFilters, splitFilterParameters } from '../datasets/row-filters.ts';
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

/**
 * `POST /schemas/:id/fields` body: one field added as a nullable column, so rows already in
 * the table stay valid. It cannot join the primary key.
 */
export const addFieldBodySchema = z
  .object({
    name: identifierSchema,
    type: datasetFieldSchema.shape.type,
    precision: z.number().int().min(1).max(1000).optional(),
    scale: z.number().int().min(0).max(1000).optional(),
    description: z.string().max(1000).optional(),
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
    const { filters, rest } = splitFilterParameters(request.query);
    const query = parseInput(rowsQuerySchema, rest, 'query');
    const dataset = await requireDataset(pool, tenant.id, id);
    return readDatasetRows(pool, dataset, query, parseRowFilters(dataset, filters));
  });

  app.post('/schemas/:id/fields', async (request, reply) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const body = parseInput(addFieldBodySchema, request.body, 'body');
    // The full field schema checks precision and scale against the type.
    const field = parseInput(datasetFieldSchema, { ...body, isPrimaryKey: false, nullable: true }, 'body');
    const schema = await addDatasetField(pool, tenant.id, id, field);
    request.log.info({ dataset_id: id, field: field.name }, 'dataset field added');
    return reply.status(201).send({ schema });
  });

  app.delete('/schemas/:id', async (request) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const schema = await deleteDataset(pool, tenant.id, id);
    request.log.info({ dataset_id: id, table: schema.tableName }, 'dataset deleted');
    return { deleted: true, id: schema.id };
  });
}
