import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound } from '@flow/shared/errors/catalog';
import { createPipeline, getIrVersion, listIrVersions, listPipelines, requirePipeline, storeIrVersion } from '@flow/shared/pipelines/pipeline-store';
import { deletePipeline, updatePipeline } from '@flow/shared/pipelines/pipeline-changes';
import { listRuns } from '@flow/shared/runs/run-store';
import type { ApiDependencies } from '../api-dependencies.ts';
import { requireTenant } from '../http/authenticate.ts';
import { idParamsSchema } from '../http/id-params.ts';
import { paginationQuerySchema } from '../http/pagination.ts';
import { parseInput } from '../http/parse-input.ts';
import { startManualRun } from '../runs/start-manual-run.ts';
import { toRunView } from '../runs/run-view.ts';

/**
 * `POST /pipelines` body. The IR itself is checked by the shared IR parser, which names the
 * node at fault, so here it only has to be an object.
 */
export const createPipelineBodySchema = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    ir: z.record(z.string(), z.unknown()),
  })
  .strict();

/**
 * `PATCH /pipelines/:id` body. `binding` moves the S3 source to another connector or key
 * prefix by storing a new IR version; `description: null` clears the description.
 */
export const updatePipelineBodySchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    description: z.string().max(2000).nullable().optional(),
    binding: z
      .object({ connectorId: z.string().uuid().optional(), keyPrefix: z.string().max(1024).optional() })
      .strict()
      .refine((binding) => binding.connectorId !== undefined || binding.keyPrefix !== undefined, 'binding needs connectorId or keyPrefix')
      .optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'the body needs at least one of name, description, binding');

export const storeIrBodySchema = z.object({ ir: z.record(z.string(), z.unknown()) }).strict();

/** Pipelines, their IR versions, and starting runs. */
export function registerPipelineRoutes(app: FastifyInstance, dependencies: ApiDependencies): void {
  const { pool, config } = dependencies.context;

  app.post('/pipelines', async (request, reply) => {
    const tenant = requireTenant(request);
    const body = parseInput(createPipelineBodySchema, request.body, 'body');
    const { ir: _ir, ...pipeline } = await createPipeline(pool, config, tenant.id, body);
    request.log.info({ pipeline_id: pipeline.id }, 'pipeline created');
    return reply.status(201).send({ pipeline, irVersion: 1 });
  });

  app.get('/pipelines', async (request) => {
    const tenant = requireTenant(request);
    const page = parseInput(paginationQuerySchema, request.query, 'query');
    const pipelines = await listPipelines(pool, tenant.id, page);
    return { pipelines, limit: page.limit, offset: page.offset };
  });

  app.get('/pipelines/:id', async (request) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    return { pipeline: await requirePipeline(pool, tenant.id, id) };
  });

  app.patch('/pipelines/:id', async (request) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const body = parseInput(updatePipelineBodySchema, request.body, 'body');
    const updated = await updatePipeline(pool, config, tenant.id, id, body);
    request.log.info({ pipeline_id: id, ir_version: updated.irVersion, changed: Object.keys(body) }, 'pipeline updated');
    return updated;
  });

  app.delete('/pipelines/:id', async (request) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const pipeline = await deletePipeline(pool, tenant.id, id);
    request.log.info({ pipeline_id: pipeline.id }, 'pipeline deleted');
    return { deleted: true, id: pipeline.id };
  });

  app.get('/pipelines/:id/ir', async (request) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const pipeline = await requirePipeline(pool, tenant.id, id);
    const current = await getIrVersion(pool, pipeline.id, pipeline.currentIrVersion);
    if (!current) throw notFound('IR version', `${pipeline.id}@${pipeline.currentIrVersion}`);
    return { version: current.version, ir: current.ir, createdAt: current.createdAt };
  });

  app.post('/pipelines/:id/ir', async (request, reply) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const body = parseInput(storeIrBodySchema, request.body, 'body');
    const stored = await storeIrVersion(pool, config, tenant.id, id, body.ir);
    request.log.info({ pipeline_id: id, ir_version: stored.version }, 'pipeline IR version stored');
    return reply.status(201).send({ version: stored.version, ir: stored.ir, createdAt: stored.createdAt });
  });

  app.get('/pipelines/:id/ir/versions', async (request) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const page = parseInput(paginationQuerySchema, request.query, 'query');
    const pipeline = await requirePipeline(pool, tenant.id, id);
    const versions = await listIrVersions(pool, pipeline.id, page);
    return { versions, limit: page.limit, offset: page.offset };
  });

  app.post('/pipelines/:id/run', async (request, reply) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const run = await startManualRun(dependencies, tenant.id, id, request.log);
    return reply.status(202).send({ runId: run.id, requestId: run.requestId, status: run.status });
  });

  app.get('/pipelines/:id/runs', async (request) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const page = parseInput(paginationQuerySchema, request.query, 'query');
    const pipeline = await requirePipeline(pool, tenant.id, id);
    const runs = await listRuns(pool, tenant.id, pipeline.id, page.limit, page.offset);
    return { runs: runs.map(toRunView), limit: page.limit, offset: page.offset };
  });
}
